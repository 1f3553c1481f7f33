"""What the KCS measures need beyond the rows other apps already keep.

- `ArticleView`: article views counted per article, day and reader kind: a counter row updated in
  place, never a row per view, so a busy help centre does not grow a table per page load.
- `DailyFigure`: the nightly snapshot of the figures that history cannot give back (how many
  articles were in each state that day, open flags…), so trends survive later changes.
- `ZeroResultAlert`: a query that kept finding nothing, told to KB owners once per week.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class ReaderKind(models.TextChoices):
    # Who read or searched: the same values as `search.SearchLog.caller_kind`.
    STAFF = "staff", gettext_lazy("Staff")
    PARTNER = "partner", gettext_lazy("Partners")
    CUSTOMER = "customer", gettext_lazy("Customers")
    ANONYMOUS = "anonymous", gettext_lazy("Anonymous visitors")


class ArticleView(models.Model):
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="view_counts")
    day = models.DateField()
    reader = models.CharField(max_length=16, choices=ReaderKind.choices)
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "day", "reader"], name="article_view_one_row")]
        # Covers the period's views summed per day and reader (the views are read from the index).
        indexes = [models.Index(fields=["day", "reader", "views"], name="article_view_day_idx")]

    def __str__(self) -> str:
        return f"{self.article_id} on {self.day} by {self.reader}: {self.views}"


class DailyFigure(models.Model):
    """One figure of one day: `metric` names it, `key` the group it is for ("" for all)."""

    day = models.DateField()
    metric = models.CharField(max_length=40)
    key = models.CharField(max_length=100, blank=True)
    value = models.FloatField()
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day", "metric", "key"]
        constraints = [models.UniqueConstraint(fields=["metric", "key", "day"], name="daily_figure_one")]

    def __str__(self) -> str:
        return f"{self.day} {self.metric}[{self.key}] = {self.value}"


class ZeroResultAlert(models.Model):
    query = models.CharField(max_length=500)  # lower-cased, spaces collapsed
    week = models.DateField()  # the Monday of the week it was told in
    searches = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["query", "week"], name="zero_result_alert_once")]

    def __str__(self) -> str:
        return f"{self.query!r} ({self.searches} in the week of {self.week})"
