from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from articles.forms import DatePicker

from .services import CASE_REF_MAX

SOLVED_CHOICES = [("yes", _("Yes, it solved the case")), ("no", _("No, it did not")), ("not_yet", _("Not yet known"))]
SOLVED_VALUES = {"yes": True, "no": False, "not_yet": None, "": None}


class ReuseForm(forms.Form):
    case_ref = forms.CharField(label=_("Case reference"), max_length=CASE_REF_MAX, required=False)
    solved = forms.ChoiceField(label=_("Did it solve the case?"), choices=SOLVED_CHOICES, required=False, initial="not_yet")

    def solved_value(self) -> bool | None:
        return SOLVED_VALUES[self.cleaned_data.get("solved") or ""]


class ConfirmForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class ReviewDateForm(forms.Form):
    review_by = forms.DateField(label=_("Review by"), widget=DatePicker())
    note = forms.CharField(label=_("Why (optional)"), max_length=500, required=False)
