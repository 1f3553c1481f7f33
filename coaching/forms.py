from __future__ import annotations

from django import forms

from .models import MAX_WEIGHT, MIN_WEIGHT, ChecklistCriterion

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
    """One pass/fail choice and an optional note per active content-standard criterion
    (`criteria`, from `active_criteria()`), the criterion's help text under its name."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000, label="Overall comment")

    def __init__(self, *args, criteria: list[ChecklistCriterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = criteria
        for c in criteria:
            self.fields[c.key] = forms.ChoiceField(
                choices=PASS_FAIL, widget=forms.RadioSelect, label=c.name, help_text=c.help_text
            )
            self.fields[f"{c.key}_note"] = forms.CharField(
                required=False,
                max_length=300,
                label=f"Note on “{c.name}”",
                widget=forms.TextInput(attrs={"placeholder": "Note (optional)"}),
            )

    def criteria(self) -> list[tuple]:
        """(criterion, its pass/fail field, its note field) in checklist order."""
        return [(c, self[c.key], self[f"{c.key}_note"]) for c in self.checklist]

    def answers(self) -> dict[str, tuple[bool, str]]:
        data = self.cleaned_data
        return {c.key: (data[c.key] == "pass", data[f"{c.key}_note"]) for c in self.checklist}


WEIGHT_ERRORS = {
    "min_value": f"The weight is a whole number from {MIN_WEIGHT} to {MAX_WEIGHT}.",
    "max_value": f"The weight is a whole number from {MIN_WEIGHT} to {MAX_WEIGHT}.",
    "invalid": f"The weight is a whole number from {MIN_WEIGHT} to {MAX_WEIGHT}.",
    "required": "Give the criterion a weight (1 when it counts as much as the others).",
}


class CriterionForm(forms.Form):
    """A criterion's name, help text and weight (adding one, or changing it)."""

    name = forms.CharField(max_length=120, error_messages={"required": "Give the criterion a name."})
    help_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
        label="Help text",
        help_text="Shown under the criterion on the checklist: what a scorer looks for.",
    )
    weight = forms.IntegerField(
        min_value=MIN_WEIGHT,
        max_value=MAX_WEIGHT,
        initial=1,
        error_messages=WEIGHT_ERRORS,
        help_text=f"From {MIN_WEIGHT} to {MAX_WEIGHT}: how much meeting it counts in a score's share.",
    )


class PositionForm(forms.Form):
    position = forms.IntegerField(min_value=1, max_value=999, label="Position")
