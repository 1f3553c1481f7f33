"""The side-by-side merge form: per field, the merged text (A's to start with), B's to take instead."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from . import policy, structure
from .forms import STALE_FORM, TextAreaField, read_tag_field, staff_only_label
from .models import MARKDOWN_FIELDS, MAX_AUTHORITY_RULES, Article, markdown_problems
from .rendering import MAX_CHARS


@dataclass(frozen=True)
class Row:
    """One text shown side by side: its input's name, A's and B's text, Markdown or plain."""

    name: str
    label: str
    a: str
    b: str
    markdown: bool = True


def text_rows(target: Article, source: Article) -> tuple[list[Row], dict[str, str]]:
    """The title, the sections of A's template and the internal notes, each with A's text and
    B's; and B's texts that have no place in A's sections ({label: text}), shown for copying.

    B's text for a section is B's section of the same key, else (B written in another template)
    B's sections of the same role that A's template has no key for, given to A's first section of
    that role: B's "symptom" fills A's issue. Staff-only text of B's is never offered for a
    section shown to everyone (one click would publish it): it goes to a staff-only section of A's
    of that role, or is listed apart, marked staff only."""
    a_sections, b_sections = structure.sections_of(target), structure.sections_of(source)
    a_by_key = {s.key: s for s in a_sections}

    def may_take(a_section, b_section) -> bool:
        return a_section.staff_only or not b_section.staff_only

    placed: dict[str, list[str]] = {}  # A's section key -> B's texts offered for it
    leftover: dict[str, str] = {}
    for section in b_sections:
        text = structure.text_of(source, section)
        if not text.strip():
            continue
        same = a_by_key.get(section.key)
        home = (
            same
            if same is not None and may_take(same, section)
            else next(
                (
                    s
                    for s in a_sections
                    if s.role == section.role and may_take(s, section) and s.key not in {b.key for b in b_sections}
                ),
                None,
            )
        )
        if home is None:
            leftover[staff_only_label(section)] = text
        else:
            placed.setdefault(home.key, []).append(text)
    rows = [Row("title", _("Title"), target.title, source.title, markdown=False)]
    for section in a_sections:
        label = staff_only_label(section)
        b_text = "\n\n".join(placed.get(section.key, []))
        rows.append(Row(section.field_name, label, structure.text_of(target, section), b_text, section.markdown))
    rows.append(Row("internal_notes", _("Internal notes (staff only)"), target.internal_notes, source.internal_notes))
    return rows, leftover


AUTHORITY_TEXT = ("authority_note", gettext_lazy("Outside this authority"))
# What a "use" button may do to a field's merged text (posted as "<field>:<what>").
USES = ("a", "b", "both")
SIDES = [("target", gettext_lazy("Keep A's")), ("source", gettext_lazy("Use B's"))]


def merged_label(label: str) -> str:
    """The label of a merged text's box: "Merged resolution". English writes the label mid-sentence
    in lower case; other languages keep it as written (German capitalises its nouns)."""
    if (get_language() or "en").startswith("en"):
        label = label[:1].lower() + label[1:]
    return _("Merged %(label)s") % {"label": label}


