"""The configured search backend (KCS_SEARCH_BACKEND): one instance per process and setting."""

from __future__ import annotations

from django.conf import settings

from .base import SearchBackend

_BACKENDS: dict[tuple[str, str], SearchBackend] = {}


def get_backend() -> SearchBackend:
    key = (settings.KCS_SEARCH_BACKEND, str(settings.KCS_SEARCH_INDEX_DIR))
    if key not in _BACKENDS:
        _BACKENDS[key] = _create(*key)
    return _BACKENDS[key]


def _create(name: str, index_dir: str) -> SearchBackend:
    if name == "whoosh":
        from .whoosh_backend import WhooshBackend

        return WhooshBackend(index_dir)
    if name == "postgres":
        from .postgres_backend import PostgresBackend

        return PostgresBackend()
    if name == "tantivy":
        from .tantivy_backend import TantivyBackend

        return TantivyBackend(index_dir)
    raise ValueError(f"Unknown KCS_SEARCH_BACKEND {name!r}: use 'whoosh', 'tantivy' or 'postgres'.")


def reset_backends() -> None:
    """Close and forget every backend instance (tests do this after each test)."""
    for backend in _BACKENDS.values():
        backend.close_all()
    _BACKENDS.clear()
