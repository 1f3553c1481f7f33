"""A person's own KCS figures: on their dashboard (My work) and at /api/v1/insights/me/.

The last 90 days: the link rate of their decided cases and known against new, how often others
reused their articles, their content-standard score and link accuracy, each with everyone's
average beside it, counted in the same query as theirs. Coaches and KB owners get a link to every measure.
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Q

from articles import policy as article_policy
from cases.adherence import link_accuracy_counts
from cases.services import outcome_counts

from . import policy
from .filters import Filters, default_filters
from .measures import citation, links, people

DAYS = 90


def _with_mine(aggregates: dict, mine: Q) -> dict:
    """Each aggregate as given (everyone) and again, named `my_…`, for the rows `mine` selects:
    a person's figures and everyone's average in one query."""
    out = {}
    for name, aggregate in aggregates.items():
        copy = aggregate.copy()
        copy.filter = mine if aggregate.filter is None else aggregate.filter & mine
        out[name], out[f"my_{name}"] = aggregate, copy
    return out


def _split(row: dict) -> tuple[dict, dict]:
    """(mine, everyone's) from a row of `_with_mine` aggregates."""
    mine = {name[3:]: value for name, value in row.items() if name.startswith("my_")}
    return mine, {name: value for name, value in row.items() if not name.startswith("my_")}


def my_figures(person, filters: Filters | None = None) -> dict:
    """`person`'s figures for the period of `filters` (default: the last 90 days), with everyone's
    average (five queries)."""
    filters = replace(filters or default_filters(days=DAYS), person=person, team=None)
    everyone = replace(filters, person=None)
    cases = links.decided_cases(everyone).order_by().aggregate(**_with_mine(outcome_counts(), Q(agent=person)))
    reviews = links.reviews(everyone).order_by().aggregate(**_with_mine(link_accuracy_counts(), Q(agent=person)))
    (my_cases, all_cases), (my_reviews, all_reviews) = _split(cases), _split(reviews)
    mine, average = links.figures(my_cases, my_reviews), links.figures(all_cases, all_reviews)
    scores = people.scores(everyone).order_by().aggregate(**_with_mine(people.content_score(), Q(author=person)))
    my_content, all_content = _split(scores)
    cited = citation.citations_of(person, filters)
    return {
        "person": person.username,
        "start": filters.start,
        "end": filters.end,
        "decided_cases": mine["cases"],
        "known": mine["known"],
        "new": mine["new"],
        "no_link": mine["no_link"],
        "link_rate": mine["link_rate"],
        "link_rate_average": average["link_rate"],
        "reuse_share": mine["reuse_share"],
        "reuse_share_average": average["reuse_share"],
        "citations": cited["total"],
        "articles_cited": cited["articles"],
        "content_standard": people.rounded(my_content["content"]),
        "content_scores": my_content["scores"],
        "content_standard_average": people.rounded(all_content["content"]),
        "links_reviewed": mine["judged"],
        "link_accuracy": mine["link_accuracy"],
        "link_accuracy_average": average["link_accuracy"],
    }


def dashboard_panel(user) -> dict:
    """My KCS figures on My work (staff only)."""
    if not article_policy.is_staff(user):
        return {"show": False}
    return {"show": True, "figures": my_figures(user), "days": DAYS, "may_see_insights": bool(policy.can_see_insights(user))}
