"""Cases in the admin (superusers, as for the rest of the admin): cases read-mostly, links and
webhook deliveries read-only (they are the history), integrations managed with their secret
shown once, when it is made, and never again."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Case, CaseEvent, CaseIntegration, CaseLink, new_secret


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a link's or a delivery's record is never rewritten


class CaseLinkInline(admin.TabularInline):
    model = CaseLink
    fields = ("article", "kind", "article_version", "linked_by", "linked_at", "unlinked_by", "unlinked_at", "unlink_reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    # The ticketing tool is the system of record: only the product (when its name matched none) is set here.
    list_display = ("__str__", "subject", "status", "outcome", "agent", "team", "opened_at")
    list_filter = ("source", "status", "outcome")
    search_fields = ("external_id", "subject")
    list_select_related = ("agent",)
    readonly_fields = (
        "source",
        "external_id",
        "url",
        "subject",
        "description",
        "product_name",
        "requester_kind",
        "requester_name",
        "requester_email",
        "agent",
        "team",
        "status",
        "opened_at",
        "solved_at",
        "closed_at",
        "source_updated_at",
        "outcome",
        "outcome_at",
        "trail",
        "created_at",
        "updated_at",
    )
    inlines = [CaseLinkInline]

    def has_add_permission(self, request) -> bool:
        return False  # cases come from the integrations, the panel and the help centre


@admin.register(CaseLink)
class CaseLinkAdmin(ReadOnlyAdmin):
    list_display = ("case", "article", "kind", "article_version", "linked_by", "linked_at", "unlinked_at")
    list_filter = ("kind",)
    search_fields = ("case__external_id", "article__title")
    list_select_related = ("case", "article", "linked_by")


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("integration", "received_at", "case", "result")
    list_filter = ("integration",)
    list_select_related = ("integration", "case")


class IntegrationForm(forms.ModelForm):
    new_secret = forms.CharField(
        label=_("Secret"),
        required=False,
        min_length=16,
        max_length=128,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Leave empty: a new integration gets a generated secret, shown once after saving; an existing one keeps "
            "its own. For Zendesk, paste the webhook's signing secret (Zendesk makes it)."
        ),
    )

    class Meta:
        model = CaseIntegration
        fields = ("name", "slug", "kind", "source", "replay_window", "active")

    def clean(self):
        data = super().clean()
        # Zendesk makes the secret it signs with: a generated one could never match its signatures.
        if data.get("kind") == "zendesk" and not self.instance.pk and not data.get("new_secret"):
            self.add_error("new_secret", gettext("Paste the signing secret Zendesk shows for this webhook (Reveal secret)."))
        return data


def webhook_url(integration: CaseIntegration) -> str:
    path = reverse("cases-api:case-webhook", args=[integration.slug])
    return settings.KCS_SITE_URL.rstrip("/") + path


@admin.register(CaseIntegration)
class CaseIntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = ("name", "slug", "kind", "source", "active", "last_event_at")
    list_filter = ("kind", "active")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("webhook_address", "created_at", "last_event_at")
    actions = ["generate_new_secret"]

    @admin.display(description=_("webhook address"))
    def webhook_address(self, integration: CaseIntegration) -> str:
        return webhook_url(integration) if integration.pk else gettext("Shown once saved.")

    def save_model(self, request, obj, form, change):
        given = form.cleaned_data.get("new_secret")
        if given:
            obj.secret = given
        elif not change:
            obj.secret = new_secret()
            obj.show_secret_once = True
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(obj, "show_secret_once", False):
            return self._secrets_page(request, [obj], gettext("The integration is saved"))
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Generate a new secret (the old one stops working)"))
    def generate_new_secret(self, request, queryset):
        integrations = list(queryset)
        for integration in integrations:
            integration.secret = new_secret()
            integration.save(update_fields=["secret"])
            self.log_change(request, integration, "Generated a new secret.")
        return self._secrets_page(request, integrations, gettext("New secrets"))

    def _secrets_page(self, request, integrations, title: str) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "rows": [(i, webhook_url(i)) for i in integrations],
        }
        response = TemplateResponse(request, "admin/cases/caseintegration/secret.html", context)
        patch_cache_control(response, no_store=True, private=True)  # a secret is kept by no cache
        return response


# Outbound webhooks: KB owners register endpoints and watch deliveries (their own module).
from . import outbound_admin  # noqa: E402, F401
