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
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, Prefetch, ProtectedError, Q, Sum
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

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
        verbose_name = gettext_lazy("product coached")
        verbose_name_plural = gettext_lazy("products coached")
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
        verbose_name = gettext_lazy("review")
        verbose_name_plural = gettext_lazy("reviews")
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
                raise InvalidChange(_("This article is already in review."))
            if reviewer is None:
                reviewer = pick_coach(article)
                if reviewer is None:
                    raise InvalidChange(
                        _("No coach can review this article yet. Ask a KB owner to assign a coach for its product.")
                    )
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
            raise InvalidChange(_("Say what should change: the author needs your comment to improve the article."))
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
                raise InvalidChange(_("Only an unvalidated article can go back to review."))
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
    SUBMITTED = "submitted", gettext_lazy("Asked for a review")
    CHANGES = "changes", gettext_lazy("Asked for changes")
    RESUBMITTED = "resubmitted", gettext_lazy("Sent back for review")
    APPROVED = "approved", gettext_lazy("Approved")
    WITHDRAWN = "withdrawn", gettext_lazy("Withdrew the review")


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
        verbose_name = gettext_lazy("review comment")
        verbose_name_plural = gettext_lazy("review comments")
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


MIN_WEIGHT, MAX_WEIGHT = 1, 10


class CriterionQuerySet(models.QuerySet):
    def active(self) -> CriterionQuerySet:
        return self.filter(active=True)

    def in_order(self) -> CriterionQuerySet:
        return self.order_by("position", "id")

    def with_use(self) -> CriterionQuerySet:
        """Each criterion's `scores`: how many checklist scores answered it (one answer per score)."""
        return self.annotate(scores=Count("answers"))


