"""The search report's reading of the log: knowledge to write, and corrections people undo.

A query that found nothing is knowledge to write only if it asks for something: "a", "the", "?"
and single letters are dropped. An outside reader's zero-result query may be about a topic the
knowledge base covers in articles they may not read; searched again as the KB owner (who may
read everything, and is the only one who sees this report) it is told apart from a topic
nothing covers, with links to the articles found, so the owner can decide to widen an audience
or write a customer version rather than a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Lower

from articles.choices import Audience

from .backends.base import SearchRequest
from .rerank import STOP_WORDS, WORD_RE

# Zero-result queries read (most frequent first) to find ROWS that are not noise, and searched
# again as the KB owner: the report's cost stays at one grouped query and at most ROWS searches.
READ = 200
ROWS = 25
HITS_SHOWN = 3
OUTSIDE = ("partner", "customer", "anonymous")
CALLER_LABELS = {"partner": "partners", "customer": "customers", "anonymous": "visitors"}


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
    hits: list[tuple[str, str, str]] = field(default_factory=list)  # (slug, title, audience) the KB owner finds


def knowledge_gaps(logs, owner) -> tuple[list[Gap], list[Gap]]:
    """(nothing exists, exists but not for the outside readers who searched) from `logs`.

    `owner` is the KB owner reading the report (policy.can_view_search_report): the hits are
    searched as them and shown only to them."""
    from .service import search

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
    nothing, elsewhere = [], []
    for row in rows:
        if not asks_for_something(row["q"]):
            continue
        gap = Gap(row["q"], row["zero"], row["outside"], [CALLER_LABELS[k] for k in OUTSIDE if row[k]])
        if gap.outside:
            request = SearchRequest(text=gap.q, user=owner, per_page=HITS_SHOWN, facets=False)
            audiences = dict(Audience.choices)
            gap.hits = [(h.slug, h.title, audiences.get(h.audience, h.audience)) for h in search(request).hits]
        (elsewhere if gap.hits else nothing).append(gap)
        if len(nothing) + len(elsewhere) >= ROWS:
            break
    return nothing, elsewhere


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
