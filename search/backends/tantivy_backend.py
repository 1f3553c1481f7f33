"""tantivy backend: a native (Rust) index in a local folder, for one machine with a large KB.

The `tantivy` package (Python bindings of the Rust engine; wheels on PyPI, no service) does the
analysis, matching, BM25 ranking and counting; Python only compiles the parsed query, re-ranks
the best candidates by their titles (search.rerank) and reads a page of stored fields. At
100,000 articles the engine answers in a few milliseconds where Whoosh's Python matchers take
hundreds (docs/decisions and the README's "When to switch").

Layout as for Whoosh: KCS_SEARCH_INDEX_DIR holds one folder per index generation and a CURRENT
file naming the live one; `rebuild` writes a new generation beside it and swaps CURRENT
atomically. One writer per index: tantivy's own lock file (`.tantivy-writer.lock`, held by an
IndexWriter in this or another process) is the lock; `wait=False` gives up at once (IndexBusy)
and search.indexing retries. Readers reload when the generation's meta.json changes (one stat per
search), so a commit in any process is visible to the next search in every other.

Analysis per content language (kcs_site.languages): each language has its own text fields
("title_de", "body_de", ...) analysed with its Snowball stemmer and the stop words the Whoosh
backend uses, so the query language, synonyms and snippets behave the same; snippets are cut by
search.snippets with a Highlight that stems with the very analyzer the index uses.

Stored fields are the few a hit needs before the database confirms it (id, slug, title, state,
audience, product, language, version, reuse, updated); the article text is not stored.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import tantivy
from django.conf import settings
from tantivy import Filter, Index, Occur, Query, SchemaBuilder, TextAnalyzerBuilder, Tokenizer

from kcs_site.languages import CONTENT_LANGUAGES, DEFAULT_CONTENT_LANGUAGE

from .. import spelling
from ..query import MIN_PREFIX, Clause, ParsedQuery, searchable_alternatives
from ..rerank import DEPTH as RERANK_DEPTH
from ..rerank import rerank
from ..snippets import Highlight
from .base import (
    Hit,
    IndexBusy,
    SearchBackend,
    SearchRequest,
    SearchResults,
    chosen_filters,
    hides_archived,
)
from .generations import GenerationFolders
from .whoosh_backend import COORDINATION, FIELD_BOOSTS, OUTSIDE_BOOSTS, PREFIX_EXPANSION, TIEBREAK, stop_words

logger = logging.getLogger(__name__)

# Snowball stemmer names (rust-stemmers) of the content languages.
STEMMERS = {code: lang.english_name.lower() for code, lang in CONTENT_LANGUAGES.items()}
TEXT_FIELDS = ("title", "summary", "authority", "body", "spell")
FACETS = ("state", "audience", "product", "tags")
FACET_VALUES = 20
WRITER_TIMEOUT = 10.0  # seconds a waiting writer (the retry timer, a command) waits for the lock
WRITER_HEAP = 32_000_000  # bytes of indexing memory for an update (one thread)
MERGE_AT_SEGMENTS = 8  # after a commit, with this many segments the writer stays to merge them
MERGE_WAIT = 2.0  # seconds a write waits for this process's merge before giving up (IndexBusy)
CORRECTION_CHECKS = 10  # closest candidates checked against what the caller may see
MAX_EDIT_DISTANCE = 2
# Candidates re-weighed (see _reweighed) before the title re-ranking; LENGTH_WEIGHT was tuned on
# the dev queries of bench/search_queries.jsonl (0.07-0.12 tried: 0.10 best; the test queries
# then rank within about 0.01 MRR@10 of Whoosh).
LENGTH_WEIGHT = 0.1
CANDIDATES = 100
LOCK_BUSY = "LockBusy"  # in the message tantivy raises when another IndexWriter holds the lock


def field(name: str, language: str) -> str:
    """The index field holding `name` for articles in `language`."""
    return f"{name}_{language}"


def _language(code: str) -> str:
    return code if code in CONTENT_LANGUAGES else DEFAULT_CONTENT_LANGUAGE


@functools.cache
def analyzer(language: str) -> tantivy.TextAnalyzer:
    """The text fields' analysis for `language`: words, lowercased, stop words out, stemmed."""
    return (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(60))
        .filter(Filter.lowercase())
        .filter(Filter.custom_stopword(sorted(stop_words(language))))
        .filter(Filter.stemmer(STEMMERS[language]))
        .build()
    )


