"""Article structure: the templates KB owners define (named sections in reading order).

A template's sections are stored per version (`TemplateVersion.sections`); an article names the
version it was last saved with (`Article.template_version`), and so does every stored version of
it, so an old version renders with the sections it had. A version in use is never changed: an
owner's edit saves a new version and moves `ArticleTemplate.current` to it.

Where a section's text lives: a section whose key is a standard field (issue, environment,
resolution, cause) reads and writes that column, so the standard template is exactly the structure
every article had before templates; any other section's text is in `Article.sections[key]`.
Standard-key sections are Markdown and shown to everyone (the help centre, the public API, search,
notifications and the cases app read those columns as outside text); a staff-only or plain-text
section needs its own key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .rendering import MAX_CHARS, has_internal, internal_text, markdown_problem, public_text

STANDARD_KEYS = ("issue", "environment", "resolution", "cause")
STRUCTURE_KEYS = ("template_version", "sections")
SECTION_PREFIX = "sections."  # a non-standard section's input on the article form
# What search weighs a section as (search/documents.py): issue-like text counts with the issue,
# resolution-like with the resolution; "other" is body text.
ROLES = {
    "issue": gettext_lazy("Issue-like (weighted as the issue)"),
    "environment": gettext_lazy("Environment-like"),
    "resolution": gettext_lazy("Resolution-like (weighted as the resolution)"),
    "cause": gettext_lazy("Cause-like"),
    "other": gettext_lazy("Other (body text)"),
}
FORMATS = {"markdown": gettext_lazy("Markdown"), "plain": gettext_lazy("Plain text")}
VISIBILITY = {"everyone": gettext_lazy("Everyone who may read the article"), "staff": gettext_lazy("Staff only")}
# The words a KB owner reads for each setting of a section (check_sections).
SETTING_NAMES = {"format": gettext_lazy("format"), "visibility": gettext_lazy("visibility"), "role": gettext_lazy("role")}
# Names an article already uses for something else: a section may not take them.
RESERVED_KEYS = frozenset(
    {"title", "internal_notes", "authority_note", "tags", "product", "template", "sections", "rules", "escalation"}
)
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_SECTIONS = 20
MAX_LABEL = 80
MAX_HELP = 300

# The structure every article had before templates (migration 0011 writes the same list). Stored
# data: its labels stay in the source language (the article form labels the standard fields itself).
STANDARD_SECTIONS = [
    {
        "key": "issue",
        "label": "Issue",
        "help": "What the customer is trying to do or what goes wrong, in their words.",
        "required": False,
        "format": "markdown",
        "visibility": "everyone",
        "role": "issue",
    },
    {
        "key": "environment",
        "label": "Environment",
        "help": "Products, versions, settings involved.",
        "required": False,
        "format": "markdown",
        "visibility": "everyone",
        "role": "environment",
    },
    {
        "key": "resolution",
        "label": "Resolution",
        "help": "Markdown. Leave empty while the article is work in progress.",
        "required": True,
        "format": "markdown",
        "visibility": "everyone",
        "role": "resolution",
    },
    {
        "key": "cause",
        "label": "Cause",
        "help": "",
        "required": False,
        "format": "markdown",
        "visibility": "everyone",
        "role": "cause",
    },
]


# The standard sections' labels in the reader's language (the stored labels stay as above).
STANDARD_LABELS = {
    "issue": gettext_lazy("Issue"),
    "environment": gettext_lazy("Environment"),
    "resolution": gettext_lazy("Resolution"),
    "cause": gettext_lazy("Cause"),
}
_STORED_STANDARD_LABELS = {s["key"]: s["label"] for s in STANDARD_SECTIONS}


def shown_label(section: Section) -> str:
    """A section's label as a reader sees it: a standard section still labelled as it was given
    ("Resolution") in the active language; a label a KB owner wrote, as written."""
    if section.is_standard and section.label == _STORED_STANDARD_LABELS[section.key]:
        return str(STANDARD_LABELS[section.key])
    return section.label


class InvalidSections(ValueError):
    """A sections list that cannot be saved; `problems` are the sentences a KB owner reads."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    help: str = ""
    required: bool = False
    format: str = "markdown"
    visibility: str = "everyone"
    role: str = "other"

    @property
    def is_standard(self) -> bool:
        """Stored in the article's own column of that name."""
        return self.key in STANDARD_KEYS

    @property
    def staff_only(self) -> bool:
        return self.visibility == "staff"

    @property
    def markdown(self) -> bool:
        return self.format == "markdown"

    @property
    def field_name(self) -> str:
        """The name of its input on the article form (and of its entry in a version snapshot)."""
        return self.key if self.is_standard else SECTION_PREFIX + self.key

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "help": self.help,
            "required": self.required,
            "format": self.format,
            "visibility": self.visibility,
            "role": self.role,
        }


