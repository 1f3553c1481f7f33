"""Flag it or fix it: staff flags on articles, and readers' "Was this helpful?" votes.

A flag is a request to improve an article. It is `open` until someone resolves it (naming
the article version that fixed it) or dismisses it (saying why). Customers' and partners'
"not helpful" votes with a reason land in the same queue as flags marked as customer
feedback; their votes themselves are kept apart from agents' reuse (articles.Reuse).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import policy
from .choices import READER_REASONS, FlagState, Reason, Source


class FlagQuerySet(models.QuerySet):
    def open(self) -> FlagQuerySet:
        return self.filter(state=FlagState.OPEN)

    def queue_for(self, user) -> FlagQuerySet:
        """Flags `user` is expected to act on: all for KB owners, their own articles' for owners."""
        return self.filter(policy.queue_q(user))

    def for_list(self) -> FlagQuerySet:
        return self.select_related("article", "article__product", "article__owner", "created_by", "closed_by")

    def with_priority(self) -> FlagQuerySet:
        """Each flag with `weight` (how harmful its reason is, `REASON_WEIGHTS`) and `article_open`
        (how many open flags its article has: several people tripping over one article)."""
        article_open = (
            Flag.objects.open()
            .filter(article=OuterRef("article"))
            .order_by()
            .values("article")
            .annotate(n=Count("id"))
            .values("n")
        )
        weight = Case(
            *(When(reason=reason, then=Value(w)) for reason, w in REASON_WEIGHTS.items()),
            default=Value(0),
            output_field=IntegerField(),
        )
        return self.annotate(weight=weight, article_open=Coalesce(Subquery(article_open), Value(0)))

    def sorted_by(self, sort: str) -> FlagQuerySet:
        """The queue in one of `QUEUE_SORTS`: priority (harmful reasons first, then the articles
        most flagged, then the oldest), oldest or newest first."""
        if sort == "priority":
            return self.with_priority().order_by("-weight", "-article_open", "created_at", "id")
        if sort == "oldest":
            return self.order_by("created_at", "id")
        return self.order_by("-created_at", "-id")


# How much a flag's reason weighs in the queue's priority: an agent may be giving away what
# they should not (authority unclear), or a customer is told something wrong, before style.
REASON_WEIGHTS = {
    Reason.AUTHORITY_UNCLEAR: 3,
    Reason.INCORRECT: 2,
    Reason.OUTDATED: 1,
    Reason.MISSING_INFORMATION: 1,
}

QUEUE_SORTS = [("priority", _("Priority")), ("oldest", _("Oldest first")), ("newest", _("Newest first"))]


class HelpfulVote(models.Model):
    """A reader's answer to "Was this helpful?" on the help centre: one per reader per article.

    Signed-in readers are known by their account, anonymous visitors by their session; a new
    answer replaces the reader's previous one.
    """

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="helpful_votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, blank=True)
    helpful = models.BooleanField()
    reason = models.CharField(max_length=32, choices=READER_REASONS, blank=True)
    comment = models.TextField(blank=True)
    article_version = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    # The queue item a "not helpful" answer with a reason fed (None for the others).
    flag = models.ForeignKey("Flag", null=True, blank=True, on_delete=models.SET_NULL, related_name="votes")

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], condition=Q(user__isnull=False), name="vote_once_per_user"),
            models.UniqueConstraint(
                fields=["article", "session_key"], condition=Q(user__isnull=True), name="vote_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article}: {'helpful' if self.helpful else 'not helpful'}"


class Flag(models.Model):
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="flags")
    # None for customer feedback from anonymous visitors.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags_raised"
    )
    created_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.STAFF)
    reason = models.CharField(max_length=32, choices=Reason.choices)
    comment = models.TextField(blank=True)
    case_ref = models.CharField(_("case reference"), max_length=100, blank=True)
    article_version = models.PositiveIntegerField(help_text=_("The version the flag was raised on."))

    state = models.CharField(max_length=16, choices=FlagState.choices, default=FlagState.OPEN)
    resolved_version = models.PositiveIntegerField(null=True, blank=True, help_text=_("The article version that fixed it."))
    outcome_note = models.TextField(blank=True, help_text=_("What was done, or why the flag was dismissed."))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    # A revert to a version older than the fix undoes it: the flag opens again (services.reopen_after_revert),
    # remembering which saved version did that and what the resolution had been.
    reopened_version = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("The article version that reverted the fix.")
    )
    reopened_note = models.TextField(blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="flag_state_recent_idx"),
            models.Index(fields=["article", "state"], name="flag_article_state_idx"),
            models.Index(fields=["created_by", "state"], name="flag_raiser_idx"),
        ]
        # One open flag per person, article and reason (services.raise_flag points to the open
        # one): twenty clicks at once must not fill the owner's queue with twenty copies.
        constraints = [
            models.UniqueConstraint(
                fields=["article", "created_by", "reason"],
                condition=Q(state=FlagState.OPEN, created_by__isnull=False),
                name="flag_one_open_per_person_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.article}"

    @property
    def is_open(self) -> bool:
        return self.state == FlagState.OPEN

    @property
    def is_customer_feedback(self) -> bool:
        return self.source == Source.CUSTOMER
