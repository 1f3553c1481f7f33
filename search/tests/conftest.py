"""Fixtures the search tests share."""

from __future__ import annotations

import pytest
from django.db import connection

from search.backends import get_backend


@pytest.fixture(params=["whoosh", "tantivy", "postgres"])
def backend(request, db, settings):
    """Each search backend in turn (PostgreSQL's only on a PostgreSQL database)."""
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend needs a PostgreSQL database (set DATABASE_URL=postgres://…)")
    settings.KCS_SEARCH_BACKEND = request.param
    return get_backend()
