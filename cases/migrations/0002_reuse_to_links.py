"""Reuse recorded with a case reference becomes a link to that case (a manual case, as typed).

The same case and article recorded several times becomes one link (the first use: who, when,
which version; `solved` if any record said so): a case counts once. Records without a case
reference stay Reuse rows (reuse without a case). Every article's reuse_count is recounted, and
the articles whose records moved are queued for the search index (it keeps reuse_count, the
ranking nudge), as search's 0005 does. Reversed, each link made here becomes a Reuse row again.
"""

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def forward(apps, schema_editor):
    Reuse = apps.get_model("articles", "Reuse")
    Case = apps.get_model("cases", "Case")
    CaseLink = apps.get_model("cases", "CaseLink")
    Article = apps.get_model("articles", "Article")
    firsts: dict = {}
    for reuse in Reuse.objects.exclude(case_ref="").order_by("at", "id").iterator(chunk_size=2000):
        ref = " ".join(reuse.case_ref.split())[:100]
        key = (ref.casefold(), reuse.article_id)
        if key not in firsts:
            firsts[key] = {"ref": ref, "first": reuse, "solved": bool(reuse.solved)}
        elif reuse.solved:
            firsts[key]["solved"] = True
    cases: dict = {}
    for (folded, _), item in firsts.items():
        if folded not in cases:
            cases[folded], _ = Case.objects.get_or_create(
                source="manual", external_id=item["ref"], defaults={"opened_at": item["first"].at}
            )
    CaseLink.objects.bulk_create(
        [
            CaseLink(
                case=cases[folded],
                article_id=article_id,
                article_version=item["first"].article_version,
                kind="solved" if item["solved"] else "reference",
                linked_by_id=item["first"].user_id,
                linked_at=item["first"].at,
            )
            for (folded, article_id), item in firsts.items()
        ],
        batch_size=1000,
    )
    Reuse.objects.exclude(case_ref="").delete()
    _recount(Article, Reuse, CaseLink)
    IndexTask = apps.get_model("search", "IndexTask")
    moved = sorted({article_id for _, article_id in firsts})
    IndexTask.objects.bulk_create((IndexTask(article_id=pk) for pk in moved), batch_size=1000)


def backward(apps, schema_editor):
    Reuse = apps.get_model("articles", "Reuse")
    CaseLink = apps.get_model("cases", "CaseLink")
    Article = apps.get_model("articles", "Article")
    links = CaseLink.objects.filter(unlinked_at=None, kind__in=["solved", "reference"]).select_related("case")
    Reuse.objects.bulk_create(
        [
            Reuse(
                article_id=link.article_id,
                user_id=link.linked_by_id,
                at=link.linked_at,
                case_ref=link.case.external_id,
                solved=True if link.kind == "solved" else None,
                article_version=link.article_version,
            )
            for link in links.iterator(chunk_size=2000)
        ],
        batch_size=1000,
    )
    CaseLink.objects.all().delete()
    Article.objects.update(
        reuse_count=Coalesce(
            Subquery(Reuse.objects.filter(article=OuterRef("pk")).order_by().values("article").annotate(n=Count("pk")).values("n")), 0
        )
    )


def _recount(Article, Reuse, CaseLink):
    links = CaseLink.objects.filter(unlinked_at=None, kind__in=["solved", "reference"], article=OuterRef("pk"))
    plain = Reuse.objects.filter(article=OuterRef("pk"))
    Article.objects.update(
        reuse_count=Coalesce(Subquery(links.order_by().values("article").annotate(n=Count("pk")).values("n")), 0)
        + Coalesce(Subquery(plain.order_by().values("article").annotate(n=Count("pk")).values("n")), 0)
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_cases"), ("articles", "0007_unicode_slugs"), ("search", "0005_internal_reindex")]

    operations = [migrations.RunPython(forward, backward)]
