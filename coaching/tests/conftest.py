"""Personas and helpers for the coaching tests (the articles personas, plus a draft by a candidate)."""

from __future__ import annotations

import pytest

from articles.models import Article, State
from coaching.models import active_criteria


def make_draft(author, product, *, title="Printer shows offline after the update", state=State.NOT_VALIDATED) -> Article:
    return Article.create(
        by=author,
        title=title,
        product=product,
        issue="“My printer says offline since this morning.”",
        environment="Office printers after the March update.",
        resolution="Restart the print spooler.",
        state=state,
    )


def all_pass(**failed) -> dict:
    """Answers for every criterion: met, except those given as name=note."""
    return {c.key: (c.key not in failed, failed.get(c.key, "")) for c in active_criteria()}


@pytest.fixture
def draft(candidate, product):
    return make_draft(candidate, product)
