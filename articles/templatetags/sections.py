"""The article's sections as its template orders them (articles/structure.py), ready to show.

`{% article_sections article "staff" as items %}` on staff pages (internal passages and staff-only
sections shown, marked); `"outside"` on the help centre (neither: staff-only sections and their
text never reach the page).
"""

from django import template
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from articles import structure
from articles.rendering import public_text, render_markdown

register = template.Library()

# The help centre's names for the standard sections (readers outside see plain words).
HELP_LABELS = {
    "issue": _("Problem"),
    "environment": _("Applies to"),
    "resolution": _("Solution"),
    "cause": _("Why this happens"),
}
STANDARD_LABELS = {s["key"]: s["label"] for s in structure.STANDARD_SECTIONS}
# Shown even when empty: the issue and resolution frame every article (as before templates).
ALWAYS_SHOWN = ("issue", "resolution")


@register.simple_tag
def article_sections(article, reader: str = "staff") -> list[dict]:
    staff = reader == "staff"
    pairs = structure.section_values(article) if staff else structure.outside_values(article)
    last_resolution = max((i for i, (s, _) in enumerate(pairs) if s.role == "resolution"), default=len(pairs) - 1)
    items = []
    for i, (section, text) in enumerate(pairs):
        label = structure.shown_label(section)
        if not staff and section.is_standard and section.label == STANDARD_LABELS[section.key]:
            label = str(HELP_LABELS[section.key])
        if section.markdown:
            html = render_markdown(text, id_prefix=section.key, internal=staff)
        else:
            html = mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 — escaped by linebreaks
        has_text = bool(text.strip()) if staff or not section.markdown else bool(public_text(text).strip())
        items.append(
            {
                "section": section,
                "label": label,
                "html": html if has_text or section.key == "issue" else "",
                "shown": has_text or section.key in ALWAYS_SHOWN or (staff and section.required),
                "empty": not has_text,
                "notes_after": i == last_resolution,
            }
        )
    return items
