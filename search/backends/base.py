"""What every search backend offers, and the query language they share.

A user's text is parsed once, here, into clauses (terms, phrases, prefixes, exclusions,
field filters), with synonyms attached; each backend compiles the clauses into its own
engine's query. That keeps the behaviour agents see the same on Whoosh and PostgreSQL.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

# Words that carry no meaning in a support question ("how do I reset my password"):
# dropped from queries so questions work as well as keywords. Engine stop lists cover
# articles and prepositions; these are the question words they miss.
QUESTION_WORDS = {
    "how", "do", "does", "did", "i", "me", "my", "what", "whats", "why", "where", "when", "which", "who",
    "can", "could", "should", "would", "is", "are", "was", "am", "there", "get", "got", "want", "need",
    "please", "help", "a", "an", "the", "to", "of", "in", "on", "for", "with", "it", "its", "im", "we",
    "our", "you", "your", "be", "been", "this", "that", "and", "or", "from", "at", "by", "so", "if",
}  # fmt: skip

# Field filters a user may type into the box: "product:billing tag:refund".
FIELD_FILTERS = {"product", "tag", "state", "audience"}
MIN_PREFIX = 3  # "re*" would expand to half the vocabulary


@dataclass
class Clause:
    kind: str  # "term", "phrase" or "prefix"
    text: str
    negated: bool = False
    alternatives: list[str] = field(default_factory=list)  # synonyms (words or phrases)


@dataclass
class ParsedQuery:
    clauses: list[Clause]
    filters: dict[str, str]

    @property
    def positive(self) -> list[Clause]:
        return [c for c in self.clauses if not c.negated]

    @property
    def is_empty(self) -> bool:
        return not self.positive


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


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    page: int = 1
    per_page: int = 10
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str = ""  # "Did you mean …"
    corrected: bool = False  # the hits are for `suggestion`, the original found too little
    log_id: int | None = None  # the SearchLog row, to record which result was opened
    log_token: str = ""  # signed: binds the log row to the searcher (search.views.open_result)
    # What the backend highlights snippets with (its own kind: Whoosh terms, a PostgreSQL
    # tsquery); search.service cuts the snippets once the hits are checked against the database.
    highlight: object = field(default=None, repr=False, compare=False)

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
        """article id → snippet (safe HTML) cut from `texts`, the article text the caller may read."""
        raise NotImplementedError

    # Whether index() and remove() write inside the caller's database transaction (PostgreSQL):
    # then an article change and its search document commit together (search.indexing).
    transactional = False


TOKEN_RE = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')


def parse(text: str, synonyms: list[list[str]] | None = None) -> ParsedQuery:
    """Turn what a person typed into clauses and filters.

    Supports "exact phrases", prefix* (at least MIN_PREFIX characters), -exclusions and
    field:value filters; drops question words; attaches synonym groups to the words
    and phrases they contain.
    """
    clauses: list[Clause] = []
    filters: dict[str, str] = {}
    for match in TOKEN_RE.finditer(text or ""):
        minus, fieldname, phrase, word = match.groups()
        negated = minus == "-"
        if fieldname and fieldname.lower() in FIELD_FILTERS and (phrase or word):
            filters[fieldname.lower()] = (phrase or word).strip().lower()
            continue
        if fieldname and not phrase:
            word = f"{fieldname}:{word}" if word else fieldname
        if phrase is not None:
            words = _words(phrase)
            if len(words) == 1:
                clauses.append(Clause("term", words[0], negated))
            elif words:
                clauses.append(Clause("phrase", " ".join(words), negated))
            continue
        raw = word or ""
        if raw.endswith("*"):
            stem = _words(raw.rstrip("*"))
            if len(stem) == 1 and len(stem[0]) >= MIN_PREFIX:
                clauses.append(Clause("prefix", stem[0], negated))
                continue
            raw = raw.rstrip("*")
        for w in _words(raw):
            if not negated and w in QUESTION_WORDS:
                continue
            clauses.append(Clause("term", w, negated))
    if not [c for c in clauses if not c.negated] and text:
        # A query made only of question words ("how do I"): keep its words rather than nothing.
        clauses = [Clause("term", w) for w in _words(text)[:5]]
    parsed = ParsedQuery(clauses, filters)
    if synonyms:
        attach_synonyms(parsed, synonyms)
    return parsed


def attach_synonyms(parsed: ParsedQuery, groups: list[list[str]]) -> None:
    """Give each clause the other members of any synonym group it belongs to.

    Multi-word members ("two-factor authentication") are matched against consecutive
    term clauses, which are then merged into one phrase clause carrying the group.
    """
    index: dict[str, list[str]] = {}
    for group in groups:
        normalised = [" ".join(_words(m)) for m in group]
        normalised = [m for m in normalised if m]
        for member in normalised:
            index[member] = [m for m in normalised if m != member]
    if not index:
        return
    longest = max(len(k.split()) for k in index)
    out: list[Clause] = []
    i = 0
    clauses = parsed.clauses
    while i < len(clauses):
        merged = False
        for size in range(min(longest, len(clauses) - i), 1, -1):
            window = clauses[i : i + size]
            if all(c.kind == "term" and not c.negated for c in window):
                key = " ".join(c.text for c in window)
                if key in index:
                    out.append(Clause("phrase", key, alternatives=index[key]))
                    i += size
                    merged = True
                    break
        if merged:
            continue
        clause = clauses[i]
        if clause.kind in ("term", "phrase") and clause.text in index:
            clause.alternatives = index[clause.text]
        out.append(clause)
        i += 1
    parsed.clauses = out


def _words(text: str) -> list[str]:
    return re.findall(r"[\w][\w'.]*[\w]|[\w]", text.lower().replace("’", "'"))


def caller_kind(user) -> str:
    from articles import policy

    if policy.is_staff(user):
        return "staff"
    if user is not None and user.is_authenticated and user.is_active:
        return user.kind
    return "anonymous"


SNIPPET_SOURCE_FIELDS = ("issue", "environment", "resolution", "cause", "authority_note")
ROW_FIELDS = ("pk", "version", "slug", "title", "external_id", "state", "audience", "product__slug", "updated_at")


def readable_articles(ids: list[int], user, chosen: dict[str, str] | None = None, *, include_archived: bool = False):
    """The articles among `ids` that `user` may read now and that still pass the chosen filters,
    as the database holds them (one query on the primary key): what search checks its hits
    against, and the only text snippets are cut from.

    The index can lag behind the database (an update not yet applied, a process that died after
    the commit); the database is the truth about who may see what.
    """
    from articles import policy
    from articles.choices import State
    from articles.models import Article

    chosen = chosen or {}
    rows = Article.objects.visible_to(user).filter(pk__in=ids)
    for name in ("state", "audience"):
        if chosen.get(name):
            rows = rows.filter(**{name: chosen[name]})
    if chosen.get("product"):
        rows = rows.filter(product__slug=chosen["product"])
    if hides_archived(chosen, include_archived):
        rows = rows.exclude(state=State.ARCHIVED)
    internals = bool(policy.can_view_internals(user))
    out = {}
    for row in rows.values(*ROW_FIELDS, *SNIPPET_SOURCE_FIELDS):
        texts = {name: row.pop(name) for name in SNIPPET_SOURCE_FIELDS}
        # Decision authority is staff guidance (policy.can_view_internals): never in an outside snippet.
        authority = texts.pop("authority_note")
        if internals:
            texts["authority"] = authority
        row["texts"] = texts
        out[row["pk"]] = row
    return out