@functools.cache
def spell_analyzer(language: str) -> tantivy.TextAnalyzer:
    """The spelling field's: whole words, lowercased, stop words out (what corrections offer)."""
    return (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(40))
        .filter(Filter.lowercase())
        .filter(Filter.custom_stopword(sorted(stop_words(language))))
        .build()
    )


@functools.cache
def stemmer(language: str):
    """One word reduced as the index reduces it (the same Snowball stemmer, run by tantivy)."""
    word_analyzer = (
        TextAnalyzerBuilder(Tokenizer.raw()).filter(Filter.lowercase()).filter(Filter.stemmer(STEMMERS[language])).build()
    )

    def stem(word: str) -> str:
        out = word_analyzer.analyze(word)
        return out[0] if out else word

    return stem


def highlight_for(parsed: ParsedQuery, language: str = DEFAULT_CONTENT_LANGUAGE) -> Highlight:
    """What snippets mark: the query's words reduced as this index reduces them for `language`."""
    language = _language(language)
    return Highlight.build(parsed, stem=stemmer(language), stop_words=stop_words(language))


def schema() -> tantivy.Schema:
    builder = SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    builder.add_unsigned_field("version", stored=True, fast=True)
    builder.add_unsigned_field("reuse", stored=True, fast=True)
    builder.add_integer_field("updated", stored=True, fast=True)  # microseconds since 1970 (UTC)
    builder.add_unsigned_field("length", fast=True)  # words of text (see LENGTH_WEIGHT)
    for name in ("slug", "title_text", "external_id"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    for name in ("state", "audience", "product", "language", "tags"):
        builder.add_text_field(name, stored=name != "tags", fast=True, tokenizer_name="raw", index_option="basic")
    for language in CONTENT_LANGUAGES:
        for name in TEXT_FIELDS:
            tokenizer = f"kcs_spell_{language}" if name == "spell" else f"kcs_{language}"
            builder.add_text_field(field(name, language), tokenizer_name=tokenizer)
    return builder.build()


def _register_tokenizers(ix: Index) -> None:
    # Tokenizers are not stored in the index: every process registers them on each Index it opens.
    for language in CONTENT_LANGUAGES:
        ix.register_tokenizer(f"kcs_{language}", analyzer(language))
        ix.register_tokenizer(f"kcs_spell_{language}", spell_analyzer(language))


def _micros(value: datetime | None) -> int:
    return int(value.timestamp() * 1_000_000) if value else 0


def _document(doc: dict) -> tantivy.Document:
    language = _language(doc.get("language") or DEFAULT_CONTENT_LANGUAGE)
    tags = [t.lower() for t in doc["tags"]]
    out = tantivy.Document()
    out.add_unsigned("id", doc["id"])
    out.add_unsigned("version", doc["version"] or 0)
    out.add_unsigned("reuse", max(0, doc["reuse_count"] or 0))
    out.add_integer("updated", _micros(doc["updated_at"]))
    out.add_unsigned("length", sum(len(doc[name].split()) for name in ("issue", "resolution", "environment", "cause")))
    out.add_text("slug", doc["slug"])
    out.add_text("title_text", doc["title"])
    out.add_text("external_id", doc["external_id"] or "")
    for name in ("state", "audience", "product"):
        out.add_text(name, doc[name] or "")
    out.add_text("language", language)
    for tag in tags:
        out.add_text("tags", tag)
    out.add_text(field("title", language), doc["title"])
    out.add_text(
        field("summary", language),
        "\n".join([doc["issue"], " ".join(t.replace("-", " ") for t in doc["tags"]), doc["product_name"]]),
    )
    out.add_text(field("authority", language), doc["authority"])
    out.add_text(field("body", language), "\n".join([doc["resolution"], doc["environment"], doc["cause"]]))
    out.add_text(field("spell", language), " ".join([doc["title"], doc["issue"], " ".join(doc["tags"]), doc["product_name"]]))
    return out


def _top(buckets) -> list[tuple[str, int]]:
    pairs = ((str(b["key"]), int(b["doc_count"])) for b in buckets if b.get("key") not in (None, ""))
    return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:FACET_VALUES]


