from __future__ import annotations

import datetime

from django import template

from ..report import COUNT, DATE, DAYS, NUMBER, PERCENT

register = template.Library()


@register.filter
def cell(row: dict, column) -> str:
    """A table cell as people read it: 45.2%, 3.5 days, 2 Mar 2026, — for no value."""
    value = row.get(column.key)
    if value is None or value == "":
        return "—"
    if column.kind == PERCENT:
        return f"{value:g}%"
    if column.kind == DAYS:
        return f"{value:g} day{'s' if value != 1 else ''}"
    if column.kind == DATE and isinstance(value, datetime.date):
        return f"{value:%-d %b %Y}"
    if column.kind in (COUNT, NUMBER) and isinstance(value, int | float):
        return f"{value:,}" if isinstance(value, int) else f"{value:,g}"
    return str(value)


@register.filter
def numeric(column) -> bool:
    return column.kind in (COUNT, NUMBER, PERCENT, DAYS)
