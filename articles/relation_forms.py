"""The form that relates one article to another, on the article page and its own page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RelationKind
from .relations import MAX_NOTE


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("This article"), choices=RelationKind.choices, initial=RelationKind.RELATED)
    article = forms.CharField(
        label=_("Other article"),
        max_length=500,
        help_text=_("Its address (the page's link) or its slug."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    note = forms.CharField(
        label=_("Note (optional)"), max_length=MAX_NOTE, required=False, help_text=_("Staff only: why they are linked.")
    )
