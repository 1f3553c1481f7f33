"""Matching, ranking and counting over a Whoosh index with array arithmetic.

Whoosh stores the index (postings, lexicon, columns, spelling graph) and analyses text;
its own query evaluation walks a tree of Python matcher objects once per posting, and it
scores every match whenever it must also count them (an exact total, facets or a filter
turn off its block-max skipping). At 100,000 articles that walk is the whole cost.

Here each term's posting list is read a block at a time into arrays, and a query is
evaluated per segment as dense arrays over the segment's documents: a boolean "matches"
array and a float BM25F score array (Whoosh's BM25F formula; length normalisation tuned,
see B). Boolean queries are array `&`/`|`; visibility, filters and exclusions are
masks; the total and the facet counts are sums and `bincount`s over the final mask; the
page is the top of the scores. Phrases decode word positions only for the documents that
hold every word of the phrase.

A segment never changes once written (only its deletion list does), so what is read from
its columns (field lengths, facet values, tags, dates) is cached by segment id.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

B = 0.4  # BM25F length normalisation (Whoosh defaults to 0.75; 0.3-0.4 ranks best on the dev queries)
K1 = 1.2
SEGMENT_CACHE_SIZE = 256  # cached facts (a few per segment); merges retire old segments
LENGTH_TABLE = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)


def as_text(value) -> str:
    """A term or column value as text (Whoosh hands out bytes for some)."""
    return value.decode() if isinstance(value, bytes) else ("" if value is None else str(value))


# --- posting lists ----------------------------------------------------------------------------


EMPTY_IDS = np.empty(0, dtype=np.int32)
EMPTY_TF = np.empty(0, dtype=np.float32)


ENTRY_OVERHEAD = 100  # bytes counted per cached list beyond its arrays


class PostingsCache:
    """Decoded posting lists, least recently used out first, within a memory budget.

    Decoding a posting block (zlib, then unpickling the ids, frequencies and positions
    together) is the main cost of a search once matching is array arithmetic; query words
    follow a Zipf curve, so the lists of common words are decoded once per segment, not once
    per search. Segments never change, so an entry never goes stale (deletions are a mask)."""

    def __init__(self, budget_bytes: int):
        self.budget = budget_bytes
        self.used = 0
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, build):
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
                return found
        value = build()
        for array in value:
            array.flags.writeable = False  # shared between searches: never changed in place
        size = value[0].nbytes + value[1].nbytes + ENTRY_OVERHEAD
        if size > self.budget // 2:
            return value  # one huge list must not flush everything else
        with self._lock:
            if key not in self._data:
                self._data[key] = value
                self.used += size
            while self.used > self.budget and self._data:
                _, old = self._data.popitem(last=False)
                self.used -= old[0].nbytes + old[1].nbytes + ENTRY_OVERHEAD
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.used = 0


@functools.cache
def postings_cache() -> PostingsCache:
    """The process's cache, sized from settings.KCS_SEARCH_POSTINGS_CACHE_MB on first use."""
    return PostingsCache(settings.KCS_SEARCH_POSTINGS_CACHE_MB * 1024 * 1024)


def postings(reader, fieldname: str, text, *, values: bool = False):
    """(document numbers, term frequencies) of one term in one segment, deleted documents
    included; with `values`, also each posting's stored value (its encoded word positions)."""
    if not values:
        key = (reader.segment().segid, fieldname, as_text(text))
        return postings_cache().get(key, lambda: _postings(reader, fieldname, text))
    return _postings(reader, fieldname, text, values=True)


def _postings(reader, fieldname: str, text, *, values: bool = False):
    try:
        matcher = reader.postings(fieldname, text)
    except (TermNotFound, KeyError):
        return (EMPTY_IDS, EMPTY_TF, []) if values else (EMPTY_IDS, EMPTY_TF)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # the deletion filter: applied once per segment, as a mask
    ids, weights, vals = [], [], []
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            deltas, w = matcher._data[0], matcher._data[1]
            block = np.cumsum(np.asarray(deltas, dtype=np.int32), dtype=np.int32)
            ids.append(block)
            if w is None:
                weights.append(np.ones(len(block), dtype=np.float32))
            elif isinstance(w, float):
                weights.append(np.full(len(block), w, dtype=np.float32))
            else:
                weights.append(np.asarray(w, dtype=np.float32))
            if values:
                matcher._read_values()
                vals.extend(matcher._values)
            matcher._next_block()
        out = (np.concatenate(ids), np.concatenate(weights)) if ids else (EMPTY_IDS, EMPTY_TF)
    else:
        while matcher.is_active():  # a term stored inline (one document): a list, not blocks
            ids.append(matcher.id())
            weights.append(matcher.weight())
            if values:
                vals.append(matcher.value())
            matcher.next()
        out = (np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32))
    return (*out, vals) if values else out


