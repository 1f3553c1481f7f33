"""Whoosh backend: the embedded default (an index folder, no services).

Layout: KCS_SEARCH_INDEX_DIR holds one folder per index generation and a CURRENT file
naming the live one. `rebuild` writes a new generation beside the live one and swaps
CURRENT atomically, so search keeps answering during a rebuild.

Speed choices (see ../shared/notes/search-engines.md): non-compound segments make a
single update cheap; prefix and fuzzy expansion are bounded; long Markdown fields are
not stored in the index (snippets are cut from the database text of the page's hits).
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import time
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from whoosh import analysis, fields, highlight, index, query, sorting
from whoosh.writing import LockError

from .base import MIN_PREFIX, Clause, Hit, ParsedQuery, SearchBackend, SearchRequest, SearchResults, article_texts

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
# Article text (from the database) → the index field whose query words it is highlighted with.
SNIPPET_FIELDS = {"issue": "summary", "resolution": "body", "authority": "authority", "environment": "body", "cause": "body"}
PREFIX_EXPANSION = 40  # terms a prefix may expand to: bounds the cost of "re*"
FACET_FIELDS = ["state", "audience", "product", "tags"]
WRITER_TIMEOUT = 10.0  # seconds to wait for another process's index lock before giving up


def _text(term) -> str:
    return term.decode() if isinstance(term, bytes) else term


def _analyzer():
    return analysis.StemmingAnalyzer(stoplist=STOP_WORDS, minsize=1, cachesize=50000)


def schema() -> fields.Schema:
    text = dict(analyzer=_analyzer(), phrase=True)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        slug=fields.STORED,
        external_id=fields.STORED,
        title=fields.TEXT(stored=True, **text),
        summary=fields.TEXT(**text),
        authority=fields.TEXT(**text),
        body=fields.TEXT(**text),
        # Unstemmed words with a spelling graph: the vocabulary "Did you mean" corrects against.
        spell=fields.TEXT(analyzer=analysis.StandardAnalyzer(stoplist=STOP_WORDS, minsize=2), spelling=True),
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True),
        product=fields.ID(stored=True, sortable=True),
        state=fields.ID(stored=True, sortable=True),
        audience=fields.ID(stored=True, sortable=True),
        updated=fields.DATETIME(stored=True, sortable=True),
        reuse=fields.NUMERIC(stored=True, sortable=True),
        version=fields.NUMERIC(stored=True),
    )


def _whoosh_doc(doc: dict) -> dict:
    return {
        "id": str(doc["id"]),
        "slug": doc["slug"],
        "external_id": doc["external_id"],
        "title": doc["title"],
        "summary": "\n".join([doc["issue"], " ".join(t.replace("-", " ") for t in doc["tags"]), doc["product_name"]]),
        "authority": doc["authority"],
        "body": "\n".join([doc["resolution"], doc["environment"], doc["cause"]]),
        "spell": " ".join([doc["title"], doc["issue"], " ".join(doc["tags"]), doc["product_name"]]),
        "tags": ",".join(doc["tags"]),
        "product": doc["product"],
        "state": doc["state"],
        "audience": doc["audience"],
        "updated": doc["updated_at"],
        "reuse": doc["reuse_count"],
        "version": doc["version"],
    }


COLUMN_FACETS = ["state", "audience", "product"]
TAG_FACET_SAMPLE = 200  # tags are counted over the best matches: a multi-valued facet over all is slow


def _facets_spec() -> sorting.Facets:
    # Single-valued, sortable columns: counted cheaply in the same pass that ranks.
    facets = sorting.Facets()
    for name in COLUMN_FACETS:
        facets.add_field(name)
    return facets


def _top(counts: dict) -> list[tuple[str, int]]:
    pairs = ((str(k), v) for k, v in counts.items() if k not in (None, ""))
    return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:20]


def _tag_counts(hits) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for hit in hits:
        for tag in (hit.get("tags") or "").split(","):
            if tag:
                counts[tag] = counts.get(tag, 0) + 1
    return _top(counts)


def _facet_counts(results) -> dict[str, list[tuple[str, int]]]:
    return {name: _top(results.groups(name)) for name in COLUMN_FACETS}


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, root: Path | None = None):
        self.root = Path(root or settings.KCS_SEARCH_INDEX_DIR)
        self._local = threading.local()

    # --- index folders ------------------------------------------------------------------

    def _current_dir(self) -> Path:
        pointer = self.root / "CURRENT"
        if pointer.exists():
            return self.root / pointer.read_text().strip()
        return self._create_generation(make_current=True)

    def _create_generation(self, *, make_current: bool) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.time_ns()}"
        path = self.root / name
        path.mkdir()
        index.create_in(str(path), schema())
        if make_current:
            self._point_to(name)
        return path

    def _point_to(self, name: str) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.root / "CURRENT")  # atomic: readers see the old or the new, never half

    def _index(self):
        path = self._current_dir()
        cached = getattr(self._local, "ix", None)
        if cached is not None and cached[0] == path:
            return cached[1]
        self.close()  # a rebuild swapped generations: let go of the old files
        ix = index.open_dir(str(path))
        self._local.ix = (path, ix)
        return ix

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
        self._local.searcher = None
        self._local.ix = None

    def _searcher(self):
        ix = self._index()
        searcher = getattr(self._local, "searcher", None)
        if searcher is None or not searcher.up_to_date():
            # Not Searcher.refresh(): it reuses segment readers and misses deletions made
            # by a commit that only deleted (an archived article would stay findable).
            if searcher is not None:
                searcher.close()
            searcher = ix.searcher()
        self._local.searcher = searcher
        return searcher

    # --- writing ------------------------------------------------------------------------

    def index(self, docs: list[dict]) -> None:
        if not docs:
            return
        ix = self._index()
        writer = ix.writer(timeout=WRITER_TIMEOUT, compound=False)
        try:
            for doc in docs:
                writer.update_document(**_whoosh_doc(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def remove(self, article_ids: list[int]) -> None:
        if not article_ids:
            return
        ix = self._index()
        writer = ix.writer(timeout=WRITER_TIMEOUT, compound=False)
        try:
            for article_id in article_ids:
                writer.delete_by_term("id", str(article_id))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, doc_batches) -> int:
        new_dir = self._create_generation(make_current=False)
        ix = index.open_dir(str(new_dir))
        # Two processes share the analysis work (both cores); one segment each, merged at the end.
        procs = max(1, min(2, os.cpu_count() or 1))
        if procs > 1:
            writer = ix.writer(procs=procs, limitmb=128, multisegment=True, compound=False)
        else:
            writer = ix.writer(limitmb=128, compound=False)
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

    def optimize(self) -> None:
        ix = self._index()
        ix.optimize()

    def indexed_versions(self) -> dict[int, int]:
        searcher = self._searcher()
        return {int(f["id"]): int(f["version"]) for f in searcher.all_stored_fields()}

    # --- reading ------------------------------------------------------------------------

    def search(self, request: SearchRequest, parsed: ParsedQuery) -> SearchResults:
        from articles import policy

        searcher = self._searcher()
        boosts = FIELD_BOOSTS if policy.is_staff(request.user) else OUTSIDE_BOOSTS
        words = len(parsed.positive)
        # Short queries want every word (then any word if that finds too little). Longer ones
        # (questions, pasted error text) match any word, ranked by how many they contain
        # (coordination), so one stray word cannot hide the answer.
        plans = ["and", "or"] if words <= 2 else ["or"]
        q = self._compile(parsed, searcher, mode=plans[0], boosts=boosts)
        if q is None:
            return SearchResults(hits=[], total=0, page=request.page, per_page=request.per_page)
        filter_q, mask_q = self._filters(request, parsed)
        mask_q = self._mask(parsed, searcher, mask_q, boosts)
        # optimize=False: with block-quality skipping, Whoosh counts the total without the filter
        # and mask, so an outside reader's total would count articles hidden from them.
        kwargs = {"filter": filter_q, "mask": mask_q, "optimize": False}
        if request.facets:
            # Counted in the same pass that ranks: every match is visited once, not twice.
            kwargs.update(groupedby=_facets_spec(), maptype=sorting.Count)
        if request.sort == "recent":
            kwargs["sortedby"] = sorting.FieldFacet("updated", reverse=True)
        # One pass ranks, counts and groups; the best TAG_FACET_SAMPLE matches (or as many as
        # the page needs) are kept, so tags are counted and the page is cut from the same results.
        start = (request.page - 1) * request.per_page
        limit = max(TAG_FACET_SAMPLE, start + request.per_page)
        results = searcher.search(q, limit=limit, **kwargs)
        for mode in plans[1:]:
            if len(results) >= 3 or words < 2:
                break
            q = self._compile(parsed, searcher, mode=mode, boosts=boosts)
            results = searcher.search(q, limit=limit, **kwargs)
        facets = {}
        if request.facets:
            facets = _facet_counts(results)
            facets["tags"] = _tag_counts(results[:TAG_FACET_SAMPLE])
        page_hits = results[start : start + request.per_page]
        hits = [self._hit(hit) for hit in page_hits]
        texts = article_texts([h.article_id for h in hits])
        if boosts is OUTSIDE_BOOSTS:
            for fields_text in texts.values():
                fields_text.pop("authority", None)
        snippets = self._snippets(results, page_hits, texts)
        for h in hits:
            h.snippet = snippets.get(h.article_id, "")
        total = len(results)  # exact: optimize=False scores every match
        return SearchResults(hits=hits, total=total, page=request.page, per_page=request.per_page, facets=facets)

    def _compile(self, parsed: ParsedQuery, searcher, *, mode: str, boosts=FIELD_BOOSTS):
        nodes = [n for n in (self._clause(c, searcher, boosts) for c in parsed.positive) if n is not None]
        if not nodes:
            return None
        if len(nodes) == 1:
            return nodes[0]
        # (Whoosh's Or has a `minmatch` argument, but it is not implemented: coordination it is.)
        return query.And(nodes) if mode == "and" else query.Or(nodes, scale=0.9)

    def _mask(self, parsed: ParsedQuery, searcher, mask_q, boosts=FIELD_BOOSTS):
        excluded = [n for n in (self._clause(c, searcher, boosts) for c in parsed.clauses if c.negated) if n is not None]
        if not excluded:
            return mask_q
        return query.Or([*excluded, mask_q]) if mask_q is not None else query.Or(excluded)

    def _clause(self, clause: Clause, searcher, boosts=FIELD_BOOSTS):
        variants = [self._text_node(clause.kind, clause.text, searcher, boosts)]
        variants += [self._text_node("phrase" if " " in alt else "term", alt, searcher, boosts) for alt in clause.alternatives]
        variants = [v for v in variants if v is not None]
        if not variants:
            return None
        return variants[0] if len(variants) == 1 else query.Or(variants)

    def _text_node(self, kind: str, text: str, searcher, boosts=FIELD_BOOSTS):
        analyzer = _analyzer()
        if kind == "prefix":
            return self._prefix(text, searcher, boosts)
        tokens = [t.text for t in analyzer(text)]
        if not tokens:
            return None
        per_field = []
        for fieldname, boost in boosts.items():
            if len(tokens) == 1:
                per_field.append(query.Term(fieldname, tokens[0], boost=boost))
            else:
                per_field.append(query.Phrase(fieldname, tokens, boost=boost))
        return query.Or(per_field)

    def _prefix(self, text: str, searcher, boosts=FIELD_BOOSTS):
        if len(text) < MIN_PREFIX:
            return None
        reader = searcher.reader()
        terms = []
        for fieldname, boost in boosts.items():
            for n, term in enumerate(reader.expand_prefix(fieldname, text)):
                if n >= PREFIX_EXPANSION:
                    break
                terms.append(query.Term(fieldname, _text(term), boost=boost))
        # Stemmed fields hold "refund" for "refunds": the stem itself is worth trying too.
        stem = [t.text for t in _analyzer()(text)]
        if stem:
            terms += [query.Term(f, stem[0], boost=b) for f, b in boosts.items()]
        return query.Or(terms) if terms else query.NullQuery

    def _filters(self, request: SearchRequest, parsed: ParsedQuery):
        from articles import policy

        filters = []
        mask = None
        audiences = policy.visible_audiences(request.user)
        if audiences is not None:
            # Visibility inside the query: outside readers match only validated articles of their audiences.
            filters.append(query.Term("state", "validated"))
            filters.append(query.Or([query.Term("audience", a) for a in audiences]))
        chosen = {**parsed.filters, **{k: v for k, v in request.filters.items() if v}}
        for name in ("state", "audience", "product"):
            if chosen.get(name):
                filters.append(query.Term(name, chosen[name]))
        if chosen.get("tag"):
            filters.append(query.Term("tags", chosen["tag"].lower()))
        if not chosen.get("state") and not request.include_archived:
            mask = query.Term("state", "archived")
        return (query.And(filters) if filters else None), mask

    def _hit(self, hit) -> Hit:
        return Hit(
            article_id=int(hit["id"]),
            slug=hit["slug"],
            title=hit["title"],
            score=float(hit.score or 0.0),
            external_id=hit.get("external_id", ""),
            state=hit["state"],
            audience=hit["audience"],
            product=hit["product"],
            updated_at=hit.get("updated"),
        )

    def _snippets(self, results, page_hits, texts: dict[int, dict[str, str]]) -> dict[int, str]:
        """Highlight each hit's best-matching field, from the article text in the database."""
        results.formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        results.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
        out = {}
        for hit in page_hits:
            article_id = int(hit["id"])
            fields_text = texts.get(article_id, {})
            snippet = ""
            for name, index_field in SNIPPET_FIELDS.items():
                text = fields_text.get(name) or ""
                if text:
                    snippet = hit.highlights(index_field, text=text, top=2)
                    if snippet:
                        break
            if not snippet:
                lead = (fields_text.get("issue") or fields_text.get("resolution") or "")[:220]
                snippet = escape(lead)
            out[article_id] = snippet
        return out

    def suggest(self, text: str, user, limit: int = 8) -> list[tuple[str, str]]:
        from articles import policy

        words = [w for w in text.lower().split() if w]
        if not words or len(text.strip()) < 2:
            return []
        searcher = self._searcher()
        reader = searcher.reader()
        analyzer = _analyzer()
        nodes = []
        for w in words[:-1]:
            tokens = [t.text for t in analyzer(w)]
            if tokens:
                nodes.append(query.Term("title", tokens[0]))
        last = words[-1]
        expanded = [_text(t) for t in itertools.islice(reader.expand_prefix("title", last), PREFIX_EXPANSION)]
        stem = [t.text for t in analyzer(last)]
        alternatives = [query.Term("title", t) for t in expanded] + [query.Term("title", s) for s in stem]
        if not alternatives:
            return []
        nodes.append(query.Or(alternatives))
        filters = [query.Not(query.Term("state", "archived"))]
        audiences = policy.visible_audiences(user)
        if audiences is not None:
            filters = [query.Term("state", "validated"), query.Or([query.Term("audience", a) for a in audiences])]
        results = searcher.search(query.And(nodes), limit=limit, filter=query.And(filters))
        return [(hit["slug"], hit["title"]) for hit in results]

    def correct(self, words: list[str], user=None) -> dict[str, str]:
        """Misspelled word → closest known word. `user=None` is an anonymous visitor: outside
        readers are only offered words that an article they may see contains."""
        from articles import policy

        searcher = self._searcher()
        reader = searcher.reader()
        audiences = policy.visible_audiences(user)
        visible = None
        if audiences is not None:
            visible = query.And([query.Term("state", "validated"), query.Or([query.Term("audience", a) for a in audiences])])

        def known(word: str) -> bool:
            if visible is None:
                return reader.frequency("spell", word) > 0
            return not searcher.search(query.Term("spell", word), filter=visible, limit=1).is_empty()

        out = {}
        for word in words:
            if len(word) < 4 or not word.isalpha() or known(word):
                continue
            for suggestion in searcher.suggest("spell", word, limit=1 if visible is None else 10, maxdist=2, prefix=1):
                if suggestion != word and (visible is None or known(suggestion)):
                    out[word] = suggestion
                    break
        return out

    def clear(self) -> None:
        self.close()
        shutil.rmtree(self.root, ignore_errors=True)


__all__ = ["WhooshBackend", "LockError"]
