"""Flags and feedback: the open flags today by age and reason, and how fast flags closed in the
period were dealt with (turnaround: from raised to resolved or dismissed), customer feedback apart.

The product and audience filters choose the flagged articles; the person and team filters the
articles' owners (whose queue the flags are in).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from feedback.choices import FlagState, Reason, Source
from feedback.models import Flag

from ..filters import Filters
from ..report import COUNT, DAYS, TEXT, Chart, Column, Figure, Table, median
from . import register
from .common import counted

# (key, label, youngest, oldest) age of an open flag in days; None: no bound.
AGES = [
    ("under_7", gettext_lazy("Under 7 days"), 0, 7),
    ("days_7_30", gettext_lazy("7–30 days"), 7, 30),
    ("days_30_90", gettext_lazy("30–90 days"), 30, 90),
    ("over_90", gettext_lazy("Over 90 days"), 90, None),
]
CLOSED = [FlagState.RESOLVED, FlagState.DISMISSED]


def _flags(filters: Filters):
    return Flag.objects.filter(filters.articles("article__"), filters.people("article__owner"))


def open_by_reason(filters: Filters, now: datetime.datetime | None = None) -> dict[str, dict]:
    """{reason: {age key: open flags}} today (one grouped query)."""
    now = now or timezone.now()
    counts = {}
    for key, _label, youngest, oldest in AGES:
        q = Q(created_at__lte=now - datetime.timedelta(days=youngest))
        if oldest is not None:
            q &= Q(created_at__gt=now - datetime.timedelta(days=oldest))
        counts[key] = Count("pk", filter=q)
    rows = _flags(filters).open().order_by().values("reason").annotate(**counts)
    return {row["reason"]: {key: row[key] for key, *_ in AGES} for row in rows}


def closed_in_period(filters: Filters) -> list[tuple[str, str, str, float]]:
    """[(reason, source, state, days to close)] of the flags closed in the period."""
    rows = (
        _flags(filters)
        .filter(filters.within("closed_at"), state__in=CLOSED)
        .order_by()
        .values_list("reason", "source", "state", "created_at", "closed_at")
    )
    return [(reason, source, state, _days(opened, closed)) for reason, source, state, opened, closed in rows]


def _days(opened: datetime.datetime, closed: datetime.datetime) -> float:
    return max((closed - opened).total_seconds(), 0) / 86400


def _median_days(values) -> float | None:
    found = median(values)
    return None if found is None else round(found, 1)


def _closed_row(label: str, closed: list) -> dict:
    return {
        "group": label,
        "closed": len(closed),
        "resolved": sum(1 for _, _, state, _ in closed if state == FlagState.RESOLVED),
        "dismissed": sum(1 for _, _, state, _ in closed if state == FlagState.DISMISSED),
        "median_days": _median_days(days for *_, days in closed),
    }


def headline(filters: Filters) -> list[Figure]:
    opened = open_by_reason(filters)
    closed = closed_in_period(filters)
    customer = [row for row in closed if row[1] == Source.CUSTOMER]
    return [
        Figure(gettext_lazy("Open flags today"), sum(sum(ages.values()) for ages in opened.values())),
        Figure(
            gettext_lazy("Median turnaround"),
            _median_days(row[3] for row in closed),
            DAYS,
            detail=counted(ngettext("%(count)s closed", "%(count)s closed", len(closed)), len(closed)),
        ),
        Figure(
            gettext_lazy("Customer feedback turnaround"),
            _median_days(row[3] for row in customer),
            DAYS,
            detail=counted(ngettext("%(count)s closed", "%(count)s closed", len(customer)), len(customer)),
        ),
    ]


@register(
    "flags",
    gettext_lazy("Flags and feedback"),
    gettext_lazy("Open flags by age and reason, and how many days flags and customer feedback took to be dealt with."),
    headline=headline,
)
def flags(filters: Filters) -> list[Table]:
    opened = open_by_reason(filters)
    open_rows = []
    for reason, label in Reason.choices:
        ages = opened.get(reason, {})
        row = {"reason": label, **{key: ages.get(key, 0) for key, *_ in AGES}}
        row["total"] = sum(ages.values())
        open_rows.append(row)
    now_open = Table(
        key="open",
        title=gettext_lazy("Open flags today by age and reason"),
        columns=[
            Column("reason", gettext_lazy("Reason"), TEXT),
            *[Column(key, label) for key, label, *_ in AGES],
            Column("total", gettext_lazy("Open")),
        ],
        rows=open_rows,
        chart=Chart("stacked", x="reason", series=tuple(key for key, *_ in AGES)),
        note=gettext_lazy("Flags and customer feedback open now, whatever the period; age from when each was raised."),
    )
    closed = closed_in_period(filters)
    columns = [
        Column("closed", gettext_lazy("Closed"), COUNT),
        Column("resolved", gettext_lazy("Resolved")),
        Column("dismissed", gettext_lazy("Dismissed")),
        Column("median_days", gettext_lazy("Median turnaround"), DAYS),
    ]
    per_reason = Table(
        key="turnaround",
        title=gettext_lazy("Turnaround of flags closed in the period"),
        columns=[Column("group", gettext_lazy("Reason"), TEXT), *columns],
        rows=[_closed_row(gettext_lazy("All reasons"), closed)]
        + [_closed_row(label, [row for row in closed if row[0] == reason]) for reason, label in Reason.choices],
        note=gettext_lazy(
            "Turnaround: days from a flag being raised to being resolved or dismissed (the median of the flags closed)."
        ),
    )
    open_by_source = dict(_flags(filters).open().order_by().values_list("source").annotate(n=Count("pk")))
    per_source = Table(
        key="feedback",
        title=gettext_lazy("Customer feedback and staff flags"),
        columns=[Column("group", gettext_lazy("Raised by"), TEXT), *columns, Column("open", gettext_lazy("Open today"))],
        rows=[
            {
                **_closed_row(label, [row for row in closed if row[1] == source]),
                "open": open_by_source.get(source, 0),
            }
            for source, label in Source.choices
        ],
        note=gettext_lazy(
            "Customer feedback: “not helpful” answers with a reason from readers outside, in the same queue as staff flags."
        ),
    )
    return [now_open, per_reason, per_source]
