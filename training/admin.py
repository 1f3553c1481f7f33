from django.contrib import admin

from .models import Acknowledgement, Assignment, LearningPath, PathItem, PathSection


class PathSectionInline(admin.TabularInline):
    model = PathSection
    extra = 0


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    list_display = ["title", "product", "created_by", "updated_at"]
    inlines = [PathSectionInline]


class PathItemInline(admin.TabularInline):
    model = PathItem
    extra = 0
    raw_id_fields = ["article"]


@admin.register(PathSection)
class PathSectionAdmin(admin.ModelAdmin):
    list_display = ["title", "path", "position"]
    list_select_related = ["path"]
    inlines = [PathItemInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["path", "user", "due_date", "assigned_by"]
    list_select_related = ["path", "user", "assigned_by"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    # Kept forever: a compliance record is read here, never changed or deleted.
    list_display = ["user", "article", "article_version", "at", "stale_at"]
    list_select_related = ["user", "article"]
    readonly_fields = ["user", "article", "article_version", "path", "at", "stale_at", "stale_version"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