def phrase_docs(reader, fieldname: str, words: list[str]) -> np.ndarray:
    """Documents of one segment holding `words` one after another in `fieldname`.

    Candidates are the documents holding every word (array intersection); only their
    positions are decoded and compared.
    """
    lists = [postings(reader, fieldname, word, values=True) for word in words]
    if any(not len(ids) for ids, _, _ in lists):
        return EMPTY_IDS
    candidates = lists[0][0]
    for ids, _, _ in lists[1:]:
        candidates = np.intersect1d(candidates, ids, assume_unique=True)
        if not len(candidates):
            return EMPTY_IDS
    decode = reader.schema[fieldname].format.decode_positions
    where = [np.searchsorted(ids, candidates) for ids, _, _ in lists]
    found = []
    for j, docnum in enumerate(candidates.tolist()):
        starts = set(decode(lists[0][2][where[0][j]]))
        for k in range(1, len(lists)):
            starts &= {p - k for p in decode(lists[k][2][where[k][j]])}
            if not starts:
                break
        if starts:
            found.append(docnum)
    return np.asarray(found, dtype=np.int32)


# --- per-segment facts, cached ----------------------------------------------------------------


class SegmentCache:
    def __init__(self, size: int = SEGMENT_CACHE_SIZE):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, reader, kind: str, build):
        key = (reader.segment().segid, kind)
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = build()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


CACHE = SegmentCache()


def field_lengths(reader, fieldname: str) -> np.ndarray:
    """Each document's length in `fieldname` (as Whoosh stores it: one byte, log-scaled)."""

    def build():
        n = reader.doc_count_all()
        lengths = np.ones(n, dtype=np.float32)  # Whoosh scores a missing length as 1
        raw = _length_bytes(reader, fieldname, n)
        if raw is not None:
            decoded = LENGTH_TABLE[raw]
            lengths[raw > 0] = decoded[raw > 0]
        else:
            codes = np.fromiter((reader.doc_field_length(d, fieldname, 0) for d in range(n)), dtype=np.float32, count=n)
            lengths[codes > 0] = codes[codes > 0]
        return lengths

    return CACHE.get(reader, f"len:{fieldname}", build)


def _length_bytes(reader, fieldname: str, n: int) -> np.ndarray | None:
    """The segment's one-byte field lengths read as one array (Whoosh-Reloaded 2.7.5's length
    column layout), or None where that layout is not found (the caller reads them one by one)."""
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return np.zeros(n, dtype=np.uint8)
        count = column._count
        raw = np.zeros(n, dtype=np.uint8)
        if count:
            raw[:count] = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)[:n]
        return raw
    except (AttributeError, TypeError, ValueError):
        return None


def column_codes(reader, fieldname: str) -> tuple[np.ndarray, list[str]]:
    """A single-valued sortable field as (per-document value codes, the values)."""

    def build():
        values: dict[str, int] = {}
        column = reader.column_reader(fieldname)
        codes = np.fromiter(
            (values.setdefault(as_text(v), len(values)) for v in column), dtype=np.int32, count=reader.doc_count_all()
        )
        return codes, list(values)

    return CACHE.get(reader, f"col:{fieldname}", build)


def column_numbers(reader, fieldname: str) -> np.ndarray:
    """A numeric sortable column (e.g. the update time) in its sortable integer form."""

    def build():
        column = reader.column_reader(fieldname, translate=False)
        return np.fromiter((int(v or 0) for v in column), dtype=np.int64, count=reader.doc_count_all())

    return CACHE.get(reader, f"num:{fieldname}", build)


