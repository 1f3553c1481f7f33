"""Template filters of the case pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def share(value) -> str:
    """A share from cases.adherence (0..1, or None when nothing was there to count) as a percent."""
    if value is None:
        return "—"
    return f"{round(100 * value)}%"
