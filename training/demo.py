"""Demo learning path: onboarding for new agents, assigned to `candidate` by `coach`, part-way
through, with one acknowledgement made stale by a later material update.

Called by `manage.py load_demo` after the articles exist. Idempotent: the path is added once, the
questions once per article.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, RevisionMeta

from . import services
from .models import Acknowledgement, Assignment, Attempt, Choice, LearningPath, PathItem, PathSection, Question

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
    _load_path(users)
    _load_checks(users)


def _load_path(users: dict) -> None:
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


# --- knowledge checks ------------------------------------------------------------------------

PASS_MARK = 80
# slug -> [(question, explanation, position of the rule it rests on, [(choice, correct)])]
QUESTIONS = {
    "toy-set-missing-part": [
        (
            "A child's birthday set arrived with one piece missing and the family is upset. What may you do on your own?",
            "You send the missing parts free of charge and may add one goodwill extra "
            "(a bonus minifigure or a voucher up to 5 EUR). A full replacement set needs your team lead.",
            1,
            [
                ("Send the missing part free of charge", True),
                ("Add a bonus minifigure or a 5 EUR voucher", True),
                ("Send a full replacement set worth 60 EUR", False),
            ],
        ),
        (
            "Two whole bags are missing from a 120 EUR set. What do you do?",
            "Sets worth more than 80 EUR are replaced neither by you nor by your team lead: escalate to the Order Desk.",
            3,
            [
                ("Send a full replacement set yourself", False),
                ("Escalate to the Order Desk", True),
                ("Send five free parts and close the case", False),
            ],
        ),
    ],
    "hotel-non-refundable-refund-exception": [
        (
            "A customer asks for a 70 EUR refund on a non-refundable booking. What may you do on your own?",
            "Offer the free date change first. Your own goodwill refund goes up to 50 EUR; "
            "up to 150 EUR needs your team lead's approval.",
            1,
            [
                ("Refund the full 70 EUR as goodwill", False),
                ("Offer one free date change", True),
                ("Refund up to 50 EUR as goodwill", True),
                ("Promise that the hotel will refund the rest", False),
            ],
        ),
        (
            "A customer of five years wants a full refund of a 400 EUR non-refundable room. What do you do?",
            "Only the hotel can release more than our goodwill budget: ask Hotel Partner Relations, "
            "who answer within 2 hours, and do not promise the outcome.",
            3,
            [
                ("Approve the refund yourself: they are a loyal customer", False),
                ("Ask Hotel Partner Relations to request an exception from the hotel", True),
                ("Refuse: non-refundable means no refund, ever", False),
            ],
        ),
    ],
}


def _load_checks(users: dict) -> None:
    owner, candidate = users.get("owner") or users["coach"], users["candidate"]
    path = LearningPath.objects.filter(title=TITLE).first()
    with transaction.atomic():
        if path is not None and path.pass_mark is None:
            path.pass_mark = PASS_MARK
            path.save(update_fields=["pass_mark"])
        for slug, questions in QUESTIONS.items():
            article = Article.objects.filter(slug=slug).first()
            if article is None or Question.objects.filter(article=article).exists():
                continue
            rules = list(article.rules.all())
            for n, (text, explanation, rule_at, choices) in enumerate(questions, 1):
                rule = rules[rule_at] if rule_at < len(rules) else None
                question = Question.objects.create(
                    article=article, text=text, explanation=explanation, rule=rule, position=n, created_by=owner
                )
                Choice.objects.bulk_create(
                    Choice(question=question, text=t, correct=c, position=i) for i, (t, c) in enumerate(choices, 1)
                )
        if path is not None and not Attempt.objects.filter(user=candidate).exists():
            _attempts(candidate, path)


def _attempts(candidate, path) -> None:
    """`candidate` passed the toy check after reading it, and failed the hotel check on the version
    they read before its material update (they now have to re-read it and pass again)."""
    toy = Article.objects.filter(slug="toy-set-missing-part").first()
    if toy is not None and Question.objects.filter(article=toy).exists():
        right = {q.pk: [c.pk for c in q.choices.all() if c.correct] for q in Question.objects.filter(article=toy)}
        services.submit_attempt(user=candidate, article=toy, path=path, answers=right)
    hotel = Article.objects.filter(slug="hotel-non-refundable-refund-exception").first()
    read = Acknowledgement.objects.filter(user=candidate, article=hotel).order_by("-at").first() if hotel else None
    if read is None or not Question.objects.filter(article=hotel).exists():
        return
    # Every right choice except on the first question, where they chose the full 70 EUR refund.
    answers = {}
    for n, q in enumerate(Question.objects.filter(article=hotel).prefetch_related("choices")):
        answers[q.pk] = [c.pk for c in q.choices.all() if (c.correct if n else c.position == 1)]
    attempt, _ = services.submit_attempt(user=candidate, article=hotel, path=path, answers=answers)
    Attempt.objects.filter(pk=attempt.pk).update(
        article_version=read.article_version, at=read.at + datetime.timedelta(minutes=10)
    )
