from __future__ import annotations

from django import forms

from .models import Criterion

PASS_FAIL = [("pass", "Met"), ("fail", "Not met")]


class RequestReviewForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Automatic (a coach for this product with the fewest open reviews)",
        label="Coach",
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000, label="Note to the coach")

    def __init__(self, *args, coaches: list, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import User

        self.fields["reviewer"].queryset = User.objects.filter(pk__in=[c.pk for c in coaches]).order_by("username")
        self.fields["reviewer"].label_from_instance = lambda u: u.get_full_name() or u.username


class DecisionForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ChecklistForm(forms.Form):
    """One pass/fail choice and an optional note per content-standard criterion."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000, label="Overall comment")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in Criterion.choices:
            self.fields[f"{key}"] = forms.ChoiceField(choices=PASS_FAIL, widget=forms.RadioSelect, label=label)
            self.fields[f"{key}_note"] = forms.CharField(required=False, max_length=300, label="Note")

    def criteria(self) -> list[tuple]:
        return [(self[key], self[f"{key}_note"]) for key in Criterion.values]

    def answers(self) -> dict[str, tuple[bool, str]]:
        data = self.cleaned_data
        return {key: (data[key] == "pass", data[f"{key}_note"]) for key in Criterion.values}
