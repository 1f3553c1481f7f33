from __future__ import annotations

from django import forms

from articles.forms import DatePicker

from .services import CASE_REF_MAX

SOLVED_CHOICES = [("yes", "Yes, it solved the case"), ("no", "No, it did not"), ("not_yet", "Not yet known")]
SOLVED_VALUES = {"yes": True, "no": False, "not_yet": None, "": None}


class ReuseForm(forms.Form):
    case_ref = forms.CharField(label="Case reference", max_length=CASE_REF_MAX, required=False)
    solved = forms.ChoiceField(label="Did it solve the case?", choices=SOLVED_CHOICES, required=False, initial="not_yet")

    def solved_value(self) -> bool | None:
        return SOLVED_VALUES[self.cleaned_data.get("solved") or ""]


class ConfirmForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)


class ReviewDateForm(forms.Form):
    review_by = forms.DateField(label="Review by", widget=DatePicker())
    note = forms.CharField(label="Why (optional)", max_length=500, required=False)
