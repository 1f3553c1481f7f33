"""The translation editor's form: the words of a translation, beside its source (articles/translations.py).

Only words: the title, the sections, the internal notes, the note on what to do outside the
authority and each rule's action and notes. The rules' limits, deciders and escalation contact are
the source's and are shown, not offered.
"""

from __future__ import annotations

from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from . import policy, structure
from .forms import STALE_FORM, TextAreaField, one_line
from .models import Article, Audience, State, markdown_problems
from .rendering import MAX_CHARS, render_markdown
from .templatetags.sections import article_sections
from .translations import mirrored_rules, missing_languages, wider


class TranslationForm(forms.Form):
    language = forms.ChoiceField(label=_("Translate into"))
    title = forms.CharField(max_length=200, label=_("Title"))
    internal_notes = TextAreaField(rows=4, required=False, label=_("Internal notes (staff only)"))
    authority_note = TextAreaField(rows=2, strip=True, required=False, label=_("Outside this authority"))
    audience = forms.ChoiceField(label=_("Audience"), help_text=_("Never wider than the source's."))
    note = forms.CharField(max_length=500, required=False, label=_("Change note"))
    material = forms.TypedChoiceField(
        choices=[("1", _("Material: facts changed")), ("0", _("Minor: wording or typo"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
        label=_("Kind of change"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, error_messages={"invalid": STALE_FORM})
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, source: Article, translation: Article | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.source, self.translation = user, source, translation
        self.sections = structure.sections_of(translation or source)
        self.source_rules = list(source.rules.all())
        self._add_text_fields()
        self.fields["seen_version"].initial = source.version
        probe = translation or Article(audience=Audience.INTERNAL, state=State.WIP, owner=user, created_by=user)
        self.fields["audience"].choices = [
            (value, label)
            for value, label in Audience.choices
            if not wider(value, source.audience) and (value == probe.audience or policy.can_change_audience(user, probe, value))
        ]
        if translation is None:
            self.fields["language"].choices = missing_languages(source)
            allowed = [value for value, _label in self.fields["audience"].choices]
            self.fields["audience"].initial = source.audience if source.audience in allowed else Audience.INTERNAL
            del self.fields["version"], self.fields["material"]
        else:
            del self.fields["language"]
            self.fields["version"].required = True
            self.initial = {**self.initial_for(translation), **self.initial}

    def _add_text_fields(self) -> None:
        for section in self.sections:
            label = structure.shown_label(section) + (" " + str(_("(staff only)")) if section.staff_only else "")
            rows = 6 if section.role == "resolution" else 3
            self.fields[section.field_name] = TextAreaField(rows=rows, required=False, label=label)
            self.fields[section.field_name].widget.attrs.update(maxlength=MAX_CHARS, dir="auto")
        for n in range(len(self.source_rules)):
            number = {"n": n + 1}
            self.fields[f"rule_{n}_action"] = forms.CharField(
                max_length=200,
                label=_("Rule %(n)s: the agent may…") % number,
                label_suffix="",  # the label runs on into the field: no colon after "…"
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"rule_{n}_notes"] = forms.CharField(
                max_length=300, required=False, label=_("Rule %(n)s: notes") % number, widget=forms.Textarea(attrs={"rows": 2})
            )
        order = ["language", "title", *[s.field_name for s in self.sections], "internal_notes"]
        self.order_fields([n for n in order if n in self.fields] + [n for n in self.fields if n not in order])

    @staticmethod
    def initial_for(translation: Article) -> dict:
        values = {s.field_name: structure.text_of(translation, s) for s in structure.sections_of(translation)}
        for n, rule in enumerate(translation.rules.all()):
            values[f"rule_{n}_action"] = rule.action
            values[f"rule_{n}_notes"] = rule.notes
        return {
            **values,
            "title": translation.title,
            "internal_notes": translation.internal_notes,
            "authority_note": translation.authority_note,
            "audience": translation.audience,
            "version": translation.version,
            "material": "1",
        }

    def rows(self) -> list[tuple[str, str, forms.BoundField]]:
        """(label, the source's text as rendered, this input): one row of the side-by-side editor
        per text, the source's version read-only on the left."""
        source = self.source
        by_key = {item["section"].key: item for item in article_sections(source, "staff")}
        rows = [(str(_("Title")), escape(source.title), self["title"])]
        for section in self.sections:
            item = by_key.get(section.key)
            html = item["html"] if item and not item["empty"] else ""
            rows.append((structure.shown_label(section), html, self[section.field_name]))
        notes = render_markdown(source.internal_notes, id_prefix="notes", internal=True) if source.internal_notes else ""
        rows.append((str(_("Internal notes")), notes, self["internal_notes"]))
        return rows

    def rule_fields(self) -> list[tuple]:
        """(source rule, its action input, its notes input) in the source's order."""
        return [(rule, self[f"rule_{n}_action"], self[f"rule_{n}_notes"]) for n, rule in enumerate(self.source_rules)]

    def clean(self):
        data = super().clean()
        for name in [n for n in data if n.startswith("rule_")]:
            data[name] = one_line(data[name] or "")
        for name, problem in markdown_problems(self.texts(data), current=self.translation).items():
            if name in self.fields:
                self.add_error(name, problem)
        return data

    def texts(self, data: dict | None = None) -> dict:
        """The article fields this form sets: standard sections, `sections`, notes."""
        data = self.cleaned_data if data is None else data
        values = {s.key: data.get(s.field_name) or "" for s in self.sections if s.is_standard}
        own = {s.key: data.get(s.field_name) or "" for s in self.sections if not s.is_standard}
        if own:
            values["sections"] = own
        values["internal_notes"] = data.get("internal_notes") or ""
        values["authority_note"] = data.get("authority_note") or ""
        return values

    def rule_words(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"action": data.get(f"rule_{n}_action", ""), "notes": data.get(f"rule_{n}_notes", "")}
            for n in range(len(self.source_rules))
        ]

    def rules(self) -> list[dict]:
        """The rules to save on the translation: the source's structure with these words."""
        return mirrored_rules([r.as_dict() for r in self.source_rules], self.rule_words())
