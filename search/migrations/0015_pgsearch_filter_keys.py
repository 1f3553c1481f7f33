"""PostgreSQL search: the text indexes also hold each row's state, audience and product, as one array
("product:billing"), so that a filtered search intersects the words' matches with the filter's rows
inside one index scan (search.backends.postgres_backend.KEYS). Without it, a search for a common
word filtered to a small product read every match's row to find the product's few.

The GIN indexes on `document` and `document || authority` are replaced by two-column ones (the
text, then the array): a search without a filter uses their first column as before. Not a
separate index on the array: given one, the planner would take the filter's rows from it and test
`@@` on each, reading every such row's TOASTed tsvector, where the two-column index tests both in
the index. Nothing is written to the rows. On SQLite: nothing.
"""

from django.db import migrations

KEYS = "(ARRAY['state:' || state, 'audience:' || audience, 'product:' || product])"  # postgres_backend.KEYS

FORWARD = f"""
CREATE INDEX IF NOT EXISTS search_pg_document_fts_keys ON search_pg_document USING gin (document, {KEYS});
CREATE INDEX IF NOT EXISTS search_pg_document_staff_fts_keys ON search_pg_document
    USING gin ((document || authority), {KEYS});
DROP INDEX IF EXISTS search_pg_document_fts, search_pg_document_staff_fts;
ANALYZE search_pg_document;
"""

BACKWARD = """
CREATE INDEX IF NOT EXISTS search_pg_document_fts ON search_pg_document USING gin (document);
CREATE INDEX IF NOT EXISTS search_pg_document_staff_fts ON search_pg_document USING gin ((document || authority));
DROP INDEX IF EXISTS search_pg_document_fts_keys, search_pg_document_staff_fts_keys;
"""


def run(sql: str):
    def operation(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('search_pg_document')")
            if cursor.fetchone()[0]:
                cursor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("search", "0014_pgsearch_rum_phrases")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
