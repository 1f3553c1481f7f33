from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from .models import ApiToken, User


@admin.register(User)
class KcsUserAdmin(UserAdmin):
    list_display = ("username", "email", "kind", "licence", "is_coach", "is_kb_owner", "is_active")
    list_filter = ("kind", "licence", "is_coach", "is_kb_owner", "is_active", "is_superuser")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("KCS", {"fields": ("kind", "licence", "is_coach", "is_kb_owner")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens by owner; keys are never stored, so none can be shown. Revoke is the only change."""

    list_display = ("prefix", "name", "user", "created_at", "expires_at", "last_used_at", "status")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    readonly_fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("digest", "password_fingerprint")
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # issued through the API or the tokens page, where the key can be shown once

    @admin.action(description=gettext_lazy("Revoke selected tokens"))
    def revoke(self, request, queryset) -> None:
        count = queryset.filter(revoked_at=None).update(revoked_at=timezone.now())
        self.message_user(request, ngettext("Revoked %(count)s token.", "Revoked %(count)s tokens.", count) % {"count": count})