def doc_tags(reader, fieldname: str = "tags") -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Every (document, tag) pair of a keyword field, as two arrays, and the tag names."""

    def build():
        docs, codes, names = [], [], []
        for term in reader.lexicon(fieldname):
            ids, _ = _postings(reader, fieldname, term)  # not cached: the joined arrays are
            docs.append(ids)
            codes.append(np.full(len(ids), len(names), dtype=np.int32))
            names.append(as_text(term))
        if not docs:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32), []
        return np.concatenate(docs), np.concatenate(codes), names

    return CACHE.get(reader, f"tags:{fieldname}", build)


def value_mask(reader, fieldname: str, values) -> np.ndarray:
    codes, names = column_codes(reader, fieldname)
    wanted = [i for i, name in enumerate(names) if name in set(values)]
    return np.isin(codes, wanted) if wanted else np.zeros(len(codes), dtype=bool)


def term_mask(reader, fieldname: str, text) -> np.ndarray:
    mask = np.zeros(reader.doc_count_all(), dtype=bool)
    ids, _ = postings(reader, fieldname, text)
    mask[ids] = True
    return mask


def live_mask(reader) -> np.ndarray:
    mask = np.ones(reader.doc_count_all(), dtype=bool)
    if reader.has_deletions():
        deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
        mask[deleted] = False
    return mask


# --- evaluating a query -----------------------------------------------------------------------


@dataclass
class Segment:
    """One segment's part of a search: `matches` and `scores` are per document."""

    searcher: object  # the leaf searcher
    offset: int  # its first document's number in the whole index
    matches: np.ndarray
    scores: np.ndarray

    @property
    def reader(self):
        return self.searcher.reader()


class Evaluator:
    """Evaluates compiled Whoosh queries (Term, Phrase, And, Or) segment by segment."""

    def __init__(self, top_searcher):
        self.top = top_searcher
        self._stats: dict = {}

    def _term_stats(self, fieldname: str, text) -> tuple[float, float]:
        key = (fieldname, text)
        if key not in self._stats:
            self._stats[key] = (self.top.idf(fieldname, text), self.top.avg_field_length(fieldname) or 1.0)
        return self._stats[key]

    def _bm25(self, reader, fieldname: str, text, ids: np.ndarray, tf: np.ndarray, boost: float) -> np.ndarray:
        idf, avgfl = self._term_stats(fieldname, text)
        fl = field_lengths(reader, fieldname)[ids]
        return (boost * idf) * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))

    def evaluate(self, q, leaf) -> tuple[np.ndarray, np.ndarray]:
        """(matches, scores) of `q` over the documents of one leaf searcher."""
        reader = leaf.reader()
        n = reader.doc_count_all()
        if isinstance(q, query.NullQuery.__class__):
            return np.zeros(n, dtype=bool), np.zeros(n, dtype=np.float32)
        if isinstance(q, query.Term):
            matches = np.zeros(n, dtype=bool)
            scores = np.zeros(n, dtype=np.float32)
            ids, tf = postings(reader, q.fieldname, q.text)
            if len(ids):
                matches[ids] = True
                scores[ids] = self._bm25(reader, q.fieldname, q.text, ids, tf, q.boost)
            return matches, scores
        if isinstance(q, query.DisjunctionMax):
            # A word and its synonyms: one concept, scored by its best-matching form (plus a
            # little for the others), not once per form.
            parts = [self.evaluate(sub, leaf) for sub in q.subqueries]
            matches = np.logical_or.reduce([m for m, _ in parts])
            stacked = np.stack([s for _, s in parts])
            best = stacked.max(axis=0)
            return matches, (best + q.tiebreak * (stacked.sum(axis=0) - best)) * q.boost
        if isinstance(q, (query.And, query.Or)):
            parts = [self.evaluate(sub, leaf) for sub in q.subqueries]
            if not parts:
                return np.zeros(n, dtype=bool), np.zeros(n, dtype=np.float32)
            matches = parts[0][0].copy()
            scores = parts[0][1].copy()
            for m, s in parts[1:]:
                if isinstance(q, query.And):
                    matches &= m
                else:
                    matches |= m
                scores += s
            if isinstance(q, query.Or) and (q.minmatch or q.scale):
                # How many of the clauses each document matches: Or(minmatch=k) wants at least k
                # (Whoosh documents but does not implement it); Or(scale=s) weighs the score by
                # the share matched (coordination): (1 - s) + s * matched / clauses.
                matched = np.sum([m for m, _ in parts], axis=0, dtype=np.int16)
                if q.minmatch:
                    matches &= matched >= q.minmatch
                if q.scale:
                    scores *= (1 - q.scale) + q.scale * matched / len(parts)
            if isinstance(q, query.And) or (isinstance(q, query.Or) and q.minmatch):
                scores[~matches] = 0
            return matches, scores * q.boost
        if isinstance(q, query.Phrase):
            # The documents holding the words in order, scored as the words together (each
            # word's BM25F in this field).
            matches = np.zeros(n, dtype=bool)
            scores = np.zeros(n, dtype=np.float32)
            ids = phrase_docs(reader, q.fieldname, q.words)
            if len(ids):
                matches[ids] = True
                for word in q.words:
                    term_ids, tf = postings(reader, q.fieldname, word)
                    keep = matches[term_ids]
                    scores[term_ids[keep]] += self._bm25(reader, q.fieldname, word, term_ids[keep], tf[keep], q.boost)
            return matches, scores
        raise TypeError(f"The search engine does not evaluate {type(q).__name__} queries.")

    def allowed(self, limits: dict, excluded=()) -> list[tuple[object, int, np.ndarray]]:
        """Per segment (leaf searcher, offset, mask): the live documents within what the caller may
        and chose to see, minus the `-excluded` clauses. Computed once per search, whatever the plans."""
        out = []
        for leaf, offset in self.top.leaf_searchers():
            reader = leaf.reader()
            mask = live_mask(reader)
            for fieldname, values in limits["columns"]:
                mask &= value_mask(reader, fieldname, values)
            for fieldname, text in limits["terms"]:
                mask &= term_mask(reader, fieldname, text)
            if limits["hide_archived"]:
                mask &= ~value_mask(reader, "state", ["archived"])
            for ex in excluded:
                mask &= ~self.evaluate(ex, leaf)[0]
            out.append((leaf, offset, mask))
        return out

    def segments(self, q, allowed: list[tuple[object, int, np.ndarray]]) -> list[Segment]:
        """Every segment's matches for `q` within `allowed` (see allowed())."""
        out = []
        for leaf, offset, mask in allowed:
            matches, scores = self.evaluate(q, leaf)
            out.append(Segment(leaf, offset, matches & mask, scores))
        return out


