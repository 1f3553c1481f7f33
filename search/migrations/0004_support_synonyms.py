from django.db import migrations


def add_support_synonyms(apps, schema_editor):
    """Add each new group unless one of its words is already in a group.

    A KB owner may have edited the starter groups or written their own: a word already in a
    group means they have decided what it goes with, and a second group for it would override
    that (a query word takes the alternatives of one group only).
    """
    from search.synonyms import SUPPORT_SYNONYMS

    Synonym = apps.get_model("search", "Synonym")
    taken = {m.strip().lower() for s in Synonym.objects.all() for m in s.terms.split(",") if m.strip()}
    for terms in SUPPORT_SYNONYMS:
        members = {m.strip().lower() for m in terms.split(",") if m.strip()}
        if members & taken:
            continue
        Synonym.objects.create(terms=terms)
        taken |= members


class Migration(migrations.Migration):
    dependencies = [("search", "0003_postgres_search")]

    operations = [migrations.RunPython(add_support_synonyms, migrations.RunPython.noop)]
