"""What people are told: in-app notifications, and the emails that carry them.

Every notification is a row (the bell and the notifications page read them); an email is a
row in an outbox, written in the same transaction, and sent by `manage.py send_notifications`,
which retries failures and never sends a row twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EmailChoice(models.TextChoices):
    IMMEDIATE = "immediate", "Right away"
    DIGEST = "digest", "Daily digest"
    NONE = "none", "No email"


class Preference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    email = models.CharField(max_length=16, choices=EmailChoice.choices, default=EmailChoice.IMMEDIATE)

    def __str__(self) -> str:
        return f"{self.user}: {self.get_email_display()}"


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)  # e.g. "article_updated", "flag_resolved", "review_feedback"
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)  # a site path, e.g. the diff of an update
    article = models.ForeignKey("articles.Article", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)  # an email (immediate or digest) has been queued for it

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"


class OutgoingEmail(models.Model):
    """One email to send. Sent at most once: a row is claimed before sending and marked after."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    send_after = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sent_at", "send_after"], name="outgoing_email_due_idx")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
