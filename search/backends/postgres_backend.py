"""PostgreSQL full-text backend: one index in the shared database, for several app servers.

Storage (migration search/0003): `search_pg_document`, one row per article with stored, weighted
tsvectors: `document` (title A; tags and issue B; resolution, environment, cause and product D),
`authority` (the decision-authority rules, escalation contact and note, C) and `head` (the A and B
parts of `document`, small and kept inline). Staff match `document || authority` (a GIN expression
index, with state, audience and product as its second column since search/0015, so that filters
are applied inside the index scan); everyone else matches `document` alone, because decision authority is staff guidance
(policy.can_view_internals) that no customer search may find or show. Beside it,
`search_pg_vocabulary`: the words of titles, issues, tags and product names that "Did you mean"
corrects against (corrections need pg_trgm or fuzzystrmatch; both are in contrib).

Behaviour follows the Whoosh backend clause for clause (the contract suite in
search/tests/test_contract.py runs against both). User text reaches SQL only as query
parameters; tsquery text is built only from PostgreSQL's own output and from words reduced
to letters and digits.

Speed (PostgreSQL's cost is ranking every match, since ts_rank reads each matching row's
TOASTed tsvector): the GIN index finds the matches; one pass
over them counts the total and the facets and picks, by a cheap measure (ts_rank over the inline
`head`), the best CANDIDATES; only those are ranked on the whole document. A pass reads at most
COUNTED matches (each a heap visit): beyond, the total and facet counts are estimates, labelled
as such (SearchResults.estimated), and the candidates come from every match whose `head` holds
the query plus the best of those read. Snippets are cut for the page's hits only, in Python
(search.snippets), as for Whoosh.

Phrases: GIN knows which rows hold a word, not where, so PostgreSQL checks a phrase by re-reading
the whole TOASTed tsvector of every row holding all its words (thousands at 100k articles). Where
the RUM extension is installed (migration search/0014, or rebuild_index after installing it),
two RUM indexes keep the words' positions and answer phrases from the index alone; a query whose
tsquery holds a phrase is written against their expressions (`… || ''::tsvector`), so only it
uses them. Single words and word lists stay on GIN: RUM was measured slower for them and ordering
by its rank still scores every match of a common word. Without RUM, phrases take the GIN path.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections import Counter
from itertools import combinations
from math import comb

from django.db import DatabaseError, connection, transaction
from whoosh.lang import stemmer_for_language, stopwords_for_language

from kcs_site.languages import CONTENT_LANGUAGES, DEFAULT_CONTENT_LANGUAGE

from .. import spelling
from ..query import MIN_PREFIX, Clause, ParsedQuery, searchable_alternatives
from ..rerank import rerank
from ..rerank import stem as snowball_stem
from ..snippets import Highlight
from .base import (
    Hit,
    RebuildRunning,
    SearchBackend,
    SearchRequest,
    SearchResults,
    chosen_filters,
    hides_archived,
)

TABLE = "search_pg_document"
VOCABULARY = "search_pg_vocabulary"
CONFIG = "english"
# ts_rank weights for D, C, B, A: a title match is worth five body matches, as in Whoosh.
# (Measured on the judged queries: PostgreSQL's default weights and length normalisation rank worse.)
WEIGHTS = "'{0.2, 0.3, 0.5, 1.0}'::float4[]"
CANDIDATES = 200  # matches ranked on the whole document (more only for deep pages)
# Matches read for the total and the facets; beyond, they are estimated (PostgresBackend._matches).
COUNTED = 2000
FACET_VALUES = 20
# The `english` configuration's stop words (tsearch_data/english.stop): what snippets skip
# inside a phrase, as phraseto_tsquery does.
STOP_WORDS = frozenset({
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself",
    "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself",
    "they", "them", "their", "theirs", "themselves", "what", "which", "who", "whom", "this", "that", "these",
    "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do",
    "does", "did", "doing", "a", "an", "the", "and", "but", "if", "or", "because", "as", "until", "while",
    "of", "at", "by", "for", "with", "about", "against", "between", "into", "through", "during", "before",
    "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again",
    "further", "then", "once", "here", "there", "when", "where", "why", "how", "all", "any", "both", "each",
    "few", "more", "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same", "so", "than",
    "too", "very", "s", "t", "can", "will", "just", "don", "should", "now",
})  # fmt: skip
SUGGEST_CANDIDATES = 200
SUGGEST_EXPANSION = 40  # vocabulary words a half-typed word may become (the most frequent), as in Whoosh
CORRECTION_SIMILARITY = "0.2"  # trigram similarity floor for spelling candidates ("refnud" ~ "refund" is 0.27)
CORRECTION_CANDIDATES = 60
CORRECTION_CHECKS = 10  # closest candidates checked against what the caller may see
MAX_EDIT_DISTANCE = 2
# "At least k of n words" is written as every k-word AND, OR'ed: C(7, 4) = 35 is the most a
# query may expand to (GIN evaluates the whole expression for every candidate row). Beyond
# that, such queries match any word (the Whoosh backend counts matched words without a limit).
MAX_COMBINATIONS = 35

# RUM indexes for phrases (also in migration search/0014): used only by the expressions they index.
PHRASE_INDEXES = {
    "search_pg_document_phrase": "USING rum ((document || ''::tsvector) rum_tsvector_ops)",
    "search_pg_document_staff_phrase": "USING rum (((document || authority) || ''::tsvector) rum_tsvector_ops)",
}
PHRASE_OPERATOR = re.compile(r"<(?:-|\d+)>")  # tsquery's FOLLOWED BY: `'refund' <-> 'order'`, `'a' <2> 'b'`
LANGUAGES_FOR = 60.0  # seconds the indexed articles' languages are remembered ("all languages" searches)

# Filters answered inside the text index: migration search/0015 indexes this array as a second
# column of the tsvector GIN indexes, so `KEYS @> ARRAY['product:billing']` intersects the words'
# matches with the product's rows in the index scan, before any row is read.
KEYED = ("state", "audience", "product")
KEYS = "ARRAY['state:' || d.state, 'audience:' || d.audience, 'product:' || d.product]"
WORD_RE = re.compile(r"[^\W\d_]{3,40}")  # vocabulary words: letters only, like the words correct() looks at
COLUMNS = (
    "article_id, version, slug, external_id, title, state, audience, product, tags, updated_at, reuse_count,"
    " language, head, document, authority"
)
# One row per document; the tsvectors are computed by PostgreSQL from the texts, with the text
# search configuration of the article's language (kcs_site.languages: its stemming and stop words).
INSERT = f"""
INSERT INTO {{table}} ({COLUMNS})
SELECT %s::bigint, %s::int, %s::text, %s::text, %s::text, %s::text, %s::text, %s::text, %s::text[],
       %s::timestamptz, %s::int, %s::text, v.head, v.head || v.body, v.authority
