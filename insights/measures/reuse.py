"""Reuse distribution: how reuse spreads over the knowledge base. Each article (not archived, of
the product and audience chosen) counts its reuse in the period — live case links that reuse it
(solved or reference) and reuse recorded without a case (`articles.Reuse`) — and falls in a bucket
(0, 1, 2–5 …). A healthy base has a long tail: a few articles take much of the reuse.

Counted per article in SQL (one grouped query for links, one for reuse rows), bucketed in Python
over the articles reused at least once; the articles never reused are the total less those.
"""

from __future__ import annotations

import math

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy, ngettext

from articles.choices import State
from articles.models import Article, Reuse
from cases.models import CaseLink

from ..filters import Filters
from ..report import COUNT, PERCENT, TEXT, Chart, Column, Figure, Table, share
from . import register
from .common import counted, names, once_per_request

# (label, lowest, highest) reuse counts of each bucket; None: no upper bound.
BUCKETS = [
    ("0", 0, 0),
    ("1", 1, 1),
    ("2–5", 2, 5),
    ("6–10", 6, 10),
    ("11–25", 11, 25),
    ("26–50", 26, 50),
    ("51–100", 51, 100),
    (">100", 101, None),
]
TOP_SHARE = 0.2  # the long tail: the share of reuse taken by the top fifth of articles
MOST_REUSED = 20


def article_scope(filters: Filters, prefix: str = "", *, live_only: bool = True) -> Q:
    """The articles the filters choose: of the product and audience, written by the person or
    team (their author), and not archived unless `live_only` is False."""
    q = filters.articles(prefix) & filters.people(f"{prefix}created_by")
    if live_only:
        q &= ~Q(**{f"{prefix}state": State.ARCHIVED})
    return q


@once_per_request
def articles_in_scope(filters: Filters, live_only: bool = True) -> dict[int, int]:
    """{article id: author id} of the articles the filters choose (archived ones too unless
    `live_only`): one narrow query a request, shared by Citation (every article) and Reuse (live)."""
    authors, archived = _scope_rows(filters)
    if not live_only:
        return authors
    live = dict(authors)
    for pk in archived:
        del live[pk]
    return live


@once_per_request
def _scope_rows(filters: Filters) -> tuple[dict[int, int], list[int]]:
    authors, archived = {}, []
    rows = Article.objects.filter(article_scope(filters, live_only=False)).order_by()
    for pk, author, state in rows.values_list("pk", "created_by_id", "state").iterator(chunk_size=10_000):
        authors[pk] = author
        if state == State.ARCHIVED:
            archived.append(pk)
    return authors, archived


@once_per_request
def _per_article(filters: Filters, source: str, by_author: bool) -> dict[int, int]:
    """{article id: reuse in the period} from live reuse links or reuse rows, grouped by article
    alone: the period's rows are read from the covering index, never joined to the articles (a
    join looks up an article per link: four times slower over a million links). With `by_author`,
    only the reuse the article's own author recorded (an article-driven join, few rows)."""
    if source == "links":
        qs, user, at = CaseLink.objects.live().reuse(), "linked_by", "linked_at"
    else:
        qs, user, at = Reuse.objects.all(), "user", "at"
    qs = qs.filter(filters.within(at))
    if not by_author:
        return dict(qs.order_by().values_list("article_id").annotate(n=Count("pk")))
    if connection.vendor == "postgresql":
        # PostgreSQL hashes the articles once and joins: cheaper than a subquery an article.
        own_rows = qs.filter(**{user: F("article__created_by")}).order_by().values_list("article_id")
        return dict(own_rows.annotate(n=Count("pk")))
    # SQLite joins by looking up an article for each of up to a million links; driven from the
    # articles instead, each one's own reuse is a seek in (article, user, time) order.
    own = qs.filter(article=OuterRef("pk"), **{user: OuterRef("created_by")}).order_by().values("article")
    counted = Article.objects.annotate(n=Subquery(own.annotate(n=Count("pk")).values("n")))
    return dict(counted.filter(n__gt=0).order_by().values_list("pk", "n"))


def reuse_by_article(filters: Filters, *, by_others: bool = False, live_only: bool = True) -> dict[int, dict]:
    """{article id: {"author", "links", "rows", "total"}} for the articles of the filters' scope
    reused in the period. With `by_others`, reuse by the article's own author is left out."""
    if filters.person is not None:
        return _reuse_of_person(filters, by_others, live_only)
    scope = articles_in_scope(filters, live_only)
    out: dict[int, dict] = {}
    for name in ("links", "rows"):
        counts = _per_article(filters, name, False)
        own = _per_article(filters, name, True) if by_others else {}
        for article_id, n in counts.items():
            n -= own.get(article_id, 0)
            if n <= 0 or article_id not in scope:
                continue
            found = out.setdefault(article_id, {"author": scope[article_id], "links": 0, "rows": 0, "total": 0})
            found[name] += n
            found["total"] += n
    return out


