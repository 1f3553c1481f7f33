"""Linking and reuse: how many decided cases were linked to an article (the link rate), whether
with an existing article (known: reuse) or one written from the case (new: create), and how often
the article linked was the right one (link accuracy, from process adherence reviews).

A case counts in the period its outcome was recorded in (solved or closed). The person and team
filters apply to the case's agent, a team being the agent's groups; the product filter to the
case's product. Cases have no audience: the audience filter does not apply here.
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, ngettext

from articles.models import Product
from cases.adherence import link_accuracy_counts
from cases.models import AdherenceReview, Case
from cases.services import outcome_counts, outcome_figures

from ..filters import Filters
from ..report import COUNT, DATE, PERCENT, TEXT, Chart, Column, Figure, Table, share
from . import register
from .common import bucket_expr, names, once_per_request, per_bucket

NOBODY = gettext_lazy("(no agent)")
NO_TEAM = gettext_lazy("(no team)")
NO_PRODUCT = gettext_lazy("(no product)")

# Grouping keys: the agent, the agent's teams (groups), the case's product.
BY = {"person": "agent__username", "team": "agent__groups__name", "product": "product__name"}
# The same through a review (reviews name the agent and the case).
REVIEW_BY = {"person": "agent__username", "team": "agent__groups__name", "product": "case__product__name"}


def decided_cases(filters: Filters):
    """Decided cases whose outcome was recorded in the period, for the agent, team and product chosen."""
    qs = Case.objects.decided().filter(filters.within("outcome_at"), filters.people("agent"))
    if filters.product is not None:
        qs = qs.filter(product=filters.product)
    return qs


def reviews(filters: Filters):
    """Process adherence reviews made in the period of the agent's, team's and product's cases."""
    qs = AdherenceReview.objects.filter(filters.within("reviewed_at"), filters.people("agent"))
    if filters.product is not None:
        qs = qs.filter(case__product=filters.product)
    return qs


def figures(counts: dict | None, accuracy: dict | None) -> dict:
    """One row's figures: decided cases, known, new, no link, link rate, reuse share (known out of
    linked) and link accuracy; every share is None when it has nothing to divide."""
    row = outcome_figures(counts or {})
    linked = row["known"] + row["new"]
    accurate = (accuracy or {}).get("accurate") or 0
    judged = (accuracy or {}).get("judged") or 0
    return {
        "cases": row["cases"],
        "known": row["known"],
        "new": row["new"],
        "no_link": row["no_link"],
        "link_rate": share(linked, row["cases"]),
        "reuse_share": share(row["known"], linked),
        "judged": judged,
        "link_accuracy": share(accurate, judged),
    }


@once_per_request
def case_cube(filters: Filters) -> list[dict]:
    """The period's decided cases counted per (agent, product) in one pass, read from the covering
    index (outcome_at, agent, product, outcome): the summary, the person, team and product tables,
    the headline and the People view all add these rows up rather than scanning the cases again.
    (Over time is its own pass: truncating a year of dates costs more than the grouping.)"""
    return list(decided_cases(filters).values("agent_id", "product_id").annotate(**outcome_counts()).order_by())


def _add(into: dict, row: dict) -> None:
    for name in ("cases", "known", "new", "no_link"):
        into[name] = into.get(name, 0) + (row.get(name) or 0)


def _summed(rows, key) -> dict:
    out: dict = {}
    for row in rows:
        for group in key(row):
            _add(out.setdefault(group, {}), row)
    return out


def _teams_of(agent_ids) -> dict[int, list[str]]:
    """{agent id: names of their groups} in one query."""
    from django.contrib.auth.models import Group

    out: dict[int, list[str]] = {}
    through = Group.user_set.through.objects.filter(user_id__in=[pk for pk in agent_ids if pk is not None])
    for user_id, name in through.values_list("user_id", "group__name"):
        out.setdefault(user_id, []).append(name)
    return out


@once_per_request
def _accuracy_by(filters: Filters, by: str) -> dict:
    key = REVIEW_BY[by]
    return {row[key]: row for row in reviews(filters).order_by().values(key).annotate(**link_accuracy_counts())}


@once_per_request
def totals(filters: Filters) -> dict:
    """The figures of every case and review the filters select."""
    counts = _summed(case_cube(filters), lambda row: [None]).get(None)
    accuracy = reviews(filters).order_by().aggregate(**link_accuracy_counts())
    return figures(counts, accuracy)


def grouped(filters: Filters, by: str) -> dict[str | None, dict]:
    """{group: figures} per person, team or product (names as the tables show them)."""
    cube = case_cube(filters)
    if by == "person":
        people = names(row["agent_id"] for row in cube if row["agent_id"] is not None)
        counts = _summed(cube, lambda row: [people.get(row["agent_id"])])
    elif by == "team":
        teams = _teams_of({row["agent_id"] for row in cube})
        counts = _summed(cube, lambda row: teams.get(row["agent_id"]) or [None])
    else:
        products = dict(Product.objects.values_list("pk", "name"))
        counts = _summed(cube, lambda row: [products.get(row["product_id"])])
    accuracy = _accuracy_by(filters, by)
    return {group: figures(counts.get(group), accuracy.get(group)) for group in {*counts, *accuracy}}


