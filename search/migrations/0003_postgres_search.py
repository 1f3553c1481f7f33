"""Storage for the PostgreSQL search backend (search.backends.postgres_backend).

Plain tables, not Django models: only the PostgreSQL backend reads them, and it reads
them with SQL (tsvector, GIN, trigram indexes) that the ORM does not express. On SQLite
these operations do nothing. Extensions are created when the server offers them and
the role may create them (pg_trgm and fuzzystrmatch, both in contrib and trusted: "Did you
mean" and fuzzy title suggestions); each attempt runs in a savepoint so a refusal leaves the
migration's transaction usable, and the backend checks at run time what exists.
"""

from django.db import migrations, transaction

TABLES = """
CREATE TABLE IF NOT EXISTS search_pg_document (
    article_id bigint PRIMARY KEY,
    version integer NOT NULL,
    slug text NOT NULL,
    external_id text NOT NULL DEFAULT '',
    title text NOT NULL,
    state text NOT NULL,
    audience text NOT NULL,
    product text NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL,
    reuse_count integer NOT NULL DEFAULT 0,
    head tsvector NOT NULL,
    document tsvector NOT NULL,
    authority tsvector NOT NULL
);
-- `head` (title, tags, issue) is read for every match: keep it in the row, never in TOAST.
ALTER TABLE search_pg_document ALTER COLUMN head SET STORAGE MAIN;
-- What outside readers search, what staff search (with decision authority), title suggestions;
-- tags for the tag filter.
CREATE INDEX IF NOT EXISTS search_pg_document_fts ON search_pg_document USING gin (document);
CREATE INDEX IF NOT EXISTS search_pg_document_staff_fts ON search_pg_document USING gin ((document || authority));
CREATE INDEX IF NOT EXISTS search_pg_document_head ON search_pg_document USING gin (head);
-- No b-tree on state, audience or product: given one, the planner reads every visible row's
-- TOASTed tsvector to test `@@` (it does not know that cost) instead of using the GIN index.
CREATE INDEX IF NOT EXISTS search_pg_document_tags ON search_pg_document USING gin (tags);
CREATE TABLE IF NOT EXISTS search_pg_vocabulary (
    word text PRIMARY KEY,
    ndoc integer NOT NULL DEFAULT 1
);
-- Spelling candidates: same first letter, similar length (then edit distance, with fuzzystrmatch).
CREATE INDEX IF NOT EXISTS search_pg_vocabulary_shape ON search_pg_vocabulary (left(word, 1), length(word));
"""

TRIGRAM_INDEXES = """
CREATE INDEX IF NOT EXISTS search_pg_document_title_trgm ON search_pg_document USING gin (lower(title) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS search_pg_vocabulary_trgm ON search_pg_vocabulary USING gin (word gin_trgm_ops);
"""


def _try(connection, cursor, sql: str) -> bool:
    try:
        with transaction.atomic(using=connection.alias, savepoint=True):
            cursor.execute(sql)
        return True
    except Exception:  # noqa: BLE001 — extension missing or not allowed: the backend works without it
        return False


def create_storage(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        trigrams = _try(connection, cursor, "CREATE EXTENSION IF NOT EXISTS pg_trgm")
        _try(connection, cursor, "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
        cursor.execute(TABLES)
        if trigrams:
            cursor.execute(TRIGRAM_INDEXES)


def drop_storage(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # The extension stays: other database objects may use it.
        cursor.execute("DROP TABLE IF EXISTS search_pg_document, search_pg_vocabulary")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_starter_synonyms")]

    operations = [migrations.RunPython(create_storage, drop_storage)]
