"""Template filters of the case pages."""

from __future__ import annotations

from django import template

from articles.templatetags.kcs import in_sentence
from cases.choices import LinkKind

register = template.Library()


@register.filter
def share(value) -> str:
    """A share from cases.adherence (0..1, or None when nothing was there to count) as a percent."""
    if value is None:
        return "—"
    return f"{round(100 * value)}%"


@register.filter
def link_kind(value: str) -> str:
    """A link kind kept as its value (a review's snapshot of links) as people read it."""
    return in_sentence(LinkKind(value).label) if value in LinkKind.values else value