def over_time(filters: Filters) -> dict:
    """{first day of week or month: figures}, every bucket of the period present."""
    rows = (
        decided_cases(filters)
        .annotate(bucket=bucket_expr("outcome_at", filters.bucket))
        .values("bucket")
        .annotate(**outcome_counts())
        .order_by()
    )
    counts = per_bucket(filters, rows)
    rows = (
        reviews(filters)
        .annotate(bucket=bucket_expr("reviewed_at", filters.bucket))
        .values("bucket")
        .annotate(**link_accuracy_counts())
        .order_by()
    )
    accuracy = per_bucket(filters, rows)
    return {day: figures(counts.get(day), accuracy.get(day)) for day in filters.buckets()}


FIGURE_COLUMNS = [
    Column("cases", gettext_lazy("Decided cases")),
    Column("known", gettext_lazy("Known (reuse)")),
    Column("new", gettext_lazy("New (create)")),
    Column("no_link", gettext_lazy("No link")),
    Column("link_rate", gettext_lazy("Link rate"), PERCENT),
    Column("reuse_share", gettext_lazy("Reuse share"), PERCENT),
    Column("judged", gettext_lazy("Links reviewed")),
    Column("link_accuracy", gettext_lazy("Link accuracy"), PERCENT),
]
ACCURACY_NOTE = gettext_lazy(
    "Link accuracy (from process adherence reviews made in the period): reviewed cases whose linked article was "
    "the right one, out of reviewed cases with a link."
)
NOTE = format_lazy(
    "{} {}",
    gettext_lazy(
        "Cases solved or closed in the period. Link rate: decided cases with a link (known or new) out of all decided cases; "
        "reuse share: known out of linked."
    ),
    ACCURACY_NOTE,
)


def _grouped_table(
    filters: Filters, by: str, key: str, title: str, label: str, missing: str, empty: str, note: str = ""
) -> Table:
    rows = [{"group": group if group not in (None, "") else missing, **found} for group, found in grouped(filters, by).items()]
    rows.sort(key=lambda row: (-row["cases"], row["group"]))
    return Table(
        key=key,
        title=title,
        columns=[Column("group", label, TEXT), *FIGURE_COLUMNS],
        rows=rows,
        chart=Chart("bar", x="group", series=("link_rate",), max_value=100) if 0 < len(rows) <= 40 else None,
        empty=empty,
        note=note,
    )


def of_decided_cases(count: int) -> str:
    return ngettext("of %(count)s decided case", "of %(count)s decided cases", count) % {
        "count": number_format(count, force_grouping=True)
    }


def headline(filters: Filters) -> list[Figure]:
    found = totals(filters)
    return [
        Figure(gettext_lazy("Link rate"), found["link_rate"], PERCENT, detail=of_decided_cases(found["cases"])),
        Figure(
            gettext_lazy("Reuse share (known vs new)"),
            found["reuse_share"],
            PERCENT,
            detail=gettext("%(known)s known, %(new)s new")
            % {
                "known": number_format(found["known"], force_grouping=True),
                "new": number_format(found["new"], force_grouping=True),
            },
        ),
        Figure(gettext_lazy("Link accuracy"), found["link_accuracy"], PERCENT),
    ]


@register(
    "links",
    gettext_lazy("Linking and reuse"),
    gettext_lazy(
        "The link rate of decided cases, reuse (known) against create (new) and link accuracy: "
        "per person, team, product, over time."
    ),
    headline=headline,
)
def links(filters: Filters) -> list[Table]:
    summary = Table(
        key="summary", title=gettext_lazy("Linking in the period"), columns=FIGURE_COLUMNS, rows=[totals(filters)], note=NOTE
    )
    buckets = over_time(filters)
    period = Column("period", gettext_lazy("Week of") if filters.bucket == "week" else gettext_lazy("Month"), DATE)
    rate = Table(
        key="over_time",
        title=gettext_lazy("Link rate over time"),
        columns=[period, Column("cases", gettext_lazy("Decided cases")), Column("link_rate", gettext_lazy("Link rate"), PERCENT)]
        + [Column("link_accuracy", gettext_lazy("Link accuracy"), PERCENT)],
        rows=[
            {"period": day, "cases": f["cases"], "link_rate": f["link_rate"], "link_accuracy": f["link_accuracy"]}
            for day, f in buckets.items()
        ],
        chart=Chart("line", x="period", series=("link_rate", "link_accuracy"), max_value=100),
    )
    outcomes = Table(
        key="outcomes_over_time",
        title=gettext_lazy("Known, new and no link over time"),
        columns=[
            period,
            Column("known", gettext_lazy("Known (reuse)"), COUNT),
            Column("new", gettext_lazy("New (create)")),
            Column("no_link", gettext_lazy("No link")),
        ],
        rows=[{"period": day, "known": f["known"], "new": f["new"], "no_link": f["no_link"]} for day, f in buckets.items()],
        chart=Chart("stacked", x="period", series=("known", "new", "no_link")),
    )
    return [
        summary,
        rate,
        outcomes,
        _grouped_table(
            filters,
            "person",
            "people",
            gettext_lazy("Per person"),
            gettext_lazy("Agent"),
            NOBODY,
            gettext_lazy("No decided cases for these filters."),
        ),
        _grouped_table(
            filters,
            "team",
            "teams",
            gettext_lazy("Per team"),
            gettext_lazy("Team"),
            NO_TEAM,
            gettext_lazy("No decided cases for these filters."),
            note=gettext_lazy("A team is a group of agents: a case counts in every team its agent belongs to."),
        ),
        _grouped_table(
            filters,
            "product",
            "products",
            gettext_lazy("Per product"),
            gettext_lazy("Product"),
            NO_PRODUCT,
            gettext_lazy("No decided cases for these filters."),
        ),
    ]
