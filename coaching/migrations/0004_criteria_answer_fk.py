import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("coaching", "0003_criteria_seed")]

    operations = [
        # The answers now point at their criterion (by its key, the value they already hold):
        # a criterion with answers cannot be deleted, only deactivated.
        migrations.AlterField(
            model_name="checklistanswer",
            name="criterion",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="answers",
                to="coaching.checklistcriterion",
                to_field="key",
            ),
        ),
    ]
