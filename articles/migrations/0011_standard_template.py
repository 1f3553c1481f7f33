"""The structure every article had before templates existed, as the site's default template.

Every existing article is saved with its version 1: its text stays exactly where it was (the
standard sections are stored in the article's own issue / environment / resolution / cause
fields). The sections are written out here, not imported, so this migration stays as it is
whatever the code later calls standard.
"""

from django.db import migrations

STANDARD_SECTIONS = [
    {
        "key": "issue",
        "label": "Issue",
        "help": "What the customer is trying to do or what goes wrong, in their words.",
        "required": False,
        "format": "markdown",
        "visibility": "everyone",
        "role": "issue",
    },
    {
        "key": "environment",
        "label": "Environment",
        "help": "Products, versions, settings involved.",
        "required": False,
        "format": "markdown",
        "visibility": "everyone",
        "role": "environment",
    },
    {
        "key": "resolution",
        "label": "Resolution",
        "help": "Markdown. Leave empty while the article is work in progress.",
        "required": True,
        "format": "markdown",
        "visibility": "everyone",
        "role": "resolution",
    },
    {
        "key": "cause",
        "label": "Cause",
        "help": "",
        "required": False,
        "format": "markdown",
        "visibility": "everyone",
        "role": "cause",
    },
]


def forwards(apps, schema_editor):
    ArticleTemplate = apps.get_model("articles", "ArticleTemplate")
    TemplateVersion = apps.get_model("articles", "TemplateVersion")
    Article = apps.get_model("articles", "Article")
    template = ArticleTemplate.objects.create(
        name="Standard",
        description="Issue, environment, resolution and cause: the KCS content standard.",
        is_default=True,
    )
    version = TemplateVersion.objects.create(template=template, number=1, sections=STANDARD_SECTIONS)
    template.current = version
    template.save(update_fields=["current"])
    Article.objects.filter(template_version__isnull=True).update(template_version=version)


def backwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    ArticleTemplate = apps.get_model("articles", "ArticleTemplate")
    Article.objects.update(template_version=None)
    ArticleTemplate.objects.filter(name="Standard").delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_one_article_per_issue")]

    operations = [migrations.RunPython(forwards, backwards)]
