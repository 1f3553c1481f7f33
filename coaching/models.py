"""Reviews of candidates' articles by coaches, and the content-standard checklist.

A review is a loop: the author asks (the article is submitted), the coach approves (the
article is validated by the coach, through `Article.validate`) or asks for changes with a
comment; the author edits and sends it back; repeat. Every step is a `ReviewComment` row,
so the conversation is the review's history.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Kind
from articles.models import Article, InvalidChange, Product, StaleVersion, State, long_fields, require
from notifications.services import notify

from . import policy
from .choices import OPEN, Status

if TYPE_CHECKING:
    from accounts.models import User


class CoachProduct(models.Model):
    """A coach looks after candidates writing about this product (used to pick a reviewer)."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coached_products")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="coaches")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["coach", "product"], name="coach_product_unique")]

    def __str__(self) -> str:
        return f"{self.coach} coaches {self.product}"


class ReviewQuerySet(models.QuerySet):
    def open(self) -> ReviewQuerySet:
        return self.filter(status__in=OPEN)

    def involving(self, user) -> ReviewQuerySet:
        return self.filter(Q(requester=user) | Q(reviewer=user))

    def for_list(self) -> ReviewQuerySet:
        return self.select_related("article", "article__product", "requester", "reviewer").defer(*long_fields(via="article"))

    def with_feedback(self) -> ReviewQuerySet:
        """Each review's decisions (changes asked, approved), newest first, as `review.feedback`:
        what lists show under a review (the dashboard panel, the coach's trainees)."""
        decisions = ReviewComment.objects.filter(kind__in=[CommentKind.CHANGES, CommentKind.APPROVED])
        return self.prefetch_related(
            Prefetch("comments", queryset=decisions.select_related("author").order_by("-id"), to_attr="feedback")
        )


