"""Keeping the index in step with the database, without losing an update.

An article change writes an IndexTask row in the same transaction; after the commit
the pending tasks are processed. A task that fails (index lock held by another
process, crash, disk full) stays pending with a back-off and is retried by the next
commit, by `manage.py process_index_queue`, or repaired by `check_index --repair`.
"""

from __future__ import annotations

import logging
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .backends import get_backend
from .documents import all_document_batches, documents_for
from .models import IndexTask

log = logging.getLogger(__name__)
BATCH = 200
CLAIM_TIMEOUT = timedelta(minutes=5)  # a claim older than this belonged to a process that died


_state = threading.local()


def enqueue(article_ids: list[int]) -> None:
    """Record that these articles need re-indexing, and process the queue after commit."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    IndexTask.objects.bulk_create(IndexTask(article_id=i) for i in ids)
    if not getattr(_state, "deferred", False):
        transaction.on_commit(process_pending, robust=True)


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


def process_pending(limit: int = 1000) -> int:
    """Claim due tasks, index or remove their articles, mark them done. Returns tasks done."""
    now = timezone.now()
    due = list(
        IndexTask.objects.filter(processed_at=None, next_attempt_at__lte=now)
        .exclude(claimed_at__gt=now - CLAIM_TIMEOUT)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
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
            backend.index(docs)
            backend.remove(gone)
        except Exception as exc:  # noqa: BLE001 — any failure leaves the task pending for a retry
            log.warning("Search index update failed for %d articles, will retry: %s", len(ids), exc)
            for task in chunk:
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
    count = get_backend().rebuild(all_document_batches())
    # Changes saved while the rebuild ran may have missed the new index: index them again.
    from articles.models import Article

    recent = list(Article.objects.filter(updated_at__gte=started - timedelta(seconds=5)).values_list("pk", flat=True))
    if recent:
        docs, _ = documents_for(recent)
        get_backend().index(docs)
    IndexTask.objects.filter(processed_at=None, created_at__lte=started).update(processed_at=timezone.now())
    return count


def check(*, repair: bool = False) -> dict[str, list[int]]:
    """Compare the index with the database: missing, stale (older version) and extra articles."""
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
    return report
