"""Article life cycle: how many articles stand in each state now and over time (from the nightly
snapshots), how long articles take from creation to validated and to being published outside,
and which are past their review date."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, FloatField, Func, Max, Min
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from articles.choices import Audience, State
from articles.models import Article, ArticleEvent, EventKind

from ..filters import Filters, bucket_of
from ..models import DailyFigure
from ..report import COUNT, DATE, DAYS, TEXT, Chart, Column, Figure, Table, median
from ..snapshot import ARTICLES, ARTICLES_STATE
from . import register
from .common import once_per_request

STATES = list(State.choices)
OVERDUE_LISTED = 25
NO_SNAPSHOTS = gettext_lazy(
    "No snapshots yet. The notification loop (manage.py send_notifications --loop) takes one each night, or "
    "manage.py snapshot_insights from cron; run manage.py snapshot_insights --backfill --since YYYY-MM-DD once to "
    "reconstruct earlier days."
)


def _articles(filters: Filters):
    return Article.objects.filter(filters.articles())


def counts_now(filters: Filters) -> dict[str, int]:
    rows = _articles(filters).values("state").annotate(n=Count("pk")).order_by()
    return {row["state"]: row["n"] for row in rows}


def states_over_time(filters: Filters) -> list[dict]:
    """Per week or month, each state's count on the last snapshot day of it (none: no row)."""
    days = DailyFigure.objects.filter(metric=ARTICLES_STATE, day__gte=filters.start, day__lte=filters.end)
    last_of: dict[datetime.date, datetime.date] = {}
    for day in days.values_list("day", flat=True).distinct().order_by("day"):
        last_of[bucket_of(day, filters.bucket)] = day
    if not last_of:
        return []
    if filters.product is None and not filters.audience:
        figures = DailyFigure.objects.filter(metric=ARTICLES_STATE, day__in=last_of.values()).values_list("day", "key", "value")
        held = [(day, key, value) for day, key, value in figures]
    else:
        # The fine-grained figure (state/audience/product id) carries the filters.
        figures = DailyFigure.objects.filter(metric=ARTICLES, day__in=last_of.values())
        if filters.audience:
            figures = figures.filter(key__contains=f"/{filters.audience}/")
        if filters.product is not None:
            figures = figures.filter(key__endswith=f"/{filters.product.pk}")
        held = [(day, key.split("/")[0], value) for day, key, value in figures.values_list("day", "key", "value")]
    per_day: dict[datetime.date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for day, state, value in held:
        per_day[day][state] += value
    rows = []
    for bucket in filters.buckets():
        day = last_of.get(bucket)
        if day is None:
            continue
        row = {"period": bucket, "day": day}
        row.update({state: int(per_day[day].get(state, 0)) for state, _ in STATES})
        rows.append(row)
    return rows


class DaysBetween(Func):
    """Days (a fraction) from the date-time `earlier` to `later`, worked out by the database, so no
    date-time object is built per row in Python."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        later, earlier = (compiler.compile(expression) for expression in self.get_source_expressions())
        params = (*later[1], *earlier[1])
        if connection.vendor == "sqlite":
            return f"(julianday({later[0]}) - julianday({earlier[0]}))", params
        return f"(CAST(EXTRACT(EPOCH FROM ({later[0]} - {earlier[0]})) AS double precision) / 86400.0)", params


@once_per_request
def _first_validated(filters: Filters) -> dict[int, tuple[str, float]]:
    """{article id: (audience now, days from creation to first validated)}, for the articles first
    validated in the period: one grouped query over the validations."""
    first = Min("at")
    rows = (
        ArticleEvent.objects.filter(kind=EventKind.STATE, to_value=State.VALIDATED)
        .filter(filters.articles("article__"))
        .values("article")
        .annotate(first=first, audience=Max("article__audience"), days=DaysBetween(first, Max("article__created_at")))
        .filter(first__gte=filters.since, first__lt=filters.until)
        .order_by()
        .values_list("article", "audience", "days")
    )
    return {pk: (audience, max(0.0, days)) for pk, audience, days in rows}


def days_to_validated(filters: Filters) -> list[float]:
    """Days from creation to the first validation, of each article first validated in the period."""
    return [days for _audience, days in _first_validated(filters).values()]


def days_to_published_outside(filters: Filters) -> list[float]:
    """Days from creation to the first time the article was validated with an audience other than
    internal, of each article that got there in the period.

    An article whose audience never changed got there at its first validation if its audience is
    not internal (the grouped validations say it); one whose audience changed is replayed from its
    state and audience changes, if one of them falls in the period."""
    changes = ArticleEvent.objects.filter(kind__in=[EventKind.STATE, EventKind.AUDIENCE]).filter(filters.articles("article__"))
    widened = changes.filter(kind=EventKind.AUDIENCE, at__lt=filters.until).values("article")
    widened_ids = set(widened.values_list("article", flat=True).distinct().order_by())
    out = [
        days
        for pk, (audience, days) in _first_validated(filters).items()
        if pk not in widened_ids and audience != Audience.INTERNAL
    ]
    # An article gets there at a change of state or audience: only those changed in the period can.
    active = changes.filter(filters.within("at"), article__in=widened).values("article")
    replayed = _replayed_published_outside(filters, active) if widened_ids else {}
    created = dict(Article.objects.filter(pk__in=list(replayed)).values_list("pk", "created_at")) if replayed else {}
    out += [max(0.0, (at - created[pk]).total_seconds() / 86400) for pk, at in replayed.items() if pk in created]
    return out


def _replayed_published_outside(filters: Filters, among) -> dict[int, datetime.datetime]:
    """{article id: the first time it was validated with an audience other than internal}, for the
    articles `among` that got there in the period, replayed from their state and audience changes."""
    ever_validated = (
        ArticleEvent.objects.filter(kind=EventKind.STATE, to_value=State.VALIDATED, at__lt=filters.until, article__in=among)
        .filter(filters.articles("article__"))
        .values("article")
    )
    articles = dict(Article.objects.filter(pk__in=ever_validated).values_list("pk", "audience").order_by())  # {pk: audience now}
    if not articles:
        return {}
    events = (
        ArticleEvent.objects.filter(
            article__in=ever_validated, kind__in=[EventKind.STATE, EventKind.AUDIENCE], at__lt=filters.until
        )
        .order_by("article", "at", "id")
        .values_list("article_id", "kind", "from_value", "to_value", "at")
    )
    changes: dict[int, list] = defaultdict(list)
    for article_id, *change in events:
        changes[article_id].append(change)
    out = {}
    for pk, audience_now in articles.items():
        mine = changes.get(pk, [])
        state = next((f for k, f, _t, _a in mine if k == EventKind.STATE and f), State.WIP)
        audience = next((f for k, f, _t, _a in mine if k == EventKind.AUDIENCE and f), audience_now)
        for kind, _from, to_value, at in mine:
            if kind == EventKind.STATE:
                state = to_value
            else:
                audience = to_value
            if state == State.VALIDATED and audience != Audience.INTERNAL:
                if at >= filters.since:
                    out[pk] = at
                break
    return out


def _round(value):
    return None if value is None else round(value, 1)


def headline(filters: Filters) -> list[Figure]:
    now = counts_now(filters)
    return [
        Figure(
            gettext_lazy("Validated articles now"),
            now.get(State.VALIDATED, 0),
            detail=gettext("of %(count)s") % {"count": number_format(sum(now.values()), force_grouping=True)},
        ),
        Figure(gettext_lazy("Median days to validated"), _round(median(days_to_validated(filters))), DAYS),
    ]


@register(
    "lifecycle",
    gettext_lazy("Article life cycle"),
    gettext_lazy(
        "Articles in each state now and over time, the time from creation to validated and to published outside, "
        "and articles past their review date."
    ),
    headline=headline,
)
def lifecycle(filters: Filters) -> list[Table]:
    now = counts_now(filters)
    state_now = Table(
        key="states_now",
        title=gettext_lazy("Articles in each state now"),
        columns=[Column("state", gettext_lazy("State"), TEXT), Column("articles", gettext_lazy("Articles"))],
        rows=[{"state": label, "articles": now.get(value, 0)} for value, label in STATES],
        chart=Chart("bar", x="state", series=("articles",)),
        note=gettext_lazy("Today, whatever the period: every article of the product and audience chosen."),
    )
    history = states_over_time(filters)
    over_time = Table(
        key="states_over_time",
        title=gettext_lazy("Articles in each state over time"),
        columns=[
            Column("period", gettext_lazy("Week of") if filters.bucket == "week" else gettext_lazy("Month"), DATE),
            Column("day", gettext_lazy("Snapshot of"), DATE),
            *[Column(value, label) for value, label in STATES],
        ],
        rows=history,
        chart=Chart("line", x="period", series=tuple(value for value, _ in STATES)) if history else None,
        note=gettext_lazy("From the nightly snapshots: each week or month shows the counts of its last snapshot day."),
        empty=NO_SNAPSHOTS,
    )
    validated = days_to_validated(filters)
    published = days_to_published_outside(filters)
    durations = Table(
        key="time_to_validate",
        title=gettext_lazy("Time from creation to validated and to published outside"),
        columns=[
            Column("step", gettext_lazy("From creation to"), TEXT),
            Column("articles", gettext_lazy("Articles that got there")),
            Column("median", gettext_lazy("Median"), DAYS),
        ],
        rows=[
            {"step": gettext_lazy("Validated"), "articles": len(validated), "median": _round(median(validated))},
            {
                "step": gettext_lazy("Published outside (validated, audience not internal)"),
                "articles": len(published),
                "median": _round(median(published)),
            },
        ],
        note=gettext_lazy(
            "Articles that got there for the first time in the period, from their state and audience change records; "
            "days since the article was created (as work in progress or not validated)."
        ),
    )
    today = timezone.localdate()
    overdue = _articles(filters).due_for_review().select_related("owner").order_by("review_by", "pk")
    past_review = Table(
        key="past_review",
        title=gettext_lazy("Articles past their review date now"),
        columns=[
            Column("title", gettext_lazy("Article"), TEXT),
            Column("owner", gettext_lazy("Owner"), TEXT),
            Column("review_by", gettext_lazy("Review by"), DATE),
            Column("overdue", gettext_lazy("Days overdue"), COUNT),
        ],
        rows=[
            {"title": a.title, "owner": a.owner.username, "review_by": a.review_by, "overdue": (today - a.review_by).days}
            for a in overdue.only("title", "review_by", "owner__username")[:OVERDUE_LISTED]
        ],
        note=ngettext(
            "%(count)s validated article is past its review date today; the %(listed)s longest overdue are listed.",
            "%(count)s validated articles are past their review date today; the %(listed)s longest overdue are listed.",
            overdue.count(),
        )
        % {"count": overdue.count(), "listed": OVERDUE_LISTED},
        empty=gettext_lazy("No validated article is past its review date."),
    )
    return [state_now, over_time, durations, past_review]
