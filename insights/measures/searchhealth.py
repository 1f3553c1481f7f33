"""Search health: searches that found nothing and searches whose results nobody opened, over
time; the queries that kept finding nothing, and whether KB owners were told about them."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, gettext_lazy

from search.models import SearchLog

from ..alerts import WINDOW_DAYS, week_of, zero_result_counts
from ..filters import Filters
from ..models import ZeroResultAlert
from ..report import COUNT, DATE, PERCENT, TEXT, Chart, Column, Figure, Table, share
from . import register
from .common import bucket_expr, per_bucket

TOP_QUERIES = 25


def _searches(filters: Filters):
    logs = SearchLog.objects.filter(filters.within("created_at"))
    if filters.reader:
        logs = logs.filter(caller_kind=filters.reader)
    return logs


COUNTS = {
    "searches": Q(),
    "zero": Q(result_count=0),
    "never_opened": Q(result_count__gt=0, opened_slug=""),
}


def _counted():
    return {name: Count("pk", filter=q) if q else Count("pk") for name, q in COUNTS.items()}


def totals(filters: Filters) -> dict:
    return _searches(filters).aggregate(**_counted())


def _day(field: str, bucket: str):
    """What to group a period's rows by before they are put in buckets in Python: on SQLite in UTC
    the day as text (cutting the stored text is cheaper than date() with modifiers on a million
    rows), elsewhere the bucket itself."""
    if connection.vendor == "sqlite" and timezone.get_current_timezone_name() == "UTC":
        return Substr(field, 1, 10)
    return bucket_expr(field, bucket)


def over_time(filters: Filters) -> list[dict]:
    rows = _searches(filters).annotate(day=_day("created_at", filters.bucket)).values("day").annotate(**_counted()).order_by()
    out = []
    for day, counts in sorted(per_bucket(filters, rows, key="day").items()):
        searches = counts.get("searches", 0)
        out.append(
            {
                "period": day,
                "searches": searches,
                "zero": counts.get("zero", 0),
                "zero_rate": share(counts.get("zero", 0), searches),
                "never_opened": counts.get("never_opened", 0),
                "never_opened_rate": share(counts.get("never_opened", 0), searches),
            }
        )
    return out


def repeated_zero_queries(filters: Filters) -> list[dict]:
    """The queries (lower-cased, spaces collapsed) that found nothing more than once, most first,
    with the weeks KB owners were alerted about them in the period."""
    counts = zero_result_counts(filters.since, filters.until, caller_kind=filters.reader)
    top = [(query, n) for query, n in counts.most_common() if n > 1]
    top.sort(key=lambda item: (-item[1], item[0]))
    top = top[:TOP_QUERIES]
    alerts = ZeroResultAlert.objects.filter(
        query__in=[q[:500] for q, _ in top], week__gte=week_of(filters.start), week__lte=filters.end
    ).order_by("week")
    alerted: dict[str, list] = {}
    for query, week in alerts.values_list("query", "week"):
        alerted.setdefault(query, []).append(week)
    return [
        {
            "query": query,
            "searches": n,
            "alerted": ", ".join(
                gettext("week of %(date)s") % {"date": date_format(week, "DATE_FORMAT")} for week in alerted.get(query[:500], [])
            )
            or gettext("No"),
        }
        for query, n in top
    ]


def headline(filters: Filters) -> list[Figure]:
    found = totals(filters)
    return [
        Figure(
            gettext_lazy("Searches that found nothing"),
            share(found["zero"], found["searches"]),
            PERCENT,
            detail=gettext("of %(count)s") % {"count": number_format(found["searches"], force_grouping=True)},
        ),
        Figure(gettext_lazy("Results never opened"), share(found["never_opened"], found["searches"]), PERCENT),
    ]


@register(
    "search",
    gettext_lazy("Search health"),
    gettext_lazy(
        "Searches that found nothing or whose results nobody opened, the queries that keep finding nothing, and the alerts "
        "KB owners got about them."
    ),
    headline=headline,
)
def search_health(filters: Filters) -> list[Table]:
    trend = Table(
        key="over_time",
        title=gettext_lazy("Zero-result and never-opened searches over time"),
        columns=[
            Column("period", gettext_lazy("Week of") if filters.bucket == "week" else gettext_lazy("Month"), DATE),
            Column("searches", gettext_lazy("Searches")),
            Column("zero", gettext_lazy("Found nothing")),
            Column("zero_rate", gettext_lazy("Zero-result rate"), PERCENT),
            Column("never_opened", gettext_lazy("Results, none opened")),
            Column("never_opened_rate", gettext_lazy("Never-opened rate"), PERCENT),
        ],
        rows=over_time(filters),
        chart=Chart("line", x="period", series=("zero_rate", "never_opened_rate"), max_value=100),
        note=gettext_lazy(
            "Every search of the search page, the API and the agent panel (typed searches). Never opened: results were "
            "shown, none was opened through the results list."
        ),
    )
    queries = Table(
        key="zero_queries",
        title=gettext_lazy("Queries that keep finding nothing"),
        columns=[
            Column("query", gettext_lazy("Query"), TEXT),
            Column("searches", gettext_lazy("Searches that found nothing"), COUNT),
            Column("alerted", gettext_lazy("KB owners alerted"), TEXT),
        ],
        rows=repeated_zero_queries(filters),
        note=gettext(
            "Queries lower-cased with spaces collapsed, found nothing at least twice in the period; the %(count)s most searched."
        )
        % {"count": TOP_QUERIES},
        empty=gettext_lazy("No query found nothing more than once in this period."),
    )
    alerts = ZeroResultAlert.objects.filter(week__gte=week_of(filters.start), week__lte=filters.end)
    threshold = Table(
        key="alert_threshold",
        title=gettext_lazy("Zero-result alerts"),
        columns=[
            Column("threshold", gettext_lazy("Searches that trigger an alert")),
            Column("window", gettext_lazy("Within (days)")),
            Column("alerts", gettext_lazy("Alerts sent in the period")),
        ],
        rows=[{"threshold": settings.KCS_ZERO_RESULT_ALERT_COUNT, "window": WINDOW_DAYS, "alerts": alerts.count()}],
        note=gettext_lazy(
            "KB owners are notified once per query and week when a query finds nothing this many times within 7 days "
            "(setting KCS_ZERO_RESULT_ALERT_COUNT); the background loop checks hourly."
        ),
    )
    return [trend, queries, threshold]