class ChecklistCriterion(models.Model):
    """One criterion of the content-standard checklist, kept by KB owners (/coaching/criteria/).

    Scores keep what they were scored against: each answer copies the criterion's name and
    weight, each score its weighted sums, so renaming, reweighting or deactivating a criterion
    never rewrites a past score. A criterion that has answers is deactivated, never deleted
    (the answers PROTECT it).
    """

    # Named by the answers and the API; stays the same when the name changes.
    key = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    help_text = models.TextField(blank=True, max_length=1000)
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(MIN_WEIGHT), MaxValueValidator(MAX_WEIGHT)]
    )
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = gettext_lazy("checklist criterion")
        verbose_name_plural = gettext_lazy("checklist criteria")
        constraints = [
            # Two criteria of the same name would be indistinguishable on the checklist and in history.
            models.UniqueConstraint(Lower("name"), name="criterion_name_unique"),
            models.CheckConstraint(condition=Q(weight__gte=MIN_WEIGHT, weight__lte=MAX_WEIGHT), name="criterion_weight_range"),
        ]

    def __str__(self) -> str:
        return self.name

    # --- operations (KB owners) -----------------------------------------------------------

    @classmethod
    def add(cls, *, by: User, name: str, help_text: str = "", weight: int = 1) -> ChecklistCriterion:
        """A new active criterion at the end of the checklist: asked from the next score on."""
        require(policy.can_manage_criteria(by))
        name, help_text = _checked(name, help_text, weight)
        try:
            with transaction.atomic():
                _refuse_taken_name(name)
                last = cls.objects.aggregate(last=Max("position"))["last"] or 0
                criterion = cls.objects.create(
                    key=_new_key(name),
                    name=name,
                    help_text=help_text,
                    weight=weight,
                    position=last + 1,
                    created_by=by,
                    updated_by=by,
                )
                CriterionChange.objects.create(criterion=criterion, by=by, summary=f"Added with weight {weight}")
                return criterion
        except IntegrityError:  # the same name added at the same moment
            raise InvalidChange(_taken(name)) from None

    def change(self, *, by: User, name: str, help_text: str, weight: int) -> ChecklistCriterion:
        """Rename, reword or reweight: future scores use the new values, past ones keep theirs."""
        require(policy.can_manage_criteria(by))
        name, help_text = _checked(name, help_text, weight)
        try:
            with transaction.atomic():
                _refuse_taken_name(name, exclude=self)
                said = []
                if name != self.name:
                    said.append(f"Renamed from “{self.name}”")
                if weight != self.weight:
                    said.append(f"Weight {self.weight} → {weight}")
                if help_text != self.help_text:
                    said.append("Help text changed")
                if said:
                    self.name, self.help_text, self.weight = name, help_text, weight
                    self._touch(by, "; ".join(said), "name", "help_text", "weight")
        except IntegrityError:
            raise InvalidChange(_taken(name)) from None
        return self

    def move(self, *, by: User, to: int) -> ChecklistCriterion:
        """Put this criterion at position `to` (1 = first; beyond the end = last), renumbering the others."""
        require(policy.can_manage_criteria(by))
        with transaction.atomic():
            ordered = list(ChecklistCriterion.objects.select_for_update().in_order())
            was = next((n for n, c in enumerate(ordered, start=1) if c.pk == self.pk), 0)
            ordered = [c for c in ordered if c.pk != self.pk]
            ordered.insert(max(0, min(len(ordered), to - 1)), self)
            renumbered = []
            for number, criterion in enumerate(ordered, start=1):
                if criterion is self:
                    self.position = number
                elif criterion.position != number:
                    criterion.position = number
                    renumbered.append(criterion)
            ChecklistCriterion.objects.bulk_update(renumbered, ["position"])
            if self.position != was:
                self._touch(by, f"Moved from place {was} to {self.position}", "position")
        return self

    def set_active(self, *, by: User, active: bool) -> ChecklistCriterion:
        """Deactivate (no longer asked; its past answers stay) or reactivate (asked again)."""
        require(policy.can_manage_criteria(by))
        with transaction.atomic():
            others = ChecklistCriterion.objects.select_for_update().active().exclude(pk=self.pk)
            if not active and not others.exists():
                raise InvalidChange(
                    _("“%(name)s” is the last active criterion: the checklist cannot be empty.") % {"name": self.name}
                )
            if active != self.active:
                self.active = active
                self._touch(by, "Reactivated" if active else "Deactivated", "active")
        return self

    def delete_unused(self, *, by: User) -> None:
        """Delete a criterion no score has used (a mistake, say); a used one is deactivated instead."""
        require(policy.can_manage_criteria(by))
        with transaction.atomic():
            used = self.answers.count()
            if used:
                raise InvalidChange(
                    ngettext(
                        "“%(name)s” was used in %(count)s score: deactivate it instead, so those scores keep their meaning.",
                        "“%(name)s” was used in %(count)s scores: deactivate it instead, so those scores keep their meaning.",
                        used,
                    )
                    % {"name": self.name, "count": used}
                )
            if self.active and not ChecklistCriterion.objects.active().exclude(pk=self.pk).exists():
                raise InvalidChange(
                    _("“%(name)s” is the last active criterion: the checklist cannot be empty.") % {"name": self.name}
                )
            try:
                self.delete()
            except ProtectedError:  # scored meanwhile
                raise InvalidChange(
                    _("“%(name)s” has just been used in a score: deactivate it instead.") % {"name": self.name}
                ) from None

    def rank(self) -> int:
        """This criterion's place on the checklist, 1 first (positions may have gaps)."""
        return list(ChecklistCriterion.objects.in_order().values_list("pk", flat=True)).index(self.pk) + 1

    def _touch(self, by: User, summary: str, *fields: str) -> None:
        self.updated_by, self.updated_at = by, timezone.now()
        self.save(update_fields=[*fields, "updated_by", "updated_at"])
        CriterionChange.objects.create(criterion=self, by=by, at=self.updated_at, summary=summary)


