from django.contrib import admin

from .models import LevelCriteria, Promotion


@admin.register(LevelCriteria)
class LevelCriteriaAdmin(admin.ModelAdmin):
    list_display = ["level", "min_paths_completed", "min_articles_validated", "min_average_checklist_score", "updated_at"]


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    list_display = ["user", "from_level", "to_level", "by", "override", "at"]
    list_filter = ["to_level", "override"]
    readonly_fields = ["user", "from_level", "to_level", "by", "note", "override", "unmet", "at"]

    def has_add_permission(self, request) -> bool:
        return False  # promotions go through the coach's form, which records and notifies

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
