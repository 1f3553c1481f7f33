"""Articles created at the same moment with the same title all succeed, each with its own slug."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from articles import models
from articles.models import Article
from conftest import make_contributor

TITLE = "Printer offline"


def test_a_slug_taken_between_choosing_and_saving_is_retried(contributor, product, monkeypatch):
    # What a concurrent create does: it takes the slug after this one chose it, before it inserted.
    chosen = models.unique_slug

    def then_someone_else_takes_it(text, **kwargs):
        slug = chosen(text, **kwargs)
        if not kwargs.get("random_suffix"):  # others race for the numbered slugs too
            Article.objects.create(slug=slug, title=text, product=product, owner=contributor, created_by=contributor)
        return slug

    monkeypatch.setattr(models, "unique_slug", then_someone_else_takes_it)
    article = Article.create(by=contributor, title=TITLE, product=product)
    monkeypatch.undo()

    article.refresh_from_db()
    assert article.pk and article.slug.startswith("printer-offline-")
    assert Article.objects.filter(title=TITLE).count() == 3  # two squatters, then ours with a random suffix
    assert article.events.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers (BEGIN IMMEDIATE): no race to lose")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_creates_with_the_same_title_all_succeed(product):
    people = [make_contributor(f"agent{i}") for i in range(12)]
    start = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def create(person):
        try:
            start.wait(timeout=10)
            Article.create(by=person, title=TITLE, product=product, tags=["printer", "offline"])
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    slugs = list(Article.objects.filter(title=TITLE).values_list("slug", flat=True))
    assert len(slugs) == len(people) == len(set(slugs))
    assert "printer-offline" in slugs
