"""Content health: who confirmed an article is still correct, and which review reminders went out.

Reuse on cases is `articles.Reuse` (the core owns it: material updates notify recent reusers);
this app records it and reads it, see `services.record_reuse`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewKind(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed still correct")
    RESCHEDULED = "rescheduled", _("Review date changed")


class ReviewConfirmation(models.Model):
    """Someone looked at an article and moved its review-by date, without changing its content.

    Not a version of the article: the text is the same, so nothing is diffed or announced.
    """

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="review_confirmations")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=ReviewKind.choices, default=ReviewKind.CONFIRMED)
    previous_review_by = models.DateField(null=True, blank=True)
    review_by = models.DateField()
    article_version = models.PositiveIntegerField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["article", "-at"], name="review_confirmation_idx")]

    def __str__(self) -> str:
        return f"{self.article}: {self.get_kind_display()} by {self.by} at {self.at:%Y-%m-%d}"

    @property
    def is_confirmation(self) -> bool:
        """Confirmed still correct, rather than a date someone chose."""
        return self.kind == ReviewKind.CONFIRMED


class ReviewReminder(models.Model):
    """A reminder sent to `recipient` that `article` fell due on `review_by`.

    The unique constraint is what makes `send_review_reminders` safe to run daily, twice, or
    from two machines: a reminder is recorded in the transaction that notifies, once per due date.
    """

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    review_by = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "recipient", "review_by"], name="review_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.article} due {self.review_by}"
