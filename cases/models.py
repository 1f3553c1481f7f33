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
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles import policy as article_policy
from articles.choices import Audience
from articles.models import Article, Product

from .choices import LinkAccuracy, LinkKind, Outcome, RequesterKind, SearchedFirst, Source, Status

SUBJECT_MAX = 300
DESCRIPTION_MAX = 20_000
EXTERNAL_ID_MAX = 100


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        # Cases hold customers' words and names: staff only, whatever the case.
        return self if article_policy.is_staff(user) else self.none()

    def matching(self, text: str) -> CaseQuerySet:
        """Cases whose id contains `text` (a leading "#" ignored) or whose subject contains it:
        the case list and the API find cases the same way (trigram-indexed on PostgreSQL)."""
        text = " ".join((text or "").split())[:300]
        if not text:
            return self
        return self.filter(Q(external_id__icontains=text.lstrip("#")) | Q(subject__icontains=text))

    def decided(self) -> CaseQuerySet:
        """Solved or closed cases, whose outcome (known, new, no link) is recorded."""
        return self.exclude(outcome="")

    def with_live_links(self) -> CaseQuerySet:
        """Each case with `live_links`, the number of articles linked to it now.

        A count per row (a correlated subquery), not a join grouped by case: a page of the list
        then reads its 25 cases through `case_opened_idx` and counts only their links, where the
        join grouped every case of the table first (2 s at 100,000 cases, bench/cases.py), and
        the paginator's count stays a plain count of cases.
        """
        live = CaseLink.objects.live().filter(case=OuterRef("pk")).order_by().values("case")
        return self.annotate(live_links=Coalesce(Subquery(live.annotate(n=Count("pk")).values("n")), 0))


class Case(models.Model):
    source = models.CharField(max_length=20, choices=Source.choices)
    external_id = models.CharField(_("id in the source"), max_length=EXTERNAL_ID_MAX)
    url = models.URLField(_("link to the case"), max_length=500, blank=True)
    subject = models.CharField(max_length=SUBJECT_MAX, blank=True)
    description = models.TextField(blank=True)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    product_name = models.CharField(_("product as the source names it"), max_length=100, blank=True)
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
            # The list's order (the model's), read newest first a page at a time.
            models.Index(fields=["-opened_at", "-id"], name="case_opened_idx"),
            models.Index(fields=["outcome_at"], name="case_outcome_idx"),
            # The KCS measures group decided cases of a period by agent, product and outcome: all
            # in the index, so a year of cases is read without touching the table.
            models.Index(fields=["outcome_at", "agent", "product", "outcome"], name="case_measures_idx"),
            models.Index(fields=["source", "created_at"], name="case_source_created_idx"),
        ]
        permissions = [("sync_cases", _("Can create and update cases through the API (integrations)"))]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        # A reference an agent typed is shown as typed; a synced case names its ticketing tool.
        if self.source == Source.MANUAL:
            return gettext("Case %(id)s") % {"id": self.external_id}
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
    article_version = models.PositiveIntegerField(_("article version when linked"))
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_links")
    linked_at = models.DateTimeField(default=timezone.now)
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="case_unlinks"
    )
    unlinked_at = models.DateTimeField(null=True, blank=True)
    unlink_reason = models.CharField(max_length=500, blank=True)
    # The searches the agent ran in the panel for this case before linking (or writing) the article.
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
            # The KCS measures count a period's links per person or per article from the index alone.
            models.Index(fields=["linked_at", "linked_by", "article", "kind", "unlinked_at"], name="caselink_measures_idx"),
            # …and an article's links by its own author (citation leaves them out), one seek an article.
            models.Index(fields=["article", "linked_by", "linked_at", "kind", "unlinked_at"], name="caselink_author_idx"),
            # An article's live links, counted and dated from the index alone (the most-used drafts
            # queue probes it once per draft, cases/drafts_queue.py); removed links are left out.
            models.Index(fields=["article", "linked_at"], condition=Q(unlinked_at=None), name="caselink_live_idx"),
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


