"""The one check every benchmark makes before it writes: it fills (and may empty) its database,
so a PostgreSQL database named by DATABASE_URL must be a bench database, never `test` or a site's."""

from __future__ import annotations


def refuse_unless_bench(url: str) -> None:
    """Stop the script when `url` names a PostgreSQL database whose name lacks "bench"."""
    if url.startswith(("postgres", "pgsql")):
        name = url.rsplit("/", 1)[-1].split("?")[0]
        if "bench" not in name or name == "test":
            raise SystemExit(f"Refusing to use database {name!r}: its name must contain 'bench' (this script empties it).")