def _reuse_of_person(filters: Filters, by_others: bool, live_only: bool) -> dict[int, dict]:
    """reuse_by_article for one author: their articles are few, so joining each link or reuse row
    to its article is cheap, and one query a source counts all and their own reuse together."""
    scope = article_scope(filters, "article__", live_only=live_only)
    out: dict[int, dict] = {}
    sources = (
        ("links", CaseLink.objects.live().reuse(), "linked_by", "linked_at"),
        ("rows", Reuse.objects.all(), "user", "at"),
    )
    for name, qs, user, at in sources:
        rows = (
            qs.filter(filters.within(at), scope)
            .order_by()
            .values_list("article_id")
            .annotate(n=Count("pk"), own=Count("pk", filter=Q(**{user: F("article__created_by")})))
        )
        for article_id, n, own in rows:
            n -= own if by_others else 0
            if n > 0:
                found = out.setdefault(article_id, {"author": filters.person.pk, "links": 0, "rows": 0, "total": 0})
                found[name] += n
                found["total"] += n
    return out


def bucket_label(n: int) -> str:
    return next(label for label, low, high in BUCKETS if n >= low and (high is None or n <= high))


def distribution(filters: Filters) -> dict:
    """The histogram, the share of reuse taken by the top fifth of articles, and the reused articles."""
    reused = reuse_by_article(filters)
    articles = len(articles_in_scope(filters, True))
    counts = {label: 0 for label, _, _ in BUCKETS}
    for found in reused.values():
        counts[bucket_label(found["total"])] += 1
    counts["0"] = max(articles - len(reused), 0)
    totals = sorted((found["total"] for found in reused.values()), reverse=True)
    reuse = sum(totals)
    top = math.ceil(TOP_SHARE * articles) if articles else 0
    return {
        "articles": articles,
        "reused": len(reused),
        "reuse": reuse,
        "buckets": counts,
        "top": top,
        "top_reuse": sum(totals[:top]),
        "top_share": share(sum(totals[:top]), reuse),
        "by_article": reused,
    }


def headline(filters: Filters) -> list[Figure]:
    found = distribution(filters)
    return [
        Figure(
            gettext_lazy("Articles reused"),
            found["reused"],
            detail=counted(ngettext("of %(count)s article", "of %(count)s articles", found["articles"]), found["articles"]),
        ),
        Figure(
            gettext_lazy("Reuse taken by the top 20% of articles"),
            found["top_share"],
            PERCENT,
            detail=counted(ngettext("%(count)s reuse", "%(count)s reuses", found["reuse"]), found["reuse"]),
        ),
    ]


@register(
    "reuse",
    gettext_lazy("Reuse distribution"),
    gettext_lazy("How many articles were reused how often in the period, and how much of the reuse the most reused fifth takes."),
    headline=headline,
)
def reuse(filters: Filters) -> list[Table]:
    found = distribution(filters)
    histogram = Table(
        key="distribution",
        title=gettext_lazy("Articles by reuse in the period"),
        columns=[
            Column("bucket", gettext_lazy("Reused"), TEXT),
            Column("articles", gettext_lazy("Articles")),
            Column("share", gettext_lazy("Share of articles"), PERCENT),
        ],
        rows=[{"bucket": label, "articles": n, "share": share(n, found["articles"])} for label, n in found["buckets"].items()],
        chart=Chart("histogram", x="bucket", series=("articles",)),
        note=gettext_lazy(
            "Reuse: live case links that solved or referenced the article, plus reuse recorded without a case. "
            "Articles not archived, of the product and audience chosen (and the author, with a person or team)."
        ),
    )
    tail = Table(
        key="long_tail",
        title=gettext_lazy("The long tail"),
        columns=[
            Column("articles", gettext_lazy("Articles")),
            Column("reused", gettext_lazy("Reused at least once")),
            Column("reuse", gettext_lazy("Reuses")),
            Column("top", gettext_lazy("Top 20% of articles")),
            Column("top_reuse", gettext_lazy("Their reuses")),
            Column("top_share", gettext_lazy("Their share of reuse"), PERCENT),
        ],
        rows=[{key: found[key] for key in ("articles", "reused", "reuse", "top", "top_reuse", "top_share")}],
        note=gettext_lazy("The most reused fifth of the articles (rounded up), and the share of all reuse they took."),
    )
    top = sorted(found["by_article"].items(), key=lambda item: (-item[1]["total"], item[0]))[:MOST_REUSED]
    titles = dict(Article.objects.filter(pk__in=[pk for pk, _ in top]).values_list("pk", "title"))
    authors = names(found["author"] for _, found in top)
    most = Table(
        key="most_reused",
        title=gettext_lazy("Most reused articles"),
        columns=[
            Column("title", gettext_lazy("Article"), TEXT),
            Column("author", gettext_lazy("Author"), TEXT),
            Column("links", gettext_lazy("Case links"), COUNT),
            Column("rows", gettext_lazy("Reuse without a case")),
            Column("total", gettext_lazy("Reuses")),
        ],
        rows=[
            {
                "title": titles.get(pk, ""),
                "author": authors.get(mine["author"], ""),
                "links": mine["links"],
                "rows": mine["rows"],
                "total": mine["total"],
            }
            for pk, mine in top
        ],
        empty=gettext_lazy("No article was reused in this period."),
    )
    return [histogram, tail, most]
