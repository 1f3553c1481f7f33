"""The most-used drafts: not-validated articles linked to at least `KCS_QUEUE_MIN_CASES` cases
now, most linked first, so the drafts agents rely on most are validated first (KCS: a draft that
keeps solving cases is known good; validating it lets customers and search trust it).

Work in progress (no resolution yet) is kept out of the default queue: it cannot be validated
until someone writes the resolution, a different job. It has its own tab (`state=wip`), because a
framed article agents keep linking is a resolution worth writing next.

Only live links count (a removed link said the article was not the answer). One grouped query
over the links of drafts in the state, read from `caselink_queue_idx` (article, linked_at, live
only), then one query for the page's articles; `bench/drafts_queue.py` measures it at scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Min, QuerySet

from articles import policy as article_policy
from articles.choices import State
from articles.models import Article, long_fields

from . import policy
from .models import CaseLink

QUEUE_STATES = (State.NOT_VALIDATED, State.WIP)


def link_counts(state: str = State.NOT_VALIDATED, min_cases: int | None = None) -> QuerySet:
    """Rows of {article, live_links, first_linked, last_linked} for the articles in `state` with at
    least `min_cases` (default: the setting) live case links: most linked first, then the one in
    use on cases the longest (its first live link the oldest), then the oldest article."""
    least = settings.KCS_QUEUE_MIN_CASES if min_cases is None else min_cases
    return (
        CaseLink.objects.live()
        .filter(article__state=state)
        .order_by()
        .values("article")
        .annotate(live_links=Count("pk"), first_linked=Min("linked_at"), last_linked=Max("linked_at"))
        .filter(live_links__gte=least)
        .order_by("-live_links", "first_linked", "article")
    )


@dataclass(frozen=True)
class Entry:
    article: Article
    live_links: int
    first_linked: object
    last_linked: object
    may_review: bool  # the reader may validate it (not validated) or write its resolution (WIP)


def entries(rows, user) -> list[Entry]:
    """The articles of a page of `link_counts` rows, in its order (one query)."""
    rows = list(rows)
    articles = Article.objects.select_related("product", "owner").defer(*long_fields()).in_bulk([row["article"] for row in rows])
    out = []
    for row in rows:
        article = articles.get(row["article"])
        if article is None:  # deleted between the two queries
            continue
        may = article_policy.can_validate if article.state == State.NOT_VALIDATED else article_policy.can_edit
        out.append(Entry(article, row["live_links"], row["first_linked"], row["last_linked"], bool(may(user, article))))
    return out


def dashboard_panel(user) -> dict:
    """How many drafts wait in the queue, on a KB owner's My work (one grouped count)."""
    if not (article_policy.is_kb_owner(user) and policy.can_see_drafts_queue(user)):
        return {"show": False}
    return {"show": True, "count": link_counts().count(), "min_cases": settings.KCS_QUEUE_MIN_CASES}