class ReviewRequest(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="review_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_requests")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_assigned")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    round = models.PositiveSmallIntegerField(default=1)  # 1 + how many times the author sent it back
    submitted_version = models.PositiveIntegerField()  # the version the coach is asked to read now
    approved_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            # One open review per article: a second request would split the conversation.
            models.UniqueConstraint(fields=["article"], condition=Q(status__in=OPEN), name="review_one_open_per_article")
        ]
        indexes = [
            models.Index(fields=["reviewer", "status", "-updated_at"], name="review_reviewer_idx"),
            models.Index(fields=["requester", "status", "-updated_at"], name="review_requester_idx"),
        ]

    def __str__(self) -> str:
        return f"Review of {self.article} by {self.reviewer}"

    def get_absolute_url(self) -> str:
        return reverse("coaching:review", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def last_decision_before(self, version: int) -> ReviewComment | None:
        """The coach's latest decision on this article (changes asked, or an approval in an
        earlier review) on a version before `version`: what "changes since the last round" start from."""
        decisions = ReviewComment.objects.filter(
            review__article_id=self.article_id, kind__in=[CommentKind.CHANGES, CommentKind.APPROVED], article_version__lt=version
        )
        return decisions.select_related("author").order_by("-article_version", "-id").first()

    # --- operations -------------------------------------------------------------------

    @classmethod
    def start(cls, *, article: Article, by: User, reviewer=None, note: str = "") -> ReviewRequest:
        """Ask for a review: submit the article if it is a draft and assign a coach
        (the one chosen, or the product's coach with the fewest open reviews)."""
        with transaction.atomic():
            article = Article.objects.select_for_update().get(pk=article.pk)
            require(policy.can_request_review(by, article))
            if cls.objects.open().filter(article=article).exists():
                raise InvalidChange("This article is already in review.")
            if reviewer is None:
                reviewer = pick_coach(article)
                if reviewer is None:
                    raise InvalidChange("No coach can review this article yet. Ask a KB owner to assign a coach for its product.")
            else:
                require(policy.can_be_reviewer(reviewer, article))
            if article.state == State.WIP:
                article.submit(by=by, note="Submitted for review")
            review = cls.objects.create(
                article=article, requester=by, reviewer=reviewer, submitted_version=article.version, round=1
            )
            review._comment(by, CommentKind.SUBMITTED, note)
            review._tell(
                reviewer,
                by=by,
                kind="review_requested",
                title=f"{by.username} asks you to review “{article.title}”",
                body=note,
            )
        return review

    def approve(self, *, by: User, note: str = "", base_version: int | None = None) -> ReviewRequest:
        """The coach approves: the article is validated by them, in the same transaction.

        With `base_version`, a newer article version (the author edited after the coach read
        it) is refused with StaleVersion: nobody approves text they have not seen.
        """
        with transaction.atomic():
            review = self._locked()
            require(policy.can_decide_review(by, review))
            article = review.article
            if article.state != State.VALIDATED:
                article.transition(
                    by=by, to=State.VALIDATED, note=f"Approved in review by {by.username}", base_version=base_version
                )
            elif base_version is not None and article.version != base_version:
                raise StaleVersion(article)
            review._close(Status.APPROVED, approved_version=article.version)
            review._comment(by, CommentKind.APPROVED, note)
            review._tell(
                review.requester,
                by=by,
                kind="review_approved",
                title=f"{by.username} approved “{article.title}”: it is validated",
                body=note,
            )
        self.refresh_from_db()
        return self

    def request_changes(self, *, by: User, comment: str) -> ReviewRequest:
        comment = (comment or "").strip()
        if not comment:
            raise InvalidChange("Say what should change: the author needs your comment to improve the article.")
        with transaction.atomic():
            review = self._locked()
            require(policy.can_decide_review(by, review))
            review.status = Status.CHANGES_REQUESTED
            review.updated_at = timezone.now()
            review.save(update_fields=["status", "updated_at"])
            review._comment(by, CommentKind.CHANGES, comment)
            review._tell(
                review.requester,
                by=by,
                kind="review_feedback",
                title=f"{by.username} asks for changes to “{review.article.title}”",
                body=comment,
            )
        self.refresh_from_db()
        return self

    def resubmit(self, *, by: User, note: str = "") -> ReviewRequest:
        with transaction.atomic():
            review = self._locked()
            require(policy.can_resubmit(by, review))
            article = review.article
            if article.state == State.WIP:
                article.submit(by=by, note="Sent back for review")
            elif article.state != State.NOT_VALIDATED:
                raise InvalidChange("Only an unvalidated article can go back to review.")
            review.status = Status.PENDING
            review.round += 1
            review.submitted_version = article.version
            review.updated_at = timezone.now()
            review.save(update_fields=["status", "round", "submitted_version", "updated_at"])
            review._comment(by, CommentKind.RESUBMITTED, note)
            review._tell(
                review.reviewer,
                by=by,
                kind="review_requested",
                title=f"{by.username} sent “{article.title}” back for review (round {review.round})",
                body=note,
            )
        self.refresh_from_db()
        return self

    def withdraw(self, *, by: User, note: str = "") -> ReviewRequest:
        with transaction.atomic():
            review = self._locked()
            require(policy.can_withdraw(by, review))
            review._close(Status.WITHDRAWN)
            review._comment(by, CommentKind.WITHDRAWN, note)
            review._tell(
                review.reviewer,
                by=by,
                kind="review_withdrawn",
                title=f"{by.username} withdrew the review of “{review.article.title}”",
                body=note,
            )
        self.refresh_from_db()
        return self

    def _locked(self) -> ReviewRequest:
        return ReviewRequest.objects.select_for_update().select_related("article").get(pk=self.pk)

    def _close(self, status: str, *, approved_version: int | None = None) -> None:
        self.status = status
        self.approved_version = approved_version
        self.updated_at = self.closed_at = timezone.now()
        self.save(update_fields=["status", "approved_version", "updated_at", "closed_at"])

    def _tell(self, recipient, *, by: User, kind: str, title: str, body: str = "") -> None:
        """Notify the other party of this review (never the person who acted), linking to it."""
        notify([recipient], kind=kind, title=title, body=body, url=self.get_absolute_url(), article=self.article, exclude=by)

    def _comment(self, by: User, kind: str, body: str) -> ReviewComment:
        return ReviewComment.objects.create(
            review=self, author=by, kind=kind, body=(body or "").strip(), round=self.round, article_version=self.article.version
        )


class CommentKind(models.TextChoices):
    SUBMITTED = "submitted", "Asked for a review"
    CHANGES = "changes", "Asked for changes"
    RESUBMITTED = "resubmitted", "Sent back for review"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Withdrew the review"


class ReviewComment(models.Model):
    """One step of a review, with what the person said (the coach's feedback, the author's reply)."""

    review = models.ForeignKey(ReviewRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=CommentKind.choices)
    body = models.TextField(blank=True)
    round = models.PositiveSmallIntegerField()
    article_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.author} (round {self.round})"


