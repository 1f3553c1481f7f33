"""Reuse recorded before cases existed becomes links, and no use is lost."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from articles.models import Reuse
from cases.models import Case, CaseLink
from conftest import make_article
from search.models import IndexTask

pytestmark = pytest.mark.django_db

migration = importlib.import_module("cases.migrations.0002_reuse_to_links")


def test_reuse_with_a_case_reference_becomes_one_link_per_case_and_article(contributor, publisher, kb_owner, product, article):
    other = make_article(author=contributor, product=product, title="Overbooked on arrival", kb_owner=kb_owner)
    now = timezone.now()
    rows = [
        (article, contributor, "CASE-1", None, 5),
        (article, publisher, "case-1", True, 3),  # the same case typed again: one link, and it solved it
        (other, publisher, "CASE-1", None, 2),
        (article, contributor, "CASE-2", False, 1),
        (article, publisher, "", True, 1),  # no case named: stays reuse without a case
    ]
    for a, user, ref, solved, days in rows:
        Reuse.objects.create(
            article=a, user=user, case_ref=ref, solved=solved, at=now - datetime.timedelta(days=days), article_version=1
        )
    IndexTask.objects.all().delete()

    migration.forward(apps, None)

    assert list(Case.objects.order_by("external_id").values_list("source", "external_id")) == [
        ("manual", "CASE-1"),
        ("manual", "CASE-2"),
    ]
    first = CaseLink.objects.get(case__external_id="CASE-1", article=article)
    assert (first.kind, first.linked_by, first.linked_at.date()) == (
        "solved",
        contributor,
        (now - datetime.timedelta(days=5)).date(),
    )
    assert CaseLink.objects.get(case__external_id="CASE-2").kind == "reference"
    assert CaseLink.objects.filter(article=other).count() == 1
    assert list(Reuse.objects.values_list("case_ref", "user__username")) == [("", publisher.username)]
    article.refresh_from_db()
    other.refresh_from_db()
    assert (article.reuse_count, other.reuse_count) == (3, 1)  # CASE-1, CASE-2 and the use without a case
    # The index keeps reuse_count (the ranking nudge): the articles whose records moved are queued.
    assert set(IndexTask.objects.values_list("article_id", flat=True)) == {article.pk, other.pk}


def test_the_migration_reversed_gives_the_reuse_rows_back(contributor, article):
    Reuse.objects.create(article=article, user=contributor, case_ref="CASE-9", solved=True, article_version=1)
    migration.forward(apps, None)
    migration.backward(apps, None)
    assert list(Reuse.objects.values_list("case_ref", "solved")) == [("CASE-9", True)]
    assert not CaseLink.objects.exists()
    article.refresh_from_db()
    assert article.reuse_count == 1