class MergeForm(forms.Form):
    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))
    issue = TextAreaField(rows=4, required=False, label=gettext_lazy("Issue"))
    environment = TextAreaField(rows=3, required=False, label=gettext_lazy("Environment"))
    resolution = TextAreaField(rows=8, required=False, label=gettext_lazy("Resolution"))
    cause = TextAreaField(rows=3, required=False, label=gettext_lazy("Cause"))
    internal_notes = TextAreaField(rows=3, required=False, label=gettext_lazy("Internal notes (staff only)"))
    authority_note = TextAreaField(rows=2, strip=True, required=False, label=gettext_lazy("Outside this authority"))
    rules = forms.ChoiceField(
        choices=[*SIDES, ("both", gettext_lazy("Both: A's rules, then B's"))],
        initial="target",
        widget=forms.RadioSelect,
        label=gettext_lazy("Rules"),
    )
    escalation = forms.ChoiceField(
        choices=SIDES, initial="target", widget=forms.RadioSelect, label=gettext_lazy("Escalation contact")
    )
    tags = forms.CharField(
        required=False, label=gettext_lazy("Tags"), help_text=gettext_lazy("Comma-separated: A's and B's to start with.")
    )
    note = forms.CharField(
        max_length=500,
        required=False,
        label=gettext_lazy("Merge note"),
        help_text=gettext_lazy("Why these are the same issue (kept in both histories)."),
    )
    target_version = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": STALE_FORM, "invalid": STALE_FORM})
    source_version = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": STALE_FORM, "invalid": STALE_FORM})

    def __init__(self, *args, user, target: Article, source: Article, **kwargs):
        kwargs.setdefault("initial", self.initial_for(target, source))
        super().__init__(*args, **kwargs)
        self.target, self.source = target, source
        self.rows, self.leftover = text_rows(target, source)
        self.texts = {row.name: row for row in self.rows}
        # The merged article keeps A's template: its sections are the fields (a standard key is
        # the standard field; a section of its own is posted as "sections.<key>").
        for name in structure.STANDARD_KEYS:
            if name not in self.texts:
                del self.fields[name]
        for row in self.rows:
            if row.name not in self.fields:
                self.fields[row.name] = TextAreaField(rows=4, required=False)
            self.fields[row.name].label = merged_label(row.label)
        self.may_edit_authority = bool(policy.can_edit_authority(user, target))
        if not self.may_edit_authority:
            # The authority of the merged article stays A's: it is governed (a KB owner's call).
            for name in ("authority_note", "rules", "escalation"):
                self.fields[name].disabled = True
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.TextInput | forms.Textarea):
                field.widget.attrs["dir"] = "auto"
            if name in MARKDOWN_FIELDS:
                field.widget.attrs["maxlength"] = MAX_CHARS

    @staticmethod
    def initial_for(target: Article, source: Article) -> dict:
        rows, _shown = text_rows(target, source)
        values = {row.name: row.a for row in rows}
        values[AUTHORITY_TEXT[0]] = target.authority_note
        tags = sorted(set(target.tag_names()) | set(source.tag_names()))
        return {**values, "tags": ", ".join(tags), "target_version": target.version, "source_version": source.version}

    def used(self, use: str, *, user) -> MergeForm | None:
        """The form again, unsaved and unchecked, with one field's merged text replaced by A's, B's
        or both (the "use" buttons, which work without JavaScript); None for an unknown button."""
        name, _sep, what = use.partition(":")
        if name not in (*self.texts, AUTHORITY_TEXT[0]) or what not in USES or self.fields[name].disabled:
            return None
        row = self.texts.get(name)
        a, b = (row.a, row.b) if row is not None else (self.target.authority_note, self.source.authority_note)
        text = {"a": a, "b": b, "both": f"{a.rstrip()}\n\n{b.lstrip()}".strip() if name != "title" else a}[what]
        typed = {key: self[key].data for key, field in self.fields.items() if not field.disabled}
        return MergeForm(initial={**self.initial, **typed, name: text}, user=user, target=self.target, source=self.source)

    def clean_tags(self) -> list[str]:
        return read_tag_field(self.cleaned_data["tags"]).tags

    def clean(self):
        data = super().clean()
        for name, problem in markdown_problems(data, current=self.target).items():
            self.add_error(name, problem)
        if len(self.merged_rules() or []) > MAX_AUTHORITY_RULES:
            self.add_error(
                "rules",
                _("An article has at most %(limit)s authority rules: keep one side's.") % {"limit": MAX_AUTHORITY_RULES},
            )
        return data

    def merged_rules(self) -> list[dict] | None:
        """The rules chosen (None: A's stay as they are)."""
        choice = self.cleaned_data.get("rules") or "target"
        if choice == "source":
            return self.source.rule_dicts()
        if choice == "both":
            mine = self.target.rule_dicts()
            return mine + [rule for rule in self.source.rule_dicts() if rule not in mine]
        return None

    def merged(self) -> dict:
        """The keyword arguments of `merging.merge` this form chose: changes, tags, rules, note."""
        data = self.cleaned_data
        changes = {row.name: data[row.name] for row in self.rows if not row.name.startswith(structure.SECTION_PREFIX)}
        own = {row.name.removeprefix(structure.SECTION_PREFIX): data[row.name] for row in self.rows if row.name not in changes}
        if own:
            changes["sections"] = own
        rules = None
        if self.may_edit_authority:
            changes["authority_note"] = data["authority_note"]
            side = self.source if data["escalation"] == "source" else self.target
            changes["escalation"] = side.escalation
            rules = self.merged_rules()
        return {"changes": changes, "tags": data["tags"], "rules": rules, "note": data["note"]}
