"""The tantivy backend's index folder: generations, the single writer lock, and readers that follow
commits and rebuilds made elsewhere (another process is another backend instance on the same folder).
What it finds and shows is the contract suite's (test_contract.py runs against it too)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import tantivy
from django.core.management import call_command
from django.utils import timezone

from conftest import make_article
from search import indexing
from search.backends.base import IndexBusy, SearchRequest
from search.backends.tantivy_backend import TantivyBackend
from search.documents import documents_for
from search.models import IndexTask
from search.query import parse
from search.service import search


@pytest.fixture
def backend(db, settings):
    settings.KCS_SEARCH_BACKEND = "tantivy"
    from search.backends import get_backend

    return get_backend()


@pytest.fixture
def refund(backend, contributor, product, kb_owner):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    indexing.rebuild()
    return article


def staff_search(user, text: str) -> list[str]:
    return [h.slug for h in search(SearchRequest(text=text, user=user, facets=False)).hits]


def raw_search(backend, user, text: str) -> list[int]:
    """What the index itself answers (no database check of the hits)."""
    return [h.article_id for h in backend.search(SearchRequest(text=text, user=user, facets=False), parse(text)).hits]


def live_generation(backend):
    return backend.root / (backend.root / "CURRENT").read_text().strip()


def test_the_index_lives_in_a_generation_folder_that_a_rebuild_replaces(refund, backend):
    first = live_generation(backend)
    assert first.name.startswith("gen-") and (first / "meta.json").exists()
    indexing.rebuild()
    second = live_generation(backend)
    assert second != first and (second / "meta.json").exists()
    assert first.exists()  # kept for searches still running on it in other processes
    indexing.rebuild()
    assert not first.exists()  # anything older than the one just replaced goes
    assert sorted(p.name for p in backend.root.glob("gen-*")) == sorted([second.name, live_generation(backend).name])


def test_a_folder_left_by_a_killed_rebuild_is_removed_by_the_next(refund, backend):
    orphan = backend.root / f"gen-{time.time_ns()}"
    orphan.mkdir()
    (orphan / "half-written").write_text("x")
    indexing.rebuild()
    assert not orphan.exists()


def test_a_commit_by_another_process_is_found_by_the_next_search(refund, backend, contributor):
    other = TantivyBackend(backend.root)  # another worker process: its own open index
    assert raw_search(other, contributor, "capacitor") == []
    refund.cause = "The flux capacitor overheats."
    refund.save(update_fields=["cause"])
    backend.index(documents_for([refund.pk])[0])
    assert raw_search(other, contributor, "capacitor") == [refund.pk]
    backend.remove([refund.pk])
    assert raw_search(other, contributor, "capacitor") == []


def test_a_rebuild_by_another_process_is_searched_by_the_next_search(refund, backend, contributor):
    other = TantivyBackend(backend.root)
    assert raw_search(other, contributor, "refund") == [refund.pk]
    type(refund).objects.filter(pk=refund.pk).update(title="Refund for a wombat")  # no signal: only a rebuild sees it
    assert raw_search(other, contributor, "wombat") == []
    backend.rebuild([documents_for([refund.pk])[0]])
    assert raw_search(other, contributor, "wombat") == [refund.pk]
    assert indexing.check() == {"missing": [], "stale": [], "extra": []}


def test_saving_does_not_wait_for_a_writer_lock_another_process_holds(
    refund, backend, contributor, django_capture_on_commit_callbacks
):
    held = tantivy.Index.open(str(live_generation(backend))).writer(heap_size=15_000_000, num_threads=1)
    try:
        started = time.perf_counter()
        with django_capture_on_commit_callbacks(execute=True):
            refund.edit(by=contributor, base_version=refund.version, changes={"cause": "Zeppelin turbulence."})
        assert time.perf_counter() - started < 5.0  # not WRITER_TIMEOUT (10 s) plus the save
        task = IndexTask.objects.get(article_id=refund.pk, processed_at=None)
        assert task.attempts == 1 and "lock" in task.last_error
        assert task.next_attempt_at <= timezone.now() + timedelta(seconds=indexing.RETRY_SOON_MAX)
        assert staff_search(contributor, "zeppelin") == []
    finally:
        held.rollback()
        del held
    # Nothing lost: the next pass (the retry timer, process_index_queue --loop) picks it up.
    IndexTask.objects.filter(pk=task.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    call_command("process_index_queue")
    assert staff_search(contributor, "zeppelin") == [refund.slug]


def test_a_waiting_writer_gives_up_with_index_busy_after_its_timeout(refund, backend, monkeypatch):
    monkeypatch.setattr("search.backends.tantivy_backend.WRITER_TIMEOUT", 0.3)
    held = tantivy.Index.open(str(live_generation(backend))).writer(heap_size=15_000_000, num_threads=1)
    try:
        started = time.perf_counter()
        with pytest.raises(IndexBusy):
            backend.index(documents_for([refund.pk])[0], wait=True)
        assert time.perf_counter() - started >= 0.3
    finally:
        held.rollback()
        del held
    backend.index(documents_for([refund.pk])[0], wait=False)  # free again
    assert backend.indexed_versions() == {refund.pk: refund.version}


def test_a_new_install_answers_before_anything_is_indexed(backend, contributor):
    assert backend.languages() == []
    assert backend.indexed_versions() == {}
    assert raw_search(backend, contributor, "refund") == []
    assert backend.suggest("ref", contributor) == [] and backend.correct(["refnud"], contributor) == {}


@pytest.mark.parametrize(
    "typed, word",
    [("refnud", "refund"), ("pasword", "password"), ("recieve", "receive"), ("notifcations", "notifications"),
     ("lable", "label"), ("abc", "abcde"), ("abc", "abcdef"), ("forgoten", "forgotten"), ("zebraquarz", "zebraquartz"),
     ("kitten", "sitting"), ("ab", "ba"), ("", "ab"), ("", "abc")],
)  # fmt: skip
def test_the_bounded_edit_distance_agrees_with_the_full_one(typed, word):
    from search.backends.tantivy_backend import MAX_EDIT_DISTANCE, _within
    from search.spelling import edit_distance

    assert _within(typed, word) == (edit_distance(typed, word) <= MAX_EDIT_DISTANCE)
    assert _within(word, typed) == (edit_distance(word, typed) <= MAX_EDIT_DISTANCE)


def test_a_save_waits_for_this_process_s_own_merge_rather_than_being_put_off(refund, backend, monkeypatch):
    import threading

    from search.backends import tantivy_backend

    writer = tantivy.Index.open(str(live_generation(backend))).writer(heap_size=15_000_000, num_threads=1)
    holding = threading.Event()

    def merge():  # as _release's thread: it holds the writer lock until its merge is done
        nonlocal writer
        holding.set()
        time.sleep(0.5)
        writer.rollback()
        del writer

    merger = threading.Thread(target=merge)
    monkeypatch.setattr(tantivy_backend, "_merger", merger)
    merger.start()
    holding.wait()
    backend.index(documents_for([refund.pk])[0], wait=False)  # not IndexBusy: waits for the merge
    assert not merger.is_alive()
    assert backend.indexed_versions() == {refund.pk: refund.version}
