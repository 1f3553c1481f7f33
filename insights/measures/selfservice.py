"""Self-service: how readers outside the company use the help centre (article views, searches,
"was this helpful?"), where the result they opened stood, how often a visit ended in a request
to support, and an estimate of how many did not need one."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy, ngettext

from cases.choices import Source
from cases.models import Case
from feedback.models import HelpfulVote
from search.models import SearchLog

from ..filters import Filters, bucket_of
from ..models import ArticleView, ReaderKind
from ..report import DATE, PERCENT, TEXT, Chart, Column, Figure, Table, share
from . import register
from .common import counted, once_per_request

OUTSIDE = [ReaderKind.PARTNER, ReaderKind.CUSTOMER, ReaderKind.ANONYMOUS]
# Where an opened result stood: (label, lowest, highest or None).
POSITIONS = [("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4–5", 4, 5), ("6–10", 6, 10), (gettext_lazy("over 10"), 11, None)]


def _outside_kinds(filters: Filters) -> list[str]:
    """The outside reader kinds the audience filter leaves (an internal audience leaves none)."""
    if not filters.reader:
        return [kind.value for kind in OUTSIDE]
    return [filters.reader] if filters.reader != ReaderKind.STAFF else []


@once_per_request
def views_by_reader(filters: Filters) -> dict[datetime.date, dict[str, int]]:
    """{first day of bucket: {reader kind: views}}, every bucket present (one grouped query)."""
    rows = (
        ArticleView.objects.filter(day__gte=filters.start, day__lte=filters.end)
        .filter(filters.articles("article__"))
        .values("day", "reader")
        .annotate(n=Sum("views"))
        .order_by()
        .values_list("day", "reader", "n")
    )
    out: dict = {day: defaultdict(int) for day in filters.buckets()}
    for day, reader, n in rows:
        out.setdefault(bucket_of(day, filters.bucket), defaultdict(int))[reader] += n
    return out


def _position(low: int, high: int | None) -> Q:
    return Q(opened_position__gte=low) if high is None else Q(opened_position__gte=low, opened_position__lte=high)


@once_per_request
def _searched(filters: Filters) -> dict[str, int]:
    """The period's searches by outside readers: how many, found nothing, a result opened, and
    where the opened result stood (p0…), in one pass (an index holds every column it reads)."""
    searches = SearchLog.objects.filter(filters.within("created_at"), caller_kind__in=_outside_kinds(filters))
    return searches.aggregate(
        searches=Count("pk"),
        zero=Count("pk", filter=Q(result_count=0)),
        opened=Count("pk", filter=~Q(opened_slug="")),
        **{f"p{n}": Count("pk", filter=_position(low, high)) for n, (_label, low, high) in enumerate(POSITIONS)},
    )


def search_counts(filters: Filters) -> dict:
    found = _searched(filters)
    return {name: found[name] for name in ("searches", "zero", "opened")}


@once_per_request
def helpful_counts(filters: Filters) -> dict:
    votes = HelpfulVote.objects.filter(filters.within("at"), filters.articles("article__"))
    return votes.aggregate(votes=Count("pk"), helpful=Count("pk", filter=Q(helpful=True)))


@once_per_request
def handovers(filters: Filters) -> dict[str, int]:
    """Help-centre requests to support in the period, and how many came after searching or reading."""
    cases = Case.objects.filter(filters.within("created_at"), source=Source.HELP_CENTRE)
    out = {"handovers": 0, "searched": 0, "read": 0, "self_service": 0}
    for trail in cases.values_list("trail", flat=True).iterator(chunk_size=2000):
        trail = trail if isinstance(trail, dict) else {}
        searched, read = bool(trail.get("searches")), bool(trail.get("viewed"))
        out["handovers"] += 1
        out["searched"] += searched
        out["read"] += read
        out["self_service"] += searched or read
    return out


def positions(filters: Filters) -> list[dict]:
    found = _searched(filters)
    total = sum(found[f"p{n}"] for n in range(len(POSITIONS)))
    return [
        {"position": label, "opened": found[f"p{n}"], "share": share(found[f"p{n}"], total)}
        for n, (label, _low, _high) in enumerate(POSITIONS)
    ]


def deflection(filters: Filters) -> dict:
    searches = search_counts(filters)["searches"]
    handed = handovers(filters)["self_service"]
    return {
        "attempts": searches,
        "handed_over": handed,
        "estimate": None if not searches else round(max(0.0, 100 - 100 * handed / searches), 1),
    }


def headline(filters: Filters) -> list[Figure]:
    kinds = _outside_kinds(filters)
    views = sum(n for counts in views_by_reader(filters).values() for kind, n in counts.items() if kind in kinds)
    votes = helpful_counts(filters)
    return [
        Figure(gettext_lazy("Help-centre views"), views),
        Figure(
            gettext_lazy("Found it helpful"),
            share(votes["helpful"], votes["votes"]),
            PERCENT,
            detail=counted(ngettext("of %(count)s vote", "of %(count)s votes", votes["votes"]), votes["votes"]),
        ),
    ]


@register(
    "selfservice",
    gettext_lazy("Self-service"),
    gettext_lazy(
        "Help-centre views and searches by outside readers, helpful votes, click positions, hand-overs to support and a "
        "deflection estimate."
    ),
    headline=headline,
)
def selfservice(filters: Filters) -> list[Table]:
    by_bucket = views_by_reader(filters)
    kinds = _outside_kinds(filters)
    views = Table(
        key="views",
        title=gettext_lazy("Article views by reader"),
        columns=[
            Column("period", gettext_lazy("Week of") if filters.bucket == "week" else gettext_lazy("Month"), DATE),
            *[Column(kind, ReaderKind(kind).label) for kind in kinds],
            Column("staff", gettext_lazy("Staff (for comparison)")),
        ],
        rows=[
            {"period": day, **{kind: counts.get(kind, 0) for kind in kinds}, "staff": counts.get(ReaderKind.STAFF, 0)}
            for day, counts in sorted(by_bucket.items())
        ],
        chart=Chart("stacked", x="period", series=tuple(kinds)) if kinds else None,
        note=gettext_lazy(
            "Views of article pages, counted once per page load (a reload of the help-centre page just read is not "
            "counted again). Outside readers read the help centre; staff read the staff pages."
        ),
    )
    votes = helpful_counts(filters)
    helpful = Table(
        key="helpful",
        title=gettext_lazy("Was this helpful?"),
        columns=[
            Column("votes", gettext_lazy("Votes")),
            Column("helpful", gettext_lazy("Helpful")),
            Column("share", gettext_lazy("Helpful share"), PERCENT),
        ],
        rows=[{"votes": votes["votes"], "helpful": votes["helpful"], "share": share(votes["helpful"], votes["votes"])}],
        note=gettext_lazy("Answers given in the period (a reader's later answer replaces their earlier one)."),
    )
    counts = search_counts(filters)
    searches = Table(
        key="searches",
        title=gettext_lazy("Searches by outside readers"),
        columns=[
            Column("searches", gettext_lazy("Searches")),
            Column("zero", gettext_lazy("Found nothing")),
            Column("zero_rate", gettext_lazy("Zero-result rate"), PERCENT),
            Column("opened", gettext_lazy("A result opened")),
            Column("opened_rate", gettext_lazy("Opened rate"), PERCENT),
        ],
        rows=[
            {
                **counts,
                "zero_rate": share(counts["zero"], counts["searches"]),
                "opened_rate": share(counts["opened"], counts["searches"]),
            }
        ],
        note=gettext_lazy(
            "Searches on the search page by partners, customers and anonymous visitors (each page of results is a search)."
        ),
    )
    clicks = Table(
        key="click_position",
        title=gettext_lazy("Where the opened result stood"),
        columns=[
            Column("position", gettext_lazy("Position"), TEXT),
            Column("opened", gettext_lazy("Searches")),
            Column("share", gettext_lazy("Share"), PERCENT),
        ],
        rows=positions(filters),
        chart=Chart("histogram", x="position", series=("opened",)),
        note=gettext_lazy(
            "The first result an outside reader opened from a search, by its place in the list (1 = top, counting earlier pages)."
        ),
    )
    handed = handovers(filters)
    handover = Table(
        key="handovers",
        title=gettext_lazy("Hand-overs to support"),
        columns=[
            Column("handovers", gettext_lazy("Help-centre requests")),
            Column("searched", gettext_lazy("After searching")),
            Column("read", gettext_lazy("After reading articles")),
            Column("self_service", gettext_lazy("After searching or reading")),
            Column("share", gettext_lazy("Share after self-service"), PERCENT),
        ],
        rows=[{**handed, "share": share(handed["self_service"], handed["handovers"])}],
        note=gettext_lazy(
            "Cases created by the help centre's contact form, and what their visit's trail shows (the reader may leave "
            "the trail out, so these are lower bounds)."
        ),
    )
    estimate = deflection(filters)
    deflected = Table(
        key="deflection",
        title=gettext_lazy("Deflection estimate"),
        columns=[
            Column("attempts", gettext_lazy("Searches by outside readers")),
            Column("handed_over", gettext_lazy("Hand-overs after self-service")),
            Column("estimate", gettext_lazy("Estimated deflection"), PERCENT),
        ],
        rows=[estimate],
        note=(
            gettext_lazy(
                "An estimate, not a measurement: each search by an outside reader counts as one attempt at self-service, "
                "each help-centre request whose trail shows searches or reading as one attempt that failed; deflection "
                "≈ 100% − failed ÷ attempts. Readers who gave up, phoned or emailed support directly, or left their trail "
                "out count as deflected, and a reader who searched several times counts several attempts, so it reads high."
            )
        ),
    )
    return [views, helpful, searches, clicks, handover, deflected]
