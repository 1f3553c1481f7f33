"""Keeping the index in step with the database, without losing an update.

PostgreSQL backend: the search document is written in the article change's own transaction
(a savepoint), so the change and its document commit together and no crash can leave a window.
Only if that write fails is a task left for the queue below.

Whoosh backend (an index folder outside the database): an article change writes an IndexTask
row in the same transaction; after the commit the pending tasks are processed without waiting
for the index's single writer lock. A task that fails (lock held by another process, crash,
disk full) stays pending with a back-off and is retried soon by a timer thread in the process
(no other commit needed), by `manage.py process_index_queue --loop`, or repaired by
`check_index --repair`. Until then search checks every page of hits against the database
(search.service), so a lagging index never shows what the database no longer allows.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

import reversion
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from . import semantic
from .backends import get_backend
from .backends.base import IndexBusy
from .documents import all_document_batches, documents_for
from .models import IndexTask

log = logging.getLogger(__name__)
BATCH = 200
CLAIM_TIMEOUT = timedelta(minutes=5)  # a claim older than this belonged to a process that died
RETRY_SOON = 0.5  # seconds before a task that met a busy index lock is tried again (doubling, ...
RETRY_SOON_MAX = 2.0  # ... up to this): the lock is usually held for a commit or a merge


_state = threading.local()


def enqueue(article_ids: list[int]) -> None:
    """Bring these articles' search documents up to date: in the caller's transaction where the
    backend lives in the database, otherwise by a task processed after the commit."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    backend = get_backend()
    in_revision = reversion.is_active()
    if backend.transactional and not in_revision and write_in_transaction(ids):
        return
    tasks = IndexTask.objects.bulk_create(IndexTask(article_id=i) for i in ids)
    if backend.transactional and in_revision:
        # Inside an article operation (Article.create, edit, a transition, an import): written
        # once, when its revision is complete (revision_saved), rather than on every save and tag
        # change of the operation. Should no revision complete, the tasks are the fallback.
        _state.pending = [*getattr(_state, "pending", []), *tasks]
    if not getattr(_state, "deferred", False):
        transaction.on_commit(partial(after_commit, [task.pk for task in tasks]), robust=True)