class _Live:
    """The open index of one generation, and the meta.json it last loaded."""

    def __init__(self, name: str, path: Path):
        self.name = name
        self.path = path
        self.index = Index.open(str(path))
        _register_tokenizers(self.index)
        # Reloaded by us when meta.json changes (see fresh()): visible at once, no watcher thread.
        self.index.config_reader(reload_policy="manual")
        self.schema = self.index.schema
        self.stamp = self._stamp()
        self.index.reload()

    def _stamp(self):
        try:
            st = os.stat(self.path / "meta.json")
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def fresh(self) -> None:
        """Reload the reader if a commit (here or in another process) replaced meta.json."""
        stamp = self._stamp()
        if stamp != self.stamp:
            self.index.reload()
            self.stamp = stamp


_merging = threading.Lock()  # one merge at a time per process
_merger: threading.Thread | None = None  # this process's merge in progress (it holds the writer lock)


def _release(writer, ix: Index) -> None:
    """Let go of a writer after its commit: at once, or (with many small segments) once it has
    merged them, in a thread off the saving request's path. The lock is held meanwhile: a write
    in this process waits for the merge (_await_merge), one in another process is retried by
    search.indexing."""
    global _merger
    try:
        segments = ix.searcher().num_segments
    except Exception:  # noqa: BLE001 — a count for a heuristic
        segments = 0
    if segments < MERGE_AT_SEGMENTS or not _merging.acquire(blocking=False):
        del writer
        return

    def merge():
        try:
            writer.wait_merging_threads()
        except Exception:  # a merge is an optimisation: the index stays whole without it
            logger.exception("Merging search index segments failed")
        finally:
            _merging.release()

    _merger = threading.Thread(target=merge, name="search-index-merge", daemon=True)
    _merger.start()


def _await_merge() -> bool:
    """Wait (at most MERGE_WAIT seconds) for this process's merge to let go of the lock; True if one ran."""
    merger = _merger
    if merger is None or not merger.is_alive() or merger is threading.current_thread():
        return False
    merger.join(MERGE_WAIT)
    return True


