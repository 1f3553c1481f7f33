"""Outbound webhooks in the admin: KB owners register endpoints and watch their deliveries.

The admin site lets KB owners in for this (kcs_site/admin_site.py); these two admins answer
every permission question with `cases.policy.can_manage_webhooks`, and nothing else of the
admin opens to a KB owner who was not given Django permissions.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .models import Webhook, WebhookDelivery, WebhookEvent, new_secret
from .policy import can_manage_webhooks


class ManagedByKbOwners:
    """Every admin permission is the policy's answer (superusers are KB owners to it)."""

    def has_module_permission(self, request) -> bool:
        return bool(can_manage_webhooks(request.user))

    def has_view_permission(self, request, obj=None) -> bool:
        return bool(can_manage_webhooks(request.user))

    def has_add_permission(self, request) -> bool:
        return bool(can_manage_webhooks(request.user))

    def has_change_permission(self, request, obj=None) -> bool:
        return bool(can_manage_webhooks(request.user))

    def has_delete_permission(self, request, obj=None) -> bool:
        return bool(can_manage_webhooks(request.user))


class WebhookForm(forms.ModelForm):
    url = forms.URLField(
        label="Endpoint URL",
        max_length=500,
        assume_scheme="https",
        help_text=Webhook._meta.get_field("url").help_text,
        widget=forms.URLInput(attrs={"class": "vURLField"}),
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Links and hand-overs carry case data: only an endpoint with the Internal audience may receive them."),
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "audience", "events", "active"]


@admin.register(Webhook)
class WebhookAdmin(ManagedByKbOwners, admin.ModelAdmin):
    form = WebhookForm
    list_display = ["name", "url", "audience", "event_list", "active", "deliveries_link", "created_by", "created_at"]
    list_filter = ["active", "audience"]
    list_select_related = ["created_by"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret", "created_by", "created_at"]
    actions = ["new_secrets"]

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ["name", "url", "audience", "events", "active"]})
        if obj is None:
            return [main]  # the secret is made when the endpoint is saved, then shown here
        signing = (
            "Signing",
            {
                "fields": ["secret", "created_by", "created_at"],
                # Shown as HTML by the admin: no angle brackets in it.
                "description": _(
                    "Give the secret to the receiver: X-KCS-Signature is the sha256 HMAC, with this "
                    "secret, of the X-KCS-Timestamp value, a dot and the body (see the README)."
                ),
            },
        )
        return [main, signing]

    @admin.display(description=_("events"))
    def event_list(self, hook: Webhook) -> str:
        return ", ".join(hook.events or [])

    @admin.display(description=_("deliveries"))
    def deliveries_link(self, hook: Webhook) -> str:
        url = reverse("admin:cases_webhookdelivery_changelist") + f"?webhook__id__exact={hook.pk}"
        return format_html('<a href="{}">Deliveries</a>', url)

    def save_model(self, request, obj: Webhook, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Generate a new secret for the selected endpoints"))
    def new_secrets(self, request, queryset: QuerySet[Webhook]) -> None:
        hooks = list(queryset)
        for hook in hooks:
            hook.secret = new_secret()
        Webhook.objects.bulk_update(hooks, ["secret"])
        self.message_user(
            request,
            ngettext(
                "A new secret for %(count)s endpoint: give it to the receiver.",
                "New secrets for %(count)s endpoints: give them to the receivers.",
                len(hooks),
            )
            % {"count": len(hooks)},
        )


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("pending", _("Pending or retrying")), ("delivered", _("Delivered")), ("failed", _("Failed (given up)"))]

    def queryset(self, request, queryset):
        match self.value():
            case "pending":
                return queryset.filter(delivered_at=None, failed_at=None)
            case "delivered":
                return queryset.exclude(delivered_at=None)
            case "failed":
                return queryset.exclude(failed_at=None)
        return queryset


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ManagedByKbOwners, admin.ModelAdmin):
    """The delivery log: read-only, with "retry now" for what did not arrive."""

    list_display = ["id", "event_name", "target", "status", "attempts", "last_status", "short_error", "created_at"]
    list_filter = [StatusFilter, "event", "webhook"]
    list_select_related = ["webhook"]
    fields = [
        "webhook",
        "event",
        "audience",
        "status",
        "created_at",
        "send_after",
        "attempts",
        "last_status",
        "last_error",
        "delivered_at",
        "failed_at",
        "payload_json",
    ]
    readonly_fields = fields
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False  # events queue deliveries; nobody types one

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the log is never rewritten (retry now only sends it again)

    @admin.display(description=_("event"), ordering="event")
    def event_name(self, delivery: WebhookDelivery) -> str:
        return delivery.event

    @admin.display(description=_("to"))
    def target(self, delivery: WebhookDelivery) -> str:
        return str(delivery.webhook) if delivery.webhook_id else gettext("Hand-over forward (KCS_HANDOVER_URL)")

    @admin.display(description=_("last error"))
    def short_error(self, delivery: WebhookDelivery) -> str:
        return delivery.last_error[:80]

    @admin.display(description=_("payload"))
    def payload_json(self, delivery: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, indent=2, sort_keys=True))

    @admin.action(description=_("Retry now (sent in the worker's next round)"))
    def retry_now(self, request, queryset: QuerySet[WebhookDelivery]) -> None:
        # A fresh set of attempts: whoever retries has usually fixed the receiver. This also frees a
        # row a stopped worker left claimed; receivers de-duplicate on X-KCS-Delivery in any case.
        count = queryset.filter(delivered_at=None).update(failed_at=None, claimed_at=None, attempts=0, send_after=timezone.now())
        self.message_user(
            request, ngettext("%(count)s delivery queued again.", "%(count)s deliveries queued again.", count) % {"count": count}
        )