def enqueue_batch(article_ids: list[int], *, later: bool = False) -> None:
    """enqueue() for a batch of articles written in bulk (an import): their documents in the
    caller's transaction where the backend lives in the database, else tasks in it, processed
    right after the commit in one index commit. A batch job may wait for the writer lock, unlike
    a request; what still fails stays pending and is retried like any task. `later`: only the
    tasks, for a rebuild at the end of the job (which marks them done) or the queue to process."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    if not later and get_backend().transactional and write_in_transaction(ids):
        return
    tasks = IndexTask.objects.bulk_create(IndexTask(article_id=i) for i in ids)
    if not later and not getattr(_state, "deferred", False):
        transaction.on_commit(partial(_after_batch_commit, [task.pk for task in tasks]), robust=True)


def _after_batch_commit(task_ids: list[int]) -> None:
    process_pending(limit=len(task_ids), wait=True, task_ids=task_ids)
    retry_in_background()


def write_in_transaction(ids: list[int]) -> bool:
    """Write the documents inside the current transaction (PostgreSQL backend); False if that failed.

    A savepoint: a document that cannot be written (a text too long for a tsvector) must not
    cost the person their change. It is left for the queue, and search still checks every page
    of hits against the database.
    """
    try:
        with transaction.atomic():
            docs, gone = documents_for(ids)
            backend = get_backend()
            backend.index(docs)
            backend.remove(gone)
            semantic.write(docs)
            semantic.remove(gone)
        return True
    except (DatabaseError, semantic.SemanticUnavailable) as exc:
        log.warning("Search document write failed for %d articles, queued for a retry: %s", len(ids), exc)
        return False


def revision_saved(article_ids: list[int]) -> None:
    """An article operation's revision is complete, inside its transaction, with the article's
    rules and tags saved (they follow the article row): write its documents now (PostgreSQL) and
    mark the operation's tasks done in the same transaction. Queued backends read everything
    after the commit and need nothing here."""
    if not get_backend().transactional:
        return
    pending = getattr(_state, "pending", [])
    _state.pending = []
    ids = sorted({*article_ids, *(task.article_id for task in pending)})
    if ids and write_in_transaction(ids):
        IndexTask.objects.filter(pk__in=[task.pk for task in pending]).update(processed_at=timezone.now())


def after_commit(task_ids: list[int] | None = None) -> None:
    """Process the tasks of the change just committed, never waiting for the index writer lock
    (the saving request must not wait on the index), and none of an older backlog (the request
    must not index for others); what is left is retried in the background."""
    process_pending(wait=False, task_ids=task_ids)
    retry_in_background()


_retry = threading.Lock()
_retry_timer: threading.Timer | None = None


def retry_in_background() -> None:
    """Make sure a timer in this process retries the pending tasks when they are next due, so an
    update put off by a busy lock lands soon after the lock is released, without another commit.
    KCS_SEARCH_RETRY_IN_PROCESS=0 leaves retries to `process_index_queue --loop` alone."""
    global _retry_timer
    if not settings.KCS_SEARCH_RETRY_IN_PROCESS:
        return
    delay = seconds_until_due()
    if delay is None:
        return
    fires_at = time.monotonic() + delay
    with _retry:
        if _retry_timer is not None:
            if _retry_timer.fires_at <= fires_at + 0.01:
                return
            # A timer set for later (e.g. for a task another thread held claimed) would leave
            # this sooner task waiting: replace it, unless it is already running its pass.
            if _retry_timer.finished.is_set() or not _cancel_if_waiting(_retry_timer):
                return
        _retry_timer = threading.Timer(delay, _retry_pass)
        _retry_timer.fires_at = fires_at
        _retry_timer.name = "search-index-retry"
        _retry_timer.daemon = True
        _retry_timer.start()


def cancel_retry() -> None:
    """Cancel a retry timer that has not fired yet (tests end with this: no timer outlives its test)."""
    global _retry_timer
    with _retry:
        if _retry_timer is not None and _cancel_if_waiting(_retry_timer):
            _retry_timer = None


def _cancel_if_waiting(timer: threading.Timer) -> bool:
    """Cancel a timer that has not fired yet; False if its pass has started."""
    if getattr(timer, "started_pass", False):
        return False
    timer.cancel()
    return True


def _retry_pass() -> None:
    global _retry_timer
    with _retry:
        current = threading.current_thread()
        if isinstance(current, threading.Timer):
            current.started_pass = True
    if not settings.KCS_SEARCH_RETRY_IN_PROCESS:  # turned off since this timer was set
        with _retry:
            _retry_timer = None
        return
    try:
        # This thread serves no request: it may wait for the writer lock (WRITER_TIMEOUT), and so
        # lands the update within moments of the other process letting go.
        process_pending(wait=True)
    except Exception:  # the timer must outlive a database hiccup: the next pass tries again
        log.exception("Retrying search index updates failed")
    finally:
        with _retry:
            _retry_timer = None
    try:
        retry_in_background()
    except Exception:  # the next commit or process_index_queue --loop starts the timer again
        log.exception("Scheduling the next search index retry failed")
    finally:
        connection.close()  # this thread's own connection


def seconds_until_due() -> float | None:
    """Seconds until the next pending task may be tried (0 if one is due now), None if none is pending."""
    pending = IndexTask.objects.filter(processed_at=None)
    # An unclaimed task is due at its next attempt; a claimed one only when its claim has lapsed
    # (its process died). The soonest of either: a claimed task must not hide an unclaimed one.
    unclaimed = pending.filter(claimed_at=None).order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    claimed = pending.exclude(claimed_at=None).order_by("claimed_at").values_list("claimed_at", flat=True).first()
    candidates = [due for due in (unclaimed, claimed and claimed + CLAIM_TIMEOUT) if due is not None]
    if not candidates:
        return None
    return min(300.0, max(0.0, (min(candidates) - timezone.now()).total_seconds()))


@contextmanager
def deferred():
    """Record index tasks but process them once at the end (bulk imports: one commit, not 1,000)."""
    previous = getattr(_state, "deferred", False)
    _state.deferred = True
    try:
        yield
    finally:
        _state.deferred = previous
        if not previous:
            while process_pending():
                pass


def process_pending(limit: int = 1000, *, wait: bool = True, task_ids: list[int] | None = None) -> int:
    """Claim due tasks, index or remove their articles, mark them done. Returns tasks done.

    `wait=False`: if another process holds the index writer lock, give up at once (IndexBusy)
    and leave the tasks to be retried in RETRY_SOON seconds. `task_ids`: only these tasks.
    """
    now = timezone.now()
    pending = IndexTask.objects.filter(processed_at=None, next_attempt_at__lte=now)
    if task_ids is not None:
        pending = pending.filter(pk__in=task_ids)
    due = list(pending.exclude(claimed_at__gt=now - CLAIM_TIMEOUT).order_by("id").values_list("id", flat=True)[:limit])
    if not due:
        return 0
    token = uuid.uuid4().hex
    # Claim with a conditional UPDATE: of several processes, each task goes to one.
    IndexTask.objects.filter(id__in=due, processed_at=None).exclude(claimed_at__gt=now - CLAIM_TIMEOUT).update(
        claimed_at=now, claimed_by=token
    )
    tasks = list(IndexTask.objects.filter(claimed_by=token, processed_at=None))
    done = 0
    for start in range(0, len(tasks), BATCH):
        chunk = tasks[start : start + BATCH]
        ids = sorted({t.article_id for t in chunk})
        try:
            docs, gone = documents_for(ids)
            backend = get_backend()
            backend.index(docs, wait=wait)
            backend.remove(gone, wait=wait)
            semantic.write(docs)
            semantic.remove(gone)
        except Exception as exc:  # noqa: BLE001 — any failure leaves the task pending for a retry
            busy = isinstance(exc, IndexBusy)
            log.log(logging.INFO if busy else logging.WARNING, "Search index update for %d articles put off: %s", len(ids), exc)
            for task in chunk:
                if busy:
                    delay = timedelta(seconds=min(RETRY_SOON_MAX, RETRY_SOON * 2 ** min(task.attempts, 8)))
                else:
                    delay = timedelta(seconds=min(300, 2 ** min(task.attempts, 8)))
                IndexTask.objects.filter(pk=task.pk).update(
                    attempts=task.attempts + 1,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000],
                    next_attempt_at=timezone.now() + delay,
                    claimed_at=None,
                    claimed_by="",
                )
            continue
        IndexTask.objects.filter(pk__in=[t.pk for t in chunk]).update(processed_at=timezone.now())
        done += len(chunk)
    return done


def pending_count() -> int:
    return IndexTask.objects.filter(processed_at=None).count()


def rebuild() -> int:
    """Build a fresh index from the database and swap it in; search answers throughout."""
    started = timezone.now()
    # The vectors (search.semantic) are written batch by batch as the keyword index reads them.
    count = get_backend().rebuild(semantic.writing_batches(all_document_batches()))
    semantic.after_rebuild()
    # Changes saved while the rebuild ran may have missed the new index: index them again.
    from articles.models import Article

    recent = list(Article.objects.filter(updated_at__gte=started - timedelta(seconds=5)).values_list("pk", flat=True))
    if recent:
        docs, _ = documents_for(recent)
        get_backend().index(docs)
        for _ in semantic.writing_batches([docs]):
            pass
    IndexTask.objects.filter(processed_at=None, created_at__lte=started).update(processed_at=timezone.now())
    return count


def check(*, repair: bool = False) -> dict[str, list[int]]:
    """Compare the index with the database: missing, stale (older version) and extra articles;
    with matching by meaning on, also the article vectors (search.semantic.check: listed only
    when some are missing, stale or extra)."""
    from articles.models import Article

    indexed = get_backend().indexed_versions()
    current = dict(Article.objects.values_list("pk", "version"))
    report = {
        "missing": sorted(set(current) - set(indexed)),
        "stale": sorted(pk for pk, v in current.items() if pk in indexed and indexed[pk] != v),
        "extra": sorted(set(indexed) - set(current)),
    }
    if repair:
        to_index = report["missing"] + report["stale"]
        for start in range(0, len(to_index), BATCH):
            docs, _ = documents_for(to_index[start : start + BATCH])
            get_backend().index(docs)
        get_backend().remove(report["extra"])
    report.update(semantic.check(repair=repair))
    return report
