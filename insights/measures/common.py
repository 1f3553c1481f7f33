"""Helpers the measure modules share: grouping rows by week or month in SQL, and counting
per person without a query per person."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools

from django.db import connection
from django.db.models import DateField, F, Func
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.formats import number_format

from ..filters import Filters, bucket_of


def bucket_expr(field: str, bucket: str):
    """The Monday of the week, or the first of the month, of a date-time `field` (local time).

    On SQLite Django truncates with a Python function called once a row; in UTC SQLite's own
    date() gives the same day several times faster (cases.services._first_day_of measured it).
    """
    if connection.vendor == "sqlite" and timezone.get_current_timezone_name() == "UTC":
        # 'weekday 0' moves on to the Sunday (a Sunday stays), six days back is that week's Monday.
        modifiers = "'start of month'" if bucket == "month" else "'weekday 0', '-6 days'"
        return Func(F(field), template=f"date(%(expressions)s, {modifiers})", output_field=DateField())
    return (TruncMonth if bucket == "month" else TruncWeek)(field, output_field=DateField())


def as_day(value) -> datetime.date | None:
    """A bucket value as a date, whatever the database returned (date, date-time or text)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def per_bucket(filters: Filters, rows, *, key: str = "bucket") -> dict[datetime.date, dict]:
    """{first day of bucket: row} for rows carrying a bucket value, every bucket of the period present."""
    out = {day: {} for day in filters.buckets()}
    for row in rows:
        day = bucket_of(as_day(row[key]), filters.bucket)
        out.setdefault(day, {})
        for name, value in row.items():
            if name != key:
                out[day][name] = out[day].get(name, 0) + (value or 0)
    return out


def counted(text: str, count: int) -> str:
    """`count` put in `text` (ngettext's choice for it, with `%(count)s`), grouped as the language writes numbers."""
    return text % {"count": number_format(count, force_grouping=True)}


def names(user_ids) -> dict[int, str]:
    """{user id: username} for the ids given, in one query."""
    from accounts.models import User

    return dict(User.objects.filter(pk__in=set(user_ids)).values_list("pk", "username"))


# --- one computation per request -------------------------------------------------------------

_shared: contextvars.ContextVar[dict | None] = contextvars.ContextVar("insights_shared", default=None)


@contextlib.contextmanager
def shared():
    """Inside this block, functions marked @once_per_request compute each result once: the
    overview's headlines and a view's tables often need the same grouped counts (citation and
    reuse both count reuse per article), and each is a pass over up to a million rows."""
    if _shared.get() is not None:  # already inside one: keep what it computed
        yield
        return
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def once_per_request(function):
    """Remember `function`'s result for its arguments (hashable: Filters is) within `shared()`;
    outside it, compute every time (tests, the snapshot)."""

    @functools.wraps(function)
    def remembered(*args, **kwargs):
        memory = _shared.get()
        if memory is None:
            return function(*args, **kwargs)
        key = (function.__qualname__, args, tuple(sorted(kwargs.items())))
        if key not in memory:
            memory[key] = function(*args, **kwargs)
        return memory[key]

    return remembered
