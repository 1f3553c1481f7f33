"""Search documents know their article's language (kcs_site.languages).

PostgreSQL: `search_pg_document.language`, the article's content language; each row's tsvectors are
built with that language's text search configuration (search.backends.postgres_backend). Existing
rows are English, as every article was when languages arrived. Whoosh: an index written before
gets the per-language fields when it is next opened (search.backends.whoosh_backend).

Every article is queued to be indexed again with its language, as in 0005: the running site or
`manage.py process_index_queue` works the queue; `rebuild_index` does the same at once.
"""

from django.db import migrations


def add_language(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('search_pg_document')")
            if cursor.fetchone()[0]:
                cursor.execute("ALTER TABLE search_pg_document ADD COLUMN IF NOT EXISTS language text NOT NULL DEFAULT 'en'")
    Article = apps.get_model("articles", "Article")
    IndexTask = apps.get_model("search", "IndexTask")
    ids = Article.objects.exclude(language="en").order_by("pk").values_list("pk", flat=True)
    IndexTask.objects.bulk_create((IndexTask(article_id=pk) for pk in ids.iterator()), batch_size=1000)


def drop_language(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE IF EXISTS search_pg_document DROP COLUMN IF EXISTS language")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0012_searchlang_german_synonyms"),
        ("articles", "0012_languages_translations"),
    ]

    operations = [migrations.RunPython(add_language, drop_language)]
