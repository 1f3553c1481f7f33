"""Learning paths for new hires, their assignment to people, and read-and-understood
acknowledgements of articles by version.

An acknowledgement is kept forever (compliance teams export them). It is *current* until a
material version of its article is saved after it; then it is marked stale (`stale_at`,
`stale_version`, see `services.mark_stale`) and the trainee is asked to read the article again.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class LearningPath(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    product = models.ForeignKey("articles.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:path", args=[self.pk])

    def items(self) -> models.QuerySet[PathItem]:
        """Every item of the path in reading order (section, then item)."""
        return (
            PathItem.objects.filter(section__path=self)
            .select_related("article", "section")
            .defer("article__issue", "article__environment", "article__resolution", "article__cause", "article__authority_note")
            .order_by("section__position", "section__id", "position", "id")
        )


class PathSection(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class PathItem(models.Model):
    section = models.ForeignKey(PathSection, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    note = models.TextField("why it matters", blank=True)
    required = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
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
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "article", "stale_at"], name="ack_user_article_idx"),
            models.Index(fields=["article", "stale_at"], name="ack_article_stale_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.article} v{self.article_version}"

    def diff_url(self, to_version: int) -> str:
        return reverse("articles:diff", args=[self.article.slug]) + f"?from={self.article_version}&to={to_version}"
