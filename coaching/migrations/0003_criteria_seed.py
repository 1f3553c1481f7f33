"""The checklist's criteria become rows: the eight the site shipped with (same keys, so every
answer given so far still names its criterion), and the snapshots the scores given before now
keep: each answer's label and weight (1), each score's weighted sums (its counts)."""

from django.db import migrations
from django.db.models import F


def seed_criteria(apps, schema_editor):
    from coaching.choices import DEFAULT_CRITERIA

    Criterion = apps.get_model("coaching", "ChecklistCriterion")
    Answer = apps.get_model("coaching", "ChecklistAnswer")
    Score = apps.get_model("coaching", "ChecklistScore")
    for position, (key, name, help_text) in enumerate(DEFAULT_CRITERIA, start=1):
        Criterion.objects.get_or_create(key=key, defaults={"name": name, "help_text": help_text, "position": position})
    # An answer naming a key nobody knows (none should) gets a criterion of its own, inactive,
    # so the foreign key 0004 adds holds and the answer keeps its meaning.
    known = set(Criterion.objects.values_list("key", flat=True))
    last = len(DEFAULT_CRITERIA)
    for key in sorted(set(Answer.objects.exclude(criterion__in=known).values_list("criterion", flat=True))):
        last += 1
        Criterion.objects.create(key=key, name=key.replace("_", " ").capitalize(), active=False, position=last)
    for criterion in Criterion.objects.all():
        Answer.objects.filter(criterion=criterion.key).update(label=criterion.name, weight=1)
    Score.objects.update(weighted_met=F("met"), weighted_total=F("total"))


class Migration(migrations.Migration):
    dependencies = [("coaching", "0002_criteria_model")]

    operations = [migrations.RunPython(seed_criteria, migrations.RunPython.noop)]
