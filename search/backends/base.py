"""What every search backend offers: the interface, and what a search asks and answers.

The text a user typed reaches a backend already parsed (search.query); each backend compiles
the clauses into its own engine's query.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from ..query import ParsedQuery
from ..snippets import cut_snippets


@dataclass
class SearchRequest:
    text: str
    user: object
    filters: dict[str, str] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"  # or "recent"
    facets: bool = True
    include_archived: bool = False
    autocorrect: bool = True  # False: search exactly what was typed, no correction made or offered


@dataclass
class Hit:
    article_id: int
    slug: str
    title: str
    score: float
    snippet: str = ""  # safe HTML: escaped text with <mark> around matches
    external_id: str = ""
    state: str = ""
    audience: str = ""
    product: str = ""
    updated_at: datetime.datetime | None = None
    version: int | None = None  # the article version the index holds (search.service compares it)
    position: int = 0  # where it stands in the whole list (1 = first), set by search.service.number_hits


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    page: int = 1
    per_page: int = 10
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # Spelling (search.spelling decides): `corrected_to` is the query searched instead of what was
    # typed (the hits are for it: "Showing results for …"); `suggestion` a correction offered
    # over the hits for what was typed ("Did you mean …?"). At most one of them is set.
    corrected_to: str = ""
    suggestion: str = ""
    # The hits came from the any-word fallback: no article has the words (or, for a long query,
    # most of them) together. What search.spelling weighs a correction against.
    partial: bool = False
    log_id: int | None = None  # the SearchLog row, to record which result was opened
    log_token: str = ""  # signed: binds the log row to the searcher (search.views.open_result)
    # What snippets mark (a search.snippets.Highlight: the query's words as the backend's index
    # reduces them); search.service cuts the snippets once the hits are checked against the database.
    highlight: object = field(default=None, repr=False, compare=False)

    @property
    def corrected(self) -> bool:
        return bool(self.corrected_to)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def chosen_filters(request: SearchRequest, parsed: ParsedQuery) -> dict[str, str]:
    """The filters the caller chose: typed in the box ("product:billing") or sent with the request (which win)."""
    return {**parsed.filters, **{k: v for k, v in request.filters.items() if v}}


def hides_archived(chosen: dict[str, str], include_archived: bool) -> bool:
    """Archived articles stay out unless a state filter or the caller asks for them."""
    return not chosen.get("state") and not include_archived


class IndexBusy(Exception):
    """Another process holds the index's writer lock, and the caller chose not to wait."""


class RebuildRunning(Exception):
    """Another rebuild of the index is running."""


class SearchBackend:
    """Index one article, remove one, search, suggest, rebuild, check."""

    name = "base"

    def index(self, docs: list[dict], *, wait: bool = True) -> None:
        """Add or replace documents. `wait=False`: raise IndexBusy rather than wait for a lock."""
        raise NotImplementedError

    def remove(self, article_ids: list[int], *, wait: bool = True) -> None:
        raise NotImplementedError

    def search(self, request: SearchRequest, parsed: ParsedQuery) -> SearchResults:
        raise NotImplementedError

    def suggest(self, text: str, user, limit: int = 8) -> list[tuple[str, str]]:
        raise NotImplementedError

    def rebuild(self, doc_batches) -> int:
        """Build a fresh index from `doc_batches` (iterable of lists of docs) and swap it in."""
        raise NotImplementedError

    def indexed_versions(self) -> dict[int, int]:
        """article id → article version as indexed (what check_index compares)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release open files or connections held by this thread."""

    def close_all(self) -> None:
        """Release what every thread of this process holds."""
        self.close()

    def correct(self, words: list[str], user=None) -> dict[str, str]:
        """Misspelled word → best known word from the vocabulary of articles `user` may see."""
        return {}

    def snippets(self, highlight, texts: dict[int, dict[str, str]]) -> dict[int, str]:
        """article id → snippet (safe HTML) cut from `texts`, the article text the caller may read.

        One cutter for every backend (search.snippets); `highlight` is the search.snippets.Highlight
        the backend's search() built: the query's words, reduced as its index reduces them.
        """
        return cut_snippets(highlight, texts)

    # Whether index() and remove() write inside the caller's database transaction (PostgreSQL):
    # then an article change and its search document commit together (search.indexing).
    transactional = False
