"""Demo learning path: onboarding for new agents, assigned to `candidate` by `coach`, part-way
through, with one acknowledgement made stale by a later material update.

Called by `manage.py load_demo` after the articles exist. Idempotent: nothing is added once the
path exists.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, RevisionMeta

from . import services
from .models import Acknowledgement, Assignment, LearningPath, PathItem, PathSection

TITLE = "Onboarding: your first weeks as a support agent"
DESCRIPTION = (
    "Read these articles in order. Each says what you may decide on your own and whom to call "
    "beyond that. Press “Read and understood” at the end of each one."
)
# (section, [(slug, why it matters, required)])
SECTIONS = [
    (
        "Bricks & Toys: the most common cases",
        [
            ("toy-set-missing-part", "The case you will see most in your first week: replace the part yourself.", True),
            ("toy-order-not-arrived", "Late parcels: when you may refund the express fee.", False),
        ],
    ),
    (
        "Hotel Bookings: refunds and your authority",
        [
            (
                "hotel-non-refundable-refund-exception",
                "Loyal customers ask for refunds on non-refundable rooms: "
                "know your goodwill limit and when to call Hotel Partner Relations.",
                True,
            ),
        ],
    ),
]


def load(users: dict) -> None:
    if LearningPath.objects.filter(title=TITLE).exists():
        return
    coach, candidate = users["coach"], users["candidate"]
    with transaction.atomic():
        path = LearningPath.objects.create(title=TITLE, description=DESCRIPTION, created_by=coach)
        for position, (title, items) in enumerate(SECTIONS, 1):
            section = PathSection.objects.create(path=path, title=title, position=position)
            for n, (slug, note, required) in enumerate(items, 1):
                article = Article.objects.filter(slug=slug).first()
                if article is not None:
                    PathItem.objects.create(section=section, article=article, note=note, required=required, position=n)
        due = timezone.localdate() + datetime.timedelta(days=10)
        Assignment.objects.create(path=path, user=candidate, assigned_by=coach, due_date=due)
        _read(candidate, path, "toy-set-missing-part")
        _read_before_last_material_update(candidate, path, "hotel-non-refundable-refund-exception")


def _read(user, path, slug: str) -> None:
    article = Article.objects.filter(slug=slug).first()
    if article is not None:
        Acknowledgement.objects.create(user=user, article=article, article_version=article.version, path=path)


def _read_before_last_material_update(user, path, slug: str) -> None:
    """The trainee read the version before the article's last material update, and was told to read it again."""
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        return
    revisions = Version.objects.get_for_object(article).values("revision_id")
    meta = (
        RevisionMeta.objects.filter(revision_id__in=revisions, material=True, article_version__gt=1)
        .select_related("revision")
        .order_by("-article_version")
        .first()
    )
    if meta is None:
        return
    read_at = meta.revision.date_created - datetime.timedelta(days=1)
    Acknowledgement.objects.create(user=user, article=article, article_version=meta.article_version - 1, path=path, at=read_at)
    services.mark_stale(article_id=article.pk, version=meta.article_version)
