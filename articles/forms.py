from __future__ import annotations

import datetime

from django import forms
from django.db import models
from django.forms import formset_factory
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Kind
from accounts.models import User
from kcs_site.languages import CONTENT_LANGUAGE_CHOICES, DEFAULT_CONTENT_LANGUAGE, current_content_language

from . import policy, structure
from .models import (
    MARKDOWN_FIELDS,
    MAX_AUTHORITY_RULES,
    MAX_TAGS,
    Article,
    Audience,
    Decider,
    EscalationContact,
    InvalidChange,
    Product,
    State,
    TemplateVersion,
    _normalise_rules,
    clean_tags,
    markdown_problems,
    normalize_newlines,
)
from .rendering import MAX_CHARS
from .tags import read_tags

NEW_ARTICLE_REVIEW = gettext_lazy("A new article gets its review date when it is validated.")

# A hidden version that is missing or garbled: the page was not one this server rendered for this article.
STALE_FORM = gettext_lazy("This form is out of date; reload the article and edit again.")


class DatePicker(forms.DateInput):
    """The browser's date picker. Its value must be ISO (yyyy-mm-dd) whatever the site's locale:
    with en-gb's 22/06/2027 the picker shows an empty field and the reader retypes the date."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TextAreaField(forms.CharField):
    """Multi-line text as typed (not stripped), with line ends as "\n" (browsers post "\r\n")."""

    def __init__(self, *, rows: int = 3, strip: bool = False, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        super().__init__(strip=strip, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_newlines(value) if isinstance(value, str) else value


def read_tag_field(text: str):
    """The tags typed in a comma-separated field (articles/tags.py), or a ValidationError saying
    which are refused or that there are too many."""
    reading = read_tags(text.split(","))
    if reading.refused:
        raise forms.ValidationError(reading.refusals())
    if len(reading.tags) > MAX_TAGS:
        raise forms.ValidationError(_("Give at most %(limit)s tags.") % {"limit": MAX_TAGS})
    return reading


class ArticleForm(forms.Form):
    """Create and edit an article. Which fields are open depends on the policy for this user."""

    title = forms.CharField(max_length=200, label=gettext_lazy("Title"), help_text=gettext_lazy("In the customer's words."))
    product = forms.ModelChoiceField(queryset=Product.objects.all(), label=gettext_lazy("Product"))
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=CONTENT_LANGUAGE_CHOICES,
        initial=DEFAULT_CONTENT_LANGUAGE,
        required=False,  # a form posted without it (a script, an older page) keeps the language
        help_text=gettext_lazy("The language the article is written in."),
    )
    tags = forms.CharField(
        required=False, label=gettext_lazy("Tags"), help_text=gettext_lazy("Comma-separated, e.g. refund, booking")
    )
    issue = TextAreaField(
        rows=3,
        required=False,
        label=gettext_lazy("Issue"),
        help_text=gettext_lazy("What the customer is trying to do or what goes wrong, in their words."),
    )
    environment = TextAreaField(
        rows=3,
        required=False,
        label=gettext_lazy("Environment"),
        help_text=gettext_lazy("Products, versions, settings involved."),
    )
    resolution = TextAreaField(
        rows=8,
        required=False,
        label=gettext_lazy("Resolution"),
        help_text=gettext_lazy("Markdown. Leave empty while the article is work in progress."),
    )
    cause = TextAreaField(rows=3, required=False, label=gettext_lazy("Cause"))
    internal_notes = TextAreaField(
        rows=4,
        required=False,
        label=gettext_lazy("Internal notes (staff only)"),
        help_text=gettext_lazy(
            "Markdown. Tools, reason codes, goodwill rules: never shown to customers. "
            "A passage between “:::internal” and “:::” lines in any field is hidden from them too."
        ),
    )
    audience = forms.ChoiceField(choices=Audience.choices, initial=Audience.INTERNAL, label=gettext_lazy("Audience"))
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(kind=Kind.STAFF, is_active=True), required=False, label=gettext_lazy("Owner")
    )
    # Browsers accept only YYYY-MM-DD in a date input; any other value (en-gb renders
    # dd/mm/yyyy) is shown blank and posted back empty, clearing the date on every edit.
    review_by = forms.DateField(required=False, widget=DatePicker(), label=gettext_lazy("Review by"))
    escalation = forms.ModelChoiceField(
        queryset=EscalationContact.objects.all(), required=False, label=gettext_lazy("Escalation contact")
    )
    authority_note = TextAreaField(
        rows=2,
        strip=True,
        required=False,
        label=gettext_lazy("Outside this authority"),
        help_text=gettext_lazy("What the agent does when the case is outside the rules above."),
    )
    note = forms.CharField(
        max_length=500,
        required=False,
        label=gettext_lazy("Change note"),
        help_text=gettext_lazy("What changed and why (shown in the history)."),
    )
    material = forms.TypedChoiceField(
        choices=[("1", gettext_lazy("Material: facts changed")), ("0", gettext_lazy("Minor: wording or typo"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
        label=gettext_lazy("Kind of change"),
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, error_messages={"required": STALE_FORM, "invalid": STALE_FORM}
    )

    show_carried = False  # text of sections the template lacks is shown (a save would lose it)
    template_notice = ""  # said on the page when "Use this template" changed the sections shown
    carried: list[tuple[str, str]] = []

    # Rendered in their own places on the page (the authority fieldset, the hidden version).
    PLACED_APART = frozenset({"escalation", "authority_note", "version", "template", "shown_template"})

    def __init__(self, *args, user, article: Article | None = None, template_version: TemplateVersion | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.article = user, article
        self.tag_changes = ""
        self.template_version = template_version
        self.sections = structure.sections_of(template_version)
        self._shape_sections()
        self._fit_text_inputs()
        probe = article or Article(audience=Audience.INTERNAL, state=State.WIP, owner=user, created_by=user)
        self.may_edit_authority = bool(policy.can_edit_authority(user, probe))
        if not self.may_edit_authority:
            for name in ("escalation", "authority_note"):
                self.fields[name].disabled = True
        allowed_audiences = [(v, label) for v, label in Audience.choices if policy.can_change_audience(user, probe, v)]
        self.fields["audience"].choices = allowed_audiences or [(probe.audience, probe.get_audience_display())]
        if article is None or not policy.can_change_owner(user, article):
            self.fields["owner"].disabled = True
        # The review date follows the rule of the review-date form (owner or KB owner, validated
        # article, a date within range: Article.edit checks it); shown read-only to everyone else.
        review = policy.can_change_review_date(user, article) if article else policy.refuse(NEW_ARTICLE_REVIEW)
        if not review:
            self.fields["review_by"].disabled = True
            self.fields["review_by"].help_text = review.reason
        self.review_date_refusal = review.reason
        if article is None:
            self.fields["language"].initial = current_content_language()
            self._offer_templates()
            self.fields["version"].widget = forms.HiddenInput()
            self.fields["note"].required = False
            self.fields["state"] = forms.ChoiceField(
                choices=[
                    (State.WIP, _("Work in progress (no resolution yet)")),
                    (State.NOT_VALIDATED, _("Not validated (resolution written)")),
                ],
                initial=State.WIP,
                label=_("Confidence"),
            )
        else:
            self.fields["version"].required = True
            # The template version whose sections the page shows: a save made from another one
            # comes back with the current sections instead (articles.views.edit).
            self.fields["shown_template"] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=self.template_version_pk()
            )

    def _shape_sections(self) -> None:
        """The template's sections as fields, in its order, with its labels and help; a standard
        key is the standard field. Text typed for a section of another template is carried along
        in the page (`carried`), so switching templates back and forth loses nothing."""
        shown = {s.key for s in self.sections}
        for key in structure.STANDARD_KEYS:
            if key not in shown:
                del self.fields[key]
        for section in self.sections:
            field = self.fields.get(section.key) if section.is_standard else TextAreaField(rows=4, required=False)
            self.fields[section.field_name] = field
            field.section = section
            # What the section is for, read by the duplicate check as the author types (duplicates.js).
            field.widget.attrs["data-role"] = section.role
            if section.as_dict() in structure.STANDARD_SECTIONS:
                continue  # the standard field as it always read
            field.label = staff_only_label(section)
            field.help_text = section_help(section)
            if section.key not in structure.STANDARD_KEYS and section.markdown:
                field.widget.attrs["maxlength"] = MAX_CHARS
        if self.article is None and "issue" not in shown and self.initial.get("issue"):
            # Search first: the words searched go to the template's first issue-like section.
            first = next((s for s in self.sections if s.role == "issue"), None)
            if first is not None:
                self.initial.setdefault(first.field_name, self.initial["issue"])
        names = [s.field_name for s in self.sections]
        head = [n for n in ("title", "product", "language", "template", "tags") if n in self.fields]
        self.order_fields(head + names + [n for n in self.fields if n not in head and n not in names])
        self.carried = [
            (name, value)
            for name, value in (self.data if self.is_bound else self.initial).items()
            if (name.startswith(structure.SECTION_PREFIX) or name in structure.STANDARD_KEYS)
            and name not in self.fields
            and value
        ]

    def _offer_templates(self) -> None:
        # The author picks the template when capturing; "Use this template" shows its sections
        # (the form keeps what was typed). `shown_template` is the version whose sections the page
        # shows, so a save never files text under sections the author did not see.
        self.fields["template"] = forms.ModelChoiceField(
            queryset=structure.offered_templates(),
            required=False,
            empty_label=_("The product's default"),
            label=_("Template"),
            help_text=_("The sections this article is written in."),
        )
        if self.template_version is not None:
            self.fields["template"].initial = self.template_version.template_id
        self.fields["shown_template"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, initial=getattr(self.template_version, "pk", None)
        )

    @property
    def carried_fields(self) -> list[tuple[str, str, str]]:
        """The carried text as (input name, a readable name for its section, text)."""
        return [
            (name, name.removeprefix(structure.SECTION_PREFIX).replace("_", " ").capitalize(), value)
            for name, value in self.carried
        ]

    def refuse_left_behind(self) -> None:
        """Text typed for sections the chosen template lacks would be lost by a save: refused,
        the text shown in the form to move or clear."""
        left = [name.removeprefix(structure.SECTION_PREFIX) for name, value in self.carried if (value or "").strip()]
        if left:
            self.show_carried = True
            names = ", ".join(f"“{name}”" for name in left)
            raise InvalidChange(
                _(
                    "Text typed for %(sections)s, which this template does not have, would be lost: nothing was saved. "
                    "Copy it into a section of this template (it is shown below the template choice), or clear it."
                )
                % {"sections": names}
            )

    def template_version_pk(self) -> int | None:
        return getattr(self.template_version, "pk", None)

    def section_texts(self) -> dict[str, str]:
        """{key: text} of the non-standard sections, as cleaned."""
        data = self.cleaned_data
        return {s.key: data.get(s.field_name) or "" for s in self.sections if not s.is_standard}

    def _fit_text_inputs(self) -> None:
        # Text in any script: each input takes its direction from what is typed (Arabic and Hebrew
        # right to left). A Markdown field stops taking text at the size a save accepts
        # (rendering.MAX_CHARS); the server still checks, and gives back text over it with the reason.
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.TextInput | forms.Textarea):
                field.widget.attrs["dir"] = "auto"
            if name in MARKDOWN_FIELDS:
                field.widget.attrs["maxlength"] = MAX_CHARS

    def clean_tags(self) -> list[str]:
        reading = read_tag_field(self.cleaned_data["tags"])
        self.tag_changes = reading.changes()  # told to the writer once the article is saved
        return reading.tags

    def clean(self):
        data = super().clean()
        self._refuse_a_posted_review_date()
        for name, problem in markdown_problems(data, current=self.article).items():
            self.add_error(name, problem)
        stored = self.article.sections if self.article is not None else None
        texts = {s.key: data[s.field_name] for s in self.sections if not s.is_standard and s.field_name in data}
        for key, problem in structure.section_problems(self.sections, texts, current=stored).items():
            self.add_error(structure.SECTION_PREFIX + key, problem)
        if data.get("state") == State.NOT_VALIDATED:
            for section in self.sections:
                if section.required and section.field_name in data and not (data[section.field_name] or "").strip():
                    if section.key == "resolution":
                        self.add_error("resolution", _("Write the resolution, or save the article as work in progress."))
                    else:
                        self.add_error(
                            section.field_name,
                            _(
                                "The template requires “%(section)s” before the article leaves work in progress: "
                                "write it, or save as work in progress."
                            )
                            % {"section": structure.shown_label(section)},
                        )
        edited = set(self.changed_data) - {"note", "material", "version"}
        if self.article is not None and edited and data.get("material") and not (data.get("note") or "").strip():
            # A material update is announced to subscribers and reusers: the note tells them what changed.
            self.add_error("note", _("Write a short change note: a material update tells subscribers what changed."))
        return data

    def _refuse_a_posted_review_date(self) -> None:
        """A disabled field ignores what is posted; a review date posted anyway by someone who
        may not set it is refused, not silently dropped (the same value as now passes)."""
        field = self.fields["review_by"]
        if not field.disabled or not self.data.get(self.add_prefix("review_by")):
            return
        try:
            posted = field.to_python(self.data[self.add_prefix("review_by")])
        except forms.ValidationError:
            posted = None
        if posted != self.get_initial_for_field(field, "review_by"):
            self.add_error("review_by", self.review_date_refusal)

    def changes(self) -> dict:
        data = self.cleaned_data
        standard = [s.key for s in self.sections if s.is_standard]
        names = ["title", "product", "language", *standard, "internal_notes", "audience", "review_by"]
        if self.may_edit_authority:
            names += ["escalation", "authority_note"]
        if not self.fields["owner"].disabled and data.get("owner"):
            names.append("owner")
        changes = {name: data[name] for name in names}
        changes["language"] = data.get("language") or (self.article.language if self.article else DEFAULT_CONTENT_LANGUAGE)
        if self.template_version is not None:
            changes["template_version"] = self.template_version
        if self.template_version is not None or self.section_texts():
            changes["sections"] = self.section_texts()
        return changes

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.PLACED_APART]

    def posted_values(self) -> dict[str, str]:
        """What this editor means to save, as form text (see `form_value`)."""
        values = flat_values(self.changes())
        values["tags"] = ", ".join(self.cleaned_data["tags"])
        return values

    def merge_saved(self, *, opened: dict[str, str] | None, saved: dict[str, str]) -> dict[str, str]:
        """Three-way merge after someone else saved: bring their changes into this bound form.

        Per field: unchanged here → take the saved value into the form ("taken"); unchanged
        by them → keep this editor's value ("kept"); changed by both, differently → keep
        this editor's value for them to check ("both"). Without the opened version (an
        unknown number) nothing can be told apart, so every difference counts as "both".
        The form then carries the saved version number, so saving again is deliberate.
        Returns {field name: outcome} for the fields where the two sides differ.
        """
        data = self.data.copy()
        outcomes = {}
        for name, mine in self.posted_values().items():
            outcome = three_way(mine, opened.get(name) if opened else None, saved.get(name, ""))
            if outcome == "taken":
                data[name] = saved.get(name, "")
            if outcome != "same":
                outcomes[name] = outcome
        data["version"] = saved["version"]
        self.data = data
        return outcomes

    @staticmethod
    def initial_for(article: Article) -> dict:
        sections = {structure.SECTION_PREFIX + key: text for key, text in (article.sections or {}).items()}
        return {
            **sections,
            "title": article.title,
            "product": article.product_id,
            "language": article.language,
            "tags": ", ".join(article.tag_names()),
            "issue": article.issue,
            "environment": article.environment,
            "resolution": article.resolution,
            "cause": article.cause,
            "internal_notes": article.internal_notes,
            "audience": article.audience,
            "owner": article.owner_id,
            "review_by": article.review_by,
            "escalation": article.escalation_id,
            "authority_note": article.authority_note,
            "version": article.version,
            "material": "1",
        }


def one_line(value: str) -> str:
    """A rule's text is one sentence: line breaks typed in its text box become spaces."""
    return " ".join(value.split())