class TantivyBackend(GenerationFolders, SearchBackend):
    name = "tantivy"

    def __init__(self, root: Path | None = None):
        self.root = Path(root or settings.KCS_SEARCH_INDEX_DIR)
        self._lock = threading.Lock()
        self._live: _Live | None = None

    # --- index folders ------------------------------------------------------------------

    def _new_index(self, path: Path) -> None:
        ix = Index(schema(), path=str(path), reuse=False)
        _register_tokenizers(ix)
        writer = ix.writer(heap_size=WRITER_HEAP, num_threads=1)
        writer.commit()  # an empty first commit: the folder is a readable index from the start
        writer.wait_merging_threads()

    def _open(self) -> _Live:
        name = self._current_name()
        with self._lock:
            live = self._live
            if live is None or live.name != name:
                live = self._live = _Live(name, self.root / name)  # a rebuild swapped generations
            else:
                live.fresh()
            return live

    def close(self) -> None:
        with self._lock:
            self._live = None

    def close_all(self) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------------

    def _writer(self, live: _Live, wait: bool):
        """The index's single writer. `wait=False` (a saving request) gives up at once if another
        thread or process holds the lock: the update is retried soon (search.indexing)."""
        deadline = time.monotonic() + (WRITER_TIMEOUT if wait else 0)
        awaited = False
        while True:
            try:
                return live.index.writer(heap_size=WRITER_HEAP, num_threads=1)
            except ValueError as exc:
                if LOCK_BUSY not in str(exc):
                    raise
                if not awaited and _await_merge():
                    awaited = True
                    continue  # our own merge held it: a save waits for that rather than for a retry
                if time.monotonic() >= deadline:
                    raise IndexBusy("another process holds the search index writer lock") from exc
                time.sleep(0.05)

    def _write(self, change, *, wait: bool) -> None:
        live = self._open()
        writer = self._writer(live, wait)
        try:
            change(writer, live.schema)
            writer.commit()
        except BaseException:
            writer.rollback()
            del writer
            raise
        _release(writer, live.index)
        live.fresh()

    def index(self, docs: list[dict], *, wait: bool = True) -> None:
        if not docs:
            return

        def change(writer, schema):
            # By query, not by term: a term from a Python int is a signed one, and `id` is unsigned.
            writer.delete_documents_by_query(Query.term_set_query(schema, "id", [int(d["id"]) for d in docs]))
            for doc in docs:
                writer.add_document(_document(doc))

        self._write(change, wait=wait)

    def remove(self, article_ids: list[int], *, wait: bool = True) -> None:
        if not article_ids:
            return

        def change(writer, schema):
            writer.delete_documents_by_query(Query.term_set_query(schema, "id", [int(i) for i in article_ids]))

        self._write(change, wait=wait)

    def _rebuild(self, doc_batches) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        new_dir = self.root / f"gen-{time.time_ns()}"
        new_dir.mkdir()
        ix = Index(schema(), path=str(new_dir), reuse=False)
        _register_tokenizers(ix)
        # The engine analyses and writes in its own threads while Python builds the next batch.
        threads = max(1, min(2, os.cpu_count() or 1))
        writer = ix.writer(heap_size=max(WRITER_HEAP, settings.KCS_SEARCH_REBUILD_MB * 1024 * 1024), num_threads=threads)
        count = 0
        try:
            for batch in doc_batches:
                for doc in batch:
                    writer.add_document(_document(doc))
                    count += 1
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            with contextlib.suppress(Exception):
                writer.rollback()
            del writer
            shutil.rmtree(new_dir, ignore_errors=True)
            raise
        pointer = self.root / "CURRENT"
        old = pointer.read_text().strip() if pointer.exists() else None
        self._point_to(new_dir.name)
        self.close()
        # Other processes switch to the new generation at their next search; the one just
        # replaced stays for searches already running there, anything older goes.
        for path in self.root.glob("gen-*"):
            if path.name not in (new_dir.name, old):
                shutil.rmtree(path, ignore_errors=True)
        return count

    def indexed_versions(self) -> dict[int, int]:
        searcher = self._open().index.searcher()
        if not searcher.num_docs:
            return {}
        addresses = [address for _, address in searcher.search(Query.all_query(), searcher.num_docs, count=False).hits]
        ids = searcher.fast_field_values("id", addresses)
        versions = searcher.fast_field_values("version", addresses)
        return {int(i): int(v or 0) for i, v in zip(ids, versions, strict=True)}

    # --- reading ------------------------------------------------------------------------

    @staticmethod
    def _present_languages(searcher) -> list[str]:
        found = {term for term, n in searcher.terms_with_prefix("language", "") if n}
        return [code for code in CONTENT_LANGUAGES if code in found]

    def languages(self) -> list[str]:
        searcher = self._open().index.searcher()
        return self._present_languages(searcher) if searcher.num_docs else []

    def _languages(self, language: str, searcher) -> list[str]:
        if language in CONTENT_LANGUAGES:
            return [language]
        return self._present_languages(searcher) or [DEFAULT_CONTENT_LANGUAGE]

    def highlight(self, parsed: ParsedQuery, language: str) -> Highlight:
        return highlight_for(parsed, language)

    def search(self, request: SearchRequest, parsed: ParsedQuery) -> SearchResults:
        from articles import policy

        live = self._open()
        searcher = live.index.searcher()
        compiler = _Compiler(live.schema, searcher, FIELD_BOOSTS if policy.is_staff(request.user) else OUTSIDE_BOOSTS)
        words = len(parsed.positive)
        # As in Whoosh: short queries want every word (then any word if that finds too little);
        # longer ones first want most of their words (at least half, at least two), then any.
        plans = ["and", "or"] if words <= 2 else ["most", "or"]
        no_facets = {name: [] for name in FACETS} if request.facets else {}
        empty = SearchResults(hits=[], total=0, page=request.page, per_page=request.per_page, facets=no_facets)
        if not searcher.num_docs:
            return empty
        languages = self._languages(request.language, searcher)
        chosen = chosen_filters(request, parsed)
        limits = _limits(live.schema, request.user, chosen, request.include_archived, request.language)
        excluded = [n for n in (compiler.clause(c, languages) for c in parsed.clauses if c.negated) if n is not None]
        limits += [(Occur.MustNot, n) for n in excluded]
        start = (request.page - 1) * request.per_page
        recent = request.sort == "recent"
        # By relevance, the best RERANK_DEPTH candidates are re-ranked by their titles (search.rerank).
        depth = start + request.per_page if recent else max(start + request.per_page, RERANK_DEPTH)
        nodes = [n for n in (compiler.clause(c, languages) for c in parsed.positive) if n is not None]
        if not nodes:
            return empty
        partial, total, found, full, mode = False, 0, None, None, plans[0]
        for n, mode in enumerate(plans if words >= 2 else plans[:1]):
            if n and total >= 3:
                break
            if n:
                partial = not total
            full = Query.boolean_query([(Occur.Must, _combined(nodes, mode)), *limits])
            if recent:
                found = searcher.search(full, request.per_page, count=True, order_by_field="updated", offset=start)
            else:
                found = searcher.search(full, max(depth, CANDIDATES), count=True)
            total = found.count
        if not total:
            return empty
        facets = {}
        if request.facets:
            aggs = {name: {"terms": {"field": name, "size": FACET_VALUES}} for name in FACETS}
            counted = searcher.aggregate(full, aggs)
            facets = {name: _top(counted.get(name, {}).get("buckets", [])) for name in FACETS}
        scored = found.hits
        if not recent:
            scored = _reweighed(searcher, live.schema, nodes, mode, scored)[:depth]
        stored = [(searcher.doc(address), score) for score, address in scored]
        hits = [_hit(doc, float(score) if not recent else 0.0) for doc, score in stored]
        if recent:
            hits.sort(key=lambda h: (h.updated_at or datetime.min.replace(tzinfo=UTC), h.article_id), reverse=True)
        else:
            # Reuse on cases nudges the order a little (search.rerank bounds it).
            reuse = {int(doc.get_first("id")): int(doc.get_first("reuse") or 0) for doc, _ in stored}
            hits = rerank(parsed, hits, reuse=reuse)[start : start + request.per_page]
        return SearchResults(
            hits=hits,
            total=total,
            page=request.page,
            per_page=request.per_page,
            facets=facets,
            highlight=highlight_for(parsed, languages[0]),
            partial=partial,
        )

    # --- suggestions and corrections ------------------------------------------------------

    def suggest(self, text: str, user, limit: int = 8, language: str = DEFAULT_CONTENT_LANGUAGE) -> list[tuple[str, str]]:
        """Titles in `language` holding every typed word (stemmed or exact), the last as a prefix
        (search.suggest.typed)."""
        from ..suggest import typed

        language = _language(language)
        want = typed(text)
        if want.empty and not want.optional_last:
            return []
        live = self._open()
        searcher = live.index.searcher()
        if not searcher.num_docs:
            return []
        title = field("title", language)
        terms = functools.partial(Query.term_query, live.schema, title)
        nodes = []
        for w in want.words:
            stems = sorted(set(analyzer(language).analyze(w)) | {w})
            nodes.append(_any([terms(s) for s in stems]))
        limits = _limits(live.schema, user, {}, include_archived=False, language=language)

        def run(last: str) -> list[tuple[str, str]]:
            parts = list(nodes)
            if last:
                alternatives = self._title_prefix(searcher, last, language)
                if not alternatives:
                    return []
                parts.append(_any([terms(t) for t in alternatives]))
            if not parts:
                return []
            q = Query.boolean_query([*((Occur.Must, p) for p in parts), *limits])
            docs = [searcher.doc(address) for _, address in searcher.search(q, limit, count=False).hits]
            return [(doc.get_first("slug"), doc.get_first("title_text")) for doc in docs]

        if want.optional_last:
            return run(want.optional_last) or run("")
        return run(want.last)

    @staticmethod
    def _title_prefix(searcher, prefix: str, language: str) -> list[str]:
        """Title terms a half-typed word may become: indexed title stems starting with it, and the
        stems of the words starting with it in titles, issues, tags and product names ("bookin" →
        booking → book), the most frequent PREFIX_EXPANSION of each."""
        terms = set(analyzer(language).analyze(prefix))
        terms.update(_expansions(searcher, field("title", language), prefix))
        for word in _expansions(searcher, field("spell", language), prefix):
            terms.update(analyzer(language).analyze(word))
        return sorted(terms)

    def correct(self, words: list[str], user=None, language: str = DEFAULT_CONTENT_LANGUAGE) -> dict[str, str]:
        """Misspelled word → closest known word of an article in `language` that `user` may see
        (`user=None` is an anonymous visitor): a hidden article's words are never offered."""
        from articles import policy

        language = _language(language)
        # A common word of the language is never a misspelling (search.spelling).
        words = [w for w in words if len(w) >= 4 and w.isalpha() and not spelling.is_word(w, language)]
        if not words:
            return {}
        live = self._open()
        searcher = live.index.searcher()
        if not searcher.num_docs:
            return {}
        limits = _limits(live.schema, user, {}, include_archived=True)
        text_fields = [field(name, language) for name in (FIELD_BOOSTS if policy.is_staff(user) else OUTSIDE_BOOSTS)]
        spell = field("spell", language)

        def count(fieldname: str, term: str) -> int:
            """Articles the caller may see with `term` in `fieldname` (deleted documents not counted)."""
            q = Query.term_query(live.schema, fieldname, term)
            if limits:
                q = Query.boolean_query([(Occur.Must, q), *limits])
            return searcher.search(q, 1, count=True).count

        def known(word: str) -> bool:
            # The vocabulary corrections come from is titles, issues, tags and product names, but a
            # word any article the caller may see contains (a term of art in a resolution) is no
            # misspelling either.
            if count(spell, word):
                return True
            stem = analyzer(language).analyze(word)
            return bool(stem) and any(count(f, stem[0]) for f in text_fields)

        out = {}
        for word in words:
            if known(word):
                continue
            close = _close_words(searcher, spell, word)
            checked = 0
            for candidate in close:
                if not spelling.may_correct(word, candidate, language):
                    continue
                if checked >= CORRECTION_CHECKS:
                    break
                checked += 1
                # The word itself in an article the caller may see (not only its stem), so no
                # form only a hidden article uses is offered ("securit" → "security").
                if count(spell, candidate):
                    out[word] = candidate
                    break
        return out

    def clear(self) -> None:
        self.close()
        shutil.rmtree(self.root, ignore_errors=True)


