"""Phrase indexes for the PostgreSQL search backend, where the RUM extension is installed.

A GIN index knows which rows hold a word, not where in them: for `"refund the order"` PostgreSQL
re-reads the whole stored tsvector of every row holding all its words to check that they stand
together (at 100,000 articles, thousands of TOASTed rows for a phrase of common words). A RUM
index (https://github.com/postgrespro/rum; Debian/Ubuntu package `postgresql-15-rum`) keeps each
word's positions in the index and answers the phrase from the index alone.

Where the server offers the extension, this creates it and two RUM indexes, one for what outside
readers search and one for what staff search. Their expressions append an empty tsvector, so they
are used only by the queries written for them (search.backends.postgres_backend: queries holding
a phrase); single words keep the smaller, faster GIN indexes. Where it is not offered (or the role
may not create it), nothing is created and phrases use the GIN indexes as before. Installing the
package later: `manage.py rebuild_index` creates the extension and the indexes. On SQLite: nothing.
"""

from django.db import migrations, transaction

# Also in search.backends.postgres_backend (PHRASE_INDEXES), which rebuild_index uses.
PHRASE_INDEXES = """
CREATE INDEX IF NOT EXISTS search_pg_document_phrase ON search_pg_document
    USING rum ((document || ''::tsvector) rum_tsvector_ops);
CREATE INDEX IF NOT EXISTS search_pg_document_staff_phrase ON search_pg_document
    USING rum (((document || authority) || ''::tsvector) rum_tsvector_ops);
"""


def create_phrase_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('search_pg_document')")
        if not cursor.fetchone()[0]:
            return
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        if not cursor.fetchone():
            return
        try:
            with transaction.atomic(using=connection.alias, savepoint=True):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
        except Exception:  # noqa: BLE001 — not allowed to create it: phrases use the GIN indexes
            return
        cursor.execute(PHRASE_INDEXES)


def drop_phrase_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # The extension stays: other database objects may use it.
        cursor.execute("DROP INDEX IF EXISTS search_pg_document_phrase, search_pg_document_staff_phrase")


class Migration(migrations.Migration):
    dependencies = [("search", "0013_searchlang_document_language")]

    operations = [migrations.RunPython(create_phrase_indexes, drop_phrase_indexes)]
