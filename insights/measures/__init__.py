"""The KCS measures, one module a view: each registers a function that takes `Filters` and
returns its tables (`insights.report.Table`). Pages, CSV exports and the API all read them from
`VIEWS`, so a figure is worked out in one place only.

Importing this package imports every measure module; ORDER below is the order pages list them in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404

from ..filters import Filters
from ..report import Figure, Table


@dataclass(frozen=True)
class View:
    slug: str
    title: str
    summary: str
    build: Callable[[Filters], list[Table]]
    headline: Callable[[Filters], list[Figure]] | None = None


VIEWS: dict[str, View] = {}
RESERVED = {"me"}  # /api/v1/insights/me/ is a person's own figures


def register(slug: str, title: str, summary: str, *, headline: Callable[[Filters], list[Figure]] | None = None):
    """Register a view's tables; `headline` gives the overview's few figures for it (optional,
    and cheap: the overview computes every view's headline at once)."""

    if slug in RESERVED:
        raise ValueError(f"{slug!r} names another page of the measures' API: choose another slug.")

    def add(build: Callable[[Filters], list[Table]]):
        VIEWS[slug] = View(slug=slug, title=title, summary=summary, build=build, headline=headline)
        return build

    return add


def find(slug: str) -> View:
    """The view named `slug`; Http404 for any other name (pages and the API answer 404)."""
    try:
        return VIEWS[slug]
    except KeyError:
        raise Http404("No such measure.") from None


def tables(slug: str, filters: Filters) -> list[Table]:
    """A view's tables, as a page computes them (shared counts computed once)."""
    from .common import shared

    with shared():
        return find(slug).build(filters)


def table(slug: str, key: str, filters: Filters) -> Table:
    """One table of a view (the CSV export, the API); Http404 when the view has none by that key."""
    found = next((t for t in tables(slug, filters) if t.key == key), None)
    if found is None:
        raise Http404("No such table.")
    return found


from . import citation, flags, lifecycle, links, participation, people, reuse, searchhealth, selfservice  # noqa: E402,F401

# The order the pages list the views in (a view not named here comes last).
ORDER = ["participation", "links", "citation", "lifecycle", "reuse", "people", "flags", "selfservice", "search"]
VIEWS = dict(sorted(VIEWS.items(), key=lambda item: ORDER.index(item[0]) if item[0] in ORDER else len(ORDER)))
