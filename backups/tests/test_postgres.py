"""`backup_site` and `restore_site` on PostgreSQL: pg_dump archives with a manifest.

pg_dump reads committed data through its own connection, so it cannot see what a test writes in
its transaction: these tests dump the test database as migrated. The full round trip (demo KB,
pg_restore into a new database, restore_site) is in the README and was run by hand.
"""

from __future__ import annotations

import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from backups import snapshots
from conftest import make_user

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump archives need PostgreSQL"),
    pytest.mark.skipif(not (shutil.which("pg_dump") and shutil.which("pg_restore")), reason="pg_dump/pg_restore not on PATH"),
]


@pytest.fixture
def dump(db, tmp_path):
    out = StringIO()
    call_command("backup_site", str(tmp_path / "kb.dump"), stdout=out)
    return tmp_path / "kb.dump", out.getvalue()


def test_backup_runs_pg_dump_and_writes_a_manifest_of_the_same_snapshot(dump):
    path, output = dump
    assert path.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format (-Fc)
    manifest = json.loads(snapshots.manifest_path(path).read_text())
    assert manifest["engine"] == "postgresql"
    assert manifest["database"] == connection.settings_dict["NAME"]
    assert manifest["counts"] == snapshots.live_counts(connection)  # nothing was committed since
    assert "0001_initial" in manifest["migrations"]["articles"]
    assert f"Snapshot written to {path}" in output


def test_check_reads_the_archive_and_its_manifest(dump):
    out = StringIO()
    call_command("backup_site", "--check", str(dump[0]), stdout=out)
    assert "pg_restore reads its table of contents" in out.getvalue()
    assert "it matches its manifest" in out.getvalue()


def test_a_truncated_archive_is_refused(dump):
    path = dump[0]
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("backup_site", "--check", str(path), stdout=StringIO())
    snapshots.manifest_path(path).unlink()
    with pytest.raises(CommandError, match="not a readable pg_dump archive"):
        call_command("backup_site", "--check", str(path), stdout=StringIO())


def test_restore_on_an_empty_database_prints_the_pg_restore_steps(dump):
    with pytest.raises(CommandError) as refused:
        call_command("restore_site", str(dump[0]), stdout=StringIO())
    assert f"pg_restore --no-owner --exit-on-error --dbname={connection.settings_dict['NAME']} {dump[0]}" in str(refused.value)


def test_restore_refuses_a_database_that_does_not_hold_the_dump(dump):
    make_user("someone-new")
    with pytest.raises(CommandError, match="does not hold what .* holds"):
        call_command("restore_site", str(dump[0]), stdout=StringIO())
