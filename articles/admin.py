from django.contrib import admin
from reversion.admin import VersionAdmin

from .models import Article, ArticleEvent, AuthorityRule, EscalationContact, Product, Tag


class AuthorityRuleInline(admin.TabularInline):
    model = AuthorityRule
    extra = 0


@admin.register(Article)
class ArticleAdmin(VersionAdmin):
    # Superusers only in practice: the admin bypasses the KCS workflow (it still versions).
    list_display = ("title", "product", "state", "audience", "governance", "owner", "version", "updated_at")
    list_filter = ("state", "audience", "governance", "product")
    search_fields = ("title", "slug")
    raw_id_fields = ("owner", "created_by")
    filter_horizontal = ("tags",)
    inlines = [AuthorityRuleInline]
    readonly_fields = ("version", "reuse_count", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(EscalationContact)
class EscalationContactAdmin(VersionAdmin):
    list_display = ("team", "channel", "hours", "response_time")
    search_fields = ("team", "channel")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


admin.site.register(Tag)


@admin.register(ArticleEvent)
class ArticleEventAdmin(admin.ModelAdmin):
    list_display = ("article", "kind", "from_value", "to_value", "actor", "at")
    list_filter = ("kind",)
    raw_id_fields = ("article", "actor")

    def has_change_permission(self, request, obj=None):
        return False  # the record of who did what is never rewritten
