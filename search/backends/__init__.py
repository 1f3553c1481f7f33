"""The configured search backend (KCS_SEARCH_BACKEND): one instance per process."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from .base import SearchBackend


def get_backend() -> SearchBackend:
    return _backend(settings.KCS_SEARCH_BACKEND, str(settings.KCS_SEARCH_INDEX_DIR))


@lru_cache(maxsize=4)
def _backend(name: str, index_dir: str) -> SearchBackend:
    if name == "whoosh":
        from .whoosh_backend import WhooshBackend

        return WhooshBackend(index_dir)
    if name == "postgres":
        from .postgres_backend import PostgresBackend

        return PostgresBackend()
    raise ValueError(f"Unknown KCS_SEARCH_BACKEND {name!r}: use 'whoosh' or 'postgres'.")