def _expansions(searcher, fieldname: str, prefix: str) -> list[str]:
    """The PREFIX_EXPANSION most frequent terms of `fieldname` starting with `prefix`."""
    found = searcher.terms_with_prefix(fieldname, prefix)
    found.sort(key=lambda tn: (-tn[1], tn[0]))
    return [term for term, n in found[:PREFIX_EXPANSION] if n]


def _within(a: str, b: str, k: int = MAX_EDIT_DISTANCE) -> bool:
    """Whether the Damerau-Levenshtein distance (spelling.edit_distance) of `a` and `b` is at most
    `k`: only the cells within `k` of the diagonal are computed, and a row past `k` ends it (a
    first letter's vocabulary is a few thousand words at 100,000 articles)."""
    if abs(len(a) - len(b)) > k:
        return False
    far = k + 1
    prev2: list[int] = []
    prev = [j if j <= k else far for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        cur = [far] * (len(b) + 1)
        cur[0] = i if i <= k else far
        for j in range(max(1, i - k), min(len(b), i + k) + 1):
            cost = a[i - 1] != b[j - 1]
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = min(value, far)
        if min(cur) > k:
            return False
        prev2, prev = prev, cur
    return prev[len(b)] <= k


def _close_words(searcher, fieldname: str, word: str) -> list[str]:
    """Vocabulary words within MAX_EDIT_DISTANCE of `word` that start with its first letter (as
    Whoosh's corrector asks), closest first (spelling.closeness), the commoner first among equals."""
    found = []
    for term, n in searcher.terms_with_prefix(fieldname, word[0]):
        if not n or term == word or abs(len(term) - len(word)) > MAX_EDIT_DISTANCE or not term.isalpha():
            continue
        if _within(word, term):
            found.append((*spelling.closeness(word, term), -n, term))
    return [term for *_, term in sorted(found)]


def _any(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def _filter(q: Query) -> Query:
    """A condition that narrows without scoring."""
    return Query.const_score_query(q, 0.0)


def _limits(schema, user, chosen: dict[str, str], include_archived: bool, language: str = "") -> list:
    """(Occur, query) clauses: what the caller may see and chose to see, inside the query."""
    from articles import policy
    from articles.models import State

    term = functools.partial(Query.term_query, schema)
    out = []
    audiences = policy.visible_audiences(user)
    if audiences is not None:
        # Visibility inside the query: outside readers match only validated articles of their
        # audiences (a translation carries its source's audience: search.documents.indexed_audience).
        out.append((Occur.Must, _filter(term("state", State.VALIDATED.value))))
        out.append((Occur.Must, _filter(Query.term_set_query(schema, "audience", [str(a) for a in audiences] or [""]))))
    for name in ("state", "audience", "product"):
        if chosen.get(name):
            out.append((Occur.Must, _filter(term(name, chosen[name]))))
    if language in CONTENT_LANGUAGES:
        out.append((Occur.Must, _filter(term("language", language))))
    if chosen.get("tag"):
        out.append((Occur.Must, _filter(term("tags", chosen["tag"].lower()))))
    if hides_archived(chosen, include_archived):
        out.append((Occur.MustNot, term("state", State.ARCHIVED.value)))
    return out


def _combined(nodes: list[Query], mode: str) -> Query:
    """The clauses together: every one ("and"), most of them (at least half, at least two), or any."""
    if len(nodes) == 1:
        return nodes[0]
    if mode == "and":
        return Query.boolean_query([(Occur.Must, n) for n in nodes])
    most = max(2, -(-len(nodes) // 2)) if mode == "most" else 1
    return Query.boolean_query([(Occur.Should, n) for n in nodes], minimum_number_should_match=min(most, len(nodes)))


def _reweighed(searcher, schema, nodes: list[Query], mode: str, hits: list) -> list:
    """The engine's best `hits` (score, address), re-weighed, best first:

    - for "most" and "any" matches (`nodes`: the clauses), by the share of the clauses each
      matches, as the Whoosh backend weighs them (COORDINATION: a match with half the words
      scores 3/4 of its text score), so one stray word cannot hide the answer. Counted on the
      candidates only: one restricted search per clause;
    - when the candidates match more than one clause, by the length of the article's text
      (LENGTH_WEIGHT): tantivy's BM25 normalises a field's length with b = 0.75, fixed, and
      Whoosh's ranks best on the judged queries with 0.4 (the long article that covers several
      of the words is as often the answer as a short one that names them). For one word the
      article about it (titled with it, often short) is the answer, as search.rerank finds it.
    """
    if len(hits) < 2:
        return hits
    addresses = [address for _, address in hits]
    ids = [int(i) for i in searcher.fast_field_values("id", addresses)]
    matched = dict.fromkeys(ids, len(nodes))
    clauses = len(nodes)  # the clauses some candidate matches
    if len(nodes) > 1 and mode != "and":
        matched = dict.fromkeys(ids, 0)
        candidates = _filter(Query.term_set_query(schema, "id", ids))
        clauses = 0
        for node in nodes:
            q = Query.boolean_query([(Occur.Must, node), (Occur.Must, candidates)])
            found = [address for _, address in searcher.search(q, len(ids), count=False).hits]
            clauses += bool(found)
            for article_id in searcher.fast_field_values("id", found):
                matched[int(article_id)] += 1
    lengths = searcher.fast_field_values("length", addresses) if clauses > 1 else [0] * len(hits)
    weighed = [
        (
            score * ((1 - COORDINATION) + COORDINATION * matched[i] / len(nodes)) * (1 + (length or 0)) ** LENGTH_WEIGHT,
            n,
            address,
        )
        for n, ((score, address), i, length) in enumerate(zip(hits, ids, lengths, strict=True))
    ]
    weighed.sort(key=lambda w: (-w[0], w[1]))
    return [(score, address) for score, _, address in weighed]


class _Compiler:
    """Parsed clauses → tantivy queries, clause for clause as the Whoosh backend builds its own."""

    def __init__(self, schema, searcher, boosts: dict[str, float]):
        self.schema = schema
        self.searcher = searcher
        self.boosts = boosts

    def clause(self, clause: Clause, languages: list[str]) -> Query | None:
        """One clause, in each language's fields analysed as that language (an article's text is
        in its own language's fields only, so a document matches through its own language)."""
        per_language = [n for n in (self._clause_in(clause, lang) for lang in languages) if n is not None]
        if not per_language:
            return None
        return _any(per_language)

    def _clause_in(self, clause: Clause, language: str) -> Query | None:
        variants: dict = {}
        alternatives = searchable_alternatives(clause.alternatives, stop_words(language))
        for kind, text in [(clause.kind, clause.text), *(("phrase" if " " in alt else "term", alt) for alt in alternatives)]:
            key, node = self._text_node(kind, text, language)
            if node is not None and key not in variants:  # "dep", "deps": one stem, one variant
                variants[key] = node
        nodes = list(variants.values())
        if not nodes:
            return None
        return nodes[0] if len(nodes) == 1 else Query.disjunction_max_query(nodes, tie_breaker=TIEBREAK)

    def _text_node(self, kind: str, text: str, language: str):
        if kind == "prefix":
            return ("prefix", text), self._prefix(text, language)
        tokens = [(t.position, t.text) for t in analyzer(language).pre_tokenize(text).tokens]
        if not tokens:
            return None, None
        per_field = []
        for name, boost in self.boosts.items():
            fieldname = field(name, language)
            if len(tokens) == 1:
                q = Query.term_query(self.schema, fieldname, tokens[0][1])
            else:
                first = tokens[0][0]
                q = Query.phrase_query(self.schema, fieldname, [(p - first, t) for p, t in tokens])
            per_field.append(Query.boost_query(q, boost))
        return ("text", tuple(tokens)), _any(per_field)

    def _prefix(self, text: str, language: str) -> Query | None:
        if len(text) < MIN_PREFIX:
            return None
        per_field = []
        stem = analyzer(language).analyze(text)
        for name, boost in self.boosts.items():
            fieldname = field(name, language)
            # Stemmed fields hold "refund" for "refunds": the stem itself is worth trying too.
            terms = set(_expansions(self.searcher, fieldname, text)) | set(stem[:1])
            if terms:
                q = _any([Query.term_query(self.schema, fieldname, t) for t in sorted(terms)])
                per_field.append(Query.boost_query(q, boost))
        return _any(per_field) if per_field else Query.empty_query()


def _hit(doc, score: float) -> Hit:
    updated = doc.get_first("updated")
    return Hit(
        article_id=int(doc.get_first("id")),
        slug=doc.get_first("slug") or "",
        title=doc.get_first("title_text") or "",
        score=score,
        external_id=doc.get_first("external_id") or "",
        state=doc.get_first("state") or "",
        audience=doc.get_first("audience") or "",
        product=doc.get_first("product") or "",
        updated_at=datetime.fromtimestamp(updated / 1_000_000, tz=UTC) if updated else None,
        version=doc.get_first("version"),
        language=doc.get_first("language") or DEFAULT_CONTENT_LANGUAGE,
    )


__all__ = ["TantivyBackend"]
