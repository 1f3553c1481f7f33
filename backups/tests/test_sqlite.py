"""`backup_site` and `restore_site` on SQLite: a snapshot of the demo KB restores to the same KB.

The demo takes seconds to build, so the module loads it once, committed, into the test database,
backs it up with `backup_site` and restores it with `restore_site` (both through `call_command`,
on the configured database as an operator would). The module's fixture puts the test database
back as it found it afterwards, with the same backup API. The command-line tests run
`manage.py` in a child process against SQLite files, the way a cron job or an operator does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from reversion.models import Revision, Version

from accounts.models import User
from articles.models import Article, ArticleEvent, Reuse, Tag
from backups import snapshots
from coaching.models import ReviewRequest
from feedback.models import Flag
from notifications.models import Notification, OutgoingEmail
from search.backends import reset_backends
from training.models import Acknowledgement

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite snapshots; PostgreSQL backups are pg_dump archives (backups/tests/test_postgres.py)",
)

# What the KB is made of, counted through the ORM (independently of the manifest's own counting).
KB_MODELS = {
    "users": User,
    "articles": Article,
    "versions": Version,
    "revisions": Revision,
    "article events": ArticleEvent,
    "reuse on cases": Reuse,
    "flags": Flag,
    "acknowledgements": Acknowledgement,
    "notifications": Notification,
    "outbox emails": OutgoingEmail,
    "coaching reviews": ReviewRequest,
}


def kb_counts() -> dict[str, int]:
    return {label: model.objects.count() for label, model in KB_MODELS.items()}


@dataclass
class RoundTrip:
    snapshot: Path
    index_dir: Path
    before: dict[str, int]  # the ORM's counts when the snapshot was taken
    after: dict[str, int]  # the ORM's counts after restore_site --force
    tables_before: dict[str, int]
    tables_after: dict[str, int]
    backup_output: str
    refusal: str
    kept_without_force: bool  # the row written after the snapshot survived the refused restore
    restore_output: str


@pytest.fixture(scope="module")
def round_trip(django_db_setup, django_db_blocker, tmp_path_factory) -> RoundTrip:
    folder = tmp_path_factory.mktemp("backups")
    index_dir = folder / "index"
    with (
        django_db_blocker.unblock(),
        # No in-process retry timers (as in every test): they would write behind the module's back.
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            KCS_SEARCH_INDEX_DIR=index_dir,
            KCS_SEARCH_RETRY_IN_PROCESS=False,
        ),
    ):
        connection.ensure_connection()
        pristine = sqlite3.connect(":memory:")
        connection.connection.backup(pristine)  # the test database as this module found it
        try:
            call_command("load_demo", stdout=StringIO())
            before, tables_before = kb_counts(), snapshots.live_counts(connection)
            out = StringIO()
            call_command("backup_site", str(folder / "kb.sqlite3"), stdout=out)
            backup_output = out.getvalue()
            Tag.objects.create(name="written-after-the-snapshot")  # what a restore must take back
            with pytest.raises(CommandError) as refused:
                call_command("restore_site", str(folder / "kb.sqlite3"), stdout=StringIO())
            kept = Tag.objects.filter(name="written-after-the-snapshot").exists()
            out = StringIO()
            call_command("restore_site", str(folder / "kb.sqlite3"), "--force", stdout=out)
            yield RoundTrip(
                snapshot=folder / "kb.sqlite3",
                index_dir=index_dir,
                before=before,
                after=kb_counts(),
                tables_before=tables_before,
                tables_after=snapshots.live_counts(connection),
                backup_output=backup_output,
                refusal=str(refused.value),
                kept_without_force=kept,
                restore_output=out.getvalue(),
            )
        finally:
            pristine.backup(connection.connection)
            pristine.close()
            reset_backends()


def manage(*args: str, database: Path, index_dir: Path) -> subprocess.CompletedProcess:
    """Run manage.py in a child process on a SQLite file, as cron or an operator would."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", KCS_SEARCH_INDEX_DIR=str(index_dir), KCS_SEARCH_BACKEND="whoosh")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables if t in snapshots.model_tables()}
    finally:
        conn.close()


# --- the round trip on the demo KB ----------------------------------------------------------------


def test_restore_gives_back_the_same_kb(round_trip):
    assert all(round_trip.before[label] > 0 for label in KB_MODELS), round_trip.before  # the demo has some of each
    assert round_trip.after == round_trip.before
    assert round_trip.tables_after == round_trip.tables_before  # every table, row for row


def test_restore_takes_back_what_was_written_after_the_snapshot(db, round_trip):
    assert round_trip.kept_without_force
    assert not Tag.objects.filter(name="written-after-the-snapshot").exists()


