from __future__ import annotations

from django import forms

from .models import PROMOTABLE, LevelCriteria


class PromoteForm(forms.Form):
    to = forms.ChoiceField(choices=PROMOTABLE, widget=forms.HiddenInput)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, help_text="Why now: kept with the promotion."
    )
    override = forms.BooleanField(required=False, label="Promote anyway, although some criteria are not met")


class CriteriaForm(forms.ModelForm):
    class Meta:
        model = LevelCriteria
        fields = ["min_paths_completed", "min_articles_validated", "min_average_checklist_score", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