FROM (SELECT c.config, setweight(to_tsvector(c.config, %s::text), 'A')
          || setweight(to_tsvector(c.config, %s::text), 'B') AS head,
             setweight(to_tsvector(c.config, %s::text), 'D') AS body,
             setweight(to_tsvector(c.config, %s::text), 'C') AS authority
      FROM (SELECT %s::regconfig AS config) AS c) AS v
"""
UPSERT = (
    INSERT.format(table=TABLE)
    + " ON CONFLICT (article_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS.split(", ")[1:])
)


def config(language: str) -> str:
    """The text search configuration articles in `language` are indexed and searched with."""
    lang = CONTENT_LANGUAGES.get(language) or CONTENT_LANGUAGES[DEFAULT_CONTENT_LANGUAGE]
    return lang.postgres


@functools.cache  # built once per language, not once per highlighted search
def stop_words(language: str) -> frozenset[str]:
    if language not in CONTENT_LANGUAGES or language == DEFAULT_CONTENT_LANGUAGE:
        return STOP_WORDS
    # The Snowball project's list, which PostgreSQL's tsearch_data/<language>.stop also comes from.
    return frozenset(stopwords_for_language(CONTENT_LANGUAGES[language].whoosh))


def highlight_for(parsed: ParsedQuery, language: str = DEFAULT_CONTENT_LANGUAGE) -> Highlight:
    """What snippets mark: the query's words reduced as the language's configuration reduces them
    (for `english`: Snowball English and its stop words; other languages: their Snowball stemmer)."""
    if language not in CONTENT_LANGUAGES or language == DEFAULT_CONTENT_LANGUAGE:
        return Highlight.build(parsed, stem=snowball_stem, stop_words=STOP_WORDS)
    return Highlight.build(parsed, stem=stemmer_for_language(CONTENT_LANGUAGES[language].whoosh), stop_words=stop_words(language))


def _language_of(doc: dict) -> str:
    language = doc.get("language") or DEFAULT_CONTENT_LANGUAGE
    return language if language in CONTENT_LANGUAGES else DEFAULT_CONTENT_LANGUAGE


def _row(doc: dict) -> list:
    tags = [t.lower() for t in doc["tags"]]
    language = _language_of(doc)
    return [
        doc["id"],
        doc["version"],
        doc["slug"],
        doc["external_id"] or "",
        doc["title"],
        doc["state"],
        doc["audience"],
        doc["product"],
        tags,
        doc["updated_at"],
        doc["reuse_count"],
        language,
        doc["title"],
        "\n".join([" ".join(t.replace("-", " ") for t in tags), doc["issue"]]),
        "\n".join([doc["resolution"], doc["environment"], doc["cause"], doc["product_name"]]),
        doc["authority"],
        config(language),
    ]


def _vocabulary(doc: dict) -> set[str]:
    # The same fields as Whoosh's spelling field: what people call things, not every body word.
    text = " ".join([doc["title"], doc["issue"], " ".join(doc["tags"]), doc["product_name"]])
    return set(WORD_RE.findall(text.lower()))


def _lexeme(text: str) -> str:
    """A word safe to place in tsquery syntax: letters and digits only (tsquery's operators are neither)."""
    return re.sub(r"[\W_]+", "", text.lower())


def _rounded(estimate: float) -> int:
    """An estimate to two significant digits (48,213.7 -> 48,000): no more precise than it is."""
    n = round(estimate)
    return round(n, 2 - len(str(n))) if n >= 100 else n


def _top(counts) -> list[tuple[str, int]]:
    return sorted(((str(k), n) for k, n in counts), key=lambda kv: (-kv[1], kv[0]))[:FACET_VALUES]


def _visibility(user) -> tuple[str, list]:
    """Who may see which rows, as SQL on alias `d` (the same two conditions as policy.visibility_q)."""
    from articles import policy

    audiences = policy.visible_audiences(user)
    if audiences is None:
        return "TRUE", []
    return "d.state = 'validated' AND d.audience = ANY(%s::text[])", [audiences]


def _vector(user, phrase_index: bool = False) -> str:
    """The tsvector `user` searches: staff also find decision authority (the index expression).

    `phrase_index`: written as the RUM phrase index's expression (the same tsvector: appending an
    empty one changes nothing), so that the planner answers the query from that index."""
    from articles import policy

    vector = "(d.document || d.authority)" if policy.is_staff(user) else "d.document"
    return f"({vector} || ''::tsvector)" if phrase_index else vector


def has_phrase(tsquery: str) -> bool:
    """Whether tsquery text holds a phrase (lexemes are quoted, so the operator is never inside one)."""
    return bool(PHRASE_OPERATOR.search(tsquery))


def _local_settings(cursor) -> None:
    # The planner cannot know that `document @@ q` reads a row's whole TOASTed tsvector, and for a
    # common word it prefers a sequential scan that does so for every row; the GIN bitmap is what
    # makes these queries fast. JIT compiling costs more than they take. The caller rolls its
    # savepoint back, so these never outlive the search.
    cursor.execute(
        "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true), set_config('work_mem', '32MB', true)"
    )


class PostgresBackend(SearchBackend):
    name = "postgres"
    transactional = True  # documents are rows of the same database: written in the change's transaction

    def __init__(self):
        self._extensions: set[str] | None = None
        self._phrase_indexes: bool | None = None
        self._known_languages: tuple[float, list[str]] | None = None

    def has_extension(self, name: str) -> bool:
        if self._extensions is None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT extname FROM pg_extension WHERE extname IN ('pg_trgm', 'fuzzystrmatch', 'rum')")
                self._extensions = {row[0] for row in cursor.fetchall()}
        return name in self._extensions

    def has_phrase_indexes(self) -> bool:
        """Whether the RUM phrase indexes exist (checked once per process, like the extensions)."""
        if self._phrase_indexes is None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s"
                    " AND indexname = ANY(%s::text[])",
                    [TABLE, list(PHRASE_INDEXES)],
                )
                self._phrase_indexes = cursor.fetchone()[0] == len(PHRASE_INDEXES)
        return self._phrase_indexes

    # --- writing ------------------------------------------------------------------------

    def index(self, docs: list[dict], *, wait: bool = True) -> None:
        if not docs:
            return
        words = sorted(set().union(*(_vocabulary(d) for d in docs)))
        if self._known_languages and any(_language_of(d) not in self._known_languages[1] for d in docs):
            self._known_languages = None  # a new language: this process reads them again
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(UPSERT, [_row(d) for d in sorted(docs, key=lambda d: d["id"])])
            # Sorted, so that two processes adding words lock them in the same order. New words
            # start at ndoc 1; rebuild counts them properly (ndoc only breaks ties).
            cursor.execute(
                f"INSERT INTO {VOCABULARY} (word) SELECT w FROM unnest(%s::text[]) AS w ORDER BY w ON CONFLICT DO NOTHING",
                [words],
            )

    def remove(self, article_ids: list[int], *, wait: bool = True) -> None:
        if not article_ids:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%s::bigint[])", [list(article_ids)])

    def rebuild(self, doc_batches) -> int:
        """Fill fresh tables beside the live ones, index them, then swap them in one transaction.

        Searches keep reading the old tables until the swap commits (TRUNCATE would lock them
        out for the whole rebuild). A second rebuild is refused while one runs (an advisory lock,
        released with the session if the rebuild is killed); the next one drops what a killed
        rebuild left (_create_like).
        """
        count = 0
        words: Counter[str] = Counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext('search_pg_rebuild'))")
            if not cursor.fetchone()[0]:
                raise RebuildRunning("Another rebuild of the search index is running; wait for it to finish.")
            try:
                new = self._create_like(cursor, TABLE)
                for batch in doc_batches:
                    if batch:
                        cursor.executemany(INSERT.format(table=new), [_row(d) for d in batch])
                        count += len(batch)
                        for doc in batch:
                            words.update(_vocabulary(doc))
                new_vocabulary = self._create_like(cursor, VOCABULARY)
                ordered = sorted(words)
                cursor.execute(
                    f"INSERT INTO {new_vocabulary} (word, ndoc) SELECT * FROM unnest(%s::text[], %s::int[])",
                    [ordered, [words[w] for w in ordered]],
                )
                for table in (TABLE, VOCABULARY):
                    self._copy_indexes(cursor, table)
                    cursor.execute(f"ANALYZE {table}_new")  # a fresh table has no statistics to plan with
                with transaction.atomic():
                    for table in (TABLE, VOCABULARY):
                        self._swap(cursor, table)
                self._known_languages = None
            finally:
                # In a transaction that an error aborted, the lock is released with the session instead.
                with contextlib.suppress(DatabaseError):
                    cursor.execute("SELECT pg_advisory_unlock(hashtext('search_pg_rebuild'))")
        return count

    @staticmethod
    def _create_like(cursor, table: str) -> str:
        new = f"{table}_new"
        cursor.execute(f"DROP TABLE IF EXISTS {new}")  # left over from a rebuild that crashed
        cursor.execute(f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS INCLUDING STORAGE)")
        return new

    @staticmethod
    def _live_indexes(cursor, table: str) -> list[tuple[str, str]]:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
            [table],
        )
        return cursor.fetchall()

    def _copy_indexes(self, cursor, table: str) -> None:
        """Give the new table the live table's indexes (whatever the migrations created), after the load."""
        key = "article_id" if table == TABLE else "word"
        cursor.execute(f"ALTER TABLE {table}_new ADD CONSTRAINT {table}_new_pkey PRIMARY KEY ({key})")
        for name, definition in self._live_indexes(cursor, table):
            if name == f"{table}_pkey":
                continue
            definition = definition.replace(f"INDEX {name} ON ", f"INDEX {name}_new ON ", 1)
            definition = re.sub(rf" ON ((?:\w+\.)?){table} ", rf" ON \g<1>{table}_new ", definition, count=1)
            cursor.execute(definition)
        if table == TABLE and self._rum_available(cursor):
            # RUM installed after the migration ran: the rebuild adds the phrase indexes.
            for name, using in PHRASE_INDEXES.items():
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name}_new ON {table}_new {using}")
            self._phrase_indexes = None

    @staticmethod
    def _rum_available(cursor) -> bool:
        """Whether the RUM extension exists, creating it if the server offers it and the role may."""
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        if not cursor.fetchone():
            return False
        try:
            with transaction.atomic(savepoint=True):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
        except DatabaseError:
            return False
        return True

    def _swap(self, cursor, table: str) -> None:
        names = [name[: -len("_new")] for name, _ in self._live_indexes(cursor, f"{table}_new") if name.endswith("_new")]
        names = [name for name in names if name != f"{table}_pkey"]
        cursor.execute(f"DROP TABLE {table}")
        cursor.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
        cursor.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {table}_new_pkey TO {table}_pkey")
        for name in names:
            cursor.execute(f"ALTER INDEX {name}_new RENAME TO {name}")

    def indexed_versions(self) -> dict[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT article_id, version FROM {TABLE}")
            return dict(cursor.fetchall())

    # --- searching ----------------------------------------------------------------------

    def languages(self) -> list[str]:
        """The content languages of the indexed articles, remembered for LANGUAGES_FOR seconds (a
        search of every language asks; reading them takes a pass over the table)."""
        now = time.monotonic()
        if self._known_languages is None or now - self._known_languages[0] > LANGUAGES_FOR:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT DISTINCT language FROM {TABLE}")
                found = {row[0] for row in cursor.fetchall()}
            self._known_languages = (now, [code for code in CONTENT_LANGUAGES if code in found])
        return self._known_languages[1]

    def _languages(self, language: str) -> list[str]:
        """The languages a search analyses its words for: the one asked for, or (none asked for:
        every language) each language of the indexed articles."""
        if language in CONTENT_LANGUAGES:
            return [language]
        return self.languages() or [DEFAULT_CONTENT_LANGUAGE]

    def highlight(self, parsed: ParsedQuery, language: str) -> Highlight:
        return highlight_for(parsed, language)

    def search(self, request: SearchRequest, parsed: ParsedQuery) -> SearchResults:
        languages = self._languages(request.language)
        plans = self._compile(parsed, languages)
        if not plans:
            return SearchResults(hits=[], total=0, page=request.page, per_page=request.per_page)
        where, params = self._filters(request, parsed)
        vector = _vector(request.user)
        with transaction.atomic(), connection.cursor() as cursor:
            _local_settings(cursor)
            partial, total = False, 0
            for n, tsquery in enumerate(plans):
                if n:
                    partial = not total  # the strict plan found nothing: the any-word one answers
                # A phrase is answered from the RUM index where there is one (module docstring).
                rum = has_phrase(tsquery) and self.has_phrase_indexes()
                matching = _vector(request.user, phrase_index=True) if rum else vector
                total, facets, ids, estimated = self._matches(cursor, request, matching, tsquery, where, params)
                if total >= 3 or len(parsed.positive) < 2:
                    break
            hits = self._hits(cursor, request, parsed, vector, tsquery, ids)
            transaction.set_rollback(True)  # read only: rolling back drops the local settings
        return SearchResults(
            hits=hits,
            total=total,
            page=request.page,
            per_page=request.per_page,
            facets=facets,
            highlight=highlight_for(parsed, languages[0]),
            partial=partial,
            estimated=estimated,
        )

    def _compile(self, parsed: ParsedQuery, languages=(DEFAULT_CONTENT_LANGUAGE,)) -> list[str]:
        """The tsqueries to try in turn, strictest first, as tsquery text.

        As in Whoosh: one or two words must all match, then any may; longer queries (questions,
        pasted errors) first want most of their words (at least half, at least two), then any.
        PostgreSQL turns each clause into a tsquery from parameters; the plans combine those
        canonical texts with & | ! only, so no user text is ever parsed as tsquery syntax.
        Each clause is parsed with the configuration of each of `languages` (one, unless every
        language is searched: then a word matches as any of them reduce it).
        """
        positive = [self._clause(c, languages) for c in parsed.positive]
        negative = [self._clause(c, languages) for c in parsed.clauses if c.negated]
        nodes = [n for n in positive + negative if n is not None]
        if not any(positive):
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(f"({sql})::text" for sql, _ in nodes), [p for _, ps in nodes for p in ps])
            texts = iter(cursor.fetchone())
        wanted = [t for t in (next(texts) if c is not None else "" for c in positive) if t]
        excluded = [t for t in (next(texts) if c is not None else "" for c in negative) if t]
        if not wanted:
            return []
        words = len(parsed.positive)
        if words <= 2:
            strict = " & ".join(f"( {t} )" for t in wanted)
        else:
            most = min(len(wanted), max(2, -(-words // 2)))
            if comb(len(wanted), most) > MAX_COMBINATIONS:
                most = 1  # so long a query that "most of its words" is too big a tsquery: any word
            strict = " | ".join("( " + " & ".join(f"( {t} )" for t in group) + " )" for group in combinations(wanted, most))
        loose = " | ".join(f"( {t} )" for t in wanted)
        exclude = "".join(f" & !( {t} )" for t in excluded)
        plans = [f"( {strict} ){exclude}", f"( {loose} ){exclude}"]
        return plans[:1] if plans[0] == plans[1] else plans

    def _clause(self, clause: Clause, languages=(DEFAULT_CONTENT_LANGUAGE,)) -> tuple[str, list] | None:
        variants = []
        for language in languages:
            cfg = config(language)
            variants.append(self._text_node(clause.kind, clause.text, cfg))
            alternatives = searchable_alternatives(clause.alternatives, stop_words(language))
            variants += [self._text_node("phrase" if " " in alt else "term", alt, cfg) for alt in alternatives]
        variants = [v for v in variants if v is not None]
        if not variants:
            return None
        return "(" + " || ".join(sql for sql, _ in variants) + ")", [p for _, ps in variants for p in ps]

    @staticmethod
    def _text_node(kind: str, text: str, cfg: str = CONFIG) -> tuple[str, list] | None:
        assert cfg.isalpha()  # a configuration name of kcs_site.languages, never user text
        if kind == "prefix":
            word = _lexeme(text)
            if len(word) < MIN_PREFIX:
                return None
            # Stemmed ("bookings*" → book:*) and as typed ("refun*" → refun:*), as Whoosh tries both.
            return f"(to_tsquery('{cfg}', %s) || to_tsquery('simple', %s))", [f"{word}:*", f"{word}:*"]
        if kind == "phrase":
            return f"phraseto_tsquery('{cfg}', %s)", [text]
        return f"plainto_tsquery('{cfg}', %s)", [text]

    @staticmethod
    def _filters(request: SearchRequest, parsed: ParsedQuery) -> tuple[str, list]:
        # Visibility inside the query: outside readers match only validated articles of their audiences.
        visible, params = _visibility(request.user)
        conditions = [visible]
        chosen = chosen_filters(request, parsed)
        for name in KEYED:
            if chosen.get(name):
                # The text index finds the rows (a small product's matches are then read,
                # not every match); the column condition states the same on the row.
                conditions.append(f"{KEYS} @> ARRAY[%s]::text[] AND d.{name} = %s")
                value = chosen[name].replace("\x00", "")
                params += [f"{name}:{value}", value]
        if request.language in CONTENT_LANGUAGES:
            # A condition on the row, checked on the GIN index's matches (no b-tree on language:
            # as for state, the planner would read every row of the language to test `@@`).
            conditions.append("d.language = %s")
            params.append(request.language)
        if chosen.get("tag"):
            conditions.append("d.tags @> ARRAY[%s::text]")
            params.append(chosen["tag"].lower().replace("\x00", ""))
        if hides_archived(chosen, request.include_archived):
            conditions.append("d.state <> 'archived'")
        return " AND ".join(conditions), params

    def _matches(self, cursor, request: SearchRequest, vector: str, tsquery: str, where: str, params: list):
        """One pass over the visible match set: the total, the facets and the candidates, in order.

        Up to COUNTED matches, the total and the state, audience and product counts are exact. A
        query matching more (a common word in a large knowledge base: tens of thousands of rows,
        each a heap visit) reads only the first COUNTED+1 matches in the table's order and
        estimates the total and those counts from them, scaled by the share of the table read
        (SearchResults.estimated: shown as "about"). Tags, a multi-valued facet that is slow to
        count, are counted over the candidates only (the Whoosh backend counts them over every match).
        Candidates: for relevance the CANDIDATES best by the cheap measure (ts_rank over `head`:
        title, tags, issue); beyond COUNTED matches, those whose `head` holds the whole query
        (_head_candidates, over every match), then the best of the matches read; for recent
        the newest, down to the requested page (an exact pass: a date order needs every match).
        Visibility and filters are in `where`, inside every query.
        """
        offset = (request.page - 1) * request.per_page
        recent = request.sort == "recent"
        wanted = max(CANDIDATES, offset + request.per_page)
        cheap = "0::real" if recent else f"ts_rank({WEIGHTS}, d.head, %s::tsquery)"
        order = "updated_at DESC, article_id DESC" if recent else "cheap DESC, reuse_count DESC, article_id"
        limit = "" if recent else f"LIMIT {COUNTED + 1}"
        # GROUPING SETS counts the three facets in one pass; without facets, just the total. The
        # total's row also carries the last table block read and the table's size in blocks.
        if request.facets:
            columns, groups = "state, audience, product", "GROUP BY GROUPING SETS ((state), (audience), (product), ())"
        else:
            columns, groups = "NULL::text, NULL::text, NULL::text", ""
        cursor.execute(
            f"""
            WITH m AS MATERIALIZED (
                SELECT d.article_id, d.state, d.audience, d.product, d.reuse_count, d.updated_at, {cheap} AS cheap,
                       (d.ctid::text::point)[0] AS block
                FROM {TABLE} d WHERE {vector} @@ %s::tsquery AND {where} {limit}
            )
            SELECT NULL::bigint, {columns}, count(*), NULL::text[], max(block)::real,
                   (pg_relation_size('{TABLE}') / current_setting('block_size')::int)::int, NULL::timestamptz
            FROM m {groups}
            UNION ALL
            SELECT c.article_id, NULL, NULL, NULL, NULL, d.tags, c.cheap, c.reuse_count, c.updated_at
            FROM (SELECT * FROM m ORDER BY {order} LIMIT %s) AS c JOIN {TABLE} d USING (article_id)
            """,
            [*([] if recent else [tsquery]), tsquery, *params, wanted],
        )
        total, last_block, blocks = 0, 0.0, 1
        counts: dict[str, list[tuple[str, int]]] = {"state": [], "audience": [], "product": []}
        candidates = []
        for article_id, state, audience, product, n, tags, rank, reuse, updated in cursor.fetchall():
            if article_id is not None:
                candidates.append((article_id, tags, rank, reuse, updated))
            elif state is not None:
                counts["state"].append((state, n))
            elif audience is not None:
                counts["audience"].append((audience, n))
            elif product is not None:
                counts["product"].append((product, n))
            else:  # the total (with facets: the grand total of the grouping sets)
                total, last_block, blocks = n, rank or 0.0, reuse or 1
        estimated = total > COUNTED
        if estimated:
            # The matches come in table order: those read are the matches of blocks 0..last_block.
            scale = max(1.0, blocks / (last_block + 1))
            total = _rounded(max(total, total * scale))
            counts = {name: [(value, _rounded(n * scale)) for value, n in values] for name, values in counts.items()}
            # The best by the cheap measure: every match whose title, tags and issue hold the whole
            # query, then the best of those read (some words there, or none).
            sampled = candidates
            candidates = self._head_candidates(cursor, vector, tsquery, where, params, wanted)
            seen = {c[0] for c in candidates}
            candidates += [c for c in sampled if c[0] not in seen][: max(0, wanted - len(candidates))]
        if recent:
            candidates.sort(key=lambda c: (c[4], c[0]), reverse=True)
        else:
            candidates.sort(key=lambda c: (-c[2], -c[3], c[0]))
        ids = [c[0] for c in candidates]
        if not request.facets:
            return total, {}, ids, estimated
        tags = Counter(tag for c in candidates for tag in c[1])
        facets = {name: _top(values) for name, values in counts.items()}
        facets["tags"] = _top(tags.items())
        return total, facets, ids, estimated

    @staticmethod
    def _head_candidates(cursor, vector: str, tsquery: str, where: str, params: list, wanted: int) -> list[tuple]:
        """The `wanted` matches best by the cheap measure among those whose `head` (title, tags,
        issue) matches the whole query by itself, found through the `head` GIN index.

        `head` is part of `document` (its positions kept), so without exclusions such a row matches
        `document` too; with one, the row's whole tsvector is checked as well (PostgreSQL would
        read it for every `head` match, so only then)."""
        excludes = "!" in tsquery
        matching = f"AND {vector} @@ %s::tsquery" if excludes else ""
        cursor.execute(
            f"""
            SELECT c.article_id, d.tags, c.cheap, c.reuse_count, c.updated_at FROM (
                SELECT d.article_id, d.reuse_count, d.updated_at, ts_rank({WEIGHTS}, d.head, %s::tsquery) AS cheap
                FROM {TABLE} d WHERE d.head @@ %s::tsquery {matching} AND {where}
                ORDER BY cheap DESC, d.reuse_count DESC, d.article_id LIMIT %s
            ) AS c JOIN {TABLE} d USING (article_id)
            """,
            [tsquery, tsquery, *([tsquery] if excludes else []), *params, wanted],
        )
        return [(article_id, tags, rank, reuse, updated) for article_id, tags, rank, reuse, updated in cursor.fetchall()]

    def _hits(self, cursor, request: SearchRequest, parsed: ParsedQuery, vector: str, tsquery: str, ids: list[int]) -> list[Hit]:
        """The page: for relevance, the candidates ranked on the whole document, then on their titles
        (search.rerank); for recent, in order."""
        offset = (request.page - 1) * request.per_page
        if request.sort == "recent":
            ids = ids[offset : offset + request.per_page]
        if not ids:
            return []
        cursor.execute(
            f"""
            SELECT d.article_id, d.slug, d.title, d.external_id, d.state, d.audience, d.product, d.updated_at,
                   ts_rank({WEIGHTS}, {vector}, %s::tsquery), d.reuse_count, d.version, d.language
            FROM {TABLE} d WHERE d.article_id = ANY(%s::bigint[])
            """,
            [tsquery, ids],
        )
        rows = cursor.fetchall()
        reuse = {row[0]: row[9] or 0 for row in rows}
        hits = [
            Hit(
                article_id=row[0],
                slug=row[1],
                title=row[2],
                external_id=row[3],
                state=row[4],
                audience=row[5],
                product=row[6],
                updated_at=row[7],
                score=float(row[8] or 0.0),
                version=row[10],
                language=row[11],
            )
            for row in rows
        ]
        if request.sort == "recent":
            position = {article_id: n for n, article_id in enumerate(ids)}
            return sorted(hits, key=lambda h: position[h.article_id])
        hits.sort(key=lambda h: (-h.score, h.article_id))
        # Reuse on cases nudges the order a little (search.rerank bounds it).
        return rerank(parsed, hits, reuse=reuse)[offset : offset + request.per_page]

    # --- suggestions and corrections ------------------------------------------------------

    def suggest(self, text: str, user, limit: int = 8, language: str = DEFAULT_CONTENT_LANGUAGE) -> list[tuple[str, str]]:
        """Titles in `language` holding every typed word (stemmed or exact), the last as a prefix
        (search.suggest.typed)."""
        from ..suggest import typed

        language = language if language in CONTENT_LANGUAGES else DEFAULT_CONTENT_LANGUAGE
        cfg = config(language)

        want = typed(text)
        if want.empty and not want.optional_last:
            return []
        words = [w for w in (_lexeme(w) for w in want.words) if w]
        visible, vis_params = _visibility(user)
        if visible == "TRUE":
            visible = "d.state <> 'archived'"
        visible += " AND d.language = %s"
        vis_params = [*vis_params, language]
        # Whole words in the title (weight A), stemmed or exact.
        parts = [(f"(to_tsquery('{cfg}', %s) || to_tsquery('simple', %s))", [f"{w}:A", f"{w}:A"]) for w in words]
        with transaction.atomic(), connection.cursor() as cursor:
            _local_settings(cursor)

            def last_word(prefix: str):
                """A half-typed word: title stems starting with it, and the stems of the most
                frequent vocabulary words starting with it ("bookin" → booking → book)."""
                prefix = _lexeme(prefix)
                cursor.execute(
                    f"SELECT word FROM {VOCABULARY} WHERE word LIKE %s ORDER BY ndoc DESC, word LIMIT {SUGGEST_EXPANSION}",
                    [prefix + "%"],
                )
                expanded = " | ".join(f"{w}:A" for (w,) in cursor.fetchall() if _lexeme(w) == w)
                sql = f"(to_tsquery('{cfg}', %s) || to_tsquery('simple', %s)"
                params = [f"{prefix}:*A", f"{prefix}:*A"]
                if expanded:
                    sql += f" || to_tsquery('{cfg}', %s)"
                    params.append(expanded)
                return sql + ")", params

            def run(last: str) -> list:
                chosen = list(parts)
                if last:
                    chosen.append(last_word(last))
                if not chosen:
                    return []
                query = " && ".join(sql for sql, _ in chosen)
                params = [p for _, ps in chosen for p in ps]
                # The :A weight makes GIN recheck each row: cheap on the small, inline `head` (it would
                # read every match's TOASTed `document`).
                cursor.execute(
                    f"""
                    SELECT c.slug, c.title FROM (
                        SELECT d.article_id, d.slug, d.title, d.head, d.reuse_count FROM {TABLE} d
                        WHERE d.head @@ ({query}) AND {visible} LIMIT {SUGGEST_CANDIDATES}
                    ) AS c
                    ORDER BY ts_rank({WEIGHTS}, c.head, {query}) DESC, c.reuse_count DESC, c.article_id
                    LIMIT %s
                    """,
                    [*params, *vis_params, *params, limit],
                )
                return cursor.fetchall()

            rows = (run(want.optional_last) or run("")) if want.optional_last else run(want.last)
            transaction.set_rollback(True)  # read only: rolling back drops the local settings
        return [(slug, title) for slug, title in rows]

    def correct(self, words: list[str], user=None, language: str = DEFAULT_CONTENT_LANGUAGE) -> dict[str, str]:
        """Misspelled word → the closest vocabulary word found in an article in `language` that
        `user` may see (so a German word is never "corrected" into an English one).

        `user=None` is an anonymous visitor: a correction must never reveal a word that only
        articles hidden from the caller contain.
        """
        language = language if language in CONTENT_LANGUAGES else DEFAULT_CONTENT_LANGUAGE
        cfg = config(language)
        # A common word of the language is never a misspelling (search.spelling).
        targets = sorted({w for w in words if len(w) >= 4 and w.isalpha() and not spelling.is_word(w, language)})
        trigrams, levenshtein = self.has_extension("pg_trgm"), self.has_extension("fuzzystrmatch")
        if not targets or not (trigrams or levenshtein):
            return {}
        visible, vis_params = _visibility(user)
        visible += " AND d.language = %s"
        vis_params = [*vis_params, language]
        vector = _vector(user)

        def found(cursor, candidates: list[str]) -> set[str]:
            # Which words an article visible to the caller contains (stop words count as found).
            # One EXISTS per word, the word a constant, so that the planner sees the lexeme.
            parts = [
                f"""SELECT %s::text WHERE numnode(plainto_tsquery('{cfg}', %s)) = 0 OR EXISTS (
                    SELECT 1 FROM {TABLE} d WHERE {vector} @@ plainto_tsquery('{cfg}', %s) AND {visible})"""
                for _ in candidates
            ]
            cursor.execute(" UNION ALL ".join(parts), [p for w in candidates for p in (w, w, w, *vis_params)])
            return {row[0] for row in cursor.fetchall()}

        out = {}
        with transaction.atomic(), connection.cursor() as cursor:
            _local_settings(cursor)
            # EXISTS hopes for an early match and walks the visibility index, reading every
            # row's tsvector, to learn that a misspelling is in no visible article: bitmaps only.
            cursor.execute("SELECT set_config('enable_indexscan', 'off', true)")
            # Not misspelled: words some article visible to the caller has. For staff, who see every
            # article, the vocabulary answers first (a key lookup). Not for anyone else: a
            # vocabulary word may come from a hidden article, and withholding the correction
            # would tell a visitor that some article they may not see uses that word.
            known: set[str] = set()
            if visible.startswith("TRUE"):
                cursor.execute(f"SELECT word FROM {VOCABULARY} WHERE word = ANY(%s::text[])", [targets])
                known = {row[0] for row in cursor.fetchall()}
            unknown = [w for w in targets if w not in known]
            known |= found(cursor, unknown) if unknown else set()
            if trigrams:
                cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [CORRECTION_SIMILARITY])
            for word in targets:
                if word in known:
                    continue
                # Candidates starting with the same letter (as Whoosh's corrector): similar trigrams
                # (fast, misses some two-letter slips: "lisence" ~ "license" is 0.14), and, with
                # fuzzystrmatch, every word of a similar length within two edits.
                sources: list[tuple[str, list]] = []
                if trigrams:
                    sources.append(
                        (
                            f"""(SELECT word, ndoc FROM {VOCABULARY}
                            WHERE word %% %s AND left(word, 1) = left(%s, 1) AND word <> %s
                            ORDER BY similarity(word, %s) DESC LIMIT {CORRECTION_CANDIDATES})""",
                            [word, word, word, word],
                        )
                    )
                if levenshtein:
                    sources.append(
                        (
                            f"""(SELECT word, ndoc FROM {VOCABULARY}
                            WHERE left(word, 1) = left(%s, 1) AND length(word) BETWEEN %s AND %s AND word <> %s
                            AND levenshtein_less_equal(word, %s, {MAX_EDIT_DISTANCE}) <= {MAX_EDIT_DISTANCE}
                            LIMIT {CORRECTION_CANDIDATES})""",
                            [word, len(word) - MAX_EDIT_DISTANCE, len(word) + MAX_EDIT_DISTANCE, word, word],
                        )
                    )
                cursor.execute(" UNION ".join(sql for sql, _ in sources), [p for _, ps in sources for p in ps])
                scored = ((*spelling.closeness(word, candidate), -ndoc, candidate) for candidate, ndoc in cursor.fetchall())
                close = [
                    candidate
                    for distance, _, _, candidate in sorted(scored)
                    if distance <= MAX_EDIT_DISTANCE and spelling.may_correct(word, candidate, language)
                ]
                # The closest candidate that an article visible to the caller contains.
                visible_close = found(cursor, close[:CORRECTION_CHECKS]) if close else set()
                best = next((candidate for candidate in close if candidate in visible_close), None)
                if best:
                    out[word] = best
            transaction.set_rollback(True)  # read only: rolling back drops the local settings
        return out

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.execute(f"DELETE FROM {VOCABULARY}")


__all__ = ["PostgresBackend"]
