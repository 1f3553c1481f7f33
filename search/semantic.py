"""Matching by meaning: a second ranking next to the keyword engine's, fused into one list.

"kick someone out of the org" shares no word with "Removing a member from your organization";
a keyword engine cannot find it, a text embedding can. Every article's public title and summary
(plus its tags and product name) is embedded as one vector (ArticleVector, written through the
index queue like the keyword document). A search embeds the query, scores it against every
article the caller may open, and fuses that ranking with the keyword ranking (reciprocal-rank
fusion, keyword weighted more). See docs/decisions/0012-semantic-search.md.

The model runs in the process, from files installed with the Python packages: nothing is
downloaded, no service is called. `KCS_SEMANTIC_MODEL` chooses it:

- "wordllama" (default): WordLlama's static 256-dimension model, shipped inside the wordllama
  wheel (a token embedding table, averaged: a query costs well under a millisecond);
- the path of a folder with an ONNX sentence-transformer (`model.onnx`, `tokenizer.json`), run
  with onnxruntime (an optional package), mean-pooled and L2-normalised.

Visibility: the scores are taken over the rows the caller may open (state and audience, the
chosen filters, archived articles out unless asked for), from a per-process copy of the vectors
and of each article's state, audience and product. Every article the semantic ranking adds to
a result list is then checked against the database (one query) before it is counted or shown,
and the page shown is checked again by search.service.readable_articles like any other.
Staff-only text (decision authority, internal notes, `:::internal` passages) is never embedded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone

from articles import policy
from articles.choices import State
from articles.rendering import public_text

from .backends.base import Hit, SearchRequest, SearchResults, chosen_filters, hides_archived
from .query import ParsedQuery, customer_words

log = logging.getLogger(__name__)

# --- fusion: tuned on the dev split of bench/search_queries.jsonl (see the decision record) -----
KEYWORD_DEPTH = 50  # the keyword engine's best this many are re-scored with their similarity
RRF_K = 10  # a keyword hit at rank r scores 1 / (RRF_K + r) ...
SIMILARITY_WEIGHT = 0.05  # ... plus this times its cosine similarity to the query
# Articles the keyword engine did not match: the closest this many by meaning may join the list,
# if at least this close to the query (cosine), scored by the similarity term alone.
SEMANTIC_DEPTH = 10
FLOOR = 0.42

# The text embedded is cut to this many characters (a static model averages its tokens: the
# opening says what an article is about; the rest only dilutes it).
TEXT_CHARS = 600
# A full reload of the vectors now and then picks up deleted articles (changes are read as they come).
FULL_RELOAD_SECONDS = 600
# Vector rows are read again if written up to this long before the newest one seen: a row
# whose transaction committed late (PostgreSQL writes it inside the article's own transaction)
# is not missed.
COMMIT_LAG = timedelta(seconds=60)
LAG_CHECK_SECONDS = 10


class SemanticUnavailable(Exception):
    """The configured model cannot be loaded or run (a missing package, a bad model folder)."""


def enabled() -> bool:
    return bool(settings.KCS_SEMANTIC)


# --- models -----------------------------------------------------------------------------------


class WordLlamaEncoder:
    """WordLlama's 256-dimension model, read from the files inside the installed wordllama package.

    WordLlama.load() looks for the files in a cache folder and downloads them when they are not
    there; this builds the same model from the copies the wheel ships, so nothing is fetched.
    """

    WEIGHTS = "weights/l2_supercat_256.safetensors"
    TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"

    def __init__(self):
        try:
            import wordllama
            from safetensors import safe_open
            from tokenizers import Tokenizer
            from wordllama.inference import WordLlamaInference
        except ImportError as exc:
            raise SemanticUnavailable(f"The wordllama package is not installed ({exc}): pip install wordllama.") from exc
        folder = Path(wordllama.__file__).parent
        weights, tokenizer = folder / self.WEIGHTS, folder / self.TOKENIZER
        if not weights.exists() or not tokenizer.exists():
            raise SemanticUnavailable(f"The wordllama package has no {self.WEIGHTS} or {self.TOKENIZER} in {folder}.")
        with safe_open(str(weights), framework="np") as f:
            embedding = f.get_tensor("embedding.weight")
        self._model = WordLlamaInference(embedding, Tokenizer.from_file(str(tokenizer)))
        self.dimensions = int(embedding.shape[1])
        version = getattr(wordllama, "__version__", "") or _package_version("wordllama")
        self.name = f"wordllama-{version}/l2_supercat_256"

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._model.embed(list(texts), norm=False, batch_size=64).astype(np.float32)


class OnnxEncoder:
    """A sentence-transformer exported to ONNX (`model.onnx` and `tokenizer.json` in one folder),
    run with onnxruntime: token vectors mean-pooled over the attention mask."""

    MAX_TOKENS = 256

    def __init__(self, folder: str):
        try:
            import onnxruntime
        except ImportError as exc:
            raise SemanticUnavailable(
                f"KCS_SEMANTIC_MODEL={folder!r} names an ONNX model, which needs the onnxruntime package "
                "(pip install onnxruntime), or set KCS_SEMANTIC_MODEL=wordllama."
            ) from exc
        from tokenizers import Tokenizer

        path = Path(folder)
        model, tokenizer = path / "model.onnx", path / "tokenizer.json"
        if not model.is_file() or not tokenizer.is_file():
            raise SemanticUnavailable(
                f"KCS_SEMANTIC_MODEL={folder!r}: the folder must hold model.onnx and tokenizer.json "
                "(or set KCS_SEMANTIC_MODEL=wordllama)."
            )
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(max_length=self.MAX_TOKENS)
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one request, one core: the server runs several at once
        self._session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        digest = hashlib.sha256()
        with model.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        self.name = f"onnx/{path.name[:60]}/{digest.hexdigest()[:16]}"
        self.dimensions = int(self.embed(["dimensions"]).shape[1])

    def embed(self, texts: list[str]) -> np.ndarray:
        out = []
        for start in range(0, len(texts), 32):
            encoded = self._tokenizer.encode_batch(list(texts[start : start + 32]))
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            tokens = np.asarray(self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0])
            if tokens.ndim == 2:  # the model pools itself
                out.append(tokens.astype(np.float32))
                continue
            weights = mask[..., None].astype(np.float32)
            out.append((tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0))
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 0), dtype=np.float32)


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


_encoders: dict[str, object] = {}
_encoder_lock = threading.Lock()


def encoder():
    """The configured model, loaded once per process (thread-safe); SemanticUnavailable if it cannot be."""
    key = str(settings.KCS_SEMANTIC_MODEL or "wordllama")
    found = _encoders.get(key)
    if found is not None:
        return found
    with _encoder_lock:
        if key not in _encoders:
            started = time.perf_counter()
            _encoders[key] = WordLlamaEncoder() if key == "wordllama" else OnnxEncoder(key)
            log.info("Loaded the semantic model %s in %.1f s", _encoders[key].name, time.perf_counter() - started)
        return _encoders[key]


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text (an empty text gets a zero vector)."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    model = encoder()
    vectors = model.embed([t.strip()[: TEXT_CHARS * 2] or " " for t in texts])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    vectors[[not t.strip() for t in texts]] = 0.0
    return vectors


def text_of(doc: dict) -> str:
    """What an article's vector is made from: its title and summary (the issue, in the customer's
    words), then its tags and product name. Public text only: search.documents keeps staff-only
    text in `authority`, which is never read here."""
    head = " ".join(part for part in (doc["title"], doc["issue"]) if part)[:TEXT_CHARS]
    return " ".join(part for part in (head, " ".join(doc["tags"]), doc["product_name"]) if part)


# --- storage: written with the keyword document (search.indexing) ----------------------------


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4").astype(np.float32)


def write(docs: list[dict]) -> int:
    """Embed these search documents and store their vectors (insert or replace, one statement).

    Called where the keyword document is written, inside the same try-block: a failure leaves
    the index task pending and it is retried. Every write moves `updated_at`, which is how each
    process learns of the change (and of the article's new state, audience or product).
    """
    if not enabled() or not docs:
        return 0
    from .models import ArticleVector

    try:
        model = encoder()
        vectors = embed([text_of(d) for d in docs])
    except SemanticUnavailable:
        raise
    except Exception as exc:  # a model that fails to run is the same to the queue: retry later
        raise SemanticUnavailable(f"{type(exc).__name__}: {exc}") from exc
    now = timezone.now()
    rows = [
        ArticleVector(article_id=d["id"], version=d["version"], model=model.name, vector=to_bytes(v), updated_at=now)
        for d, v in zip(docs, vectors, strict=True)
    ]
    ArticleVector.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["article_id"], update_fields=["version", "model", "vector", "updated_at"]
    )
    return len(rows)


def remove(article_ids: list[int]) -> None:
    if not article_ids:
        return
    from .models import ArticleVector

    ArticleVector.objects.filter(article_id__in=article_ids).delete()


def writing_batches(doc_batches):
    """Pass the batches on (to a keyword rebuild) and write each one's vectors on the way.

    A model that cannot run must not cost the keyword index its rebuild: the vectors are then
    left as they were, and check_index lists them until `check_index --repair` can write them."""
    failed = False
    for batch in doc_batches:
        if not failed:
            try:
                write(batch)
            except SemanticUnavailable:
                log.exception("Article vectors not rebuilt; the keyword index is")
                failed = True
        yield batch


def after_rebuild() -> None:
    """After a full rebuild: drop the vectors of articles that are gone (the batches wrote the rest)."""
    if not enabled():
        return
    from articles.models import Article

    from .models import ArticleVector

    ArticleVector.objects.exclude(article_id__in=Article.objects.values("pk")).delete()


def check(*, repair: bool = False) -> dict[str, list[int]]:
    """Vectors missing, stale (another article version or another model) and extra, as lists of
    article ids; only the kinds that have any (an empty dict: the vectors match the database).
    `repair` embeds the missing and stale ones again and deletes the extra ones."""
    if not enabled():
        return {}
    from articles.models import Article

    from .documents import documents_for
    from .models import ArticleVector

    try:
        model = encoder().name
    except SemanticUnavailable as exc:
        return {"vectors_unavailable": [str(exc)]}
    stored = {pk: (version, name) for pk, version, name in ArticleVector.objects.values_list("article_id", "version", "model")}
    current = dict(Article.objects.values_list("pk", "version"))
    report = {
        "vectors_missing": sorted(set(current) - set(stored)),
        "vectors_stale": sorted(pk for pk, v in current.items() if pk in stored and stored[pk] != (v, model)),
        "vectors_extra": sorted(set(stored) - set(current)),
    }
    if repair:
        todo = report["vectors_missing"] + report["vectors_stale"]
        for start in range(0, len(todo), 200):
            docs, _ = documents_for(todo[start : start + 200])
            write(docs)
        remove(report["vectors_extra"])
    return {name: ids for name, ids in report.items() if ids}


# --- the vectors in memory --------------------------------------------------------------------


class Codes:
    """Stable small-integer codes for state, audience and product values (grow only)."""

    def __init__(self):
        self._codes: dict[str, dict[str, int]] = {"state": {}, "audience": {}, "product": {}}

    def code(self, name: str, value) -> int:
        table = self._codes[name]
        return table.setdefault(str(value), len(table))

    def lookup(self, name: str, values) -> list[int]:
        table = self._codes[name]
        return [table[str(v)] for v in values if str(v) in table]


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Every stored vector of the current model with its article's state, audience and product,
    as integer codes (a search masks on them); replaced as a whole, never changed in place, so a
    search running in another thread keeps a consistent view."""

    ids: np.ndarray  # int64 (n,)
    vectors: np.ndarray  # float32 (n, dimensions)
    state: np.ndarray  # int16 codes
    audience: np.ndarray
    product: np.ndarray
    rows: dict[int, int]  # article id → row
    codes: Codes  # what the state, audience and product codes stand for


def _empty(codes: Codes) -> Snapshot:
    no_codes = np.zeros(0, np.int16)
    return Snapshot(np.zeros(0, np.int64), np.zeros((0, 0), np.float32), no_codes, no_codes, no_codes, {}, codes)


class VectorIndex:
    """The per-process copy of the vectors, refreshed from the table before each search: one
    indexed query on `updated_at` when nothing changed, the changed rows when something did,
    and a full reload every FULL_RELOAD_SECONDS (deleted articles drop out; until then the
    database check of every hit drops them)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._model = ""
        self._codes = Codes()
        self._seen: dict[int, object] = {}  # article id → updated_at of the row held
        self._newest = None
        self._loaded_at = 0.0
        self._lag_checked_at = 0.0
        self._masks_of: Snapshot | None = None  # the snapshot the masks below were made for
        self._masks: dict[tuple, np.ndarray] = {}  # (audiences, state, audience, product, no archived) → rows

    def current(self) -> Snapshot:
        model = encoder().name
        with self._lock:
            if self._snapshot is None or model != self._model or time.monotonic() - self._loaded_at > FULL_RELOAD_SECONDS:
                self._full(model)
            else:
                self._changes()
            return self._snapshot

    def forget(self) -> None:
        """Drop the copy: the next search loads every vector again."""
        with self._lock:
            self._snapshot, self._model, self._codes = None, "", Codes()
            self._seen, self._newest = {}, None

    def _full(self, model: str) -> None:
        from .models import ArticleVector

        rows = list(ArticleVector.objects.filter(model=model).values_list("article_id", "vector", "updated_at"))
        self._model, self._seen, self._codes = model, {}, Codes()
        self._snapshot = self._with(_empty(self._codes), rows)
        self._loaded_at = time.monotonic()

    def _changes(self) -> None:
        from .models import ArticleVector

        if self._newest is None:
            return self._full(self._model)
        # Rows written since the newest one held; every LAG_CHECK_SECONDS also those written a
        # little before it, whose transaction may have committed after that one was read.
        since = self._newest
        if time.monotonic() - self._lag_checked_at > LAG_CHECK_SECONDS:
            since, self._lag_checked_at = since - COMMIT_LAG, time.monotonic()
        recent = ArticleVector.objects.filter(updated_at__gte=since).values_list("article_id", "updated_at")
        changed = [pk for pk, updated in recent if self._seen.get(pk) != updated]
        if not changed:
            return None
        fields = ("article_id", "model", "vector", "updated_at")
        rows = list(ArticleVector.objects.filter(article_id__in=changed).values_list(*fields))
        self._snapshot = self._with(self._snapshot, [(pk, v, u) for pk, m, v, u in rows if m == self._model])
        for pk, m, _, updated in rows:
            if m != self._model:  # written by a process configured with another model: not comparable
                self._seen[pk] = updated
        return None

    def _with(self, snap: Snapshot, rows: list) -> Snapshot:
        """A new snapshot: `snap` with `rows` (article id, vector bytes, updated_at) put in or replaced."""
        from articles.models import Article

        if not rows:
            return snap
        meta = {
            pk: (state, audience, product)
            for pk, state, audience, product in Article.objects.filter(pk__in=[r[0] for r in rows]).values_list(
                "pk", "state", "audience", "product__slug"
            )
        }
        rows = [r for r in rows if r[0] in meta]
        for pk, _, updated in rows:
            self._seen[pk] = updated
            self._newest = updated if self._newest is None or updated > self._newest else self._newest
        if not rows:
            return snap
        vectors = np.stack([from_bytes(v) for _, v, _ in rows])
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        codes = {
            name: np.array([self._codes.code(name, meta[pk][i]) for pk in ids.tolist()], dtype=np.int16)
            for i, name in enumerate(("state", "audience", "product"))
        }
        if not len(snap.ids):
            rows_of = {pk: n for n, pk in enumerate(ids.tolist())}
            return Snapshot(ids, vectors, codes["state"], codes["audience"], codes["product"], rows_of, self._codes)
        if vectors.shape[1] != snap.vectors.shape[1]:  # another model's rows slipped in: start again
            return self._with(_empty(self._codes), rows)
        at = np.array([snap.rows.get(pk, -1) for pk in ids.tolist()])
        old, new = at >= 0, at < 0
        # One copy of each array (a search in another thread keeps reading the old snapshot):
        # the new rows appended, the changed ones replaced. An edit changes no id, so the ids
        # and their row numbers are shared with the old snapshot.
        merged = {"vectors": (snap.vectors, vectors), **{name: (getattr(snap, name), codes[name]) for name in codes}}
        for name, (held, changed) in merged.items():
            out = np.concatenate([held, changed[new]]) if new.any() else held.copy()
            out[at[old]] = changed[old]
            merged[name] = out
        ids_of, rows_of = snap.ids, snap.rows
        if new.any():
            ids_of = np.concatenate([snap.ids, ids[new]])
            rows_of = dict(snap.rows)
            rows_of.update((pk, len(snap.ids) + n) for n, pk in enumerate(ids[new].tolist()))
        return Snapshot(ids_of, merged["vectors"], merged["state"], merged["audience"], merged["product"], rows_of, self._codes)

    def visible_mask(self, snap: Snapshot, user, chosen: dict[str, str], include_archived: bool) -> np.ndarray:
        """Rows `user` may open that pass the chosen filters (as policy.visibility_q and the backends' limits).

        A new array each time; the part from state, audience and product is kept per snapshot
        (a snapshot never changes: a change to any article makes a new one)."""
        audiences = policy.visible_audiences(user)
        key = (
            None if audiences is None else tuple(audiences),
            *(chosen.get(name) or "" for name in ("state", "audience", "product")),
            hides_archived(chosen, include_archived),
        )
        with self._lock:
            kept = self._masks.get(key) if self._masks_of is snap else None
        if kept is None:
            kept = np.ones(len(snap.ids), dtype=bool)
            if audiences is not None:
                kept &= np.isin(snap.state, snap.codes.lookup("state", [State.VALIDATED]))
                kept &= np.isin(snap.audience, snap.codes.lookup("audience", audiences))
            for name in ("state", "audience", "product"):
                if chosen.get(name):
                    kept &= np.isin(getattr(snap, name), snap.codes.lookup(name, [chosen[name]]))
            if key[-1]:
                kept &= ~np.isin(snap.state, snap.codes.lookup("state", [State.ARCHIVED]))
            with self._lock:
                if self._masks_of is not snap:
                    self._masks_of, self._masks = snap, {}
                if len(self._masks) < 64:
                    self._masks[key] = kept
        mask = kept.copy()
        if chosen.get("tag") and mask.any():
            from articles.models import Article

            tagged = list(Article.objects.filter(tags__name__iexact=chosen["tag"]).values_list("pk", flat=True))
            mask &= np.isin(snap.ids, np.array(tagged, dtype=np.int64))
        return mask

    def nearest(self, vector, user, chosen=None, *, include_archived=False, limit=SEMANTIC_DEPTH, exclude=(), also=()):
        """The `limit` rows closest to `vector` among those `user` may open: [(article id, cosine)],
        best first; and the cosine of each article in `also` that the caller may open ({id: cosine})."""
        return self.nearest_soon(
            vector, user, chosen, include_archived=include_archived, limit=limit, exclude=exclude, background=False
        )(also)

    def nearest_soon(
        self, vector, user, chosen=None, *, include_archived=False, limit=SEMANTIC_DEPTH, exclude=(), background=True
    ):
        """nearest(), started now and finished by calling what it returns with `also`.

        The database is read here, in the calling thread (the copy's refresh, a tag filter); with
        `background` the scoring of every row (numpy, which lets go of the GIL) runs in a worker
        thread meanwhile, so a search can ask the keyword engine in the meantime (about 10 ms at
        100,000 articles on this machine, the engine's own time or more)."""
        snap = self.current()
        if not len(snap.ids) or not vector.any() or vector.shape[0] != snap.vectors.shape[1]:
            return lambda also=(): ([], {})
        mask = self.visible_mask(snap, user, chosen or {}, include_archived)
        for pk in exclude:
            if pk in snap.rows:
                mask[snap.rows[pk]] = False
        visible = int(mask.sum())
        if not visible:
            return lambda also=(): ([], {})
        vector = vector.astype(np.float32)
        limit = min(limit, visible)
        work = _scoring_pool().submit(_best, snap, mask, vector, limit) if background else None
        best = None if background else _best(snap, mask, vector, limit)

        def finish(also=()):
            closest = work.result() if work is not None else best
            rows = [(pk, snap.rows[pk]) for pk in also if pk in snap.rows and mask[snap.rows[pk]]]
            known = {}
            if rows:
                scores = np.einsum("ij,j->i", snap.vectors[[r for _, r in rows]], vector, optimize=False)
                known = {pk: float(score) for (pk, _), score in zip(rows, scores, strict=True)}
            return closest, known

        return finish

    def vector_of(self, article_id: int) -> np.ndarray | None:
        snap = self.current()
        row = snap.rows.get(article_id)
        return None if row is None else snap.vectors[row]


def _best(snap: Snapshot, mask: np.ndarray, vector: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """The `limit` rows of `snap` closest to `vector` among those `mask` keeps, best first (no database)."""
    if limit <= 0:
        return []
    # One pass over every row, without BLAS: its thread pool, on a busy two-core server, costs
    # more than the product itself (a single-threaded einsum: about 1 ms at 10,000 rows).
    scores = np.einsum("ij,j->i", snap.vectors, vector, optimize=False)
    scores[~mask] = -np.inf
    best = np.argpartition(-scores, limit - 1)[:limit] if len(scores) > limit else np.arange(len(scores))
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(snap.ids[i]), float(scores[i])) for i in best]


_pool = None
_pool_lock = threading.Lock()


def _scoring_pool():
    """The worker threads that score vectors while a search asks the keyword engine (per process)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="semantic-scoring")
        return _pool


_index = VectorIndex()


def index() -> VectorIndex:
    return _index


# --- searching --------------------------------------------------------------------------------


def applies(request: SearchRequest, parsed: ParsedQuery) -> bool:
    """Meaning is matched for plain words ranked by relevance: not for "recent" (a date order), and
    not when the query has exclusions, quoted phrases or prefixes (syntax a vector cannot honour:
    an excluded word must exclude). Synonym groups the parser merged into a phrase are plain words."""
    if not enabled() or request.sort != "relevance" or parsed.is_empty:
        return False
    return all(not c.negated and (c.kind == "term" or (c.kind == "phrase" and c.alternatives)) for c in parsed.clauses)


def search(backend, request: SearchRequest, parsed: ParsedQuery) -> SearchResults:
    """The keyword engine's results for `request`, with the ranking by meaning fused in when it applies.

    The engine is asked for its best KEYWORD_DEPTH (or down to the page asked for, if deeper).
    Those are re-scored by their keyword rank and their similarity to the query (fuse); the
    SEMANTIC_DEPTH articles closest in meaning that the engine did not match join above FLOOR,
    once the database confirms the caller may open them, and are added to the total and to the
    state, audience, product and tag facets (the engine's own counts stay as they are). Below
    the fused head the engine's order continues. If the semantic part fails, the keyword
    results stand as they were.
    """
    if not applies(request, parsed):
        return backend.search(request, parsed)
    start = (request.page - 1) * request.per_page
    deep = dataclasses.replace(request, page=1, per_page=max(KEYWORD_DEPTH, start + request.per_page))
    try:  # the vectors are scored in a worker thread while the keyword engine searches
        vector = embed([query_text(request, parsed)])[0]
        finish = _index.nearest_soon(
            vector, request.user, chosen_filters(request, parsed), include_archived=request.include_archived
        )
    except Exception:  # noqa: BLE001 — the keyword results stand on their own
        log.exception("Ranking by meaning failed; showing the keyword ranking")
        finish = None
    results = backend.search(deep, parsed)
    keyword = results.hits
    head = keyword[:KEYWORD_DEPTH]
    closest, similarity = [], {}
    if finish is not None:
        try:
            closest, similarity = finish([h.article_id for h in head])
        except Exception:  # noqa: BLE001 — the keyword results stand on their own
            log.exception("Ranking by meaning failed; showing the keyword ranking")
    found = {h.article_id for h in keyword}
    candidates = [(pk, cosine) for pk, cosine in closest if pk not in found and cosine >= FLOOR]
    meta = _confirmed([pk for pk, _ in candidates], request, parsed)
    added = [(pk, cosine) for pk, cosine in candidates if pk in meta]
    hits = {h.article_id: h for h in head}
    for pk, cosine in added:
        state, audience, product, _ = meta[pk]
        hits[pk] = Hit(article_id=pk, slug="", title="", score=cosine, state=state, audience=audience, product=product)
    ranked = fuse([h.article_id for h in head], similarity, added)
    order = [hits[pk] for pk in ranked] + keyword[KEYWORD_DEPTH:]
    results.hits = order[start : start + request.per_page]
    results.page, results.per_page = request.page, request.per_page
    if added:
        results.total += len(added)
        if request.facets:
            _count_in(results, [meta[pk] for pk, _ in added])
    return results


def query_text(request: SearchRequest, parsed: ParsedQuery) -> str:
    """The words embedded for a query: as typed, without filters (the model reads whole phrases,
    question words included, a little better than the parsed terms)."""
    return customer_words(request.text) or " ".join(c.text for c in parsed.positive)


def fuse(keyword: list[int], similarity: dict[int, float], added: list[tuple[int, float]]) -> list[int]:
    """One order for the keyword hits (ids, best first) and the articles added by meaning.

    A keyword hit at rank r scores 1 / (RRF_K + r) + SIMILARITY_WEIGHT * cosine: the keyword
    order stands unless the similarities differ a good deal, and a hit the model finds unrelated
    sinks a few places. An added article scores the similarity term alone, so it follows the
    keyword hits it is not far closer to than they are. (Weights tuned on the dev split: a rank
    fusion of the two rankings did worse with this model, whose similarities are coarse.)
    """
    score = {pk: 1.0 / (RRF_K + rank) + SIMILARITY_WEIGHT * similarity.get(pk, 0.0) for rank, pk in enumerate(keyword, start=1)}
    for pk, cosine in added:
        score.setdefault(pk, SIMILARITY_WEIGHT * cosine)
    position = {pk: n for n, pk in enumerate(keyword)}
    return sorted(score, key=lambda pk: (-score[pk], position.get(pk, len(keyword)), pk))


def _confirmed(ids: list[int], request: SearchRequest, parsed: ParsedQuery) -> dict[int, tuple]:
    """Of `ids`, those the caller may open now and that pass the chosen filters, by the database:
    article id → (state, audience, product slug, tag names)."""
    if not ids:
        return {}
    from articles.models import Article

    chosen = chosen_filters(request, parsed)
    rows = Article.objects.visible_to(request.user).filter(pk__in=ids)
    for name in ("state", "audience"):
        if chosen.get(name):
            rows = rows.filter(**{name: chosen[name]})
    if chosen.get("product"):
        rows = rows.filter(product__slug=chosen["product"])
    if chosen.get("tag"):
        rows = rows.filter(tags__name__iexact=chosen["tag"])
    if hides_archived(chosen, request.include_archived):
        rows = rows.exclude(state=State.ARCHIVED)
    # The search's language, as the engine matched: checked on the rows, not in the query (on
    # SQLite a condition on it walks the language index instead of the primary key; see
    # search.service.readable_articles).
    columns = rows.order_by().values_list("pk", "state", "audience", "product__slug", "language")
    found = {
        pk: [state, audience, product, []]
        for pk, state, audience, product, language in columns
        if not request.language or language == request.language
    }
    if found and request.facets:
        for pk, tag in Article.tags.through.objects.filter(article_id__in=list(found)).values_list("article_id", "tag__name"):
            found[pk][3].append(tag)
    return {pk: tuple(v) for pk, v in found.items()}


def _count_in(results: SearchResults, added: list[tuple]) -> None:
    """Add the added articles to the facet counts (the same ordering as the backends: most first)."""
    for n, name in enumerate(("state", "audience", "product", "tags")):
        counts = Counter(dict(results.facets.get(name, [])))
        for row in added:
            for value in row[n] if name == "tags" else [row[n]]:
                counts[value] += 1
        results.facets[name] = sorted(((str(k), v) for k, v in counts.items() if k), key=lambda kv: (-kv[1], kv[0]))[:20]


# --- related articles -------------------------------------------------------------------------


def similar(article, user, limit: int = 5) -> list[tuple[object, float]]:
    """The articles closest in meaning to `article` that `user` may open (archived ones left out),
    itself excluded: [(Article, cosine similarity)], closest first. For "related articles" and
    for spotting a duplicate while writing. [] when the layer is off or the model cannot run."""
    if not enabled() or limit <= 0:
        return []
    try:
        vector = _index.vector_of(article.pk) if article.pk else None
        if vector is None:  # not embedded yet (a change still in the queue), or not saved
            doc = {"title": article.title, "issue": public_text(article.issue), "tags": [], "product_name": ""}
            vector = embed([text_of(doc)])[0]
        closest, _ = _index.nearest(vector, user, {}, limit=limit, exclude=[article.pk] if article.pk else [])
        return _articles(closest, user)
    except Exception:  # a page must not fail for want of its related articles (as search: keyword only)
        log.exception("Related articles by meaning are not available")
        return []


def similar_to_text(text: str, user, limit: int = 5, *, exclude: tuple[int, ...] = ()) -> list[tuple[object, float]]:
    """The articles closest in meaning to `text` (a title being written, a case summary) that `user` may open."""
    if not enabled() or limit <= 0 or not (text or "").strip():
        return []
    try:
        closest, _ = _index.nearest(embed([text])[0], user, {}, limit=limit, exclude=exclude)
        return _articles(closest, user)
    except Exception:  # the caller's page goes on without suggestions by meaning
        log.exception("Matching by meaning is not available")
        return []


def _articles(closest: list[tuple[int, float]], user) -> list[tuple[object, float]]:
    from articles.models import Article

    visible = Article.objects.visible_to(user).exclude(state=State.ARCHIVED).select_related("product")
    found = visible.in_bulk([pk for pk, _ in closest])
    return [(found[pk], similarity) for pk, similarity in closest if pk in found]
