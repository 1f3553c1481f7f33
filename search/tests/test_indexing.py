"""The index follows the database and never loses an update (Whoosh, the embedded default)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article, State
from conftest import make_article
from search import indexing
from search.backends import get_backend
from search.backends.base import SearchRequest
from search.backends.whoosh_backend import WhooshBackend
from search.documents import documents_for
from search.models import IndexTask
from search.service import search

pytestmark = pytest.mark.skipif(
    os.environ.get("KCS_SEARCH_BACKEND", "whoosh") != "whoosh", reason="Whoosh-specific index folder tests"
)

ROOT = Path(settings.BASE_DIR)


def staff_search(user, text: str) -> list[str]:
    return [h.slug for h in search(SearchRequest(text=text, user=user, facets=False)).hits]


def test_saved_edit_is_searchable_after_commit(db, contributor, product, kb_owner, django_capture_on_commit_callbacks):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    indexing.rebuild()
    with django_capture_on_commit_callbacks(execute=True):
        article.edit(by=contributor, base_version=article.version, changes={"cause": "The flux capacitor overheats."})
    assert staff_search(contributor, "capacitor") == [article.slug]
    assert IndexTask.objects.filter(processed_at=None).count() == 0


def test_a_save_indexes_its_own_change_and_leaves_an_older_backlog_to_the_background(
    db, contributor, product, kb_owner, django_capture_on_commit_callbacks
):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    other = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Another article")
    indexing.rebuild()
    backlog = IndexTask.objects.create(article_id=other.pk)  # left by an earlier failure, now due
    with django_capture_on_commit_callbacks(execute=True):
        article.edit(by=contributor, base_version=article.version, changes={"cause": "The flux capacitor overheats."})
    assert staff_search(contributor, "capacitor") == [article.slug]
    backlog.refresh_from_db()
    assert backlog.processed_at is None, "the saving request did not index for others"
    assert indexing.process_pending() == 1  # the timer or process_index_queue takes it


def test_saving_does_not_wait_for_an_index_lock_another_process_holds(
    db, contributor, product, kb_owner, monkeypatch, django_capture_on_commit_callbacks
):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    indexing.rebuild()
    monkeypatch.setattr("search.backends.whoosh_backend.WRITER_TIMEOUT", 5.0)  # what a worker would wait
    backend = get_backend()
    held = backend._index().writer()  # another worker holds the single writer lock
    try:
        started = time.perf_counter()
        with django_capture_on_commit_callbacks(execute=True):
            article.edit(by=contributor, base_version=article.version, changes={"cause": "Zeppelin turbulence."})
        assert time.perf_counter() - started < 2.0  # was WRITER_TIMEOUT (10 s) plus the save
        task = IndexTask.objects.get(article_id=article.pk, processed_at=None)
        assert task.attempts == 1 and "lock" in task.last_error
        assert task.next_attempt_at <= timezone.now() + timedelta(seconds=indexing.RETRY_SOON_MAX)  # soon
        assert staff_search(contributor, "zeppelin") == []
    finally:
        held.cancel()
    # Nothing lost: the next pass (the retry timer, process_index_queue --loop) picks it up.
    IndexTask.objects.filter(pk=task.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    call_command("process_index_queue")
    assert staff_search(contributor, "zeppelin") == [article.slug]
    task.refresh_from_db()
    assert task.processed_at is not None


def test_an_update_put_off_by_a_busy_lock_lands_soon_after_release_without_another_commit(
    transactional_db, settings, monkeypatch
):
    from articles.models import Product
    from conftest import make_contributor, make_kb_owner

    settings.KCS_SEARCH_RETRY_IN_PROCESS = True
    monkeypatch.setattr(indexing, "RETRY_SOON", 0.05)
    monkeypatch.setattr(indexing, "RETRY_SOON_MAX", 0.2)
    contributor, kb_owner = make_contributor(), make_kb_owner()
    product = Product.objects.create(name="Hotel Bookings", slug="hotel-bookings")
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    indexing.rebuild()
    held = get_backend()._index().writer()
    try:
        article.edit(by=contributor, base_version=article.version, changes={"cause": "Zeppelin turbulence."})
        assert staff_search(contributor, "zeppelin") == []
        assert IndexTask.objects.filter(processed_at=None).count() == 1
    finally:
        held.cancel()
    deadline = time.monotonic() + 10  # bounded: the timer retries every 0.2 s at most
    while staff_search(contributor, "zeppelin") != [article.slug]:
        assert time.monotonic() < deadline, "the put-off update never landed"
        time.sleep(0.05)
    for thread in threading.enumerate():
        if thread.name == "search-index-retry":
            thread.join(timeout=30)
    assert IndexTask.objects.filter(processed_at=None).count() == 0


def test_single_updates_do_not_merge_and_small_segments_are_merged_later(
    db, contributor, product, kb_owner, monkeypatch, django_capture_on_commit_callbacks
):
    import threading

    monkeypatch.setattr("search.backends.whoosh_backend.MERGE_AT_SEGMENTS", 4)
    articles = [make_article(author=contributor, product=product, kb_owner=kb_owner, title=f"Gadget {n}") for n in range(6)]
    indexing.rebuild()
    backend = get_backend()

    def segments() -> int:
        with backend._index().reader() as reader:
            return len(reader.leaf_readers()) or 1

    start = segments()
    for n, article in enumerate(articles[:2]):
        with django_capture_on_commit_callbacks(execute=True):
            article.edit(by=contributor, base_version=article.version, changes={"cause": f"Sprocket{n} slips."})
        assert segments() == start + n + 1  # its own segment: searchable without waiting for a merge
        assert staff_search(contributor, f"sprocket{n}") == [article.slug]
    for n, article in enumerate(articles[2:], start=2):
        with django_capture_on_commit_callbacks(execute=True):
            article.edit(by=contributor, base_version=article.version, changes={"cause": f"Sprocket{n} slips."})
        for thread in threading.enumerate():
            if thread.name == "search-index-merge":
                thread.join(timeout=30)
    assert segments() < start + len(articles)  # merged in the background
    for n, article in enumerate(articles):
        assert staff_search(contributor, f"sprocket{n}") == [article.slug]
    assert len(staff_search(contributor, "gadget")) == len(articles)


def test_a_search_survives_another_process_merging_segments_between_opening_and_reading(
    db, contributor, product, kb_owner, monkeypatch
):
    from search.backends import whoosh_engine
    from search.documents import documents_for

    articles = [make_article(author=contributor, product=product, kb_owner=kb_owner, title=f"Gadget {n}") for n in range(4)]
    indexing.rebuild()
    backend = get_backend()
    for article in articles:  # one small segment each, as single saves leave them
        backend.index(documents_for([article.pk])[0])
    other_process = WhooshBackend(backend.root)
    real_top, merged = whoosh_engine.top, []

    def top_after_a_merge(*args, **kwargs):
        # The matches are counted; before their stored fields are read, another process merges
        # every segment into one and deletes the old segments' files.
        if not merged:
            other_process._index().writer(compound=False).commit(optimize=True)
            merged.append(True)
        return real_top(*args, **kwargs)

    monkeypatch.setattr(whoosh_engine, "top", top_after_a_merge)
    assert sorted(staff_search(contributor, "gadget")) == sorted(a.slug for a in articles)
    assert merged
    other_process.close()


def test_deleted_article_leaves_the_index(db, contributor, product, kb_owner, django_capture_on_commit_callbacks):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Obsolete gizmo pairing")
    indexing.rebuild()
    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.filter(pk=article.pk).delete()
    assert staff_search(contributor, "gizmo") == []


def test_check_index_finds_missing_stale_and_extra_entries_and_repairs_them(db, contributor, product, kb_owner):
    kept = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Kept article")
    gone = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Gone article")
    indexing.rebuild()
    missing = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Missing article")
    Article.objects.filter(pk=kept.pk).update(version=kept.version + 5)
    Article.objects.filter(pk=gone.pk).delete()
    report = indexing.check()
    # The article vectors (search.semantic) are checked against the database the same way.
    vectors = {"vectors_missing": [missing.pk], "vectors_stale": [kept.pk], "vectors_extra": [gone.pk]}
    assert report == {"missing": [missing.pk], "stale": [kept.pk], "extra": [gone.pk], **vectors}
    with pytest.raises(Exception, match="out of date"):
        call_command("check_index")
    call_command("check_index", "--repair")
    assert indexing.check() == {"missing": [], "stale": [], "extra": []}


def test_rebuild_swaps_in_a_new_index_while_search_keeps_answering(db, contributor, product, kb_owner):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Walrus adapter")
    indexing.rebuild()
    backend = get_backend()
    first_generation = backend._current_dir()
    elsewhere = WhooshBackend(backend.root)  # another app process, mid-way through its work
    assert [slug for slug, _ in elsewhere.suggest("walrus", contributor)] == [article.slug]
    indexing.rebuild()
    assert backend._current_dir() != first_generation
    # The other process keeps answering, and moves to the new generation at its next search.
    assert [slug for slug, _ in elsewhere.suggest("walrus", contributor)] == [article.slug]
    assert elsewhere._local.ix[0] == backend._current_dir()
    elsewhere.close()
    assert staff_search(contributor, "walrus") == [article.slug]
    indexing.rebuild()
    assert first_generation.exists() is False  # older generations are cleaned up


def test_a_rebuild_started_while_another_runs_is_refused_and_the_first_finishes(db, contributor, product, kb_owner):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Walrus adapter")
    indexing.rebuild()
    backend = get_backend()
    docs, _ = documents_for([article.pk])
    reading, finish = threading.Event(), threading.Event()
    outcome = {}

    def slow_batches():
        reading.set()
        finish.wait(timeout=30)
        yield docs

    def first_rebuild():
        outcome["count"] = WhooshBackend(backend.root).rebuild(slow_batches())

    thread = threading.Thread(target=first_rebuild)
    thread.start()
    try:
        assert reading.wait(timeout=30)
        with pytest.raises(CommandError, match="Another rebuild of the search index"):
            call_command("rebuild_index")
    finally:
        finish.set()
        thread.join(timeout=60)
    assert outcome == {"count": 1}  # the first rebuild's new folder was left alone
    assert backend._current_dir().exists()
    assert staff_search(contributor, "walrus") == [article.slug]


def test_the_next_rebuild_removes_the_folder_a_killed_rebuild_left(db, contributor, product, kb_owner):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Walrus adapter")
    indexing.rebuild()
    backend = get_backend()
    orphan = backend.root / f"gen-{time.time_ns()}"  # a rebuild killed half-way through writing
    orphan.mkdir()
    (orphan / "MAIN_half_written.trm").write_bytes(b"x" * 100)
    seen = []

    def batches():
        seen.append(orphan.exists())  # gone before the new copy is written: no double disk use
        yield documents_for([article.pk])[0]

    backend.rebuild(batches())
    assert seen == [False] and not orphan.exists()
    assert len(list(backend.root.glob("gen-*"))) == 2  # the live one and the one it replaced
    assert staff_search(contributor, "walrus") == [article.slug]


def test_archived_articles_are_hidden_from_search_unless_asked_for(db, contributor, product, kb_owner):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Fax gateway", state=State.ARCHIVED)
    indexing.rebuild()
    assert staff_search(contributor, "fax") == []
    hits = search(SearchRequest(text="fax", user=contributor, filters={"state": "archived"})).hits
    assert [h.slug for h in hits] == [article.slug]


WRITER = """
import json, os, sys
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "kcs_site.settings"
import django
django.setup()
from search.backends.whoosh_backend import WhooshBackend
from search.documents import documents_for
import datetime
backend = WhooshBackend({index!r})
worker = int(sys.argv[1])
for n in range(10):
    doc = dict(id=worker * 100 + n, slug=f"w{{worker}}-{{n}}", external_id="", title=f"worker {{worker}} note {{n}}",
               issue="", environment="", resolution="shared words", cause="", authority="", tags=[], product="p",
               product_name="P", state="validated", audience="public", updated_at=datetime.datetime(2026, 1, 1),
               reuse_count=0, version=1)
    backend.index([doc])
