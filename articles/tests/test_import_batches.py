"""`manage.py import_articles` in batches: bulk writes with the same history, the search index
complete afterwards, an interrupted import resumed, and a cost per batch, not per article."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Revision, Version

from articles import services, versions
from articles.management.commands.import_articles import Command, Progress
from articles.models import Article, ArticleEvent, EventKind, Product, State
from articles.tests.assertions import assert_last_event, assert_versions
from articles.tests.test_import import imported, run_import, write_jsonl
from search import indexing
from search.backends import get_backend
from search.models import IndexTask

pytestmark = pytest.mark.django_db


def record(n: int, **fields) -> dict:
    return {
        "slug": f"billing/refunds/case-{n}",
        "title": f"Refund case {n} for a cancelled booking",
        "summary": f"The customer asks for refund number {n}.",
        "body": f"1. Check booking {n}.\n2. Refund it with code zebra{n}.",
        "product": "Hotel Bookings",
        "tags": ["refund", f"case-{n % 3}"],
        "source_url": f"https://help.example.com/refunds/{n}",
        **fields,
    }


def index_problems() -> dict:
    """What check_index would report: missing, stale or extra documents (or vectors)."""
    return {name: ids for name, ids in indexing.check().items() if ids}


def found(word: str) -> list[str]:
    out = io.StringIO()
    call_command("search", word, "--json", stdout=out)
    return [hit["slug"] for hit in json.loads(out.getvalue())]


@pytest.mark.parametrize("index", ["batch", "rebuild"])
def test_every_article_of_a_batched_import_has_its_version_event_and_search_document(tmp_path, kb_owner, index):
    path = write_jsonl(tmp_path, *(record(n) for n in range(7)))

    out, err, status = run_import(path, "--batch-size", "3", "--index", index)

    assert (status, err) == (0, "")
    assert "Imported 7: 7 created, 0 updated, 0 unchanged, 0 failed" in out
    for n in range(7):
        article = imported(f"billing/refunds/case-{n}")
        assert_versions(article, 1)
        (version,) = versions.history(article)
        assert (version.number, version.comment, version.material, version.user) == (1, "Imported from kb.jsonl", True, kb_owner)
        snapshot = versions.snapshot_of_version(version.version)
        assert snapshot["title"] == f"Refund case {n} for a cancelled booking"
        assert snapshot["tags"] == ", ".join(sorted(["refund", f"case-{n % 3}"]))
        event = assert_last_event(article, kind=EventKind.CREATED, actor=kb_owner, to_value=State.VALIDATED)
        assert (event.note, event.version, event.material) == ("Imported from kb.jsonl", 1, True)
        assert article.review_by is not None  # validated on import, as a validation sets it
    assert ArticleEvent.objects.count() == 7 and Revision.objects.count() == 7
    assert index_problems() == {}
    assert found("zebra5") == ["case-5"]
    assert IndexTask.objects.filter(processed_at=None).count() == 0


def test_a_batch_announces_each_new_article_after_its_commit(tmp_path, kb_owner, django_capture_on_commit_callbacks):
    from articles.signals import article_changed

    seen = []

    def receiver(sender, change, **kwargs):
        seen.append((change.article.external_id, change.kind, change.version, change.material))

    article_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run_import(write_jsonl(tmp_path, record(1), record(2)), "--batch-size", "5")
    finally:
        article_changed.disconnect(receiver)

    assert sorted(seen) == [
        ("billing/refunds/case-1", EventKind.CREATED, 1, True),
        ("billing/refunds/case-2", EventKind.CREATED, 1, True),
    ]


def test_bad_records_fail_alone_in_every_batch_with_their_line_numbers(tmp_path, kb_owner):
    path = write_jsonl(
        tmp_path,
        record(1),
        record(2, title=""),
        record(3),
        '{"slug": "broken",',
        record(4, source_url="ftp://files.example.com/4"),
        record(5),
        record(1, title="The same key again"),
    )

    out, err, status = run_import(path, "--batch-size", "2")

    assert status == 1
    assert err.splitlines() == [
        "kb.jsonl line 2: missing 'title'",
        "kb.jsonl line 4: invalid JSON (Expecting property name enclosed in double quotes at column 1)",
        "kb.jsonl line 5: 'source_url' is not a web address: 'ftp://files.example.com/4'",
        "kb.jsonl line 7: slug 'billing/refunds/case-1' appears twice (first at kb.jsonl line 1)",
    ]
    assert "Imported 7: 3 created, 0 updated, 0 unchanged, 4 failed" in out
    assert sorted(Article.objects.values_list("external_id", flat=True)) == [f"billing/refunds/case-{n}" for n in (1, 3, 5)]
    assert Version.objects.count() == 3
    assert index_problems() == {}


def test_new_articles_of_one_batch_sharing_a_last_segment_or_a_product_address(tmp_path, kb_owner):
    Product.objects.create(name="Web shop", slug="web-shop")
    path = write_jsonl(
        tmp_path,
        record(1, slug="shop/faq"),
        record(2, slug="billing/faq"),
        record(3, slug="delivery/faq", product="Web Shop"),
        record(4, slug="new/faq", product="Gift Cards"),
        record(5, slug="more/faq", product="Gift Cards"),
        record(6, slug="FAQ"),
        record(7, slug="Faq"),
    )

    out, err, status = run_import(path)

    assert status == 1
    assert err.splitlines() == [
        "kb.jsonl line 3: product 'Web Shop' would have the same address (web-shop) as an existing product with another name"
    ]
    assert sorted(Article.objects.values_list("slug", flat=True)) == [
        "billing-faq",
        "faq",
        "faq-2",
        "faq-3",
        "more-faq",
        "new-faq",
    ]
    assert Product.objects.filter(name="Gift Cards").count() == 1


class Crash(Exception):
    pass


@pytest.mark.parametrize("interruption", [Crash, KeyboardInterrupt])
def test_an_interrupted_import_keeps_whole_batches_and_a_rerun_completes_it(tmp_path, kb_owner, monkeypatch, interruption):
    path = write_jsonl(tmp_path, *(record(n) for n in range(8)))
    real_save_new = services._save_new
    calls = []

    def save_new_then_fail_in_the_second_batch(*args, **kwargs):
        real_save_new(*args, **kwargs)  # the batch's rows are written ...
        calls.append(1)
        if len(calls) == 2:
            raise interruption()  # ... and the process dies before the batch commits

    monkeypatch.setattr(services, "_save_new", save_new_then_fail_in_the_second_batch)
    if interruption is Crash:
        with pytest.raises(Crash):
            run_import(path, "--batch-size", "3", "--index", "batch")
    else:
        _, err, status = run_import(path, "--batch-size", "3", "--index", "batch")
        assert status == 130
        assert "Interrupted after 3 records" in err and "Run the same command again" in err

    # The first batch is in, whole, with its index work queued (in a test the work after a commit
    # never runs, as if the process died right after it); nothing of the second is.
    first = sorted(Article.objects.values_list("pk", flat=True))
    assert sorted(Article.objects.values_list("external_id", flat=True)) == [f"billing/refunds/case-{n}" for n in range(3)]
    assert (Version.objects.count(), Revision.objects.count(), ArticleEvent.objects.count()) == (3, 3, 3)
    if get_backend().transactional:
        assert index_problems() == {}  # its documents committed with it
    else:
        assert sorted(IndexTask.objects.filter(processed_at=None).values_list("article_id", flat=True)) == first

    monkeypatch.setattr(services, "_save_new", real_save_new)
    out, err, status = run_import(path, "--batch-size", "3", "--index", "batch")

    assert (status, err) == (0, "")
    assert "Imported 8: 5 created, 0 updated, 3 unchanged, 0 failed" in out
    for n in range(8):
        assert_versions(imported(f"billing/refunds/case-{n}"), 1)
    assert ArticleEvent.objects.count() == 8
    assert index_problems() == {}


def test_each_batch_is_indexed_right_after_its_commit(tmp_path, kb_owner, monkeypatch, django_capture_on_commit_callbacks):
    # Without the final pass over the queue: the batches' own after-commit work indexes them.
    monkeypatch.setattr(Command, "_index_queue", lambda self: None)
    path = write_jsonl(tmp_path, *(record(n) for n in range(5)))

    with django_capture_on_commit_callbacks(execute=True):
        run_import(path, "--batch-size", "2", "--index", "batch")

    assert index_problems() == {}
    assert found("zebra3") == ["case-3"]
    assert IndexTask.objects.filter(processed_at=None).count() == 0


def test_an_import_resumed_after_a_crash_indexes_what_the_crash_left_queued(tmp_path, kb_owner, monkeypatch):
    # (In a test the batches' after-commit work never runs: as if the process died after each commit.)
    if get_backend().transactional:
        pytest.skip("the PostgreSQL backend writes a batch's documents in its transaction: nothing is left queued")
    first = write_jsonl(tmp_path, record(1), record(2), name="first.jsonl")
    monkeypatch.setattr("search.management.commands.process_index_queue.indexing.process_pending", lambda *a, **k: 0)
    run_import(first, "--index", "batch")  # its final pass over the queue "crashed"
    assert IndexTask.objects.filter(processed_at=None).exists()
    monkeypatch.undo()

    out, err, status = run_import(first, "--index", "batch")

    assert "Imported 2: 0 created, 0 updated, 2 unchanged, 0 failed" in out
    assert IndexTask.objects.filter(processed_at=None).count() == 0
    assert index_problems() == {}


def test_an_unchanged_record_costs_no_query_of_its_own(tmp_path, kb_owner):
    path = write_jsonl(tmp_path, *(record(n) for n in range(20)))
    run_import(path)
    few = write_jsonl(tmp_path, *(record(n) for n in range(2)), name="few.jsonl")

    with CaptureQueriesContext(connection) as small:
        run_import(few)
    with CaptureQueriesContext(connection) as large:
        out, _, _ = run_import(path)

    assert "20 unchanged" in out
    assert len(large.captured_queries) == len(small.captured_queries)


def test_queries_per_batch_do_not_grow_with_its_size(tmp_path, kb_owner):
    run_import(write_jsonl(tmp_path, *(record(n) for n in range(3)), name="seed.jsonl"))  # the product and tags exist
    small = write_jsonl(tmp_path, *(record(n) for n in range(3, 6)), name="small.jsonl")
    large = write_jsonl(tmp_path, *(record(n) for n in range(10, 40)), name="large.jsonl")

    with CaptureQueriesContext(connection) as three:
        run_import(small, "--index", "batch")
    with CaptureQueriesContext(connection) as thirty:
        out, _, _ = run_import(large, "--index", "batch")

    assert "30 created" in out
    assert len(thirty.captured_queries) == len(three.captured_queries)
    assert index_problems() == {}


def test_the_progress_bar_shows_the_rate_and_the_time_left():
    out, now = io.StringIO(), [100.0]
    progress = Progress(TerminalOut(out), 1000, clock=lambda: now[0])

    now[0] = 104.0
    progress.show(200)
    now[0] = 110.0
    progress.show(500)
    progress.done()

    assert out.getvalue().split("\r")[1:] == [
        "  200/1000 articles (20%), 50/s, 0:16 left",
        "  500/1000 articles (50%), 50/s, 0:10 left",
        "  1000/1000 articles (100%), 100/s, 0:10 in all\n",
    ]


class TerminalOut:
    def __init__(self, out: io.StringIO):
        self.out = out

    def write(self, text: str, ending: str = "\n") -> None:
        self.out.write(text + ending)

    def flush(self) -> None:
        pass


def test_exported_records_in_one_batch_keep_rules_contact_address_and_exported_version(tmp_path, kb_owner, publisher):
    contact = {"team": "Hotel Desk", "channel": "#hotel-desk", "hours": "24/7", "response_time": "1 hour", "notes": ""}
    rules = [
        {"action": "refund the booking", "limit_amount": "50.00", "limit_unit": "EUR", "decider": "agent", "notes": ""},
        {"action": "refund more", "limit_amount": "150.00", "limit_unit": "EUR", "decider": "team_lead", "notes": ""},
    ]
    history = [{"number": n} for n in (1, 2, 3, 4)]
    records = [
        record(0, rules=rules, escalation=contact, authority_note="Else: ask the Hotel Desk.", version=4, versions=history),
        record(1, escalation={"team": "Hotel Desk"}, authority_note="Ask the desk.", versions=history[:2]),
        record(2, state="not_validated", audience="partner", owner=publisher.username, page_slug="refunds-2019"),
        record(3, owner="nobody", page_slug="refunds-2019"),
        record(4),
    ]
    path = write_jsonl(tmp_path, *records)

    out, err, status = run_import(path, "--batch-size", "10")

    assert (status, out.splitlines()[-1:]) == (0, ["Imported 5: 5 created, 0 updated, 0 unchanged, 0 failed"]), err
    assert err == (
        "kb.jsonl line 4: warning: owner 'nobody' is not a user here: owned by 'olga' instead\n"
        "kb.jsonl line 4: warning: the address 'refunds-2019' is taken here: the article gets another\n"
    )
    ruled, contacted, moved, second, plain = (imported(f"billing/refunds/case-{n}") for n in range(5))
    assert [(r["action"], str(r["limit_amount"]), r["decider"]) for r in ruled.rule_dicts()] == [
        ("refund the booking", "50.00", "agent"),
        ("refund more", "150.00", "team_lead"),
    ]
    assert ruled.escalation.team == "Hotel Desk" and contacted.escalation == ruled.escalation  # created once
    assert (ruled.authority_note, contacted.authority_note) == ("Else: ask the Hotel Desk.", "Ask the desk.")
    assert (moved.slug, moved.state, moved.audience, moved.owner) == ("refunds-2019", "not_validated", "partner", publisher)
    assert second.slug != "refunds-2019" and second.owner == kb_owner
    notes = {
        ruled: "Imported from kb.jsonl (exported at version 4)",
        contacted: "Imported from kb.jsonl (exported at version 2)",
        moved: "Imported from kb.jsonl",
        plain: "Imported from kb.jsonl",
    }
    for article, note in notes.items():
        (version,) = versions.history(article)
        assert (version.number, version.comment, version.material) == (1, note, True)
        event = assert_last_event(article, kind=EventKind.CREATED, actor=kb_owner, to_value=article.state)
        assert (event.note, event.version) == (note, 1)
    # The rules are in the first stored version, as an article's page shows them in its history.
    assert len(versions.rules_of_version(versions.history(ruled)[0].version)) == 2
    assert versions.rules_of_version(versions.history(contacted)[0].version) == []
    assert index_problems() == {}


@pytest.mark.parametrize("backend", ["whoosh", "tantivy", "postgres"])
def test_a_large_import_into_a_smaller_site_is_indexed_by_one_rebuild_on_every_backend(
    tmp_path, kb_owner, monkeypatch, settings, backend
):
    if backend == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend needs a PostgreSQL database")
    from articles.management.commands import import_articles

    settings.KCS_SEARCH_BACKEND = backend
    monkeypatch.setattr(import_articles, "REBUILD_FROM", 5)
    out, err, status = run_import(write_jsonl(tmp_path, *(record(n) for n in range(6))), "--batch-size", "4")
    assert (status, err) == (0, "")
    assert "Search index rebuilt" in out  # 6 records into an empty site: one rebuild at the end
    assert index_problems() == {} and found("zebra4") == ["case-4"]

    # A smaller import into the now larger site is indexed batch by batch, searchable at once.
    out, err, status = run_import(write_jsonl(tmp_path, *(record(n) for n in range(6, 11))), "--batch-size", "4")
    assert (status, err) == (0, "") and "Search index rebuilt" not in out
    assert index_problems() == {} and found("zebra9") == ["case-9"]
