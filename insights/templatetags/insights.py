from __future__ import annotations

import datetime

from django import template
from django.utils.formats import date_format, number_format
from django.utils.translation import ngettext

from ..report import COUNT, DATE, DAYS, NUMBER, PERCENT

register = template.Library()


@register.filter
def cell(row: dict, column) -> str:
    """A table cell as people read it: 45.2%, 3.5 days, 2 Mar 2026, — for no value."""
    value = row.get(column.key)
    if value is None or value == "":
        return "—"
    # Numbers and dates as the reader's language writes them (Django's formats: 45,2 % in German).
    if column.kind == PERCENT:
        return f"{_number(value)}%"
    if column.kind == DAYS:
        return ngettext("%(days)s day", "%(days)s days", 1 if value == 1 else 2) % {"days": _number(value)}
    if column.kind == DATE and isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    if column.kind in (COUNT, NUMBER) and isinstance(value, int | float):
        return _number(value)
    return str(value)


def _number(value) -> str:
    if isinstance(value, float):
        value = float(f"{value:g}")  # as few digits as the value needs, as before
        if value.is_integer():
            value = int(value)
    return number_format(value, force_grouping=True)


@register.filter
def numeric(column) -> bool:
    return column.kind in (COUNT, NUMBER, PERCENT, DAYS)
