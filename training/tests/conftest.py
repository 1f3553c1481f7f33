"""Personas and helpers for the training tests (the articles personas, plus a path)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from conftest import make_article, make_candidate
from training.models import Assignment, LearningPath, PathItem, PathSection


def make_path(*, by, articles, title="Onboarding for new agents", optional=()) -> LearningPath:
    path = LearningPath.objects.create(title=title, created_by=by)
    section = PathSection.objects.create(path=path, title="First week", position=1)
    for n, article in enumerate(articles, 1):
        PathItem.objects.create(
            section=section, article=article, note=f"Why {article.slug} matters", required=article not in optional, position=n
        )
    return path


def assign(path, person, *, by, due_in_days=7) -> Assignment:
    due = timezone.localdate() + datetime.timedelta(days=due_in_days)
    return Assignment.objects.create(path=path, user=person, assigned_by=by, due_date=due)


def material_edit(article, by, text="1. Check the booking.\n2. Refund up to 80 EUR now.", *, material=True):
    article.refresh_from_db()
    article.edit(by=by, base_version=article.version, changes={"resolution": text}, note="Policy change", material=material)
    article.refresh_from_db()
    return article


@pytest.fixture
def second_article(db, contributor, kb_owner, product):
    return make_article(author=contributor, product=product, title="Hotel says there is no room", kb_owner=kb_owner)


@pytest.fixture
def path(db, coach, article, second_article):
    return make_path(by=coach, articles=[article, second_article])


@pytest.fixture
def trainee(db, path, coach):
    person = make_candidate("tina")
    assign(path, person, by=coach)
    return person