def count_in(allowed: list[tuple[object, int, np.ndarray]], fieldname: str, text) -> int:
    """How many allowed documents hold the term."""
    return sum(int(mask[postings(leaf.reader(), fieldname, text)[0]].sum()) for leaf, _, mask in allowed)


def total(segments: list[Segment]) -> int:
    return int(sum(int(s.matches.sum()) for s in segments))


def facet_counts(segments: list[Segment], fieldname: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for seg in segments:
        codes, names = column_codes(seg.reader, fieldname)
        for code, n in enumerate(np.bincount(codes[seg.matches], minlength=len(names))):
            if n:
                counts[names[code]] = counts.get(names[code], 0) + int(n)
    return counts


def tag_counts(segments: list[Segment]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for seg in segments:
        docs, codes, names = doc_tags(seg.reader)
        if not len(docs):
            continue
        for code, n in enumerate(np.bincount(codes[seg.matches[docs]], minlength=len(names))):
            if n:
                counts[names[code]] = counts.get(names[code], 0) + int(n)
    return counts


def top(segments: list[Segment], limit: int, *, recent: bool = False) -> list[tuple[int, float]]:
    """The best `limit` matches as (global document number, score), best first: by score
    (ties: lower document number first), or by update time when `recent`."""
    keys, scores, docnums = [], [], []
    for seg in segments:
        local = np.flatnonzero(seg.matches)
        if not len(local):
            continue
        docnums.append(local + seg.offset)
        scores.append(seg.scores[local])
        keys.append(column_numbers(seg.reader, "updated")[local] if recent else seg.scores[local])
    if not docnums:
        return []
    docnums_a, scores_a, keys_a = np.concatenate(docnums), np.concatenate(scores), np.concatenate(keys)
    if len(keys_a) > limit:
        # Everything tied with the limit-th key is kept, so ties break the same on every page.
        cut = np.partition(keys_a, len(keys_a) - limit)[len(keys_a) - limit]
        keep = keys_a >= cut
        docnums_a, scores_a, keys_a = docnums_a[keep], scores_a[keep], keys_a[keep]
    order = np.lexsort((docnums_a, -keys_a.astype(np.float64)))[:limit]
    return [(int(docnums_a[i]), float(scores_a[i])) for i in order]
