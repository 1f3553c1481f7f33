"""Whoosh backend: the embedded default (an index folder, no services).

Layout: KCS_SEARCH_INDEX_DIR holds one folder per index generation and a CURRENT file
naming the live one. `rebuild` writes a new generation beside the live one and swaps
CURRENT atomically, so search keeps answering during a rebuild.

Speed choices: non-compound segments make a single update cheap; prefix and fuzzy expansion
are bounded; long Markdown fields are not stored in the index (snippets are cut from the
database text of the page's hits).
"""

from __future__ import annotations

import bisect
import collections
import functools
import logging
import os
import shutil
import threading
from pathlib import Path

from django.conf import settings
from whoosh import analysis, fields, index, query, writing
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.lang.porter import stem as porter_stem
from whoosh.writing import LockError

from kcs_site.languages import CONTENT_LANGUAGES, DEFAULT_CONTENT_LANGUAGE

from .. import spelling
from ..query import MIN_PREFIX, Clause, ParsedQuery, searchable_alternatives
from ..rerank import DEPTH as RERANK_DEPTH
from ..rerank import rerank
from ..snippets import Highlight
from . import whoosh_engine as wengine
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

logger = logging.getLogger(__name__)

STOP_WORDS = frozenset(analysis.STOP_WORDS) | {"how", "do", "does", "i", "my", "what", "why", "me"}
# Few fields, each a bundle of what agents read: every query word becomes one term per
# field, so fewer fields means far smaller matcher trees (the cost at 100k articles).
FIELD_BOOSTS = {
    "title": 5.0,
    "summary": 2.0,  # issue (in the customer's words), tags, product
    "authority": 1.2,  # decision-authority rules, escalation contact
    "body": 1.0,  # resolution, environment, cause
}
# Decision authority is staff guidance (policy.can_view_internals): outside readers neither match nor see it.
OUTSIDE_BOOSTS = {name: boost for name, boost in FIELD_BOOSTS.items() if name != "authority"}
PREFIX_EXPANSION = 40  # terms a prefix may expand to: bounds the cost of "re*"
COORDINATION = 0.5  # a match with half the words scores 3/4 of its text score (see _compile)
TIEBREAK = 0.1  # a word and its synonyms: the best form's score plus this share of the others'
MERGE_AT_SEGMENTS = 10  # small segments are merged once the index has this many
WRITER_TIMEOUT = 10.0  # seconds to wait for another process's index lock before giving up


# Per content language: its own set of text fields ("title_de", "body_de", ...), analysed with
# that language's Snowball stemmer and stop words. English keeps the unsuffixed fields and the
# analyzer it always had (Porter stemmer, Whoosh's stop words and the question words above).
TEXT_FIELDS = ("title", "summary", "authority", "body", "spell")


def field(name: str, language: str) -> str:
    """The index field holding `name` for articles in `language`."""
    return name if language == DEFAULT_CONTENT_LANGUAGE else f"{name}_{language}"


@functools.cache  # built once per language, not once per highlighted search
def stop_words(language: str) -> frozenset[str]:
    if language == DEFAULT_CONTENT_LANGUAGE:
        return STOP_WORDS
    return frozenset(stopwords_for_language(CONTENT_LANGUAGES[language].whoosh))


@functools.cache
def stemmer(language: str):
    if language == DEFAULT_CONTENT_LANGUAGE:
        return porter_stem
    return stemmer_for_language(CONTENT_LANGUAGES[language].whoosh)


def highlight_for(parsed: ParsedQuery, language: str = DEFAULT_CONTENT_LANGUAGE) -> Highlight:
    """What snippets mark: the query's words reduced as this index reduces them for `language`
    (its stemmer and stop words: for English, StemmingAnalyzer's Porter stemmer)."""
    return Highlight.build(parsed, stem=stemmer(language), stop_words=stop_words(language))


def _analyzer(language: str = DEFAULT_CONTENT_LANGUAGE):
    if language == DEFAULT_CONTENT_LANGUAGE:
        return analysis.StemmingAnalyzer(stoplist=STOP_WORDS, minsize=1, cachesize=50000)
    return analysis.StemmingAnalyzer(stemfn=stemmer(language), stoplist=stop_words(language), minsize=1, cachesize=50000)


_threads = threading.local()


