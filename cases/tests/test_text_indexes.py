"""Finding a case by words of its subject stays an index lookup on PostgreSQL (migration 0005)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _has_trigrams() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_case_subject_and_id_have_trigram_indexes_where_pg_trgm_is_installed():
    if not _has_trigrams():
        pytest.skip("pg_trgm is not installed on this server")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case'")
        indexes = dict(cursor.fetchall())
    assert "gin_trgm_ops" in indexes["case_subject_trgm"] and "upper" in indexes["case_subject_trgm"].lower()
    assert "gin_trgm_ops" in indexes["case_external_trgm"]
