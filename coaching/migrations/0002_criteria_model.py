import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ChecklistCriterion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.SlugField(max_length=32, unique=True)),
                ("name", models.CharField(max_length=120)),
                ("help_text", models.TextField(blank=True, max_length=1000)),
                (
                    "weight",
                    models.PositiveSmallIntegerField(
                        default=1,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(10),
                        ],
                    ),
                ),
                ("active", models.BooleanField(default=True)),
                ("position", models.PositiveSmallIntegerField(default=0)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "checklist criterion",
                "verbose_name_plural": "checklist criteria",
                "ordering": ["position", "id"],
                "constraints": [
                    models.UniqueConstraint(django.db.models.functions.text.Lower("name"), name="criterion_name_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("weight__gte", 1), ("weight__lte", 10)), name="criterion_weight_range"
                    ),
                ],
            },
        ),
        # Snapshots of the criterion when scored; 0003 fills them for the scores given before.
        migrations.AddField(
            model_name="checklistanswer",
            name="label",
            field=models.CharField(default="", max_length=120),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="checklistanswer",
            name="weight",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="checklistscore",
            name="weighted_met",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="checklistscore",
            name="weighted_total",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
    ]