def test_restore_refuses_a_database_in_use_without_force(round_trip):
    assert f"already holds {round_trip.before['users']} users and {round_trip.before['articles']} articles" in round_trip.refusal
    assert "--force" in round_trip.refusal


def test_restore_rebuilds_and_checks_the_search_index_and_prints_the_counts(round_trip):
    out = round_trip.restore_output
    assert f"Indexed {round_trip.before['articles']} articles" in out
    assert "missing: 0" in out and "stale: 0" in out and "extra: 0" in out
    assert "The search index matches the database." in out
    articles = round_trip.before["articles"]
    assert re.search(rf"^  articles +{articles} +{articles}$", out, re.MULTILINE)


def test_search_on_the_restored_site_finds_a_demo_article(db, round_trip, settings):
    settings.KCS_SEARCH_INDEX_DIR = round_trip.index_dir  # the index restore_site rebuilt
    out = StringIO()
    call_command("search", "piece missing from my construction set", "--json", stdout=out)
    assert "toy-set-missing-part" in [hit["slug"] for hit in json.loads(out.getvalue())]


def test_backup_writes_one_self_contained_file_and_a_manifest(round_trip):
    snapshot = round_trip.snapshot
    assert not Path(f"{snapshot}-wal").exists() and not Path(f"{snapshot}-shm").exists()
    assert not list(snapshot.parent.glob(".*.tmp"))  # temp files were renamed, none left behind
    manifest = json.loads(snapshots.manifest_path(snapshot).read_text())
    assert manifest["engine"] == "sqlite"
    assert manifest["created_at"]
    assert "0001_initial" in manifest["migrations"]["articles"]
    assert manifest["counts"] == round_trip.tables_before
    assert manifest["main"]["articles"] == round_trip.before["articles"]
    assert manifest["main"]["versions"] == round_trip.before["versions"]
    assert f"Snapshot written to {snapshot}" in round_trip.backup_output


def test_check_reports_integrity_and_counts(round_trip):
    out = StringIO()
    call_command("backup_site", "--check", str(round_trip.snapshot), stdout=out)
    assert "integrity check passed" in out.getvalue()
    assert "it matches its manifest" in out.getvalue()
    assert re.search(rf"^  flags +{round_trip.before['flags']}$", out.getvalue(), re.MULTILINE)


# --- damaged, missing and foreign snapshots ---------------------------------------------------------


def copy_with_manifest(snapshot: Path, target: Path) -> Path:
    shutil.copy(snapshot, target)
    shutil.copy(snapshots.manifest_path(snapshot), snapshots.manifest_path(target))
    return target


def test_a_truncated_snapshot_is_refused_and_the_database_is_untouched(db, round_trip, tmp_path):
    damaged = copy_with_manifest(round_trip.snapshot, tmp_path / "damaged.sqlite3")
    damaged.write_bytes(damaged.read_bytes()[:100_000])
    for command in (["backup_site", "--check"], ["restore_site", "--force"]):
        with pytest.raises(CommandError, match="does not match its manifest"):
            call_command(*command, str(damaged), stdout=StringIO())
    with pytest.raises(CommandError, match="cannot be read as a SQLite database|is damaged"):
        call_command("restore_site", "--force", "--no-manifest", str(damaged), stdout=StringIO())
    assert kb_counts() == round_trip.before


def test_a_missing_snapshot_or_manifest_is_a_clear_error(db, round_trip, tmp_path):
    with pytest.raises(CommandError, match="No snapshot at"):
        call_command("restore_site", str(tmp_path / "nothing.sqlite3"), stdout=StringIO())
    shutil.copy(round_trip.snapshot, tmp_path / "bare.sqlite3")
    with pytest.raises(CommandError, match="No manifest beside .*--no-manifest"):
        call_command("restore_site", "--force", str(tmp_path / "bare.sqlite3"), stdout=StringIO())
    assert kb_counts() == round_trip.before


