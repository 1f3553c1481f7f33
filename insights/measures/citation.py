"""Citation: how much others reuse a person's articles. For each author (who created the
article), the live case links others made to their articles in the period (solved or reference)
and the reuse others recorded without a case; reuse by the author themselves does not count.

The person and team filters choose the authors; product and audience the articles. Only titles
are shown, never an article's text.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext_lazy, ngettext

from articles.models import Article

from ..filters import Filters
from ..report import COUNT, TEXT, Chart, Column, Figure, Table
from . import register
from .common import counted, names
from .reuse import reuse_by_article

TOP_CITED = 20


def citations(filters: Filters) -> dict[int, dict]:
    """{article id: {"author", "links", "rows", "total"}}: each article's reuse by others in the period."""
    return reuse_by_article(filters, by_others=True, live_only=False)


def by_author(cited: dict[int, dict]) -> dict[int, dict]:
    """{author id: {"links", "rows", "total", "articles"}} summed over their cited articles."""
    out: dict[int, dict] = defaultdict(lambda: {"links": 0, "rows": 0, "total": 0, "articles": 0})
    for found in cited.values():
        mine = out[found["author"]]
        mine["links"] += found["links"]
        mine["rows"] += found["rows"]
        mine["total"] += found["total"]
        mine["articles"] += 1
    return dict(out)


def headline(filters: Filters) -> list[Figure]:
    cited = citations(filters)
    authors = by_author(cited)
    return [
        Figure(
            gettext_lazy("Citations by others"),
            sum(a["total"] for a in authors.values()),
            detail=counted(ngettext("%(count)s article cited", "%(count)s articles cited", len(cited)), len(cited)),
        ),
        Figure(gettext_lazy("Authors cited"), len(authors)),
    ]


@register(
    "citation",
    gettext_lazy("Citation"),
    gettext_lazy("How often others reused each person's articles in the period, and the most cited articles."),
    headline=headline,
)
def citation(filters: Filters) -> list[Table]:
    cited = citations(filters)
    authors = by_author(cited)
    usernames = names(authors)
    rows = [{"author": usernames.get(pk, ""), **mine} for pk, mine in authors.items()]
    rows.sort(key=lambda row: (-row["total"], row["author"]))
    per_author = Table(
        key="authors",
        title=gettext_lazy("Citations per author"),
        columns=[
            Column("author", gettext_lazy("Author"), TEXT),
            Column("links", gettext_lazy("Case links by others")),
            Column("rows", gettext_lazy("Reuse by others without a case")),
            Column("total", gettext_lazy("Citations"), COUNT),
            Column("articles", gettext_lazy("Articles cited")),
        ],
        rows=rows,
        chart=Chart("bar", x="author", series=("total",)) if 0 < len(rows) <= 40 else None,
        note=gettext_lazy(
            "Citations: live case links (solved or reference) and reuse recorded without a case, made in the period "
            "by someone other than the article's author."
        ),
        empty=gettext_lazy("Nobody's articles were reused by others in this period."),
    )
    top = sorted(cited.items(), key=lambda item: (-item[1]["total"], item[0]))[:TOP_CITED]
    titles = dict(Article.objects.filter(pk__in=[pk for pk, _ in top]).values_list("pk", "title"))
    most = Table(
        key="top_articles",
        title=gettext_lazy("Most cited articles"),
        columns=[
            Column("title", gettext_lazy("Article"), TEXT),
            Column("author", gettext_lazy("Author"), TEXT),
            Column("total", gettext_lazy("Citations")),
        ],
        rows=[
            {"title": titles.get(pk, ""), "author": usernames.get(found["author"], ""), "total": found["total"]}
            for pk, found in top
        ],
        empty=gettext_lazy("No article was cited in this period."),
    )
    return [per_author, most]


def citations_of(user, filters: Filters) -> dict:
    """One author's citations by others (their dashboard): links, rows, total and articles cited."""
    from dataclasses import replace

    found = by_author(citations(replace(filters, person=user, team=None)))
    return found.get(user.pk, {"links": 0, "rows": 0, "total": 0, "articles": 0})
