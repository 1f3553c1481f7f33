"""PostgreSQL search: a row's state, audience and product also as `keys` ("product:billing"), with a
GIN index, so that a filtered search intersects the text index's matches with the filter's rows
inside the index (search.backends.postgres_backend.KEYED). Without it, a search for a common word
filtered to a small product read every match's row to find the product's few.

Existing rows get their keys here. On SQLite: nothing.
"""

from django.db import migrations


def add_keys(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('search_pg_document')")
        if not cursor.fetchone()[0]:
            return
        cursor.execute("ALTER TABLE search_pg_document ADD COLUMN IF NOT EXISTS keys text[] NOT NULL DEFAULT '{}'")
        cursor.execute(
            "UPDATE search_pg_document SET keys = ARRAY['state:' || state, 'audience:' || audience, 'product:' || product]"
        )
        cursor.execute("CREATE INDEX IF NOT EXISTS search_pg_document_keys ON search_pg_document USING gin (keys)")


def drop_keys(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE IF EXISTS search_pg_document DROP COLUMN IF EXISTS keys")


class Migration(migrations.Migration):
    dependencies = [("search", "0014_pgsearch_rum_phrases")]

    operations = [migrations.RunPython(add_keys, drop_keys)]