def check_sections(raw: list[dict]) -> list[dict]:
    """The sections as stored, cleaned; raises InvalidSections listing every problem."""
    problems: list[str] = []
    if not raw:
        raise InvalidSections([_("A template needs at least one section.")])
    if len(raw) > MAX_SECTIONS:
        problems.append(_("A template has at most %(limit)s sections.") % {"limit": MAX_SECTIONS})
    out, seen = [], set()
    for n, item in enumerate(raw, 1):
        key = str(item.get("key") or "").strip().lower()
        label = " ".join(str(item.get("label") or "").split())
        if label:
            name = _("Section %(number)s (“%(label)s”)") % {"number": n, "label": label}
        else:
            name = _("Section %(number)s") % {"number": n}
        said = {"name": name, "key": key}
        if not KEY_PATTERN.match(key):
            problems.append(
                _("%(name)s: the key must start with a letter and hold only lowercase letters, digits and “_” (at most 40).")
                % said
            )
        elif key in RESERVED_KEYS:
            problems.append(_("%(name)s: “%(key)s” is already a field of every article; choose another key.") % said)
        elif key in seen:
            problems.append(_("%(name)s: the key “%(key)s” is used twice; each section needs its own key.") % said)
        seen.add(key)
        if not label:
            problems.append(_("%(name)s: give the section a label (what authors and readers see).") % said)
        elif len(label) > MAX_LABEL:
            problems.append(_("%(name)s: the label is longer than %(limit)s characters.") % {**said, "limit": MAX_LABEL})
        help_text = " ".join(str(item.get("help") or "").split())
        if len(help_text) > MAX_HELP:
            problems.append(_("%(name)s: the help text is longer than %(limit)s characters.") % {**said, "limit": MAX_HELP})
        fmt = item.get("format") or "markdown"
        visibility = item.get("visibility") or "everyone"
        role = item.get("role") or ("other" if key not in STANDARD_KEYS else key)
        for value, allowed, what in ((fmt, FORMATS, "format"), (visibility, VISIBILITY, "visibility"), (role, ROLES, "role")):
            if value not in allowed:
                problems.append(
                    _("%(name)s: unknown %(setting)s “%(value)s”; choose one of: %(choices)s.")
                    % {"name": name, "setting": SETTING_NAMES[what], "value": value, "choices": ", ".join(allowed)}
                )
        # The standard columns are outside text everywhere else in the product (module docstring).
        if key in STANDARD_KEYS and (visibility != "everyone" or fmt != "markdown" or role != key):
            problems.append(
                _(
                    "%(name)s: the “%(key)s” section is the article's standard %(key)s: Markdown, shown to everyone, "
                    "searched as %(key)s. Use another key for a section that differs."
                )
                % said
            )
        out.append(
            {
                "key": key,
                "label": label,
                "help": help_text,
                "required": bool(item.get("required")),
                "format": fmt,
                "visibility": visibility,
                "role": role,
            }
        )
    if not problems and not any(s["role"] == "resolution" and s["visibility"] == "everyone" for s in out):
        # KCS: an article says how the issue is solved; outside readers and search need one.
        problems.append(_("A template needs a resolution-like section shown to everyone (role “resolution”)."))
    if problems:
        raise InvalidSections(problems)
    return out


def to_sections(raw: list[dict] | None) -> list[Section]:
    fields = Section.__dataclass_fields__
    return [Section(**{k: v for k, v in item.items() if k in fields}) for item in raw or STANDARD_SECTIONS]


def sections_of(obj) -> list[Section]:
    """The sections `obj` (an article, live or as of a stored version, or a TemplateVersion) is
    read with; no template version (an article or version saved before templates) is standard."""
    if obj is None:
        return to_sections(STANDARD_SECTIONS)
    if hasattr(obj, "number") and hasattr(obj, "template_id"):
        return to_sections(obj.sections)
    version = getattr(obj, "template_version", None) if getattr(obj, "template_version_id", None) else None
    return to_sections(version.sections if version is not None else None)


def text_of(article, section: Section) -> str:
    if section.is_standard:
        return getattr(article, section.key) or ""
    value = (article.sections or {}).get(section.key, "")
    return value if isinstance(value, str) else ""


def text_of_stored(data: dict, section: Section) -> str:
    """A section's text in a stored version's field_dict (reversion)."""
    value = data.get(section.key) if section.is_standard else (data.get("sections") or {}).get(section.key)
    return value if isinstance(value, str) else ""


