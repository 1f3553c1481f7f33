"""The search report's reading of the log: knowledge to write, and corrections people undo.

A query that found nothing is knowledge to write only if it asks for something: "a", "the", "?"
and single letters are dropped. An outside reader's zero-result query may be about a topic the
knowledge base covers in articles they may not read; searched again as the KB owner (who may
read everything, and is the only one who sees this report) it is told apart from a topic
nothing covers, with links to the articles found, so the owner can decide to widen an audience
or write a customer version rather than a duplicate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy

from articles.choices import Audience
from articles.models import Article

from .backends.base import SearchRequest
from .query import parse
from .rerank import STOP_WORDS, WORD_RE, query_concepts, stems
from .service import search, synonym_groups

# Zero-result queries read (most frequent first) to find ROWS that are not noise, and searched
# again as the KB owner: the report's cost stays at one grouped query and at most ROWS searches.
READ = 200
ROWS = 25
HITS_SHOWN = 3
SEARCHED = 10  # hits read per query, of which HITS_SHOWN that contain all its words are shown
HITS_CACHE_SECONDS = 5 * 60
ANSWER_FIELDS = ("title", "issue", "environment", "cause", "resolution")
OUTSIDE = ("partner", "customer", "anonymous")
CALLER_LABELS = {
    "partner": gettext_lazy("partners"),
    "customer": gettext_lazy("customers"),
    "anonymous": gettext_lazy("visitors"),
}


def asks_for_something(query: str) -> bool:
    """False for noise: only question or stop words ("a", "the", "how do i"), single characters,
    punctuation."""
    words = WORD_RE.findall(query.lower().replace("’", "'").replace("'", ""))
    return any(len(w) > 1 and w not in STOP_WORDS for w in words)


@dataclass
class Gap:
    q: str
    zero: int  # searches that found nothing
    outside: int  # of which by partners, customers or visitors
    callers: list[str] = field(default_factory=list)  # outside kinds, as words
    hits: list = field(default_factory=list)  # (slug, title, audience) of what the KB owner finds


def knowledge_gaps(logs, owner) -> tuple[list[Gap], list[Gap]]:
    """(nothing exists, exists but not for the outside readers who searched) from `logs`.

    `owner` is the KB owner reading the report (policy.can_view_search_report): the hits are
    searched as them and shown only to them."""
    outside = Q(caller_kind__in=OUTSIDE)
    rows = (
        logs.filter(result_count=0)
        .annotate(q=Lower("query"))
        .values("q")
        .annotate(
            zero=Count("id"),
            outside=Count("id", filter=outside),
            partner=Count("id", filter=Q(caller_kind="partner")),
            customer=Count("id", filter=Q(caller_kind="customer")),
            anonymous=Count("id", filter=Q(caller_kind="anonymous")),
        )
        .order_by("-zero", "q")[:READ]
    )
    gaps = []
    for row in rows:
        if asks_for_something(row["q"]):
            gaps.append(Gap(row["q"], row["zero"], row["outside"], [CALLER_LABELS[k] for k in OUTSIDE if row[k]]))
            if len(gaps) >= ROWS:
                break
    # The searches are the page's cost (up to ROWS of them): each is kept for a few minutes, per
    # reader, so that changing the period or coming back does not search everything again.
    keys = {gap.q: f"search-report-hits:{owner.pk}:{hashlib.sha1(gap.q.encode()).hexdigest()}" for gap in gaps if gap.outside}
    cached = cache.get_many(list(keys.values()))
    for gap in gaps:
        if gap.q in keys:
            gap.hits = cached.get(keys[gap.q])
            if gap.hits is None:
                gap.hits = search(SearchRequest(text=gap.q, user=owner, per_page=SEARCHED, facets=False)).hits
                cache.set(keys[gap.q], gap.hits, HITS_CACHE_SECONDS)
    nothing = [gap for gap in gaps if not gap.hits]
    elsewhere = [gap for gap in gaps if gap.hits]
    _keep_answers(elsewhere, nothing, owner)
    return nothing, elsewhere


def _keep_answers(elsewhere: list[Gap], nothing: list[Gap], owner) -> None:
    """Keep the hits that contain every word of the query (a synonym counts), as `Hit` tuples
    (slug, title, audience); a gap left with none moves to `nothing`.

    A search falls back to any of the words when all of them find little ("teleporter warranty"
    finds a thermostat warranty article): right for a reader, but an article about something else
    does not mean the topic exists. One query reads the texts of every hit."""
    ids = {h.article_id for gap in elsewhere for h in gap.hits}
    # Read as the owner may read them now (a cached hit may have been deleted or narrowed since).
    rows = Article.objects.visible_to(owner).filter(pk__in=ids).values_list("pk", *ANSWER_FIELDS)
    texts = {pk: set(stems(" ".join(parts))) for pk, *parts in rows}
    groups = synonym_groups()
    audiences = dict(Audience.choices)
    for gap in list(elsewhere):
        wanted = query_concepts(parse(gap.q, groups))
        found = [h for h in gap.hits if wanted and all(c.found_in(list(texts.get(h.article_id, ()))) for c in wanted)]
        gap.hits = [(h.slug, h.title, audiences.get(h.audience, h.audience)) for h in found[:HITS_SHOWN]]
        if not gap.hits:
            elsewhere.remove(gap)
            nothing.append(gap)
    nothing.sort(key=lambda gap: (-gap.zero, gap.q))


def undone_corrections(logs):
    """Applied corrections people took back ("Search instead for …"): query → correction, how
    often it was applied and undone, most undone first (one grouped query)."""
    return (
        logs.exclude(corrected_to="")
        .annotate(q=Lower("query"), to=Lower("corrected_to"))
        .values("q", "to")
        .annotate(applied=Count("id"), undone=Count("id", filter=Q(correction_undone=True)))
        .filter(undone__gt=0)
        .order_by("-undone", "-applied", "q")[:ROWS]
    )
