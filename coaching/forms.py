from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import MAX_WEIGHT, MIN_WEIGHT, ChecklistCriterion

PASS_FAIL = [("pass", gettext_lazy("Met")), ("fail", gettext_lazy("Not met"))]


class RequestReviewForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Automatic (a coach for this product with the fewest open reviews)"),
        label=gettext_lazy("Coach"),
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000, label=gettext_lazy("Note to the coach")
    )

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
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000, label=gettext_lazy("Overall comment")
    )

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
                label=_("Note on “%(name)s”") % {"name": c.name},
                widget=forms.TextInput(attrs={"placeholder": _("Note (optional)")}),
            )

    def criteria(self) -> list[tuple]:
        """(criterion, its pass/fail field, its note field) in checklist order."""
        return [(c, self[c.key], self[f"{c.key}_note"]) for c in self.checklist]

    def answers(self) -> dict[str, tuple[bool, str]]:
        data = self.cleaned_data
        return {c.key: (data[c.key] == "pass", data[f"{c.key}_note"]) for c in self.checklist}


# Interpolated when shown, in the reader's language (a lazy string's % would translate it at import).
WEIGHT_RANGE = lazy(
    lambda: _("The weight is a whole number from %(min)s to %(max)s.") % {"min": MIN_WEIGHT, "max": MAX_WEIGHT}, str
)()
WEIGHT_ERRORS = {
    "min_value": WEIGHT_RANGE,
    "max_value": WEIGHT_RANGE,
    "invalid": WEIGHT_RANGE,
    "required": gettext_lazy("Give the criterion a weight (1 when it counts as much as the others)."),
}


class CriterionForm(forms.Form):
    """A criterion's name, help text and weight (adding one, or changing it)."""

    name = forms.CharField(
        max_length=120, label=gettext_lazy("Name"), error_messages={"required": gettext_lazy("Give the criterion a name.")}
    )
    help_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
        label=gettext_lazy("Help text"),
        help_text=gettext_lazy("Shown under the criterion on the checklist: what a scorer looks for."),
    )
    weight = forms.IntegerField(
        min_value=MIN_WEIGHT,
        max_value=MAX_WEIGHT,
        initial=1,
        label=gettext_lazy("Weight"),
        error_messages=WEIGHT_ERRORS,
        help_text=lazy(
            lambda: (
                _("From %(min)s to %(max)s: how much meeting it counts in a score's share.")
                % {"min": MIN_WEIGHT, "max": MAX_WEIGHT}
            ),
            str,
        )(),
    )


class PositionForm(forms.Form):
    position = forms.IntegerField(min_value=1, max_value=999, label=gettext_lazy("Position"))
