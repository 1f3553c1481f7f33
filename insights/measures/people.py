"""People: four figures per person, against their team's average, drawn as a radar each.

- Content standard: the average share of the content standard met (weighted by the criteria's
  weights, as `ChecklistScore.share`) by the checklist scores about the person's articles in the period.
- Link rate: their decided cases with a link, out of their decided cases (see links.py).
- Contribution: articles created and modified and cases linked in the period, relative to the most
  active person of the team (100).
- Link accuracy: reviewed links that were right, out of reviewed links (process adherence reviews).

The team is the team chosen, or everyone; its average is worked out over the team's rows
(scores, cases, reviews) pooled, and the contribution as the mean of its members'.
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Avg, Count, F, FloatField
from django.db.models.functions import Cast
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, ngettext

from coaching.models import ChecklistScore

from ..filters import Filters
from ..report import COUNT, PERCENT, TEXT, Chart, Column, Figure, Table, share
from . import links, register
from .common import counted
from .participation import counts_by_person

CONTRIBUTIONS = ("created", "modified", "linked")
AXES = ("content", "link_rate", "contribution", "link_accuracy")


# A score's share of the content standard: its criteria's weights met out of their weights (ChecklistScore.share).
MET, TOTAL = "weighted_met", "weighted_total"


def scores(filters: Filters):
    """Checklist scores given in the period about the person's or team's articles (product, audience)."""
    return ChecklistScore.objects.filter(
        filters.within("scored_at"), filters.people("author"), filters.articles("article__")
    ).filter(**{f"{TOTAL}__gt": 0})


def content_score():
    """The average share met of the scores (one decimal in Python)."""
    return {"content": Avg(Cast(F(MET), FloatField()) * 100.0 / F(TOTAL)), "scores": Count("pk")}


def rounded(value) -> float | None:
    return None if value is None else round(value, 1)


def team_of(filters: Filters) -> Filters:
    return replace(filters, person=None)


def team_label(filters: Filters) -> str:
    if filters.team is not None:
        return gettext("%(team)s average") % {"team": filters.team.name}
    return gettext("Everyone's average")


def figures(filters: Filters) -> tuple[dict, list[dict]]:
    """(the team's average row, a row per person of the filters), queries bounded by the number of figures."""
    team = team_of(filters)
    staff = list(team.staff().values_list("pk", "username"))
    content = {row["author"]: row for row in scores(team).order_by().values("author").annotate(**content_score())}
    team_content = scores(team).order_by().aggregate(**content_score())
    cases = links.grouped(team, "person")
    team_cases = links.totals(team)
    done = counts_by_person(team, only=CONTRIBUTIONS)
    members = {pk for pk, _ in staff}
    totals = {pk: sum(done.get(pk, {}).values()) for pk in members}
    most = max(totals.values(), default=0)
    rows = []
    for pk, username in staff:
        if filters.person is not None and pk != filters.person.pk:
            continue
        mine = cases.get(username, {})
        rows.append(
            {
                "person": username,
                "scores": content.get(pk, {}).get("scores", 0),
                "content": rounded(content.get(pk, {}).get("content")),
                "cases": mine.get("cases", 0),
                "link_rate": mine.get("link_rate"),
                "contributions": totals[pk],
                "contribution": share(totals[pk], most),
                "judged": mine.get("judged", 0),
                "link_accuracy": mine.get("link_accuracy"),
            }
        )
    contributions = [share(total, most) for total in totals.values()]
    contributions = [c for c in contributions if c is not None]
    average = {
        "person": team_label(filters),
        "scores": team_content["scores"],
        "content": rounded(team_content["content"]),
        "cases": team_cases["cases"],
        "link_rate": team_cases["link_rate"],
        "contributions": sum(totals.values()),
        "contribution": round(sum(contributions) / len(contributions), 1) if contributions else None,
        "judged": team_cases["judged"],
        "link_accuracy": team_cases["link_accuracy"],
    }
    return average, rows


COLUMNS = [
    Column("person", gettext_lazy("Person"), TEXT),
    Column("content", gettext_lazy("Content standard"), PERCENT),
    Column("scores", gettext_lazy("Scores"), COUNT),
    Column("link_rate", gettext_lazy("Link rate"), PERCENT),
    Column("cases", gettext_lazy("Decided cases"), COUNT),
    Column("contribution", gettext_lazy("Contribution"), PERCENT),
    Column("contributions", gettext_lazy("Created, modified, linked"), COUNT),
    Column("link_accuracy", gettext_lazy("Link accuracy"), PERCENT),
    Column("judged", gettext_lazy("Links reviewed"), COUNT),
]


def headline(filters: Filters) -> list[Figure]:
    average, rows = figures(filters)
    return [
        Figure(
            gettext_lazy("Content standard"),
            average["content"],
            PERCENT,
            detail=counted(ngettext("%(count)s score", "%(count)s scores", average["scores"]), average["scores"]),
        ),
        Figure(gettext_lazy("People"), len(rows)),
    ]


@register(
    "people",
    gettext_lazy("People"),
    gettext_lazy("Each person's content standard, link rate, contribution and link accuracy against their team's average."),
    headline=headline,
)
def people(filters: Filters) -> list[Table]:
    average, rows = figures(filters)
    rows.sort(key=lambda row: (-(row["contributions"] or 0), row["person"]))
    table = Table(
        key="people",
        title=gettext_lazy("Each person against the team"),
        columns=COLUMNS,
        rows=[average, *rows],
        chart=Chart("radars", x="person", series=AXES, max_value=100) if rows else None,
        note=format_lazy(
            "{} {}",
            gettext_lazy(
                "The first row is the team's average (the team chosen, or everyone), drawn on each person's radar; "
                "the chart draws the 12 most active people, the table lists everyone. "
                "Content standard: the average share of the content standard met by checklist scores about the person's "
                "articles. Contribution: articles created and modified and cases linked, where the team's most active "
                "person is 100%."
            ),
            links.ACCURACY_NOTE,
        ),
        empty=gettext_lazy("No active staff match these filters."),
    )
    return [table]
