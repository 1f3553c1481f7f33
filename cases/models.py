"""Cases from the ticketing tools (the system of record) and their links to articles.

A case is named by (source, external_id) and kept in step by the integrations (API upsert and
signed webhooks, see `services.upsert_case`). A link says an article was used on a case
(`solved`, `reference`) or written from it (`created`); unlinking keeps the row with who, when
and why, so a case's history is never rewritten. `Article.reuse_count` counts live reuse links
plus `articles.Reuse` rows (reuse recorded without a case), see `services.recount_reuse`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from articles import policy as article_policy
from articles.models import Article, Product

from .choices import LinkKind, Outcome, RequesterKind, Source, Status

SUBJECT_MAX = 300
DESCRIPTION_MAX = 20_000
EXTERNAL_ID_MAX = 100


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        # Cases hold customers' words and names: staff only, whatever the case.
        return self if article_policy.is_staff(user) else self.none()

    def decided(self) -> CaseQuerySet:
        """Solved or closed cases, whose outcome (known, new, no link) is recorded."""
        return self.exclude(outcome="")


class Case(models.Model):
    source = models.CharField(max_length=20, choices=Source.choices)
    external_id = models.CharField("id in the source", max_length=EXTERNAL_ID_MAX)
    url = models.URLField("link to the case", max_length=500, blank=True)
    subject = models.CharField(max_length=SUBJECT_MAX, blank=True)
    description = models.TextField(blank=True)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    product_name = models.CharField("product as the source names it", max_length=100, blank=True)
    requester_kind = models.CharField(max_length=16, choices=RequesterKind.choices, default=RequesterKind.CUSTOMER)
    requester_name = models.CharField(max_length=200, blank=True)
    requester_email = models.EmailField(blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases"
    )
    team = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The source's own "updated at" of the last change applied: an older event changes nothing.
    source_updated_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    # What the requester did before asking (help-centre hand-over): {"searches": [...], "viewed": [...]}.
    trail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="case_unique_per_source")]
        indexes = [
            models.Index(fields=["external_id"], name="case_external_idx"),
            models.Index(fields=["status", "-opened_at"], name="case_status_idx"),
            models.Index(fields=["outcome_at"], name="case_outcome_idx"),
        ]
        permissions = [("sync_cases", "Can create and update cases through the API (integrations)")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.external_id}"

    @property
    def label(self) -> str:
        return f"{self.get_source_display()} #{self.external_id}"

    @property
    def is_decided(self) -> bool:
        return self.status in (Status.SOLVED, Status.CLOSED)


class CaseLinkQuerySet(models.QuerySet):
    def live(self) -> CaseLinkQuerySet:
        return self.filter(unlinked_at=None)

    def reuse(self) -> CaseLinkQuerySet:
        from .choices import REUSE_KINDS

        return self.filter(kind__in=REUSE_KINDS)


class CaseLink(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="links")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="case_links")
    article_version = models.PositiveIntegerField("article version when linked")
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_links")
    linked_at = models.DateTimeField(default=timezone.now)
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="case_unlinks"
    )
    unlinked_at = models.DateTimeField(null=True, blank=True)
    unlink_reason = models.CharField(max_length=500, blank=True)
    # For `created`: the searches the agent ran before writing the article (the panel's trail).
    searches = models.JSONField(default=list, blank=True)

    objects = CaseLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-linked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "article"], condition=Q(unlinked_at=None), name="one_live_link_per_case_article"
            )
        ]
        indexes = [
            models.Index(fields=["article", "-linked_at"], name="caselink_article_idx"),
            models.Index(fields=["linked_by", "-linked_at"], name="caselink_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.article} ({self.kind})"

    @property
    def is_live(self) -> bool:
        return self.unlinked_at is None

    # The names of a reuse record (articles.Reuse), so reuse lists and the reuse API read both.
    @property
    def user(self):
        return self.linked_by

    @property
    def at(self):
        return self.linked_at

    @property
    def case_ref(self) -> str:
        return self.case.external_id

    @property
    def solved(self) -> bool | None:
        return True if self.kind == LinkKind.SOLVED else None


def new_secret() -> str:
    return secrets.token_hex(32)


class IntegrationKind(models.TextChoices):
    ZENDESK = "zendesk", "Zendesk ticket webhook"
    FRESHDESK = "freshdesk", "Freshdesk automation webhook"
    GENERIC = "generic", "This site's case format"


class CaseIntegration(models.Model):
    """One ticketing tool sending signed case webhooks to /api/v1/hooks/cases/<slug>/."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True, help_text="The last part of the webhook address.")
    kind = models.CharField(max_length=16, choices=IntegrationKind.choices)
    source = models.CharField(max_length=20, choices=Source.choices, help_text="The source its cases are filed under.")
    secret = models.CharField(max_length=128, default=new_secret, help_text="Shared with the tool to sign its requests.")
    replay_window = models.PositiveIntegerField(
        "replay window (seconds)", default=300, help_text="How old a signed request's timestamp may be."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_event_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseEvent(models.Model):
    """A webhook delivery received: its body's digest makes a replayed event change nothing."""

    integration = models.ForeignKey(CaseIntegration, on_delete=models.CASCADE, related_name="events")
    digest = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    result = models.CharField(max_length=200)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["integration", "digest"], name="case_event_once")]

    def __str__(self) -> str:
        return f"{self.integration} event at {self.received_at:%Y-%m-%d %H:%M}: {self.result}"