def _query_analyzer(language: str = DEFAULT_CONTENT_LANGUAGE):
    """The index's analyzer for query words and snippets, one per thread and language and kept
    between searches (its stem cache is what makes it fast, and that cache is not safe to share
    between threads)."""
    analyzers = getattr(_threads, "analyzers", None)
    if analyzers is None:
        analyzers = _threads.analyzers = {}
    if language not in analyzers:
        analyzers[language] = _analyzer(language)
    return analyzers[language]


def _language_fields(language: str) -> dict:
    text = dict(analyzer=_analyzer(language), phrase=True)
    return {
        field("title", language): fields.TEXT(**text),
        field("summary", language): fields.TEXT(**text),
        field("authority", language): fields.TEXT(**text),
        field("body", language): fields.TEXT(**text),
        # Unstemmed words with a spelling graph: the vocabulary "Did you mean" corrects against.
        field("spell", language): fields.TEXT(
            analyzer=analysis.StandardAnalyzer(stoplist=stop_words(language), minsize=2), spelling=True
        ),
    }


def schema() -> fields.Schema:
    per_language = {}
    for language in CONTENT_LANGUAGES:
        per_language.update(_language_fields(language))
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        slug=fields.STORED,
        external_id=fields.STORED,
        # The stored title (whatever the language): what a hit shows until the database confirms it.
        title_text=fields.STORED,
        language=fields.ID(stored=True, sortable=True),
        **per_language,
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True),
        product=fields.ID(stored=True, sortable=True),
        state=fields.ID(stored=True, sortable=True),
        audience=fields.ID(stored=True, sortable=True),
        updated=fields.DATETIME(stored=True, sortable=True),
        reuse=fields.NUMERIC(stored=True, sortable=True),
        version=fields.NUMERIC(stored=True),
    )


class _Lexicon:
    """One segment's terms of one field, sorted, with their document counts: a half-typed word's
    expansions are a binary search away (a segment never changes once written)."""

    def __init__(self, segreader, fieldname: str):
        self.words: list[str] = []
        self.counts: list[int] = []
        if fieldname in segreader.indexed_field_names():
            for term, info in segreader.iter_field(fieldname):
                self.words.append(wengine.as_text(term))
                self.counts.append(info.doc_frequency())

    def starting(self, prefix: str):
        i = bisect.bisect_left(self.words, prefix)
        while i < len(self.words) and self.words[i].startswith(prefix):
            yield self.words[i], self.counts[i]
            i += 1


_lexicons: collections.OrderedDict = collections.OrderedDict()
_lexicons_lock = threading.Lock()
LEXICON_CACHE = 64  # segment-field lexicons kept per process (an index has a few dozen at most)


def _lexicon(segreader, fieldname: str) -> _Lexicon:
    key = (segreader.segment().segment_id(), fieldname)
    with _lexicons_lock:
        found = _lexicons.get(key)
        if found is not None:
            _lexicons.move_to_end(key)
            return found
    found = _Lexicon(segreader, fieldname)
    with _lexicons_lock:
        _lexicons[key] = found
        while len(_lexicons) > LEXICON_CACHE:
            _lexicons.popitem(last=False)
    return found


def _language_of(doc: dict) -> str:
    language = doc.get("language") or DEFAULT_CONTENT_LANGUAGE
    return language if language in CONTENT_LANGUAGES else DEFAULT_CONTENT_LANGUAGE


def _whoosh_doc(doc: dict) -> dict:
    language = _language_of(doc)
    return {
        "id": str(doc["id"]),
        "slug": doc["slug"],
        "external_id": doc["external_id"],
        "title_text": doc["title"],
        "language": language,
        field("title", language): doc["title"],
        field("summary", language): "\n".join(
            [doc["issue"], " ".join(t.replace("-", " ") for t in doc["tags"]), doc["product_name"]]
        ),
        field("authority", language): doc["authority"],
        field("body", language): "\n".join([doc["resolution"], doc["environment"], doc["cause"]]),
        field("spell", language): " ".join([doc["title"], doc["issue"], " ".join(doc["tags"]), doc["product_name"]]),
        "tags": ",".join(doc["tags"]),
        "product": doc["product"],
        "state": doc["state"],
        "audience": doc["audience"],
        "updated": doc["updated_at"],
        "reuse": doc["reuse_count"],
        "version": doc["version"],
    }


COLUMN_FACETS = ["state", "audience", "product"]


