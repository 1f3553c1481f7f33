"""The one check every benchmark makes before it writes: it fills (and may empty) its database,
so a PostgreSQL database named by DATABASE_URL must be a bench database, never `test` or a site's."""

from __future__ import annotations


def refuse_unless_bench(url: str) -> None:
    """Stop the script when `url` names a PostgreSQL database whose name lacks "bench"."""
    if url.startswith(("postgres", "pgsql")):
        name = url.rsplit("/", 1)[-1].split("?")[0]
        if "bench" not in name or name == "test":
            raise SystemExit(f"Refusing to use database {name!r}: its name must contain 'bench' (this script empties it).")


def choose_database(db_file, *, reuse: bool) -> None:
    """Point DATABASE_URL at the benchmark's database: DATABASE_URL as set (a PostgreSQL bench
    database, checked), else the SQLite file `db_file`, emptied first unless `reuse`."""
    import os
    from pathlib import Path

    url = os.environ.get("DATABASE_URL", "")
    if url:
        refuse_unless_bench(url)
        return
    os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    if not reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