print(json.dumps({{"worker": worker, "done": 10}}))
"""


def test_several_processes_writing_at_once_lose_nothing(tmp_path):
    index_dir = tmp_path / "shared-index"
    WhooshBackend(index_dir)._current_dir()  # create the first generation
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(ROOT), index=str(index_dir)))
    env = {**os.environ, "KCS_SEARCH_INDEX_DIR": str(index_dir), "PYTHONWARNINGS": "ignore"}
    procs = [subprocess.Popen([sys.executable, str(script), str(w)], stdout=subprocess.PIPE, env=env) for w in range(3)]
    outputs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0]
    assert sorted(o["worker"] for o in outputs) == [0, 1, 2]
    backend = WhooshBackend(index_dir)
    try:
        assert len(backend.indexed_versions()) == 30
    finally:
        backend.close()


def test_process_index_queue_drain_goes_on_past_one_pass(db, contributor, product, kb_owner, monkeypatch):
    articles = [make_article(author=contributor, product=product, kb_owner=kb_owner, title=f"Gyroscope {n}") for n in range(3)]
    IndexTask.objects.all().delete()
    IndexTask.objects.bulk_create(IndexTask(article_id=article.pk) for article in articles)
    real = indexing.process_pending
    monkeypatch.setattr(indexing, "process_pending", lambda limit=1000, **kwargs: real(limit=1, **kwargs))  # one a pass

    call_command("process_index_queue")
    assert indexing.pending_count() == 2
    out = StringIO()
    call_command("process_index_queue", "--drain", stdout=out)

    assert out.getvalue().strip() == "Processed 2 index updates; 0 pending."
    assert sorted(staff_search(contributor, "gyroscope")) == sorted(a.slug for a in articles)
