"""Every article's search document again, now that staff-only text (internal notes and
`:::internal` passages) lives only in the staff-only part of the document (search.documents).

Queued as index tasks rather than written here: the pending queue is processed after the
migration by the running site or `manage.py process_index_queue`, and `rebuild_index` does the
same at once."""

from django.db import migrations


def queue_every_article(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    IndexTask = apps.get_model("search", "IndexTask")
    ids = Article.objects.order_by("pk").values_list("pk", flat=True)
    IndexTask.objects.bulk_create((IndexTask(article_id=pk) for pk in ids.iterator()), batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_support_synonyms"),
        ("articles", "0006_internal_notes"),
    ]

    operations = [migrations.RunPython(queue_every_article, migrations.RunPython.noop)]
