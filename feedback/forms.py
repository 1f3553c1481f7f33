from __future__ import annotations

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import policy
from .models import READER_REASONS, Reason


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=Reason.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("What is wrong, or what is missing?"),
    )
    case_ref = forms.CharField(
        label=gettext_lazy("Case (optional)"), required=False, max_length=100, help_text=gettext_lazy("The case it came up on.")
    )

    def __init__(self, *args, user, article, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the reasons this person may flag for (no authority flag for who may fix it).
        self.fields["reason"].choices = policy.flag_reasons_for(user, article)


# The choice on the resolve form that closes the flag without naming a version (a dismissal).
NO_CHANGE = "no_change"


class ResolveForm(forms.Form):
    """Resolve a flag by naming the version that fixed it, chosen among the versions saved since
    it was raised (newest first, the newest ticked), or say no change was needed."""

    version = forms.ChoiceField(label=gettext_lazy("What fixed it"), widget=forms.RadioSelect, required=False)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        label=gettext_lazy("What was done, or why no change was needed"),
    )

    def __init__(self, *args, flag, choices: list, **kwargs):
        kwargs.setdefault("initial", {"version": str(choices[0].number) if choices else NO_CHANGE})
        super().__init__(*args, **kwargs)
        self.flag = flag
        self.fields["version"].choices = [
            *((str(v.number), version_label(v, flagged=flag.article_version)) for v in choices),
            (NO_CHANGE, _("No change was needed: close it as dismissed (say why below)")),
        ]
        self.fields["version"].error_messages["invalid_choice"] = _(
            "Choose one of the versions saved since the flag was raised (version %(version)s or later), "
            "or “no change was needed”."
        ) % {"version": flag.article_version}

    def clean(self):
        data = super().clean()
        choice = data.get("version") or (self.fields["version"].choices[0][0])
        data["dismiss"] = choice == NO_CHANGE
        data["version"] = None if data["dismiss"] else int(choice)
        if data["dismiss"] and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why no change was needed: the person who raised the flag will read it."))
        return data


def version_label(v, *, flagged: int) -> str:
    """ "Version 4 — Reworded step 2 (olga, 3 Dec 2026 14:05)": what a person recognises a version by."""
    when = formats.date_format(timezone.localtime(v.date), "j M Y H:i")
    who = v.user.get_username() if v.user else _("system")
    note = v.comment or _("no change note")
    values = {"number": v.number, "note": note, "who": who, "when": when}
    if v.number == flagged:
        return _("Version %(number)s — %(note)s (%(who)s, %(when)s) — the version it was flagged on") % values
    return _("Version %(number)s — %(note)s (%(who)s, %(when)s)") % values


class DismissForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        label=gettext_lazy("Why dismiss it"),
        help_text=gettext_lazy("The person who raised it will read this."),
        error_messages={"required": gettext_lazy("Say why you dismiss this flag: the person who raised it will read it.")},
    )


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))], coerce=lambda v: v == "yes"
    )
    reason = forms.ChoiceField(choices=[("", gettext_lazy("Tell us why (optional)")), *READER_REASONS], required=False)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
