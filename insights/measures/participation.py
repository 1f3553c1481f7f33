"""Participation: who took part in KCS in the period (created, modified, flagged, linked or
reviewed), and their share of the active staff."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count
from django.utils.translation import gettext_lazy, ngettext

from articles.models import ArticleEvent, EventKind, Reuse
from cases.models import AdherenceReview, CaseLink
from coaching.models import ChecklistScore, CommentKind, ReviewComment
from feedback.models import Flag

from ..filters import Filters, bucket_of
from ..report import COUNT, DATE, PERCENT, TEXT, Chart, Column, Figure, Table, share
from . import register
from .common import as_day, bucket_expr, counted, once_per_request

MODIFIED = [EventKind.EDITED, EventKind.STATE, EventKind.AUDIENCE, EventKind.GOVERNANCE, EventKind.REVERTED]

# What counts as taking part: (column, label, rows, the user field, the time field, the article prefix).
ACTIVITIES = [
    ("created", gettext_lazy("Created"), lambda: ArticleEvent.objects.filter(kind=EventKind.CREATED), "actor", "at", "article__"),
    ("modified", gettext_lazy("Modified"), lambda: ArticleEvent.objects.filter(kind__in=MODIFIED), "actor", "at", "article__"),
    (
        "flagged",
        gettext_lazy("Flagged"),
        lambda: Flag.objects.filter(created_by__isnull=False),
        "created_by",
        "created_at",
        "article__",
    ),
    ("linked", gettext_lazy("Linked to cases"), lambda: CaseLink.objects.all(), "linked_by", "linked_at", "article__"),
    ("reused", gettext_lazy("Reused without a case"), lambda: Reuse.objects.all(), "user", "at", "article__"),
    ("reviewed", gettext_lazy("Reviewed"), lambda: ChecklistScore.objects.all(), "scorer", "scored_at", "article__"),
    (
        "reviewed",
        gettext_lazy("Reviewed"),
        lambda: ReviewComment.objects.filter(kind__in=[CommentKind.APPROVED, CommentKind.CHANGES]),
        "author",
        "created_at",
        "review__article__",
    ),
    # A process adherence review is about a case, not an article: its product is the case's.
    ("reviewed", gettext_lazy("Reviewed"), lambda: AdherenceReview.objects.all(), "reviewer", "reviewed_at", None),
]


def _activity(filters: Filters, make, user_field: str, time_field: str, prefix: str | None):
    qs = make().filter(filters.within(time_field), filters.people(user_field))
    if prefix is not None:
        return qs.filter(filters.articles(prefix))
    if filters.audience:
        return qs.none()  # a case has no audience: with one chosen, only article work counts
    return qs.filter(case__product=filters.product) if filters.product is not None else qs


def counts_by_person(filters: Filters, only: tuple[str, ...] = ()) -> dict[int, dict[str, int]]:
    """{user id: {activity: count}} in the period, one grouped query per kind of activity
    (the kinds named in `only`, or every kind)."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for index, (key, *_rest) in enumerate(ACTIVITIES):
        if only and key not in only:
            continue
        for user_id, n in _counts_of(filters, index).items():
            out[user_id][key] += n
    return out


@once_per_request
def _counts_of(filters: Filters, index: int) -> dict[int, int]:
    """{user id: count} of one kind of activity (ACTIVITIES[index]) in the period: the People view
    and the overview ask for the same counts as this view, so each is computed once a request."""
    _key, _label, make, user_field, time_field, prefix = ACTIVITIES[index]
    rows = _activity(filters, make, user_field, time_field, prefix).values(user_field).annotate(n=Count("pk")).order_by()
    return {row[user_field]: row["n"] for row in rows}


def participants_by_bucket(filters: Filters) -> dict:
    """{first day of week or month: set of user ids who took part}."""
    seen: dict = defaultdict(set)
    for _key, _label, make, user_field, time_field, prefix in ACTIVITIES:
        rows = (
            _activity(filters, make, user_field, time_field, prefix)
            .annotate(bucket=bucket_expr(time_field, filters.bucket))
            .values("bucket", user_field)
            .distinct()
            .order_by()
        )
        for row in rows:
            seen[bucket_of(as_day(row["bucket"]), filters.bucket)].add(row[user_field])
    return seen


KINDS = list(dict.fromkeys((key, label) for key, label, *_ in ACTIVITIES))


def headline(filters: Filters) -> list[Figure]:
    staff = set(filters.staff().values_list("pk", flat=True))
    counts = counts_by_person(filters)
    took_part = sum(1 for pk, mine in counts.items() if pk in staff and sum(mine.values()))
    return [
        Figure(
            gettext_lazy("People who took part"),
            took_part,
            detail=counted(ngettext("of %(count)s active staff member", "of %(count)s active staff", len(staff)), len(staff)),
        ),
        Figure(gettext_lazy("Share of active staff"), share(took_part, len(staff)), PERCENT),
    ]


@register(
    "participation",
    gettext_lazy("Participation"),
    gettext_lazy("Who created, modified, flagged, linked or reviewed, and their share of active staff."),
    headline=headline,
)
def participation(filters: Filters) -> list[Table]:
    staff = list(filters.staff().values_list("pk", "username"))
    counts = counts_by_person(filters)
    people = []
    for pk, username in staff:
        mine = counts.get(pk, {})
        row = {"person": username, **{key: mine.get(key, 0) for key, _ in KINDS}}
        row["total"] = sum(mine.values())
        people.append(row)
    people.sort(key=lambda row: (-row["total"], row["person"]))
    active_ids = {pk for pk, _ in staff}
    participants = {pk for pk, mine in counts.items() if pk in active_ids and sum(mine.values())}
    summary = Table(
        key="summary",
        title=gettext_lazy("Participation in the period"),
        columns=[
            Column("participants", gettext_lazy("People who took part")),
            Column("staff", gettext_lazy("Active staff")),
            Column("share", gettext_lazy("Share"), PERCENT),
        ],
        rows=[{"participants": len(participants), "staff": len(staff), "share": share(len(participants), len(staff))}],
        note=gettext_lazy(
            "Taking part: creating, modifying, flagging, linking or reusing an article, or reviewing someone's work."
        ),
    )
    by_bucket = participants_by_bucket(filters)
    over_time = Table(
        key="over_time",
        title=gettext_lazy("Participation over time"),
        columns=[
            Column("period", gettext_lazy("Week of") if filters.bucket == "week" else gettext_lazy("Month"), DATE),
            Column("participants", gettext_lazy("People who took part")),
            Column("share", gettext_lazy("Share of active staff"), PERCENT),
        ],
        rows=[
            {
                "period": day,
                "participants": len(by_bucket.get(day, set()) & active_ids),
                "share": share(len(by_bucket.get(day, set()) & active_ids), len(staff)),
            }
            for day in filters.buckets()
        ],
        chart=Chart("line", x="period", series=("share",), max_value=100),
        note=gettext_lazy("Active staff are today's active staff accounts (in the team chosen)."),
    )
    per_person = Table(
        key="people",
        title=gettext_lazy("Contributions per person"),
        columns=[
            Column("person", gettext_lazy("Person"), TEXT),
            *[Column(key, label) for key, label in KINDS],
            Column("total", gettext_lazy("Total"), COUNT),
        ],
        rows=people,
        chart=Chart("stacked", x="person", series=tuple(key for key, _ in KINDS)) if len(people) <= 40 else None,
        empty=gettext_lazy("No active staff match these filters."),
    )
    return [summary, over_time, per_person]