def _stored_title(stored: dict) -> str:
    # Documents indexed before articles had languages stored their title in `title`.
    return stored.get("title_text") or stored.get("title", "")


def _top(counts: dict) -> list[tuple[str, int]]:
    pairs = ((str(k), v) for k, v in counts.items() if k not in (None, ""))
    return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:20]


_merging = threading.Lock()  # one merge at a time per process


def _merge_in_background(ix) -> None:
    """Merge the index's small segments in a thread; skipped while another merge runs here or
    another process holds the index lock (a later change will merge)."""
    if not _merging.acquire(blocking=False):
        return

    def merge():
        try:
            try:
                merger = ix.writer(timeout=0, compound=False)
            except LockError:
                return
            merger.commit(mergetype=writing.MERGE_SMALL)
        except Exception:  # a merge is an optimisation: the index stays whole without it
            logger.exception("Merging small search index segments failed")
        finally:
            _merging.release()

    threading.Thread(target=merge, name="search-index-merge", daemon=True).start()


# What reading a segment that another writer merged away (and deleted) raises: Whoosh opens some
# of a segment's files only when first read, so a searcher opened just before the merge finds
# them gone (a missing stored-fields column surfaces as TypeError: 'NoneType' ... subscriptable).
VANISHED_SEGMENT = (OSError, EOFError, TypeError, ValueError)