def test_a_file_that_is_not_a_snapshot_is_refused(db, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("not a database")
    with pytest.raises(CommandError, match="neither a SQLite snapshot nor a pg_dump archive"):
        call_command("backup_site", "--check", str(other), stdout=StringIO())


def test_a_snapshot_from_a_newer_version_is_refused(db, round_trip, tmp_path):
    newer = tmp_path / "newer.sqlite3"
    shutil.copy(round_trip.snapshot, newer)
    with closing(sqlite3.connect(newer)) as conn, conn:
        conn.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('articles', '9999_from_the_future', '2030')")
    with pytest.raises(CommandError, match="newer version of this software.*articles.9999_from_the_future"):
        call_command("restore_site", "--force", "--no-manifest", str(newer), stdout=StringIO())
    assert kb_counts() == round_trip.before


def test_migrations_of_an_app_no_longer_installed_do_not_count_as_newer():
    leftovers = {"authtoken": ["0001_initial"], "articles": ["0001_initial"]}  # authtoken was removed from the site
    assert snapshots.unknown_migrations(leftovers) == []
    assert snapshots.unknown_migrations({"articles": ["9999_from_the_future"]}) == ["articles.9999_from_the_future"]


# --- from the command line, on SQLite files ------------------------------------------------------------


def test_restore_into_a_fresh_database_file_migrates_an_older_snapshot_then_refuses_to_overwrite_it(round_trip, tmp_path):
    older = tmp_path / "older.sqlite3"  # as if taken before admin's newest migration (a field's choices)
    shutil.copy(round_trip.snapshot, older)
    with closing(sqlite3.connect(older)) as conn, conn:
        conn.execute("DELETE FROM django_migrations WHERE app = 'admin' AND name = '0003_logentry_add_action_flag_choices'")
    database, index_dir = tmp_path / "new-site" / "kb.sqlite3", tmp_path / "index"
    done = manage("restore_site", "--no-manifest", str(older), database=database, index_dir=index_dir)
    assert done.returncode == 0, done.stderr
    assert "Applied 1 migrations the snapshot predates." in done.stdout
    assert "The search index matches the database." in done.stdout
    assert table_counts(database) == round_trip.tables_before
    with closing(sqlite3.connect(database)) as conn:
        applied = conn.execute("SELECT name FROM django_migrations WHERE app = 'admin'").fetchall()
    assert ("0003_logentry_add_action_flag_choices",) in applied

    again = manage("restore_site", str(round_trip.snapshot), database=database, index_dir=index_dir)
    assert again.returncode == 1
    assert "already holds" in again.stderr and "--force" in again.stderr
    assert "Traceback" not in again.stderr


def test_a_corrupt_snapshot_exits_non_zero_without_a_traceback(round_trip, tmp_path):
    damaged = copy_with_manifest(round_trip.snapshot, tmp_path / "damaged.sqlite3")
    with damaged.open("r+b") as fh:
        fh.seek(50_000)
        fh.write(b"\xff" * 4096)
    done = manage("restore_site", str(damaged), database=tmp_path / "kb.sqlite3", index_dir=tmp_path / "index")
    assert done.returncode == 1
    assert "does not match its manifest" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "kb.sqlite3").exists()


BATCH = 10


def write_batches(database: Path, stop: threading.Event, progress: list[int], errors: list[Exception]) -> None:
    """Commit batches of BATCH rows, each held open half-written for a moment, until told to stop."""
    conn = sqlite3.connect(database, isolation_level=None, timeout=20)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        batch = 0
        while not stop.is_set() and batch < 2000:
            batch += 1
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO probe (batch, n) VALUES (?, ?)", [(batch, n) for n in range(BATCH // 2)])
            stop.wait(0.005)  # half a batch written, not committed: a backup now must not see it
            conn.executemany("INSERT INTO probe (batch, n) VALUES (?, ?)", [(batch, n) for n in range(BATCH // 2, BATCH)])
            conn.execute("COMMIT")
            progress.append(batch)
    except Exception as exc:  # noqa: BLE001 — reported by the test
        errors.append(exc)
    finally:
        conn.close()


def test_a_backup_taken_while_another_connection_writes_is_consistent(round_trip, tmp_path):
    live = tmp_path / "live.sqlite3"
    shutil.copy(round_trip.snapshot, live)
    with closing(sqlite3.connect(live)) as conn, conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE probe (batch INTEGER, n INTEGER)")
    stop, progress, errors = threading.Event(), [], []
    writer = threading.Thread(target=write_batches, args=(live, stop, progress, errors))
    writer.start()
    try:
        while not progress and not errors:
            stop.wait(0.01)
        committed_before = len(progress)
        done = manage("backup_site", str(tmp_path / "snap.sqlite3"), database=live, index_dir=tmp_path / "index")
        committed_during = len(progress) - committed_before
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    assert not errors, errors  # the writer was never refused or blocked for good
    assert committed_during > 0  # the backup really ran while the writer was committing

    snapshot = tmp_path / "snap.sqlite3"
    counts = snapshots.verify(snapshot).counts  # integrity check, sha256 and counts vs manifest
    conn = sqlite3.connect(snapshot)
    try:
        per_batch = dict(conn.execute("SELECT batch, COUNT(*) FROM probe GROUP BY batch").fetchall())
    finally:
        conn.close()
    assert set(per_batch.values()) == {BATCH}  # no half-written batch
    assert sorted(per_batch) == list(range(1, len(per_batch) + 1))  # every committed batch up to one moment
    assert committed_before <= len(per_batch) <= len(progress)
    assert counts == round_trip.tables_before