class CriterionChange(models.Model):
    """One change KB owners made to a criterion (who, when, what), shown on its page."""

    criterion = models.ForeignKey(ChecklistCriterion, on_delete=models.CASCADE, related_name="changes")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=300)

    class Meta:
        verbose_name = gettext_lazy("criterion change")
        verbose_name_plural = gettext_lazy("criterion changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.summary}"


def _checked(name: str, help_text: str, weight: int) -> tuple[str, str]:
    """The name and help text as stored, or InvalidChange saying what is wrong."""
    name = " ".join((name or "").split())
    help_text = (help_text or "").strip()
    if not name:
        raise InvalidChange(_("Give the criterion a name."))
    if len(name) > 120:
        raise InvalidChange(_("Keep the name within 120 characters; say more in the help text."))
    if len(help_text) > 1000:
        raise InvalidChange(_("Keep the help text within 1000 characters."))
    if isinstance(weight, bool) or not isinstance(weight, int) or not MIN_WEIGHT <= weight <= MAX_WEIGHT:
        raise InvalidChange(_("The weight is a whole number from %(min)s to %(max)s.") % {"min": MIN_WEIGHT, "max": MAX_WEIGHT})
    return name, help_text


def _taken(name: str) -> str:
    return _("A criterion named “%(name)s” already exists (perhaps deactivated): choose another name, or change that one.") % {
        "name": name
    }


def _refuse_taken_name(name: str, exclude: ChecklistCriterion | None = None) -> None:
    same = ChecklistCriterion.objects.filter(name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if same.exists():
        raise InvalidChange(_taken(name))


def _new_key(name: str) -> str:
    base = slugify(name).replace("-", "_")[:28].strip("_") or "criterion"
    taken = set(ChecklistCriterion.objects.filter(key__startswith=base).values_list("key", flat=True))
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return key


def active_criteria() -> list[ChecklistCriterion]:
    """The criteria a new score answers, in the order the checklist asks them."""
    return list(ChecklistCriterion.objects.active().in_order())


class ScoreQuerySet(models.QuerySet):
    def for_list(self) -> ScoreQuerySet:
        return (
            self.select_related("article", "article__product", "author", "scorer")
            .defer(*long_fields(via="article"))
            .prefetch_related("answers")
        )

    def monthly(self) -> list[dict]:
        """[{month, scores, met, total, weighted_met, weighted_total, share}] oldest first: `share`
        is the percent of the criteria's weight met that month, each score weighed as it was scored."""
        from django.db.models.functions import TruncMonth

        rows = (
            self.annotate(month=TruncMonth("scored_at"))
            .values("month")
            .annotate(
                scores=Count("id"),
                met=Sum("met"),
                total=Sum("total"),
                weighted_met=Sum("weighted_met"),
                weighted_total=Sum("weighted_total"),
            )
            .order_by("month")
        )
        return [{**row, "share": percent(row["weighted_met"], row["weighted_total"]) or 0} for row in rows]


def percent(part: int | None, whole: int | None) -> int | None:
    return round(100 * (part or 0) / whole) if whole else None


class ChecklistScore(models.Model):
    """A coach's or KB owner's check of one article version against the content standard."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="checklist_scores")
    article_version = models.PositiveIntegerField()
    # The person the score is about (the article's author when scored), kept so history stays put.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checklist_scores")
    scorer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checklist_scores_given")
    comment = models.TextField(blank=True)
    met = models.PositiveSmallIntegerField()  # criteria met
    total = models.PositiveSmallIntegerField()  # criteria answered
    # The same sums by the criteria's weights when scored: what `share` (and licences' average) reads.
    weighted_met = models.PositiveIntegerField()
    weighted_total = models.PositiveIntegerField()
    scored_at = models.DateTimeField(default=timezone.now)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("checklist score")
        verbose_name_plural = gettext_lazy("checklist scores")
        ordering = ["-scored_at", "-id"]
        indexes = [
            models.Index(fields=["author", "-scored_at"], name="score_author_idx"),
            models.Index(fields=["article", "-scored_at"], name="score_article_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.article} v{self.article_version}: {self.met}/{self.total}"

    @property
    def share(self) -> int:
        """Percent of the weight met (with every weight 1, the share of criteria met)."""
        return percent(self.weighted_met, self.weighted_total) or 0

    @classmethod
    def record(
        cls, *, article: Article, by, answers: dict[str, tuple[bool, str]], comment: str = "", base_version: int | None = None
    ) -> ChecklistScore:
        """Score `article` as `by`. `answers` maps the key of every active criterion to (passed, note);
        each answer keeps the criterion's name and weight as they are now.
        With `base_version`, a newer article version is refused (StaleVersion)."""
        with transaction.atomic():
            criteria = _criteria_answered(answers)
            article = Article.objects.get(pk=article.pk)
            require(policy.can_score(by, article))
            if base_version is not None and article.version != base_version:
                raise StaleVersion(article)
            met = sum(1 for c in criteria if answers[c.key][0])
            score = cls.objects.create(
                article=article,
                article_version=article.version,
                author=article.created_by,
                scorer=by,
                comment=(comment or "").strip(),
                met=met,
                total=len(criteria),
                weighted_met=sum(c.weight for c in criteria if answers[c.key][0]),
                weighted_total=sum(c.weight for c in criteria),
            )
            ChecklistAnswer.objects.bulk_create(
                ChecklistAnswer(
                    score=score,
                    criterion=c,
                    label=c.name,
                    weight=c.weight,
                    passed=answers[c.key][0],
                    note=(answers[c.key][1] or "").strip()[:300],
                )
                for c in criteria
            )
            notify(
                [article.created_by],
                kind="checklist_scored",
                title=f"{by.username} checked “{article.title}” against the content standard: {met}/{len(criteria)}",
                body=score.comment,
                url=reverse("coaching:author", args=[article.created_by.username]),
                article=article,
                exclude=by,
            )
        return score


def _criteria_answered(answers: dict) -> list[ChecklistCriterion]:
    """The active criteria, in order, once `answers` answers each of them and nothing else."""
    known = {c.key: c for c in ChecklistCriterion.objects.in_order()}
    unknown = sorted(k for k in answers if k not in known)
    if unknown:
        raise InvalidChange(_("Unknown criteria: %(keys)s.") % {"keys": ", ".join(unknown)})
    retired = [known[k].name for k in answers if not known[k].active]
    if retired:
        raise InvalidChange(
            f"No longer on the checklist: {', '.join(retired)}. Reload the checklist and answer what it asks now."
        )
    criteria = [c for c in known.values() if c.active]
    if not criteria:
        raise InvalidChange(_("The checklist has no active criteria: a KB owner adds them on the criteria page."))
    missing = [c.name for c in criteria if c.key not in answers]
    if missing:
        raise InvalidChange(_("Answer every criterion; missing: %(names)s.") % {"names": ", ".join(missing)})
    return criteria


class ChecklistAnswer(models.Model):
    score = models.ForeignKey(ChecklistScore, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(ChecklistCriterion, to_field="key", on_delete=models.PROTECT, related_name="answers")
    # The criterion as it was when scored: what this score shows, whatever the criterion becomes.
    label = models.CharField(max_length=120)
    weight = models.PositiveSmallIntegerField(default=1)
    passed = models.BooleanField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = gettext_lazy("checklist answer")
        verbose_name_plural = gettext_lazy("checklist answers")
        ordering = ["score", "id"]
        constraints = [models.UniqueConstraint(fields=["score", "criterion"], name="answer_one_per_criterion")]

    def __str__(self) -> str:
        return f"{self.label}: {'pass' if self.passed else 'fail'}"


def criterion_rates(scores) -> list[dict]:
    """Per criterion, in checklist order: how often it was met across `scores` (a queryset).
    Every active criterion, and the inactive ones these scores answered (`active` False)."""
    rows = (
        ChecklistAnswer.objects.filter(score__in=scores)
        .values("criterion")
        .annotate(total=Count("id"), met=Count("id", filter=Q(passed=True)))
    )
    by_key = {row["criterion"]: row for row in rows}
    out = []
    for c in ChecklistCriterion.objects.in_order():
        if not c.active and c.key not in by_key:
            continue
        row = by_key.get(c.key, {"total": 0, "met": 0})
        out.append(
            {
                "criterion": c.key,
                "label": c.name,
                "help_text": c.help_text,
                "weight": c.weight,
                "active": c.active,
                "met": row["met"],
                "total": row["total"],
                "share": percent(row["met"], row["total"]),
            }
        )
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
