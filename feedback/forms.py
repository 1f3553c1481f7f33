from __future__ import annotations

from django import forms

from . import policy
from .models import READER_REASONS, Reason


class FlagForm(forms.Form):
    reason = forms.ChoiceField(choices=Reason.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000, help_text="What is wrong, or what is missing?"
    )
    case_ref = forms.CharField(label="Case (optional)", required=False, max_length=100, help_text="The case it came up on.")

    def __init__(self, *args, user, article, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the reasons this person may flag for (no authority flag for who may fix it).
        self.fields["reason"].choices = policy.flag_reasons_for(user, article)


class ResolveForm(forms.Form):
    version = forms.IntegerField(
        required=False, min_value=1, help_text="The article version that fixed it; empty means the current one."
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000, label="What was done")


class DismissForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        label="Why dismiss it",
        help_text="The person who raised it will read this.",
        error_messages={"required": "Say why you dismiss this flag: the person who raised it will read it."},
    )


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("yes", "Yes"), ("no", "No")], coerce=lambda v: v == "yes")
    reason = forms.ChoiceField(choices=[("", "Tell us why (optional)"), *READER_REASONS], required=False)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
