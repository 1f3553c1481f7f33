from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from backups import snapshots
from backups.snapshots import SnapshotError


class Command(BaseCommand):
    help = (
        "Restore a SQLite snapshot written by backup_site into the configured database, then migrate, rebuild and "
        "check the search index, and verify the counts against the manifest. On PostgreSQL, run it after pg_restore: "
        "it verifies the counts and does the rest (on an empty database it prints the pg_restore steps)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Snapshot written by backup_site.")
        parser.add_argument("--force", action="store_true", help="Replace a database that already holds users or articles.")
        parser.add_argument(
            "--no-manifest",
            action="store_true",
            help="Restore without the manifest (lost, or not written by backup_site): counts are checked against the snapshot.",
        )

    def handle(self, *args, **options):
        path = Path(options["path"]).expanduser()
        try:
            if connection.vendor == "sqlite":
                manifest, restored = self._restore_sqlite(path, force=options["force"], manifest=not options["no_manifest"])
            elif connection.vendor == "postgresql":
                manifest, restored = self._after_pg_restore(path)
            else:
                raise SnapshotError(f"restore_site supports SQLite and PostgreSQL, not {connection.vendor}.")
        except (SnapshotError, OSError) as exc:  # OSError: a folder that is not writable, a full disk
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{path} is now in the database {connection.settings_dict['NAME']}.")
        self._migrate()
        call_command("rebuild_index", stdout=self.stdout)
        call_command("check_index", stdout=self.stdout)  # raises if the new index disagrees with the database
        self._print_counts(manifest, restored)

    def _restore_sqlite(self, path: Path, *, force: bool, manifest: bool) -> tuple[dict | None, dict[str, int]]:
        checked = snapshots.verify(path, manifest_use="required" if manifest else "ignored")
        if checked.kind != "sqlite":
            raise SnapshotError(f"{path} is a pg_dump archive: restore it on PostgreSQL with pg_restore.")
        self._refuse_newer(path, checked.migrations)
        name = str(connection.settings_dict["NAME"])
        if not connection.is_in_memory_db():
            if Path(name).exists() and Path(name).resolve() == path.resolve():
                raise SnapshotError(f"{path} is the configured database itself; restore a snapshot of it instead.")
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        connection.ensure_connection()
        if connection.in_atomic_block:
            raise SnapshotError("restore_site cannot run inside a database transaction.")
        occupant = snapshots.occupant(connection)
        if occupant and not force:
            raise SnapshotError(
                f"The database {name} already holds {occupant}; a restore replaces everything in it. "
                "Take a snapshot of it first (backup_site) if it matters, then run restore_site again with --force."
            )
        snapshots.restore_sqlite(path, connection.connection)
        restored = snapshots.live_counts(connection)
        if restored != checked.counts:
            differences = snapshots.describe_differences(checked.counts, restored)
            raise SnapshotError(f"The restored database differs from the snapshot: {differences}.")
        return checked.manifest, restored

    def _after_pg_restore(self, path: Path) -> tuple[dict, dict[str, int]]:
        """pg_restore has put the data back (a DBA's step); check it is the snapshot's, then finish."""
        name = connection.settings_dict["NAME"]
        checked = snapshots.verify(path)
        if checked.kind != "pg_dump":
            raise SnapshotError(f"{path} is a SQLite snapshot; the configured database is PostgreSQL.")
        self._refuse_newer(path, checked.migrations or {})
        if not snapshots.occupant(connection):
            raise SnapshotError(snapshots.postgres_restore_guide(path, name))
        restored = snapshots.live_counts(connection)
        if restored != checked.counts:
            differences = snapshots.describe_differences(checked.counts, restored)
            raise SnapshotError(
                f"The database {name} does not hold what {path} holds ({differences}).\n"
                + snapshots.postgres_restore_guide(path, name)
            )
        return checked.manifest, restored

    def _refuse_newer(self, path: Path, migrations: dict[str, list[str]]) -> None:
        unknown = snapshots.unknown_migrations(migrations)
        if unknown:
            raise SnapshotError(
                f"{path} was taken by a newer version of this software (migrations {', '.join(unknown[:5])} are unknown "
                "here): upgrade the software first, then restore."
            )

    def _migrate(self) -> None:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write(f"Applied {len(plan)} migrations the snapshot predates.")
        else:
            self.stdout.write("The snapshot's schema is current: no migrations to apply.")

    def _print_counts(self, manifest: dict | None, restored: dict[str, int]) -> None:
        expected = manifest["main"] if manifest else snapshots.main_counts(restored)
        source = "manifest" if manifest else "snapshot"
        self.stdout.write(f"  {'':20} {source:>8} {'restored':>8}")
        for label, count in snapshots.main_counts(restored).items():
            shown = "—" if count is None else count
            self.stdout.write(f"  {label:20} {'—' if expected.get(label) is None else expected[label]:>8} {shown:>8}")
        self.stdout.write(self.style.SUCCESS("Every table holds as many rows as the snapshot; the search index matches."))