def section_values(article, *, sections: list[Section] | None = None) -> list[tuple[Section, str]]:
    """The article's sections in reading order with their text (standard keys read the columns)."""
    return [(s, text_of(article, s)) for s in (sections if sections is not None else sections_of(article))]


def outside_values(article, *, sections: list[Section] | None = None) -> list[tuple[Section, str]]:
    """What outside readers may read: sections for everyone, without their `:::internal` passages."""
    return [
        # Plain sections too: a `:::internal` passage stored in one never reaches outside readers.
        (s, public_text(text))
        for s, text in section_values(article, sections=sections)
        if not s.staff_only
    ]


def has_resolution(article) -> bool:
    """The article says how to resolve the issue: a resolution-like section shown to everyone (the
    standard resolution, or a template's section with role "resolution") has text."""
    return any(text.strip() for s, text in section_values(article) if s.role == "resolution" and not s.staff_only)


def carry_by_role(old: list[Section], new: list[Section], texts: dict) -> dict:
    """`texts` ({field name: text}, typed in sections `old`) for a form showing sections `new`:
    text of a section `new` lacks goes to the first empty section of `new` with the same role
    (a symptom to the issue, a fix to the resolution). Staff-only text only goes to a staff-only
    section. Text with nowhere to go stays under its own name (the form carries it along)."""
    out = dict(texts)
    names = {s.field_name for s in new}
    for section in old:
        text = out.get(section.field_name)
        if section.field_name in names or not isinstance(text, str) or not text.strip():
            continue
        target = next(
            (
                s
                for s in new
                if s.role == section.role
                and (s.staff_only or not section.staff_only)
                and not (out.get(s.field_name) or "").strip()
            ),
            None,
        )
        if target is not None:
            out[target.field_name] = text
            del out[section.field_name]
    return out


def missing_required(article, *, sections: list[Section] | None = None) -> list[Section]:
    """The required sections with no text: an article leaves work in progress only without any."""
    return [s for s, text in section_values(article, sections=sections) if s.required and not text.strip()]


def missing_message(missing: list[Section], *, leaving: str = "") -> str:
    """Why an article cannot leave (or be outside) work in progress."""
    if [s.key for s in missing] == ["resolution"]:
        if leaving:
            return leaving
        return _("Write a resolution before moving this article out of work in progress.")
    names = ", ".join(f"“{shown_label(s)}”" for s in missing)
    return _("Write %(sections)s before moving this article out of work in progress: the template requires them.") % {
        "sections": names
    }


def role_texts(sections: list[Section], stored: dict, *, public: bool) -> dict[str, str]:
    """Text of the non-standard sections by where search puts it: {"issue": ..., "resolution": ...,
    "environment": ..., "cause": ..., "authority": staff-only text}. Other-role text goes with the
    cause (body text, low weight). `public`: only what outside readers may see (no staff-only
    sections, no `:::internal` passages) and no "authority" entry."""
    out: dict[str, list[str]] = {}
    for s in sections:
        if s.is_standard:
            continue
        text = stored.get(s.key) if isinstance(stored.get(s.key), str) else ""
        if not text:
            continue
        if s.staff_only:
            if not public:
                out.setdefault("authority", []).append(text)
            continue
        target = "cause" if s.role == "other" else s.role
        out.setdefault(target, []).append(public_text(text))
        if not public and internal_text(text):
            out.setdefault("authority", []).append(internal_text(text))
    return {name: "\n".join(parts) for name, parts in out.items()}


def section_problems(sections: list[Section], values: dict, *, current: dict | None = None) -> dict[str, str]:
    """{section key: why its text cannot be saved} for the non-standard sections in `values`
    ({key: text}); keys the template does not have, and text not a string, are problems too.
    Text that keeps what `current` holds is not judged again (as in models.markdown_problems)."""
    by_key = {s.key: s for s in sections if not s.is_standard}
    problems = {}
    for key, text in values.items():
        section = by_key.get(key)
        if section is None:
            if (current or {}).get(key) == text:
                continue  # kept from an earlier template version: never lost, never judged
            known = ", ".join(by_key) or _("none besides the standard fields")
            problems[key] = _("This template has no section “%(key)s” (its sections: %(known)s).") % {
                "key": key,
                "known": known,
            }
            continue
        if not isinstance(text, str):
            problems[key] = _("Give the section's text as a string.")
            continue
        if "\x00" in text:  # no database keeps it (PostgreSQL refuses it in JSON), no reader types it
            problems[key] = _("The text contains a NUL character; remove it.")
            continue
        if current is not None and current.get(key) == text:
            continue
        if section.markdown:
            problem = markdown_problem(text)
        elif has_internal(text):
            # Plain text shows a fence as written: staff-only text has no place in a plain section.
            problem = _(
                "A plain-text section cannot hold “:::internal” passages; put staff-only text in a "
                "staff-only section or in the internal notes."
            )
        else:
            limit = number_format(MAX_CHARS, force_grouping=True)
            problem = _("At most %(limit)s characters.") % {"limit": limit} if len(text) > MAX_CHARS else None
        if problem:
            problems[key] = problem
    return problems