class AdherenceReviewQuerySet(models.QuerySet):
    def visible_to(self, user) -> AdherenceReviewQuerySet:
        # PAR is coaching, not policing: coaches and KB owners read every review, an agent the
        # reviews of their own cases, nobody else any.
        if article_policy.is_coach_or_kb_owner(user):
            return self
        if article_policy.is_staff(user):
            return self.filter(agent=user)
        return self.none()

    def since(self, when) -> AdherenceReviewQuerySet:
        return self.filter(reviewed_at__gte=when) if when else self

    def until(self, when) -> AdherenceReviewQuerySet:
        return self.filter(reviewed_at__lt=when) if when else self

    def for_list(self) -> AdherenceReviewQuerySet:
        return self.select_related("case", "agent", "reviewer").order_by("-reviewed_at", "-id")


class AdherenceReview(models.Model):
    """A coach's process adherence review (KCS PAR) of one solved or closed case: did the agent
    search first, link, link the right article, and was an article that should have been written
    or improved left out (capture loss)?

    One per case and reviewer: reviewing again updates it, `revision` counts the saves and
    `history` keeps every earlier set of answers (who, when, what), so a changed judgement is
    visible and the measures count each case once per reviewer. See cases/adherence.py.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="adherence_reviews")
    # The case's agent when it was reviewed: a case reassigned later stays this agent's review.
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adherence_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adherence_reviews_given")
    reviewed_at = models.DateTimeField(default=timezone.now)
    searched_first = models.CharField(_("searched before linking or writing"), max_length=8, choices=SearchedFirst.choices)
    linked = models.BooleanField(_("linked an article to the case"))
    link_accurate = models.CharField(_("the link is accurate"), max_length=4, choices=LinkAccuracy.choices)
    capture_loss = models.BooleanField(
        _("capture loss"), help_text=_("An article should have been created or improved from this case and was not.")
    )
    note = models.TextField(blank=True)
    # The links the reviewer saw: [{"link", "article", "slug", "title", "kind", "version", "live"}].
    links = models.JSONField(default=list, blank=True)
    revision = models.PositiveIntegerField(default=1)
    history = models.JSONField(default=list, blank=True)  # earlier answers, oldest first
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AdherenceReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "reviewer"], name="one_adherence_review_per_case_reviewer"),
            models.CheckConstraint(
                condition=Q(linked=False, link_accurate="na") | Q(linked=True, link_accurate__in=["yes", "no"]),
                name="adherence_accuracy_needs_a_link",
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "-reviewed_at"], name="adherence_agent_idx"),
            models.Index(fields=["reviewer", "-reviewed_at"], name="adherence_reviewer_idx"),
            models.Index(fields=["-reviewed_at"], name="adherence_recent_idx"),
        ]

    def __str__(self) -> str:
        return gettext("Process adherence review of %(case)s by %(reviewer)s") % {"case": self.case, "reviewer": self.reviewer}

    ANSWERS = ("searched_first", "linked", "link_accurate", "capture_loss", "note")

    def answers(self) -> dict:
        return {name: getattr(self, name) for name in self.ANSWERS}


def new_secret() -> str:
    return secrets.token_hex(32)


class IntegrationKind(models.TextChoices):
    ZENDESK = "zendesk", _("Zendesk ticket webhook")
    FRESHDESK = "freshdesk", _("Freshdesk automation webhook")
    GENERIC = "generic", _("This site's case format")


class CaseIntegration(models.Model):
    """One ticketing tool sending signed case webhooks to /api/v1/hooks/cases/<slug>/."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True, help_text=_("The last part of the webhook address."))
    kind = models.CharField(max_length=16, choices=IntegrationKind.choices)
    source = models.CharField(max_length=20, choices=Source.choices, help_text=_("The source its cases are filed under."))
    secret = models.CharField(max_length=128, default=new_secret, help_text=_("Shared with the tool to sign its requests."))
    replay_window = models.PositiveIntegerField(
        _("replay window (seconds)"), default=300, help_text=_("How old a signed request's timestamp may be.")
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


# --- webhooks out (cases/outbound.py sends them) ------------------------------------------------


class WebhookEvent(models.TextChoices):
    ARTICLE_VALIDATED = "article.validated", _("Article validated (or restored)")
    ARTICLE_UPDATED = "article.updated", _("Validated article materially updated")
    ARTICLE_ARCHIVED = "article.archived", _("Article archived")
    LINK_CREATED = "link.created", _("Article linked to a case (staff only)")
    CASE_HANDED_OVER = "case.handed_over", _("Help-centre hand-over (staff only)")


# Cases and links are staff data: only an endpoint with the internal audience receives them.
STAFF_EVENTS = frozenset((WebhookEvent.LINK_CREATED, WebhookEvent.CASE_HANDED_OVER))


def validate_events(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(gettext("Choose at least one event."))
    unknown = sorted({str(v) for v in value} - set(WebhookEvent.values))
    if unknown:
        raise ValidationError(gettext("Unknown event: %(events)s.") % {"events": ", ".join(unknown)})


def endpoint_problem(url: str) -> str | None:
    """Why `url` may not receive webhooks, or None. HTTPS only, except with DEBUG (a receiver on a
    developer's machine): the body carries article text and the signature proves who sent it, not
    that nobody else read it on the way."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "https" or (scheme == "http" and settings.DEBUG):
        return None
    if scheme == "http":
        return gettext("Use an https:// address: plain http is refused outside development (DEBUG).")
    return gettext("Use an https:// address.")


def validate_endpoint(url: str) -> None:
    problem = endpoint_problem(url)
    if problem:
        raise ValidationError(problem)


class Webhook(models.Model):
    """An outside system told about events (POSTed JSON signed with `secret`, cases/signing.py).

    It receives the article as `audience` may read it and never more (cases/outbound.py).
    """

    name = models.CharField(max_length=100)
    url = models.URLField(
        _("endpoint URL"), max_length=500, validators=[validate_endpoint], help_text=_("HTTPS address events are POSTed to.")
    )
    secret = models.CharField(
        max_length=128, default=new_secret, help_text=_("Shared with the receiver to check the X-KCS-Signature header.")
    )
    events = models.JSONField(default=list, validators=[validate_events], help_text=_("The events it receives."))
    audience = models.CharField(
        max_length=16,
        choices=Audience.choices,
        default=Audience.PUBLIC,
        help_text=_("The readers whose view of an article it receives: it is sent nothing they may not read."),
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        staff_only = STAFF_EVENTS.intersection(self.events or [])
        if staff_only and self.audience != Audience.INTERNAL:
            raise ValidationError(
                {
                    "events": gettext(
                        "Cases and links are staff data: only an endpoint with the Internal audience may receive them."
                    )
                }
            )

    def wants(self, event: str) -> bool:
        return self.active and event in (self.events or [])


class WebhookDelivery(models.Model):
    """One event to POST to one endpoint, sent at most once (claimed, like the email outbox).

    `webhook` is None for the hand-over forward (settings.KCS_HANDOVER_URL). `audience` is the
    view `payload` was built for: a delivery whose endpoint has since changed audience is not sent.
    """

    webhook = models.ForeignKey(Webhook, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32, choices=WebhookEvent.choices)
    audience = models.CharField(max_length=16, choices=Audience.choices)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    send_after = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)  # gave up: kept with its last status and error
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # The worker's due query walks only rows still to send, oldest first.
            models.Index(
                fields=["send_after", "id"],
                condition=Q(delivered_at=None, failed_at=None),
                name="webhook_delivery_due_idx",
            ),
            models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook or 'hand-over forward'} #{self.pk}"

    @property
    def status(self) -> str:
        if self.delivered_at:
            return "delivered"
        if self.failed_at:
            return "failed"
        return "retrying" if self.attempts else "pending"
