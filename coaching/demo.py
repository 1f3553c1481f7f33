"""Demo reviews and content-standard checks, so every coaching queue has something in it.

Called by `manage.py load_demo` after the articles exist. Idempotent: a review is started
only for an article that never had one, a check only where that scorer has none yet.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from articles.models import Article, Product

from .choices import DEFAULT_CRITERIA
from .models import ChecklistCriterion, ChecklistScore, CoachProduct, ReviewRequest, active_criteria

PENDING = ("hotel-city-tax-surprise", "The customer's own words are in the issue; is the resolution clear enough?")
CHANGES = (
    "billing-refund-to-old-card",
    "Please ask for a second opinion on the refund route.",
    "Good start. Two things before I can approve it:\n"
    "1. The title should name the environment (card cancelled after payment).\n"
    "2. The resolution should say how long the bank takes to redirect the refund.",
)

# (slug, scorer, criteria not met, note on the first failure, months ago)
CHECKS = [
    ("toy-instructions-missing", "coach", ["title"], "The title does not say which sets this covers.", 2),
    ("thermostat-battery-warning", "coach", ["environment", "metadata"], "Say which thermostat models.", 1),
    ("toy-instructions-missing", "owner", [], "", 0),
    ("thermostat-battery-warning", "owner", ["environment"], "Firmware version is missing.", 0),
]


def load(users: dict) -> None:
    with transaction.atomic():
        coach = users["coach"]
        _criteria()
        for product in Product.objects.all():
            CoachProduct.objects.get_or_create(coach=coach, product=product)
        _review(users, *PENDING)
        review = _review(users, CHANGES[0], CHANGES[1])
        if review is not None:
            review.request_changes(by=coach, comment=CHANGES[2])
        for slug, scorer, failed, note, months_ago in CHECKS:
            _check(users[scorer], slug, failed, note, months_ago)


def _criteria() -> None:
    """The shipped criteria, when the table is empty (a database emptied after its migrations ran;
    the migrations seed them otherwise)."""
    if not ChecklistCriterion.objects.exists():
        ChecklistCriterion.objects.bulk_create(
            ChecklistCriterion(key=key, name=name, help_text=help_text, position=n)
            for n, (key, name, help_text) in enumerate(DEFAULT_CRITERIA, start=1)
        )


def _review(users: dict, slug: str, note: str) -> ReviewRequest | None:
    article = Article.objects.filter(slug=slug).first()
    if article is None or ReviewRequest.objects.filter(article=article).exists():
        return None
    return ReviewRequest.start(article=article, by=users["candidate"], reviewer=users["coach"], note=note)


def _check(scorer, slug: str, failed: list[str], note: str, months_ago: int) -> None:
    article = Article.objects.filter(slug=slug).first()
    if article is None or ChecklistScore.objects.filter(article=article, scorer=scorer).exists():
        return
    answers = {c.key: (c.key not in failed, note if failed and c.key == failed[0] else "") for c in active_criteria()}
    score = ChecklistScore.record(article=article, by=scorer, answers=answers, comment="Demo check")
    if months_ago:
        # Demo only: spread the checks over past months so the author's history has a trend.
        at = timezone.now() - datetime.timedelta(days=31 * months_ago)
        ChecklistScore.objects.filter(pk=score.pk).update(scored_at=at)
