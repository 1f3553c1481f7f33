"""Demo reuse on cases and content-health data, so the cases page, the review queue and the
stale badges have something to show. Called by `load_demo`; safe to run again (nothing is
duplicated, and an article someone has since confirmed is not made stale again)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from articles.models import Article, Reuse, State

from .models import ReviewConfirmation, ReviewKind

# slug, who used it, case reference, solved it (None: not yet known), days ago
REUSES = [
    ("hotel-non-refundable-refund-exception", "contributor", "CASE-10421", True, 2),
    ("hotel-non-refundable-refund-exception", "candidate", "CASE-10457", True, 9),
    ("hotel-non-refundable-refund-exception", "publisher", "CASE-10502", None, 1),
    ("hotel-overbooked-on-arrival", "contributor", "CASE-10421", False, 2),
    ("billing-charged-twice", "candidate", "CASE-10388", True, 20),
    ("billing-charged-twice", "contributor", "CASE-10466", True, 6),
    ("billing-unrecognised-payment-fraud", "contributor", "CASE-10466", None, 6),
    ("internet-down-red-light", "publisher", "CASE-10490", True, 3),
    ("internet-down-red-light", "candidate", "CASE-10511", True, 0),
    ("internet-slow-evenings", "candidate", "CASE-10511", False, 0),
    ("app-login-loop", "contributor", "CASE-10399", True, 15),
    ("app-2fa-lost-phone", "owner", "", None, 4),
]

# Validated articles made due for review: slug, days overdue (0: due today).
STALE = [
    ("hotel-overbooked-on-arrival", 40),
    ("billing-hardship-payment-plan", 12),
    ("app-2fa-lost-phone", 0),
    ("internet-slow-evenings", 5),
    ("app-login-loop", 70),
]

# An earlier "confirm still correct", so the article page shows who vouched for it last.
CONFIRMED = [("billing-charged-twice", "owner", 20)]


def load(users: dict) -> None:
    articles = {a.slug: a for a in Article.objects.filter(slug__in={r[0] for r in REUSES + STALE + CONFIRMED})}
    now = timezone.now()
    with transaction.atomic():
        _reuses(articles, users, now)
        _stale(articles)
        _confirmed(articles, users, now)


def _reuses(articles: dict, users: dict, now: datetime.datetime) -> None:
    """Each use on a case is a link to that case (typed by the agent: a manual case)."""
    from cases.models import Case, CaseLink
    from cases.services import recount_reuse

    touched = set()
    for slug, username, case_ref, solved, days in REUSES:
        article = articles.get(slug)
        if article is None:
            continue
        at = now - datetime.timedelta(days=days, hours=2)
        if not case_ref:
            if not Reuse.objects.filter(article=article, user=users[username]).exists():
                Reuse.objects.create(article=article, user=users[username], solved=solved, at=at, article_version=article.version)
                touched.add(article.pk)
            continue
        case, _ = Case.objects.get_or_create(source="manual", external_id=case_ref, defaults={"opened_at": at})
        if CaseLink.objects.filter(case=case, article=article).exists():
            continue
        kind = "solved" if solved else "reference"
        CaseLink.objects.create(
            case=case, article=article, kind=kind, linked_by=users[username], linked_at=at, article_version=article.version
        )
        touched.add(article.pk)
    # As cases.services.link: a count, never a version of the article.
    recount_reuse(sorted(touched))


def _stale(articles: dict) -> None:
    today = timezone.localdate()
    for slug, overdue in STALE:
        article = articles.get(slug)
        if article is None or article.state != State.VALIDATED or article.review_confirmations.exists():
            continue
        if article.review_by is None or article.review_by > today:
            Article.objects.filter(pk=article.pk).update(review_by=today - datetime.timedelta(days=overdue))


def _confirmed(articles: dict, users: dict, now: datetime.datetime) -> None:
    for slug, username, days in CONFIRMED:
        article = articles.get(slug)
        if article is None or article.state != State.VALIDATED or article.review_confirmations.exists():
            continue
        ReviewConfirmation.objects.create(
            article=article,
            by=users[username],
            at=now - datetime.timedelta(days=days),
            kind=ReviewKind.CONFIRMED,
            previous_review_by=article.review_by,
            review_by=article.review_by,
            article_version=article.version,
            note="Checked against the current billing process.",
        )
