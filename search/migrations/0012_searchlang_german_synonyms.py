"""A German starter set of synonym groups (search.synonyms.GERMAN_SYNONYMS), for German queries.

A group is skipped where one of its words is already in a German group (a KB owner's choice)."""

from django.db import migrations


def add_german_synonyms(apps, schema_editor):
    from search.synonyms import GERMAN_SYNONYMS

    Synonym = apps.get_model("search", "Synonym")
    taken = {m.strip().lower() for s in Synonym.objects.filter(language="de") for m in s.terms.split(",") if m.strip()}
    for terms in GERMAN_SYNONYMS:
        members = {m.strip().lower() for m in terms.split(",") if m.strip()}
        if members & taken:
            continue
        Synonym.objects.create(terms=terms, language="de")
        taken |= members


def remove_german_synonyms(apps, schema_editor):
    from search.synonyms import GERMAN_SYNONYMS

    apps.get_model("search", "Synonym").objects.filter(language="de", terms__in=GERMAN_SYNONYMS).delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0011_searchlang_synonym_language")]

    operations = [migrations.RunPython(add_german_synonyms, remove_german_synonyms)]
