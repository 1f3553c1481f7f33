import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from backups import snapshots
from backups.snapshots import SnapshotError


class Command(BaseCommand):
    help = (
        "Write a consistent snapshot of the database while the site runs (SQLite: online backup API; "
        "PostgreSQL: pg_dump -Fc) with a manifest beside it. --check PATH verifies an existing snapshot."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Snapshot file to write, or an existing folder (a dated name is chosen).")
        parser.add_argument("--check", action="store_true", help="Check the snapshot at PATH instead of writing one.")

    def handle(self, *args, **options):
        path = Path(options["path"]).expanduser()
        if options["check"]:
            self._check(path)
            return
        vendor = connection.vendor
        if vendor not in ("sqlite", "postgresql"):
            raise CommandError(f"backup_site supports SQLite and PostgreSQL, not {vendor}.")
        if path.is_dir():
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            path = path / f"kcs-{stamp}.{'sqlite3' if vendor == 'sqlite' else 'dump'}"
        started = time.perf_counter()
        try:
            manifest = self._backup_sqlite(path) if vendor == "sqlite" else snapshots.backup_postgres(connection, path)
        except (SnapshotError, OSError) as exc:  # OSError: a folder that is not writable, a full disk
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Snapshot written to {path} ({manifest['size_bytes'] / 1e6:.1f} MB, {manifest['engine']}) "
                f"in {time.perf_counter() - started:.1f} s; manifest {snapshots.manifest_path(path).name}."
            )
        )
        self._print_counts(manifest["main"])

    def _backup_sqlite(self, path: Path) -> dict:
        database = str(connection.settings_dict["NAME"])
        if path.exists() and Path(database).exists() and path.resolve() == Path(database).resolve():
            raise CommandError(f"{path} is the live database itself; choose another file.")
        if connection.in_atomic_block:
            # The backup API cannot read through a connection that is writing: it would wait forever.
            raise CommandError("backup_site cannot run inside a database transaction.")
        connection.ensure_connection()
        return snapshots.backup_sqlite(connection.connection, path, database=database)

    def _check(self, path: Path) -> None:
        try:
            checked = snapshots.verify(path, manifest_use="if present")
        except (SnapshotError, OSError) as exc:
            raise CommandError(str(exc)) from None
        kind, manifest, counts = checked.kind, checked.manifest, checked.counts
        what = "integrity check passed" if kind == "sqlite" else "pg_restore reads its table of contents"
        self.stdout.write(self.style.SUCCESS(f"{path}: a {kind} snapshot; {what}."))
        if manifest is None:
            self.stdout.write(self.style.WARNING("No manifest beside it: the counts below are the snapshot's own."))
        else:
            self.stdout.write(
                f"Taken {manifest['created_at']} from {manifest['database']} (software {manifest['app_version']}); "
                "it matches its manifest."
            )
        if counts is not None:
            self._print_counts(snapshots.main_counts(counts))

    def _print_counts(self, main: dict) -> None:
        for label, count in main.items():
            self.stdout.write(f"  {label:20} {'—' if count is None else count:>8}")
