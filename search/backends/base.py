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
    # Only articles in this content language (kcs_site.languages), the words analysed as that
    # language (its stemming and stop words); "" = articles in every language, each matched
    # through its own language's analysis. search.service sets the reader's language.
    language: str = ""


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
    language: str = ""  # the article's content language
    source_id: int | None = None  # the article it translates (set by search.service.checked)
    # The same article in other languages found by the same search (search.service.one_per_translation_set):
    # [(language code, slug, title)], shown as "also in …" links.
    also_in: list = field(default_factory=list)


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
    # `total` and the facet counts are estimates, from part of a very large match set (the
    # PostgreSQL backend, beyond a few thousand matches): shown as "about".
    estimated: bool = False
    log_id: int | None = None  # the SearchLog row, to record which result was opened
    log_token: str = ""  # signed: binds the log row to the searcher (search.views.open_result)
    # The reader's language found too little, so hits in the source language follow its own
    # (search.service.search): the language searched first, and the one the others are in.
    fallback_from: str = ""
    fallback_to: str = ""
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

    def suggest(self, text: str, user, limit: int = 8, language: str = "en") -> list[tuple[str, str]]:
        """Titles of articles in `language` for what is being typed."""
        raise NotImplementedError

    def languages(self) -> list[str]:
        """The content languages of the indexed articles."""
        raise NotImplementedError

    def highlight(self, parsed: ParsedQuery, language: str):
        """What snippets of an article in `language` mark (a search.snippets.Highlight)."""
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

    def correct(self, words: list[str], user=None, language: str = "en") -> dict[str, str]:
        """Misspelled word → best known word from the vocabulary of articles in `language` that
        `user` may see (never a word of another language)."""
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
