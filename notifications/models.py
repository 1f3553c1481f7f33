"""What people are told: in-app notifications, and the emails that carry them.

Every notification is a row (the bell and the notifications page read them); an email is a
row in an outbox, written in the same transaction, and sent by `manage.py send_notifications`,
which retries failures and never sends a row twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailChoice(models.TextChoices):
    IMMEDIATE = "immediate", _("Right away")
    DIGEST = "digest", _("Daily digest")
    NONE = "none", _("No email")


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
    # The change it tells of altered what agents may decide (staff only: readers never hear of it).
    authority_changed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"


class OutgoingEmail(models.Model):
    """One email to send. Sent at most once: a row is claimed before sending and marked after."""

    # None for an address no account stands behind (the help-centre hand-over's KCS_HANDOVER_EMAIL).
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    send_after = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)  # gave up after too many attempts
    is_digest = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sent_at", "send_after"], name="outgoing_email_due_idx")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class SubscriptionQuerySet(models.QuerySet):
    def visible_to(self, user) -> SubscriptionQuerySet:
        """`user`'s subscriptions, leaving out articles they can no longer open (their titles may have changed)."""
        from articles.models import Article

        mine = self.filter(user=user)
        return mine.filter(models.Q(article__isnull=True) | models.Q(article__in=Article.objects.visible_to(user)))

    def for_article(self, article) -> SubscriptionQuerySet:
        """Subscriptions that cover `article`: to it, to its product or to one of its tags."""
        return self.filter(
            models.Q(article=article) | models.Q(product_id=article.product_id) | models.Q(tag__in=article.tags.values("pk"))
        )


class Subscription(models.Model):
    """A person wants to hear about material updates to one article, product or tag (exactly one)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    article = models.ForeignKey("articles.Article", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("articles.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey("articles.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="subscription_exactly_one_target",
                condition=(
                    models.Q(article__isnull=False, product__isnull=True, tag__isnull=True)
                    | models.Q(article__isnull=True, product__isnull=False, tag__isnull=True)
                    | models.Q(article__isnull=True, product__isnull=True, tag__isnull=False)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "article"], condition=models.Q(article__isnull=False), name="subscription_unique_article"
            ),
            models.UniqueConstraint(
                fields=["user", "product"], condition=models.Q(product__isnull=False), name="subscription_unique_product"
            ),
            models.UniqueConstraint(
                fields=["user", "tag"], condition=models.Q(tag__isnull=False), name="subscription_unique_tag"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.target}"

    @property
    def kind(self) -> str:
        return "article" if self.article_id else "product" if self.product_id else "tag"

    @property
    def target(self):
        return self.article or self.product or self.tag


class ArticleUpdateQuerySet(models.QuerySet):
    def visible_to(self, user) -> ArticleUpdateQuerySet:
        from articles import policy
        from articles.models import Article

        qs = self.filter(article__in=Article.objects.visible_to(user))
        audiences = policy.visible_audiences(user)
        if audiences is not None:  # outside readers: only what changed for them, while they could see it
            qs = qs.filter(reader_visible=True, audience__in=list(audiences))
        return qs

    def for_list(self) -> ArticleUpdateQuerySet:
        from articles.models import long_fields

        return self.select_related("article__product", "editor").defer(*long_fields(via="article"))


class ArticleUpdate(models.Model):
    """A material update to an article: what "What's new", the feed and the notifications announce.

    Written in the edit's own transaction (see `signals.py`), so an edit that rolls back leaves none.
    """

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    note = models.TextField(blank=True)  # the editor's change note: staff text, never shown outside
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    # The article's audience when the update was made, and whether it changed anything outside
    # readers see (title, issue, environment, resolution, cause): an update made while the article
    # was internal, or one to the decision authority only, is never announced outside.
    audience = models.CharField(max_length=16, blank=True)
    reader_visible = models.BooleanField(default=True)
    # The update changed the decision authority (rules, escalation contact, what to do outside it):
    # staff pages and emails call it out; outside readers are never told (the authority is staff-only).
    authority_changed = models.BooleanField(default=False)

    objects = ArticleUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["-at", "-id"], name="article_update_recent_idx")]
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="article_update_unique_version")]

    def __str__(self) -> str:
        return f"{self.article} v{self.version}: {self.note}"

    def diff_url(self) -> str:
        return self.article.get_diff_url(self.version - 1, self.version)
