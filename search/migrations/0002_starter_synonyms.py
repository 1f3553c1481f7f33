from django.db import migrations


def add_starter_synonyms(apps, schema_editor):
    from search.synonyms import STARTER_SYNONYMS

    Synonym = apps.get_model("search", "Synonym")
    for terms in STARTER_SYNONYMS:
        Synonym.objects.get_or_create(terms=terms)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(add_starter_synonyms, migrations.RunPython.noop)]