def pick_coach(article: Article):
    """The reviewer for `article` when the author does not choose: among coaches who may
    review it, those who coach its product come first; then the fewest open reviews; then name."""
    from accounts.models import User

    coaches = list(
        User.objects.filter(is_coach=True, is_active=True, kind=Kind.STAFF)
        .exclude(pk__in=[article.created_by_id, article.owner_id])
        .annotate(
            # distinct: the two joins multiply each other's rows (6 products × 3 reviews counted 18).
            open_reviews=Count("reviews_assigned", filter=Q(reviews_assigned__status__in=OPEN), distinct=True),
            for_product=Count("coached_products", filter=Q(coached_products__product_id=article.product_id), distinct=True),
        )
        .order_by("username")
    )
    eligible = [c for c in coaches if policy.can_be_reviewer(c, article)]
    if not eligible:
        return None
    return min(eligible, key=lambda c: (0 if c.for_product else 1, c.open_reviews, c.username))


def eligible_coaches(article: Article) -> list:
    from accounts.models import User

    coaches = User.objects.filter(is_coach=True, is_active=True, kind=Kind.STAFF).order_by("username")
    return [c for c in coaches if policy.can_be_reviewer(c, article)]


# --- content-standard checklist -------------------------------------------------------------


class Criterion(models.TextChoices):
    # The KCS content standard, in the order a scorer reads an article.
    CUSTOMER_WORDS = "customer_words", "Issue in the customer's words"
    ENVIRONMENT = "environment", "Environment complete"
    RESOLUTION = "resolution", "Resolution complete and correct"
    TITLE = "title", "Title states issue and environment"
    ONE_RESOLUTION = "one_resolution", "One article per resolution"
    NO_CUSTOMER_DATA = "no_customer_data", "No customer data"
    METADATA = "metadata", "Metadata right"
    AUTHORITY = "authority", "Decision authority actionable"


class ScoreQuerySet(models.QuerySet):
    def for_list(self) -> ScoreQuerySet:
        return (
            self.select_related("article", "article__product", "author", "scorer")
            .defer(*long_fields(via="article"))
            .prefetch_related("answers")
        )

    def monthly(self) -> list[dict]:
        """[{month, scores, met, total, share}] oldest first: the share of criteria met per month."""
        from django.db.models.functions import TruncMonth

        rows = (
            self.annotate(month=TruncMonth("scored_at"))
            .values("month")
            .annotate(scores=Count("id"), met=models.Sum("met"), total=models.Sum("total"))
            .order_by("month")
        )
        return [{**row, "share": round(100 * row["met"] / row["total"]) if row["total"] else 0} for row in rows]


