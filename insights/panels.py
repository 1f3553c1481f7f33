"""A person's own KCS figures: on their dashboard (My work) and at /api/v1/insights/me/.

The last 90 days: the link rate of their decided cases and known against new, how often others
reused their articles, their content-standard score and link accuracy, each with everyone's
average beside it where that costs one query more. Coaches and KB owners get a link to every measure.
"""

from __future__ import annotations

from dataclasses import replace

from articles import policy as article_policy

from . import policy
from .filters import Filters, default_filters
from .measures import citation, links, people

DAYS = 90


def my_figures(person, filters: Filters | None = None) -> dict:
    """`person`'s figures for the period of `filters` (default: the last 90 days), with everyone's average."""
    filters = replace(filters or default_filters(days=DAYS), person=person, team=None)
    everyone = replace(filters, person=None)
    mine = links.totals(filters)
    average = links.totals(everyone)
    content = people.content_of(person, filters)
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
        "content_standard": content["content"],
        "content_scores": content["scores"],
        "content_standard_average": people.everyone_content(filters),
        "links_reviewed": mine["judged"],
        "link_accuracy": mine["link_accuracy"],
        "link_accuracy_average": average["link_accuracy"],
    }


def dashboard_panel(user) -> dict:
    """My KCS figures on My work (staff only)."""
    if not article_policy.is_staff(user):
        return {"show": False}
    return {"show": True, "figures": my_figures(user), "days": DAYS, "may_see_insights": bool(policy.can_see_insights(user))}