def _survives_merges(method):
    """Run a read once more on a fresh searcher if its segments vanished under it (a merge by
    another process or thread between opening the searcher and reading from it)."""

    @functools.wraps(method)
    def read(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except VANISHED_SEGMENT as exc:
            logger.info("Search index segments changed while reading (%r): retrying with a fresh reader", exc)
            self.close()
            return method(self, *args, **kwargs)

    return read


class WhooshBackend(GenerationFolders, SearchBackend):
    name = "whoosh"

    def __init__(self, root: Path | None = None):
        self.root = Path(root or settings.KCS_SEARCH_INDEX_DIR)
        self._local = threading.local()
        self._open: set = set()  # every thread's searcher, so close_all() can let go of all files
        self._open_lock = threading.Lock()

    # --- index folders ------------------------------------------------------------------

    def _new_index(self, path: Path) -> None:
        index.create_in(str(path), schema())

    def _index(self):
        path = self._current_dir()
        cached = getattr(self._local, "ix", None)
        if cached is not None and cached[0] == path:
            return cached[1]
        self.close()  # a rebuild swapped generations: let go of the old files
        ix = index.open_dir(str(path))
        if "language" not in ix.schema:
            ix = self._add_language_fields(ix, path)
        self._local.ix = (path, ix)
        return ix

    @staticmethod
    def _add_language_fields(ix, path: Path):
        """An index written before articles had languages: give it the per-language fields (its
        documents are English; migration searchlang_reindex queues every article to be indexed
        again with its language)."""
        try:
            writer = ix.writer(timeout=WRITER_TIMEOUT)
        except LockError:
            return ix  # another process is adding them
        try:
            for name, fieldtype in schema().items():
                if name not in writer.schema:
                    writer.add_field(name, fieldtype)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=False)
        return index.open_dir(str(path))

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            with self._open_lock:
                self._open.discard(searcher)
        self._local.searcher = None
        self._local.ix = None

    def close_all(self) -> None:
        """Close the searchers of every thread (at shutdown, or between tests)."""
        with self._open_lock:
            searchers, self._open = list(self._open), set()
        for searcher in searchers:
            searcher.close()
        self._local = threading.local()

    def _searcher(self):
        ix = self._index()
        searcher = getattr(self._local, "searcher", None)
        if searcher is None or not searcher.up_to_date():
            # Not Searcher.refresh(): it reuses segment readers and misses deletions made
            # by a commit that only deleted (an archived article would stay findable).
            if searcher is not None:
                searcher.close()
            searcher = ix.searcher()
            with self._open_lock:
                self._open.discard(getattr(self._local, "searcher", None))
                self._open.add(searcher)
        self._local.searcher = searcher
        return searcher

    # --- writing ------------------------------------------------------------------------

    def _writer(self, wait: bool):
        """The index's single writer. `wait=False` (a saving request) gives up at once if another
        thread or process holds the lock: the update is retried soon (search.indexing)."""
        try:
            return self._index().writer(timeout=WRITER_TIMEOUT if wait else 0, compound=False)
        except LockError as exc:
            raise IndexBusy("another process holds the search index writer lock") from exc

    def index(self, docs: list[dict], *, wait: bool = True) -> None:
        if not docs:
            return
        ix = self._index()
        writer = self._writer(wait)
        try:
            for doc in docs:
                writer.update_document(**_whoosh_doc(doc))
        except BaseException:
            writer.cancel()
            raise
        self._commit(ix, writer)

    def remove(self, article_ids: list[int], *, wait: bool = True) -> None:
        if not article_ids:
            return
        ix = self._index()
        writer = self._writer(wait)
        try:
            for article_id in article_ids:
                writer.delete_by_term("id", str(article_id))
        except BaseException:
            writer.cancel()
            raise
        self._commit(ix, writer)

    @staticmethod
    def _commit(ix, writer) -> None:
        """Commit a change as a segment of its own, so it is searchable at once; when small
        segments have piled up, merge them afterwards, off the saving request's path.

        Whoosh's default merges on the commit itself, and a merge costs about a second whatever
        its size (it reads every term of the merged segments), so one save in five waited a
        second to become searchable.
        """
        segments = len(writer.segments) + 1
        writer.commit(merge=False)
        if segments >= MERGE_AT_SEGMENTS:
            _merge_in_background(ix)

    def _rebuild(self, doc_batches) -> int:
        new_dir = self._create_generation(make_current=False)
        ix = index.open_dir(str(new_dir))
        # Two processes share the analysis work (both cores); one segment each, merged at the end.
        procs = max(1, min(2, os.cpu_count() or 1))
        if procs > 1:
            writer = ix.writer(procs=procs, limitmb=settings.KCS_SEARCH_REBUILD_MB, multisegment=True, compound=False)
        else:
            writer = ix.writer(limitmb=settings.KCS_SEARCH_REBUILD_MB, compound=False)
        count = 0
        try:
            for batch in doc_batches:
                for doc in batch:
                    writer.add_document(**_whoosh_doc(doc))
                    count += 1
        except BaseException:
            writer.cancel()
            shutil.rmtree(new_dir, ignore_errors=True)
            raise
        writer.commit()
        old = self._current_dir() if (self.root / "CURRENT").exists() else None
        self._point_to(new_dir.name)
        self.close()
        # Other processes switch to the new generation at their next search; the one just
        # replaced stays for searches already running there, anything older goes.
        for path in self.root.glob("gen-*"):
            if path not in (new_dir, old):
                shutil.rmtree(path, ignore_errors=True)
        return count

    @_survives_merges
    def indexed_versions(self) -> dict[int, int]:
        searcher = self._searcher()
        return {int(f["id"]): int(f["version"]) for f in searcher.all_stored_fields()}

    # --- reading ------------------------------------------------------------------------

    def _present_languages(self, searcher) -> list[str]:
        """The content languages of the indexed articles (the `language` field's terms)."""
        found = {wengine.as_text(t) for t in searcher.reader().lexicon("language")} if "language" in searcher.schema else set()
        found.add(DEFAULT_CONTENT_LANGUAGE)  # documents indexed before articles had languages have none
        return [code for code in CONTENT_LANGUAGES if code in found]

    def languages(self) -> list[str]:
        searcher = self._searcher()
        return self._present_languages(searcher) if searcher.doc_count_all() else []

    def _languages(self, language: str, searcher) -> list[str]:
        """The languages a search analyses its words for: the one asked for, or (none asked
        for: every language) each language of the indexed articles."""
        if language in CONTENT_LANGUAGES:
            return [language]
        return self._present_languages(searcher)

    @_survives_merges
    def search(self, request: SearchRequest, parsed: ParsedQuery) -> SearchResults:
        from articles import policy

        searcher = self._searcher()
        boosts = FIELD_BOOSTS if policy.is_staff(request.user) else OUTSIDE_BOOSTS
        words = len(parsed.positive)
        # Short queries want every word (then any word if that finds too little). Longer ones
        # (questions, pasted error text) match any word, ranked by how many they contain
        # (BM25 sums over the words), so one stray word cannot hide the answer.
        plans = ["and", "or"] if words <= 2 else ["most", "or"]
        no_facets = {name: [] for name in [*COLUMN_FACETS, "tags"]} if request.facets else {}
        empty = SearchResults(hits=[], total=0, page=request.page, per_page=request.per_page, facets=no_facets)
        if not searcher.doc_count_all():  # a new install: the index has no segment to read yet
            return empty
        languages = self._languages(request.language, searcher)
        q = self._compile(parsed, searcher, mode=plans[0], boosts=boosts, languages=languages)
        if q is None:
            return empty
        excluded = [
            n for n in (self._clause(c, searcher, boosts, languages) for c in parsed.clauses if c.negated) if n is not None
        ]
        chosen = chosen_filters(request, parsed)
        engine = wengine.Evaluator(searcher)
        limits = self._limits(request.user, chosen, request.include_archived, request.language)
        allowed = engine.allowed(limits, excluded)
        segments = engine.segments(q, allowed)
        partial = False
        for mode in plans[1:] if words >= 2 else []:
            if wengine.total(segments) >= 3:
                break
            partial = not wengine.total(segments)
            q = self._compile(parsed, searcher, mode=mode, boosts=boosts, languages=languages)
            segments = engine.segments(q, allowed)
        total = wengine.total(segments)
        if not total:
            return empty
        facets = {}
        if request.facets:
            facets = {name: _top(wengine.facet_counts(segments, name)) for name in COLUMN_FACETS}
            facets["tags"] = _top(wengine.tag_counts(segments))
        start = (request.page - 1) * request.per_page
        recent = request.sort == "recent"
        # By relevance, the best RERANK_DEPTH candidates are re-ranked by their titles (search.rerank).
        depth = start + request.per_page if recent else max(start + request.per_page, RERANK_DEPTH)
        stored = [(searcher.stored_fields(docnum), score) for docnum, score in wengine.top(segments, depth, recent=recent)]
        hits = [self._hit(fields_, score) for fields_, score in stored]
        if not recent:
            # Reuse on cases nudges the order a little (search.rerank bounds it).
            hits = rerank(parsed, hits, reuse={int(f["id"]): int(f.get("reuse") or 0) for f, _ in stored})
        hits = hits[start : start + request.per_page]
        return SearchResults(
            hits=hits,
            total=total,
            page=request.page,
            per_page=request.per_page,
            facets=facets,
            highlight=highlight_for(parsed, languages[0]),
            partial=partial,
        )

    def highlight(self, parsed: ParsedQuery, language: str) -> Highlight:
        return highlight_for(parsed, language if language in CONTENT_LANGUAGES else DEFAULT_CONTENT_LANGUAGE)

    def _compile(self, parsed: ParsedQuery, searcher, *, mode: str, boosts=FIELD_BOOSTS, languages=(DEFAULT_CONTENT_LANGUAGE,)):
        nodes = [n for n in (self._clause(c, searcher, boosts, languages) for c in parsed.positive) if n is not None]
        if not nodes:
            return None
        if len(nodes) == 1:
            return nodes[0]
        if mode == "and":
            return query.And(nodes)
        # "most": at least half the words (at least two); "or": any. Both weigh a match by the
        # share of the words it contains (coordination), so one stray word cannot hide the answer.
        most = max(2, -(-len(nodes) // 2)) if mode == "most" else 0
        return query.Or(nodes, minmatch=most, scale=COORDINATION)

    def _clause(self, clause: Clause, searcher, boosts=FIELD_BOOSTS, languages=(DEFAULT_CONTENT_LANGUAGE,)):
        """One clause, in each language's fields analysed as that language (an article's text is
        in one language's fields only, so a document matches through its own language)."""
        per_language = [n for n in (self._clause_in(clause, searcher, boosts, lang) for lang in languages) if n is not None]
        if not per_language:
            return None
        return per_language[0] if len(per_language) == 1 else query.Or(per_language)

    def _clause_in(self, clause: Clause, searcher, boosts, language: str):
        variants = [self._text_node(clause.kind, clause.text, searcher, boosts, language)]
        alternatives = searchable_alternatives(clause.alternatives, stop_words(language))
        variants += [self._text_node("phrase" if " " in alt else "term", alt, searcher, boosts, language) for alt in alternatives]
        variants = list(dict.fromkeys(v for v in variants if v is not None))  # "dep", "deps": one stem, one variant
        if not variants:
            return None
        return variants[0] if len(variants) == 1 else query.DisjunctionMax(variants, tiebreak=TIEBREAK)

    def _text_node(self, kind: str, text: str, searcher, boosts=FIELD_BOOSTS, language=DEFAULT_CONTENT_LANGUAGE):
        analyzer = _query_analyzer(language)
        if kind == "prefix":
            return self._prefix(text, searcher, boosts, language)
        tokens = [t.text for t in analyzer(text)]
        if not tokens:
            return None
        per_field = []
        for name, boost in boosts.items():
            fieldname = field(name, language)
            if len(tokens) == 1:
                per_field.append(query.Term(fieldname, tokens[0], boost=boost))
            else:
                per_field.append(query.Phrase(fieldname, tokens, boost=boost))
        return query.Or(per_field)

    def _prefix(self, text: str, searcher, boosts=FIELD_BOOSTS, language=DEFAULT_CONTENT_LANGUAGE):
        if len(text) < MIN_PREFIX:
            return None
        reader = searcher.reader()
        terms = []
        for name, boost in boosts.items():
            fieldname = field(name, language)
            if fieldname not in searcher.schema:
                continue
            for n, term in enumerate(reader.expand_prefix(fieldname, text)):
                if n >= PREFIX_EXPANSION:
                    break
                terms.append(query.Term(fieldname, wengine.as_text(term), boost=boost))
        # Stemmed fields hold "refund" for "refunds": the stem itself is worth trying too.
        stem = [t.text for t in _query_analyzer(language)(text)]
        if stem:
            terms += [query.Term(field(f, language), stem[0], boost=b) for f, b in boosts.items()]
        return query.Or(terms) if terms else query.NullQuery

    @staticmethod
    def _limits(user, chosen: dict[str, str], include_archived: bool, language: str = "") -> dict:
        """What the caller may see and chose to see: column values, keyword terms, and whether
        archived articles hide (search.backends.base.chosen_filters gives `chosen`); only
        articles in `language` when one is given."""
        from articles import policy
        from articles.models import State

        columns, terms = [], []
        audiences = policy.visible_audiences(user)
        if audiences is not None:
            # Visibility inside the query: outside readers match only validated articles of their audiences.
            columns += [("state", [State.VALIDATED]), ("audience", list(audiences))]
        for name in ("state", "audience", "product"):
            if chosen.get(name):
                columns.append((name, [chosen[name]]))
        if language in CONTENT_LANGUAGES:
            # Documents indexed before articles had languages have none: they are English.
            columns.append(("language", [language, ""] if language == DEFAULT_CONTENT_LANGUAGE else [language]))
        if chosen.get("tag"):
            terms.append(("tags", chosen["tag"].lower()))
        return {"columns": columns, "terms": terms, "hide_archived": hides_archived(chosen, include_archived)}

    @staticmethod
    def _hit(stored: dict, score: float) -> Hit:
        return Hit(
            article_id=int(stored["id"]),
            slug=stored["slug"],
            title=_stored_title(stored),
            score=score,
            external_id=stored.get("external_id", ""),
            state=stored["state"],
            audience=stored["audience"],
            product=stored["product"],
            updated_at=stored.get("updated"),
            version=stored.get("version"),
            language=stored.get("language") or DEFAULT_CONTENT_LANGUAGE,
        )

    @_survives_merges
    def suggest(self, text: str, user, limit: int = 8, language: str = DEFAULT_CONTENT_LANGUAGE) -> list[tuple[str, str]]:
        """Titles in `language` holding every typed word (stemmed or exact), the last as a prefix
        (search.suggest.typed)."""
        from ..suggest import typed

        language = language if language in CONTENT_LANGUAGES else DEFAULT_CONTENT_LANGUAGE
        want = typed(text)
        if want.empty and not want.optional_last:
            return []
        searcher = self._searcher()
        if not searcher.doc_count_all():
            return []
        reader = searcher.reader()
        analyzer = _query_analyzer(language)
        title = field("title", language)
        nodes = []
        for w in want.words:
            stems = {t.text for t in analyzer(w)} | {w}
            nodes.append(query.Or([query.Term(title, s) for s in sorted(stems)]))
        engine = wengine.Evaluator(searcher)
        allowed = engine.allowed(self._limits(user, {}, include_archived=False, language=language))

        def run(last: str) -> list[tuple[str, str]]:
            parts = list(nodes)
            if last:
                alternatives = self._title_prefix(reader, analyzer, last, language)
                if not alternatives:
                    return []
                parts.append(query.Or([query.Term(title, t) for t in alternatives]))
            if not parts:
                return []
            segments = engine.segments(query.And(parts), allowed)
            found = [searcher.stored_fields(docnum) for docnum, _ in wengine.top(segments, limit)]
            return [(stored["slug"], _stored_title(stored)) for stored in found]

        if want.optional_last:
            return run(want.optional_last) or run("")
        return run(want.last)

    @staticmethod
    def _title_prefix(reader, analyzer, prefix: str, language: str = DEFAULT_CONTENT_LANGUAGE) -> list[str]:
        """Title terms a half-typed word may become: indexed title stems starting with it, and the
        stems of the words starting with it in titles, issues, tags and product names ("bookin" →
        booking → book), the most frequent PREFIX_EXPANSION of each."""
        terms = {t.text for t in analyzer(prefix)}
        for name in ("title", "spell"):
            fieldname = field(name, language)
            counts: dict[str, int] = {}
            for segreader, _ in reader.leaf_readers():
                for word, n in _lexicon(segreader, fieldname).starting(prefix):
                    counts[word] = counts.get(word, 0) + n
            best = sorted(counts, key=lambda w: (-counts[w], w))[:PREFIX_EXPANSION]
            if name == "title":
                terms.update(best)
            else:
                for word in best:
                    terms.update(t.text for t in analyzer(word))
        return sorted(terms)

    @_survives_merges
    def correct(self, words: list[str], user=None, language: str = DEFAULT_CONTENT_LANGUAGE) -> dict[str, str]:
        """Misspelled word → closest known word of an article in `language`. `user=None` is an
        anonymous visitor: outside readers are only offered words that an article they may see
        contains."""
        from articles import policy

        language = language if language in CONTENT_LANGUAGES else DEFAULT_CONTENT_LANGUAGE
        # A common word of the language is never a misspelling (search.spelling).
        words = [w for w in words if len(w) >= 4 and w.isalpha() and not spelling.is_word(w, language)]
        if not words:
            return {}
        searcher = self._searcher()
        if not searcher.doc_count_all():
            return {}
        reader = searcher.reader()
        # Outside readers: counted within the articles they may see (one set of masks per call).
        visible = policy.visible_audiences(user) is not None
        allowed = wengine.Evaluator(searcher).allowed(self._limits(user, {}, include_archived=True)) if visible else None
        text_fields = [field(name, language) for name in (FIELD_BOOSTS if policy.is_staff(user) else OUTSIDE_BOOSTS)]
        spell = field("spell", language)

        def count(fieldname: str, word: str) -> int:
            """Articles the caller may see with `word` in `fieldname`."""
            return wengine.count_in(allowed, fieldname, word) if visible else reader.doc_frequency(fieldname, word)

        def known(word: str) -> bool:
            # Titles, issues, tags and product names are the vocabulary corrections come from, but
            # a word any article the caller may see contains (a term of art such as "crlf" in a
            # resolution) is not a misspelling, as in the PostgreSQL backend.
            if count(spell, word):
                return True
            stem = [t.text for t in _query_analyzer(language)(word)]
            return bool(stem) and any(count(f, stem[0]) for f in text_fields)

        out = {}
        if spell not in searcher.schema:
            return out
        for word in words:
            if known(word):
                continue
            # Whoosh ranks its suggestions by frequency alone ("forgoten": "forgot" before
            # "forgotten"): the closest come first here (spelling.closeness), the commonest among
            # equals (its order). Only words of articles in the query's language are candidates
            # (each language has its own spelling field): a German word is never "corrected" into English.
            found = searcher.suggest(spell, word, limit=10, maxdist=2, prefix=1)
            for suggestion in sorted(found, key=lambda s: spelling.closeness(word, s)):
                # Outside readers: the word itself (not only its stem) in an article they may see,
                # so no form only a hidden article uses is offered ("securit" → "security").
                if (
                    suggestion != word
                    and spelling.may_correct(word, suggestion, language)
                    and (not visible or count(spell, suggestion))
                ):
                    out[word] = suggestion
                    break
        return out

    def clear(self) -> None:
        self.close()
        shutil.rmtree(self.root, ignore_errors=True)


__all__ = ["WhooshBackend", "LockError"]
