from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PROMOTABLE, LevelCriteria


class PromoteForm(forms.Form):
    to = forms.ChoiceField(choices=PROMOTABLE, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("Why now: kept with the promotion."),
    )
    override = forms.BooleanField(required=False, label=_("Promote anyway, although some criteria are not met"))


class CriteriaForm(forms.ModelForm):
    class Meta:
        model = LevelCriteria
        fields = [
            "min_paths_completed",
            "min_articles_validated",
            "min_average_checklist_score",
            "min_link_accuracy",
            "min_link_reviews",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    # Left empty (or not sent by an older form), the link-accuracy fields keep their defaults:
    # 0 = not required, and the model's number of reviews before it counts.
    OPTIONAL = ("min_link_accuracy", "min_link_reviews")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.OPTIONAL:
            self.fields[name].required = False

    def clean_min_link_accuracy(self):
        return self._or_default("min_link_accuracy")

    def clean_min_link_reviews(self):
        return self._or_default("min_link_reviews")

    def _or_default(self, name: str) -> int:
        value = self.cleaned_data.get(name)
        if value is None:
            value = getattr(self.instance, name, None)
        return LevelCriteria._meta.get_field(name).get_default() if value is None else value
