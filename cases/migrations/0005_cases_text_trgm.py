"""On PostgreSQL, trigram indexes for finding a case by words of its subject or part of its id.

The case list and the API filter with `icontains` (UPPER(...) LIKE '%…%'), which scans every case
otherwise: 99 ms → 37 ms for a count at 100,000 cases in bench/cases.py, more where the words are
rarer. Made only where pg_trgm is installed (search's 0003 creates it when the role may); SQLite
and a server without the extension keep the plain scan.
"""

from django.db import migrations

INDEXES = {
    "case_subject_trgm": "UPPER(subject::text) gin_trgm_ops",
    "case_external_trgm": "UPPER(external_id::text) gin_trgm_ops",
}


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        for name, expression in INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON cases_case USING gin ({expression})")


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_cases_opened_idx"), ("search", "0003_postgres_search")]

    operations = [migrations.RunPython(create, drop)]
