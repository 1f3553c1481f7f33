"""Personas and helpers for the licence tests: the articles personas, the training helpers,
and criteria for both levels."""

from __future__ import annotations

import pytest

from coaching.models import ChecklistScore, active_criteria
from conftest import make_candidate
from licences.models import LevelCriteria
from training.tests.conftest import assign, make_path, second_article  # noqa: F401


def all_pass(*failed) -> dict:
    return {c.key: (c.key not in failed, "") for c in active_criteria()}


def score(article, *, by, failed=()) -> ChecklistScore:
    return ChecklistScore.record(article=article, by=by, answers=all_pass(*failed))


@pytest.fixture
def criteria(db):
    LevelCriteria.objects.create(
        level="contributor", min_paths_completed=1, min_articles_validated=1, min_average_checklist_score=60
    )
    LevelCriteria.objects.create(
        level="publisher", min_paths_completed=2, min_articles_validated=5, min_average_checklist_score=75
    )


@pytest.fixture
def trainee(db, coach, article):
    """A candidate with a one-article path assigned by the coach, not read yet."""
    person = make_candidate("tina")
    assign(make_path(by=coach, articles=[article]), person, by=coach)
    return person
