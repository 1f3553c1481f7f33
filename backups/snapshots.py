"""Consistent snapshots of the site's database, how to check one, and how to put one back.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies the whole database in one
step, inside one read transaction, so the copy is the database as of one commit while the site
keeps writing (in WAL mode writers are not even blocked). PostgreSQL: `pg_dump -Fc` reads a
snapshot exported by the transaction that counts the rows, so the counts describe exactly what
the dump holds.

Every snapshot has a manifest beside it (`<snapshot>.manifest.json`): when it was taken, the
software version and the migrations applied, the engine, the file's sha256 and the row count of
every table. Checks and restores compare against it.

The Whoosh search index is not in a snapshot: it is derived from the database, and an index
copied at another moment than the database would disagree with it. A restore rebuilds it (and
rebuilds the PostgreSQL backend's index tables too, which a dump does carry).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.request import pathname2url

from django.apps import apps
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

MANIFEST_SUFFIX = ".manifest.json"
FORMAT = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"

# What an operator checks after a restore (every table is counted in the manifest; these are printed).
MAIN_TABLES = {
    "users": "accounts.User",
    "articles": "articles.Article",
    "versions": "reversion.Version",
    "article events": "articles.ArticleEvent",
    "reuse on cases": "articles.Reuse",
    "flags": "feedback.Flag",
    "acknowledgements": "training.Acknowledgement",
    "notifications": "notifications.Notification",
    "outbox emails": "notifications.OutgoingEmail",
    "coaching reviews": "coaching.ReviewRequest",
    "licence promotions": "licences.Promotion",
}


class SnapshotError(Exception):
    """A problem with a snapshot or its target, worded for the operator (no traceback needed)."""


# --- what a manifest records ------------------------------------------------------------------


def manifest_path(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + MANIFEST_SUFFIX)


def model_tables() -> list[str]:
    """Every table the installed apps own (the auto-created many-to-many tables too)."""
    return sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)})


def main_counts(counts: dict[str, int]) -> dict[str, int | None]:
    """The counts an operator reads, by name; None for a table the snapshot does not have."""
    return {label: counts.get(apps.get_model(model)._meta.db_table) for label, model in MAIN_TABLES.items()}


def app_version() -> str:
    pyproject = Path(settings.BASE_DIR) / "pyproject.toml"
    try:
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _count(cursor, tables: Iterable[str], present: set[str], quote) -> dict[str, int]:
    counts = {}
    for table in tables:
        if table in present:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def build_manifest(*, snapshot: Path, engine: str, database: str, counts: dict[str, int], migrations: dict) -> dict:
    return {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "engine": engine,
        "database": database,
        "app_version": app_version(),
        "sqlite_version": sqlite3.sqlite_version if engine == "sqlite" else None,
        "snapshot": snapshot.name,
        "size_bytes": snapshot.stat().st_size,
        "sha256": sha256(snapshot),
        "migrations": migrations,
        "main": main_counts(counts),
        "counts": counts,
    }


def write_manifest(snapshot: Path, manifest: dict) -> Path:
    target = manifest_path(snapshot)
    _write_atomically(target, (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode())
    return target


def read_manifest(snapshot: Path) -> dict | None:
    path = manifest_path(snapshot)
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"The manifest {path} cannot be read: {exc}.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("counts"), dict):
        raise SnapshotError(f"The manifest {path} is not one this software wrote (format {FORMAT}).")
    return manifest


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def unknown_migrations(migrations: dict[str, list[str]]) -> list[str]:
    """Migrations a snapshot has that this code does not: it was taken by a newer version.

    Only apps still installed count: the rows of an app since removed (as rest_framework.authtoken
    was) are harmless leftovers. Migrations a squashed one replaces count as known.
    """
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.graph.nodes)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces or [])
    installed = {app for app, _ in known}
    return [
        f"{app}.{name}" for app, names in migrations.items() if app in installed for name in names if (app, name) not in known
    ]


# --- files ----------------------------------------------------------------------------------------


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _temp_beside(target: Path) -> Path:
    """An empty file in the target's folder, so the final rename is atomic (same file system)."""
    if not target.parent.is_dir():
        raise SnapshotError(f"The folder {target.parent} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(tmp)


def _publish(tmp: Path, target: Path) -> None:
    """Make a finished snapshot visible under its name: durable first, then renamed in one step."""
    _fsync(tmp)
    os.replace(tmp, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def kind_of(path: Path) -> str:
    """'sqlite' or 'pg_dump' from the file's first bytes; a clear error for anything else."""
    if not path.exists():
        raise SnapshotError(f"No snapshot at {path}.")
    if not path.is_file():
        raise SnapshotError(f"{path} is not a file.")
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "pg_dump"
    raise SnapshotError(f"{path} is neither a SQLite snapshot nor a pg_dump archive (damaged, or another file).")


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_contents(conn: sqlite3.Connection) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Row counts of the site's tables and the applied migrations, read through one connection."""
    cursor = conn.cursor()
    present = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "django_migrations" not in present:
        raise SnapshotError("It holds no django_migrations table: it is not a snapshot of this site.")
    return _count(cursor, model_tables(), present, _sqlite_quote), _migrations(cursor)


def sqlite_problems(conn: sqlite3.Connection, *, quick: bool = False) -> list[str]:
    rows = [row[0] for row in conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def backup_sqlite(source: sqlite3.Connection, target: Path, *, database: str) -> dict:
    """Write a consistent copy of `source` to `target` (temp file, then rename) and its manifest."""
    tmp = _temp_beside(target)
    try:
        copy = sqlite3.connect(tmp, isolation_level=None)
        try:
            # pages=-1: one step, one read transaction on the source, so the copy is one commit's
            # state. Several steps would restart whenever another process commits in between.
            source.backup(copy, pages=-1)
            # The copy inherits WAL mode from the live database; switch it back so the snapshot is
            # one self-contained file (no -wal or -shm file that must travel with it).
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = sqlite_problems(copy, quick=True)
            if problems:
                raise SnapshotError("The copy failed its integrity check: " + "; ".join(problems[:5]))
            counts, migrations = sqlite_contents(copy)
        finally:
            copy.close()
        _publish(tmp, target)
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise SnapshotError(f"Writing the snapshot failed: {exc}.") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    manifest = build_manifest(snapshot=target, engine="sqlite", database=database, counts=counts, migrations=migrations)
    write_manifest(target, manifest)
    return manifest


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{pathname2url(str(path.resolve()))}?mode=ro", uri=True, isolation_level=None)


def inspect_sqlite(path: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Full integrity check of a SQLite snapshot; its counts and migrations."""
    try:
        conn = _open_read_only(path)
        try:
            problems = sqlite_problems(conn)
            if problems:
                raise SnapshotError(f"{path} is damaged: " + "; ".join(problems[:5]))
            return sqlite_contents(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise SnapshotError(f"{path} cannot be read as a SQLite database: {exc}.") from None


def restore_sqlite(snapshot: Path, target: sqlite3.Connection) -> None:
    """Replace the database behind `target` with the snapshot, through the backup API.

    SQLite writes the pages under its own locks and keeps the target's journal mode (WAL), so
    any stale -wal/-shm content is superseded rather than mixed in, and a reader that is still
    connected sees either the old database or the restored one, never a mixture.
    """
    source = _open_read_only(snapshot)
    try:
        source.backup(target, pages=-1)
    except sqlite3.Error as exc:
        raise SnapshotError(f"Copying the snapshot into the database failed: {exc}.") from None
    finally:
        source.close()


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq's variables for the configured database, so no password appears on a command line."""
    env = dict(os.environ)
    for var, key in (("PGDATABASE", "NAME"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD"), ("PGHOST", "HOST")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("PORT"):
        env["PGPORT"] = str(settings_dict["PORT"])
    if settings_dict.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = settings_dict["OPTIONS"]["sslmode"]
    return env


def backup_postgres(connection: BaseDatabaseWrapper, target: Path) -> dict:
    """`pg_dump -Fc` of the configured database, with counts from the very snapshot it dumps."""
    pg_dump = shutil.which("pg_dump")
    if not pg_dump:
        raise SnapshotError(
            "pg_dump is not on PATH. Install the PostgreSQL client of the server's version "
            "(Debian: postgresql-client), or run: pg_dump -Fc -f BACKUP.dump DATABASE"
        )
    settings_dict = connection.settings_dict
    params = {"dbname": settings_dict["NAME"], "user": settings_dict.get("USER"), "password": settings_dict.get("PASSWORD")}
    params |= {"host": settings_dict.get("HOST"), "port": settings_dict.get("PORT")}
    params["sslmode"] = settings_dict.get("OPTIONS", {}).get("sslmode")
    tmp = _temp_beside(target)
    try:
        raw = connection.Database.connect(**{k: v for k, v in params.items() if v})
    except connection.Database.Error as exc:
        tmp.unlink(missing_ok=True)
        raise SnapshotError(f"Cannot connect to the database {settings_dict['NAME']}: {exc}") from None
    try:
        # REPEATABLE READ: every count reads the same snapshot, which pg_dump then adopts.
        raw.isolation_level = connection.Database.IsolationLevel.REPEATABLE_READ
        raw.read_only = True
        cursor = raw.cursor()
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        present = {row[0] for row in cursor.fetchall()}
        if "django_migrations" not in present:
            raise SnapshotError(f"The database {settings_dict['NAME']} has no django_migrations table: run migrate first.")
        counts = _count(cursor, model_tables(), present, connection.ops.quote_name)
        migrations = _migrations(cursor)
        done = subprocess.run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot_id}", "--no-password", f"--file={tmp}"],
            env=_pg_env(settings_dict),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SnapshotError(f"pg_dump failed (exit {done.returncode}): {done.stderr.strip()}")
        _publish(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        raw.rollback()
        raw.close()
    manifest = build_manifest(
        snapshot=target, engine="postgresql", database=settings_dict["NAME"], counts=counts, migrations=migrations
    )
    write_manifest(target, manifest)
    return manifest


def inspect_pg_dump(path: Path) -> None:
    """pg_restore reads the archive's table of contents: a truncated or damaged dump fails here."""
    pg_restore = shutil.which("pg_restore")
    if not pg_restore:
        raise SnapshotError("pg_restore is not on PATH: install the PostgreSQL client to check a pg_dump archive.")
    done = subprocess.run([pg_restore, "--list", str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SnapshotError(f"{path} is not a readable pg_dump archive: {done.stderr.strip()}")


def postgres_restore_guide(snapshot: Path, database: str) -> str:
    return (
        "On PostgreSQL the data goes back with pg_restore, into a new, empty database (not migrated: the dump "
        "creates the tables); the database and its roles are the database administrator's call:\n"
        f"  createdb {database}\n"
        f"  pg_restore --no-owner --exit-on-error --dbname={database} {snapshot}\n"
        f"Then, with DATABASE_URL naming that database, run this again: python manage.py restore_site {snapshot}\n"
        "It verifies the counts against the manifest, migrates, and runs rebuild_index and check_index."
    )


# --- checking a snapshot, and what is in a live database ------------------------------------------


@dataclass
class Checked:
    """A snapshot that passed `verify`: its kind, manifest (if used), row counts and migrations."""

    kind: str
    manifest: dict | None
    counts: dict[str, int] | None
    migrations: dict[str, list[str]] | None


def verify(path: Path, *, manifest_use: str = "required") -> Checked:
    """Check a snapshot: readable, intact, matching its manifest.

    `manifest_use`: "required", "if present" (checks), or "ignored" (restoring a snapshot whose
    manifest is lost or was not written by backup_site). Counts and migrations are read from
    the snapshot itself for SQLite; for a pg_dump archive they come from the manifest (reading
    them back would need a restore).
    """
    kind = kind_of(path)
    manifest = None if manifest_use == "ignored" else read_manifest(path)
    if manifest is None and manifest_use == "required":
        raise SnapshotError(
            f"No manifest beside {path} ({manifest_path(path).name}), so the restore cannot be verified. "
            "Pass --no-manifest to restore it anyway."
        )
    if manifest is not None and manifest.get("sha256") != sha256(path):
        raise SnapshotError(f"{path} does not match its manifest: the file changed or was damaged after it was written.")
    if kind == "pg_dump":
        inspect_pg_dump(path)
        return Checked(kind, manifest, (manifest or {}).get("counts"), (manifest or {}).get("migrations"))
    counts, migrations = inspect_sqlite(path)
    if manifest is not None and counts != manifest["counts"]:
        differences = describe_differences(manifest["counts"], counts)
        raise SnapshotError(f"{path} does not hold the rows its manifest lists: {differences}.")
    return Checked(kind, manifest, counts, migrations)


def describe_differences(expected: dict[str, int], actual: dict[str, int]) -> str:
    names = sorted(set(expected) | set(actual))
    return ", ".join(f"{n}: {expected.get(n)} expected, {actual.get(n)} found" for n in names if expected.get(n) != actual.get(n))


def live_counts(connection: BaseDatabaseWrapper) -> dict[str, int]:
    """Row counts of the configured database's tables, as a manifest records them."""
    present = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        return _count(cursor, model_tables(), present, connection.ops.quote_name)


def occupant(connection: BaseDatabaseWrapper) -> str:
    """What a restore would overwrite: '' for an empty or freshly migrated database."""
    present = set(connection.introspection.table_names())
    if not present:
        return ""
    user_table = apps.get_model(MAIN_TABLES["users"])._meta.db_table
    article_table = apps.get_model(MAIN_TABLES["articles"])._meta.db_table
    if user_table not in present or article_table not in present:
        return f"{len(present)} tables of something other than this site"
    with connection.cursor() as cursor:
        counts = _count(cursor, [user_table, article_table], present, connection.ops.quote_name)
    if counts[user_table] or counts[article_table]:
        return f"{counts[user_table]} users and {counts[article_table]} articles"
    return ""
