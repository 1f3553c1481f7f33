"""The form that relates one article to another, on the article page and its own page."""

from __future__ import annotations

from django import forms

from .models import RelationKind
from .relations import MAX_NOTE


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label="This article", choices=RelationKind.choices, initial=RelationKind.RELATED)
    article = forms.CharField(
        label="Other article",
        max_length=500,
        help_text="Its address (the page's link) or its slug.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    note = forms.CharField(
        label="Note (optional)", max_length=MAX_NOTE, required=False, help_text="Staff only: why they are linked."
    )
