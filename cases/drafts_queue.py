"""The most-used drafts: not-validated articles linked to at least `KCS_QUEUE_MIN_CASES` cases
now, most linked first, so the drafts agents rely on most are validated first (KCS: a draft that
keeps solving cases is known good; validating it lets customers and search trust it).

Work in progress (no resolution yet) is kept out of the default queue: it cannot be validated
until someone writes the resolution, a different job. It has its own tab (`state=wip`), because a
framed article agents keep linking is a resolution worth writing next.

Only live links count (a removed link said the article was not the answer). The links are read
from `caselink_live_idx` (article, linked_at; live links only); `bench/drafts_queue.py` measures
the queue at 100,000 articles and two million links.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, QuerySet, Subquery

from articles import policy as article_policy
from articles.choices import State
from articles.models import Article, long_fields

from . import policy
from .models import CaseLink


def _live_links():
    return CaseLink.objects.live().filter(article=OuterRef("pk")).order_by()


def drafts(state: str = State.NOT_VALIDATED, min_cases: int | None = None) -> QuerySet:
    """The articles in `state` with at least `min_cases` (default: the setting) live case links,
    each with `live_links`: most linked first, then the oldest article.

    Per article, not a join grouped by article: whether an article qualifies is one probe of
    `caselink_live_idx` that stops at its N-th link (all a count needs, and Django leaves the
    unused `live_links` out of a count), and only the qualifying articles' links are counted.
    A join grouped by article hashed every live link of the table (bench/drafts_queue.py).
    """
    least = settings.KCS_QUEUE_MIN_CASES if min_cases is None else min_cases
    counted = _live_links().values("article").annotate(n=Count("*")).values("n")
    return (
        Article.objects.filter(state=state)
        .filter(Exists(_live_links()[max(least, 1) - 1 : max(least, 1)]))
        .annotate(live_links=Subquery(counted))
        .select_related("product", "owner")
        .defer(*long_fields())
        .order_by("-live_links", "created_at", "id")
    )


@dataclass(frozen=True)
class Entry:
    article: Article
    live_links: int
    last_linked: object
    may_review: bool  # the reader may validate it (not validated) or write its resolution (WIP)


def entries(articles, user) -> list[Entry]:
    """A page of `drafts()` with when each was last linked to a case (one query for the page)."""
    articles = list(articles)
    last = dict(
        CaseLink.objects.live()
        .filter(article__in=articles)
        .order_by()
        .values("article")
        .annotate(last=Max("linked_at"))
        .values_list("article", "last")
    )
    out = []
    for article in articles:
        may = article_policy.can_validate if article.state == State.NOT_VALIDATED else article_policy.can_edit
        out.append(Entry(article, article.live_links, last.get(article.pk), bool(may(user, article))))
    return out


def dashboard_panel(user) -> dict:
    """How many drafts wait in the queue, on a KB owner's My work (one grouped count)."""
    if not (article_policy.is_kb_owner(user) and policy.can_see_drafts_queue(user)):
        return {"show": False}
    return {"show": True, "count": drafts().count(), "min_cases": settings.KCS_QUEUE_MIN_CASES}