class RuleForm(forms.Form):
    # One card per rule in the editor, each input with its own visible label: the cards stack on a
    # phone, so no column heading can stand in for a label. Long text wraps in a text box.
    # (The editor says once, above the cards, how a rule reads: "You may refund the booking…".)
    action = forms.CharField(
        label=gettext_lazy("The agent may…"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    limit_amount = forms.DecimalField(label=gettext_lazy("Up to"), max_digits=12, decimal_places=2, required=False, min_value=0)
    limit_unit = forms.CharField(label=gettext_lazy("Unit"), max_length=40, required=False)
    decider = forms.ChoiceField(label=gettext_lazy("Who decides"), choices=Decider.choices, initial=Decider.AGENT)
    notes = forms.CharField(label=gettext_lazy("Notes"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_action(self) -> str:
        return one_line(self.cleaned_data["action"])

    def clean_notes(self) -> str:
        return one_line(self.cleaned_data["notes"])

    def clean(self):
        data = super().clean()
        if data.get("limit_amount") is not None and not data.get("action"):
            self.add_error("action", _("Say what may be done up to this limit."))
        return data


# Read in the language of whoever is told (a lazy string formatted when shown).
TOO_MANY_RULES = lazy(lambda: _("An article has at most %(limit)s authority rules.") % {"limit": MAX_AUTHORITY_RULES}, str)()
# What a card posts back, typed as it is, when the editor is shown again without saving.
RULE_INPUTS = ("action", "limit_amount", "limit_unit", "decider", "notes", "DELETE")


class BaseRuleFormSet(forms.BaseFormSet):
    """The authority rules as cards. The order is each form's hidden ORDER (numbered again by the
    page's script when a card moves), so moving a card needs no renaming of its inputs."""

    ordering_widget = forms.HiddenInput
    default_error_messages = {"too_many_forms": TOO_MANY_RULES}
    notice = ""  # what a rearrangement did, said on the page (role=status)
    focus = ""  # the control to focus when the page shows again: "<prefix>-up", "<prefix>-down"

    def cards(self) -> list[RuleForm]:
        """The forms in the order the editor arranged them, which is how they are saved, so a
        form shown again (an error, a conflict) appears where its author put it."""

        def position(form) -> int:
            try:
                return int(form["ORDER"].value())
            except (TypeError, ValueError):
                return MAX_AUTHORITY_RULES + 1  # not placed yet (a new card): after the others

        return sorted(self.forms, key=position)  # stable: ties keep the forms' order

    def rearranged(self, *, add: bool = False, move: str = "") -> BaseRuleFormSet:
        """The same cards as posted, with one more empty card (`add`) or one card moved
        (`move`: "<form prefix>-up" or "-down"), for the editor to show again without saving and
        without checking anything yet. Every card keeps what was typed, even text that would
        not pass; at most MAX_AUTHORITY_RULES cards are read, whatever the posted count says."""
        cards = self.cards()
        rows = [{name: form[name].data for name in RULE_INPUTS} for form in cards]
        prefixes = [form.prefix for form in cards]
        notice, focus = "", ""
        prefix, _sep, direction = move.rpartition("-")
        if prefix in prefixes and direction in ("up", "down"):
            at = prefixes.index(prefix)
            to = at - 1 if direction == "up" else at + 1
            if 0 <= to < len(rows):
                rows[at], rows[to] = rows[to], rows[at]
                if direction == "up":
                    notice = _("Rule %(rule)s moved up: it is now rule %(now)s.") % {"rule": at + 1, "now": to + 1}
                else:
                    notice = _("Rule %(rule)s moved down: it is now rule %(now)s.") % {"rule": at + 1, "now": to + 1}
            else:
                if direction == "up":
                    notice = _("Rule %(rule)s is already the first.") % {"rule": at + 1}
                else:
                    notice = _("Rule %(rule)s is already the last.") % {"rule": at + 1}
                to = at
            # The moved card's button keeps the focus, or its twin where the card reached an end
            # (a button that cannot move further is disabled).
            at_end = to == (0 if direction == "up" else len(rows) - 1)
            twin = {"up": "down", "down": "up"}[direction]
            if len(rows) > 1:
                focus = f"{self.prefix}-{to}-{twin if at_end else direction}"
        extra = 0
        if add and len(rows) >= MAX_AUTHORITY_RULES:
            notice = str(TOO_MANY_RULES)
        elif add:
            extra = 1
            notice = _("Rule %(rule)s added. Nothing is saved until you save the article.") % {"rule": len(rows) + 1}
        formset = RuleFormSet(prefix=self.prefix, initial=rows)
        formset.extra = extra
        formset.notice, formset.focus = notice, focus
        if add and extra:
            formset.forms[-1].fields["action"].widget.attrs["autofocus"] = True
        return formset


# max_num with validate_max refuses more rules with a form error; absolute_max bounds the forms
# built from a posted rules-TOTAL_FORMS (the default, 2,000, took seconds to refuse).
RuleFormSet = formset_factory(
    RuleForm,
    formset=BaseRuleFormSet,
    extra=1,
    can_delete=True,
    can_order=True,
    max_num=MAX_AUTHORITY_RULES,
    absolute_max=MAX_AUTHORITY_RULES,
    validate_max=True,
)


def rules_from(formset) -> list[dict]:
    """The rules a valid formset holds, in the order the editor arranged them."""
    out = []
    for form in formset.ordered_forms:  # without the removed cards
        data = form.cleaned_data
        if not data.get("action"):
            continue
        out.append({k: data.get(k) for k in ("action", "limit_amount", "limit_unit", "decider", "notes")})
    return out


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=State.choices, widget=forms.HiddenInput)
    note = forms.CharField(max_length=500, required=False, label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


# --- merging after a conflict -------------------------------------------------------------


def templates_for_create(data, initial_product=None) -> tuple[TemplateVersion | None, TemplateVersion | None]:
    """(shown, wanted): the template version whose sections a posted create form showed, and the
    one the author now asks for (the chosen template's current version, or the product's default,
    else the site's). On a first view both are the wanted one."""
    wanted_template = None
    template_id = as_int(data.get("template"))
    if template_id:
        wanted_template = structure.offered_templates().filter(pk=template_id).first()
    if wanted_template is None:
        product = Product.objects.filter(pk=as_int(data.get("product")) or 0).select_related("default_template").first()
        wanted_template = structure.template_for_new(product or initial_product)
    wanted = wanted_template.current if wanted_template is not None else None
    shown_id = as_int(data.get("shown_template"))
    shown = TemplateVersion.objects.filter(pk=shown_id).first() if shown_id else None
    return (shown or wanted), wanted


def as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def section_help(section: structure.Section) -> str:
    """What an author reads under a section's box: the owner's help, then its format and rules."""
    parts = [section.help] if section.help else []
    parts.append(_("Markdown.") if section.markdown else _("Plain text."))
    if section.required:
        parts.append(_("Required before the article leaves work in progress."))
    if section.staff_only:
        parts.append(_("Staff only: never shown to customers or partners."))
    return " ".join(part if part.endswith((".", "!", "?")) else part + "." for part in parts)


def staff_only_label(section: structure.Section) -> str:
    """A section's label as an author reads it above its box: "Notes (staff only)"."""
    label = structure.shown_label(section)
    return _("%(label)s (staff only)") % {"label": label} if section.staff_only else label


def flat_values(changes: dict) -> dict[str, str]:
    """An article's editable values as form text, each section under its input's name."""
    values = {name: form_value(value) for name, value in changes.items() if name not in structure.STRUCTURE_KEYS}
    for key, text in (changes.get("sections") or {}).items():
        values[structure.SECTION_PREFIX + key] = form_value(text)
    return values


def form_value(value) -> str:
    """A value as the edit form carries it, so saved, opened and posted values compare alike."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime.date):
        return value.isoformat()
    # Browsers post textarea line breaks as CRLF; a change of line endings alone is no edit.
    return normalize_newlines(str(value))


def three_way(mine, opened, saved) -> str:
    """Whose change wins: same, taken (only they changed it), kept (only I did) or both (opened=None: unknown)."""
    if mine == saved:
        return "same"
    if opened is not None and mine == opened:
        return "taken"
    if opened is not None and saved == opened:
        return "kept"
    return "both"


def saved_values(article: Article) -> dict[str, str]:
    return {name: form_value(value) for name, value in ArticleForm.initial_for(article).items()}


def opened_values(content: dict, stored: dict) -> dict[str, str]:
    """The editable fields of a stored version: `content` from versions.content_of_version,
    `stored` the version's field_dict for what a revert leaves alone (owner, audience, review date)."""
    values = {
        "product": stored.get("product_id"),
        "owner": stored.get("owner_id"),
        "audience": stored.get("audience"),
        "review_by": stored.get("review_by"),
        **content["changes"],
    }
    out = flat_values(values)
    out["tags"] = ", ".join(clean_tags(content["tags"]))
    return out


def merge_rules(formset, *, opened: list[dict] | None, saved: list[dict]):
    """The three-way rule for the authority rules as a whole: returns (formset to show, outcome)."""
    # Compared the way Article.edit decides whether the rules changed.
    outcome = three_way(
        _normalise_rules(rules_from(formset)), None if opened is None else _normalise_rules(opened), _normalise_rules(saved)
    )
    if outcome == "taken":
        formset = RuleFormSet(prefix=formset.prefix, initial=saved)
    return formset, outcome