class ChecklistScore(models.Model):
    """A coach's or KB owner's check of one article version against the content standard."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="checklist_scores")
    article_version = models.PositiveIntegerField()
    # The person the score is about (the article's author when scored), kept so history stays put.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checklist_scores")
    scorer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checklist_scores_given")
    comment = models.TextField(blank=True)
    met = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    scored_at = models.DateTimeField(default=timezone.now)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        ordering = ["-scored_at", "-id"]
        indexes = [
            models.Index(fields=["author", "-scored_at"], name="score_author_idx"),
            models.Index(fields=["article", "-scored_at"], name="score_article_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.article} v{self.article_version}: {self.met}/{self.total}"

    @property
    def share(self) -> int:
        return round(100 * self.met / self.total) if self.total else 0

    @classmethod
    def record(
        cls, *, article: Article, by, answers: dict[str, tuple[bool, str]], comment: str = "", base_version: int | None = None
    ) -> ChecklistScore:
        """Score `article` as `by`. `answers` maps every criterion to (passed, note).
        With `base_version`, a newer article version is refused (StaleVersion)."""
        missing = [Criterion(c).label for c in Criterion.values if c not in answers]
        unknown = sorted(set(answers) - set(Criterion.values))
        if unknown:
            raise InvalidChange(f"Unknown criteria: {', '.join(unknown)}.")
        if missing:
            raise InvalidChange(f"Answer every criterion; missing: {', '.join(missing)}.")
        with transaction.atomic():
            article = Article.objects.get(pk=article.pk)
            require(policy.can_score(by, article))
            if base_version is not None and article.version != base_version:
                raise StaleVersion(article)
            met = sum(1 for passed, _ in answers.values() if passed)
            score = cls.objects.create(
                article=article,
                article_version=article.version,
                author=article.created_by,
                scorer=by,
                comment=(comment or "").strip(),
                met=met,
                total=len(answers),
            )
            ChecklistAnswer.objects.bulk_create(
                ChecklistAnswer(score=score, criterion=c, passed=answers[c][0], note=(answers[c][1] or "").strip()[:300])
                for c in Criterion.values
            )
            notify(
                [article.created_by],
                kind="checklist_scored",
                title=f"{by.username} checked “{article.title}” against the content standard: {met}/{len(answers)}",
                body=score.comment,
                url=reverse("coaching:author", args=[article.created_by.username]),
                article=article,
                exclude=by,
            )
        return score


class ChecklistAnswer(models.Model):
    score = models.ForeignKey(ChecklistScore, on_delete=models.CASCADE, related_name="answers")
    criterion = models.CharField(max_length=32, choices=Criterion.choices)
    passed = models.BooleanField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["score", "id"]
        constraints = [models.UniqueConstraint(fields=["score", "criterion"], name="answer_one_per_criterion")]

    def __str__(self) -> str:
        return f"{self.get_criterion_display()}: {'pass' if self.passed else 'fail'}"


def criterion_rates(scores) -> list[dict]:
    """Per criterion: how often it was met across `scores` (a queryset)."""
    rows = (
        ChecklistAnswer.objects.filter(score__in=scores)
        .values("criterion")
        .annotate(total=Count("id"), met=Count("id", filter=Q(passed=True)))
    )
    by_key = {row["criterion"]: row for row in rows}
    out = []
    for key, label in Criterion.choices:
        row = by_key.get(key, {"total": 0, "met": 0})
        share = round(100 * row["met"] / row["total"]) if row["total"] else None
        out.append({"criterion": key, "label": label, "met": row["met"], "total": row["total"], "share": share})
    return out


RECENT_DAYS = 90  # what "recent" means for the sample
SCORED_RECENTLY_DAYS = 30  # an article scored within this is not sampled again


def sample(reviewer, *, per_person: int, seed: str, today: datetime.date | None = None) -> list[tuple]:
    """[(author, [articles])]: up to `per_person` recent articles per author for `reviewer` to score.

    Stable for a seed (the page uses the reviewer and the ISO week), so reloading shows the
    same sample; skips the reviewer's own articles, articles they may not see, drafts, and
    articles scored in the last SCORED_RECENTLY_DAYS days.
    """
    import random

    now = timezone.now()
    scored = ChecklistScore.objects.filter(scored_at__gte=now - datetime.timedelta(days=SCORED_RECENTLY_DAYS)).values(
        "article_id"
    )
    candidates = (
        Article.objects.visible_to(reviewer)
        .filter(state__in=[State.NOT_VALIDATED, State.VALIDATED], updated_at__gte=now - datetime.timedelta(days=RECENT_DAYS))
        .exclude(created_by=reviewer)
        .exclude(owner=reviewer)
        .exclude(pk__in=scored)
        .order_by("created_by_id", "id")
        .values_list("created_by_id", "id")[:5000]
    )
    by_author: dict[int, list[int]] = {}
    for author_id, article_id in candidates:
        by_author.setdefault(author_id, []).append(article_id)
    rng = random.Random(seed)
    chosen = {author_id: rng.sample(ids, min(per_person, len(ids))) for author_id, ids in sorted(by_author.items())}
    wanted = [pk for ids in chosen.values() for pk in ids]
    articles = {a.pk: a for a in Article.objects.filter(pk__in=wanted).for_list().select_related("created_by")}
    out = []
    for ids in chosen.values():
        picked = [articles[pk] for pk in ids if pk in articles]
        if picked:
            out.append((picked[0].created_by, picked))
    out.sort(key=lambda row: row[0].username)
    return out