# --- templates ---------------------------------------------------------------------------------


def default_template():
    from .models import ArticleTemplate

    return ArticleTemplate.objects.filter(is_default=True).select_related("current").first()


def template_for_new(product=None):
    """The template a new article starts from: its product's default, else the site's default."""
    template = getattr(product, "default_template", None) if product is not None else None
    if template is not None and not template.archived and template.current_id:
        return template
    return default_template()


def current_version_for_new(product=None):
    template = template_for_new(product)
    return template.current if template is not None else None


def version_for_edit(article):
    """The template version an edit saves with: the current version of the article's template
    (an owner's later changes apply from the next edit on); none for an article without one."""
    if not article.template_version_id:
        return None
    return article.template_version.template.current or article.template_version


@transaction.atomic
def save_sections(template, raw: list[dict], *, by, description: str | None = None):
    """Save `raw` as the template's new current version (nothing saved if unchanged).

    A version is never changed once saved, used or not: articles and their stored versions point
    at it, so changing it would change how they read. Returns the current TemplateVersion."""
    from .models import ArticleTemplate, TemplateVersion

    sections = check_sections(raw)
    locked = ArticleTemplate.objects.select_for_update().get(pk=template.pk)
    current = locked.current
    _check_staff_keys_stay_staff(locked, sections)
    if description is not None:
        locked.description = description
    if current is not None and current.sections == sections:
        locked.save(update_fields=["description"])
        return current
    last = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = TemplateVersion.objects.create(template=locked, number=last + 1, sections=sections, created_by=by)
    locked.current = version
    locked.updated_at = timezone.now()
    locked.save(update_fields=["current", "updated_at", "description"])
    template.refresh_from_db()
    return version


def _check_staff_keys_stay_staff(template, sections: list[dict]) -> None:
    # Articles keep a section's text by key: a key once staff-only shown to everyone would publish
    # the staff text written under it (with the next edit, even a minor one).
    staff_keys = {
        item["key"] for version in template.versions.all() for item in version.sections or [] if item.get("visibility") == "staff"
    }
    opened = [s["label"] for s in sections if s["key"] in staff_keys and s["visibility"] != "staff"]
    if opened:
        raise InvalidSections(
            [
                _(
                    "“%(label)s” was staff-only in an earlier version of this template and cannot be shown to everyone: "
                    "use a new key for a section for everyone; existing staff-only text stays staff-only."
                )
                % {"label": label}
                for label in opened
            ]
        )


@transaction.atomic
def create_template(*, name: str, sections: list[dict], by, description: str = ""):
    from .models import ArticleTemplate

    template = ArticleTemplate.objects.create(name=name, description=description, created_by=by)
    save_sections(template, sections, by=by)
    template.refresh_from_db()
    return template


@transaction.atomic
def make_default(template) -> None:
    """The site's default: one at a time (a unique constraint holds it)."""
    from .models import ArticleTemplate

    if template.archived:
        raise InvalidSections([_("An archived template cannot be the default; restore it first.")])
    ArticleTemplate.objects.filter(is_default=True).exclude(pk=template.pk).update(is_default=False)
    ArticleTemplate.objects.filter(pk=template.pk).update(is_default=True)
    template.refresh_from_db()


def set_archived(template, archived: bool) -> None:
    """Archived: no longer offered for new articles; articles that use it keep reading with it."""
    from .models import ArticleTemplate, Product

    if archived and template.is_default:
        raise InvalidSections([_("The site's default template cannot be archived; make another one the default first.")])
    ArticleTemplate.objects.filter(pk=template.pk).update(archived=archived, updated_at=timezone.now())
    if archived:
        # New articles of those products start from the site's default instead.
        Product.objects.filter(default_template=template).update(default_template=None)
    template.refresh_from_db()


def offered_templates():
    from .models import ArticleTemplate

    return ArticleTemplate.objects.filter(archived=False, current__isnull=False).select_related("current")
