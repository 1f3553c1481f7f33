"""Learning paths for new hires, their assignment to people, and read-and-understood
acknowledgements of articles by version.

An acknowledgement is kept forever (compliance teams export them). It is *current* until a
material version of its article is saved after it; then it is marked stale (`stale_at`,
`stale_version`, see `services.mark_stale`) and the trainee is asked to read the article again.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy


class LearningPath(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    product = models.ForeignKey("articles.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The team it is meant for (Django's auth groups stand for teams); assigning still names people or a group.
    team = models.ForeignKey("auth.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # On the path rather than per item: one rule a trainee can read at the top of the path
    # ("pass each knowledge check with 80%"), and the issue asks for "a path can require a pass mark".
    pass_mark = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=gettext_lazy(
            "Percent of an article's questions a trainee must answer right for the article to count as done. "
            "Empty: reading and acknowledging is enough."
        ),
    )

    class Meta:
        verbose_name = gettext_lazy("learning path")
        verbose_name_plural = gettext_lazy("learning paths")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:path", args=[self.pk])

    def items(self) -> models.QuerySet[PathItem]:
        """Every item of the path in reading order (section, then item)."""
        from articles.models import long_fields

        return (
            PathItem.objects.filter(section__path=self)
            .select_related("article", "section")
            .defer(*long_fields(via="article"))
            .order_by("section__position", "section__id", "position", "id")
        )


class PathSection(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("path section")
        verbose_name_plural = gettext_lazy("path sections")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class PathItem(models.Model):
    section = models.ForeignKey(PathSection, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    note = models.TextField(gettext_lazy("why it matters"), blank=True)
    required = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("path article")
        verbose_name_plural = gettext_lazy("path articles")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["section", "article"], name="path_item_unique_article")]

    def __str__(self) -> str:
        return f"{self.section}: {self.article}"


class AssignmentQuerySet(models.QuerySet):
    def overdue(self, today: datetime.date | None = None) -> AssignmentQuerySet:
        return self.filter(due_date__lt=today or timezone.localdate())


class Assignment(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="path_assignments")
    due_date = models.DateField(null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("assignment")
        verbose_name_plural = gettext_lazy("assignments")
        ordering = ["due_date", "id"]
        constraints = [models.UniqueConstraint(fields=["path", "user"], name="assignment_unique_person")]

    def __str__(self) -> str:
        return f"{self.user} → {self.path}"

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.due_date is not None and self.due_date < (today or timezone.localdate())


class AcknowledgementQuerySet(models.QuerySet):
    def current(self) -> AcknowledgementQuerySet:
        return self.filter(stale_at=None)

    def for_export(self) -> AcknowledgementQuerySet:
        return self.select_related("user", "article", "path").order_by("at", "id")


class Acknowledgement(models.Model):
    """`user` read and understood `article` as it was at `article_version`. Never deleted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="acknowledgements")
    article = models.ForeignKey("articles.Article", on_delete=models.PROTECT, related_name="+")
    article_version = models.PositiveIntegerField()
    path = models.ForeignKey(LearningPath, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # Set when a material version newer than `article_version` is saved.
    stale_at = models.DateTimeField(null=True, blank=True)
    stale_version = models.PositiveIntegerField(null=True, blank=True)

    objects = AcknowledgementQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("acknowledgement")
        verbose_name_plural = gettext_lazy("acknowledgements")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "article", "stale_at"], name="ack_user_article_idx"),
            models.Index(fields=["article", "stale_at"], name="ack_article_stale_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.article} v{self.article_version}"


# --- knowledge checks ------------------------------------------------------------------------


class QuestionQuerySet(models.QuerySet):
    def for_check(self) -> QuestionQuerySet:
        return self.prefetch_related("choices").select_related("rule")


class Question(models.Model):
    """A short multiple-choice question on an article, often a scenario about its decision
    authority. `rule` points at the authority rule the answer rests on; rules are replaced as a
    whole when an article's authority changes, so the link is lost then and the question is
    flagged `needs_review` (services.flag_questions_for_review) for the owner to relink."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(gettext_lazy("question"))
    explanation = models.TextField(blank=True, help_text=gettext_lazy("Shown to a trainee who answers wrongly."))
    rule = models.ForeignKey("articles.AuthorityRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveIntegerField(default=0)
    needs_review = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("question")
        verbose_name_plural = gettext_lazy("questions")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["article", "position"], name="question_article_idx")]

    def __str__(self) -> str:
        return self.text[:80]

    def correct_ids(self) -> set[int]:
        return {c.pk for c in self.choices.all() if c.correct}


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=500)
    correct = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("choice")
        verbose_name_plural = gettext_lazy("choices")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Attempt(models.Model):
    """One submission of an article's knowledge check. Kept, like acknowledgements."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="check_attempts")
    article = models.ForeignKey("articles.Article", on_delete=models.PROTECT, related_name="+")
    article_version = models.PositiveIntegerField()
    path = models.ForeignKey(LearningPath, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    score = models.PositiveSmallIntegerField(help_text=gettext_lazy("Percent of questions answered right."))
    passed = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("attempt")
        verbose_name_plural = gettext_lazy("attempts")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "article"], name="attempt_user_article_idx")]

    def __str__(self) -> str:
        return f"{self.user} on {self.article}: {self.score}%"


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    # Questions may be deleted later; the attempt's score stays as recorded.
    question = models.ForeignKey(Question, null=True, on_delete=models.SET_NULL, related_name="+")
    chosen = models.ManyToManyField(Choice, blank=True, related_name="+")
    correct = models.BooleanField()

    class Meta:
        verbose_name = gettext_lazy("attempt answer")
        verbose_name_plural = gettext_lazy("attempt answers")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.question}: {'right' if self.correct else 'wrong'}"
