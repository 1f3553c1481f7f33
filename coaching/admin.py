from django.contrib import admin
from django.utils import timezone

from .models import (
    ChecklistAnswer,
    ChecklistCriterion,
    ChecklistScore,
    CoachProduct,
    CriterionChange,
    ReviewComment,
    ReviewRequest,
)


@admin.register(CoachProduct)
class CoachProductAdmin(admin.ModelAdmin):
    list_display = ["coach", "product"]
    list_filter = ["product"]


class ReviewCommentInline(admin.TabularInline):
    model = ReviewComment
    extra = 0
    readonly_fields = ["author", "kind", "body", "round", "article_version", "created_at"]
    can_delete = False


@admin.register(ReviewRequest)
class ReviewRequestAdmin(admin.ModelAdmin):
    # Read-mostly: reviews change through their operations (pages and API), which notify people.
    list_display = ["article", "requester", "reviewer", "status", "round", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["article", "requester", "reviewer"]
    readonly_fields = [
        "article",
        "requester",
        "status",
        "round",
        "submitted_version",
        "approved_version",
        "created_at",
        "closed_at",
    ]
    inlines = [ReviewCommentInline]


class ChecklistAnswerInline(admin.TabularInline):
    model = ChecklistAnswer
    extra = 0
    readonly_fields = ["criterion", "label", "weight", "passed", "note"]
    can_delete = False


@admin.register(ChecklistScore)
class ChecklistScoreAdmin(admin.ModelAdmin):
    list_display = ["article", "article_version", "author", "scorer", "met", "total", "share", "scored_at"]
    list_select_related = ["article", "author", "scorer"]
    readonly_fields = [
        "article",
        "article_version",
        "author",
        "scorer",
        "met",
        "total",
        "weighted_met",
        "weighted_total",
        "scored_at",
    ]
    inlines = [ChecklistAnswerInline]


class CriterionChangeInline(admin.TabularInline):
    model = CriterionChange
    extra = 0
    readonly_fields = ["at", "by", "summary"]
    can_delete = False


@admin.register(ChecklistCriterion)
class ChecklistCriterionAdmin(admin.ModelAdmin):
    inlines = [CriterionChangeInline]
    # KB owners keep the criteria on /coaching/criteria/ (its messages explain each refusal); the
    # admin shows the same rows. A criterion with answers cannot be deleted here either (PROTECT).
    list_display = ["name", "key", "weight", "active", "position", "updated_at", "updated_by"]
    list_filter = ["active"]
    readonly_fields = ["created_at", "created_by", "updated_at", "updated_by"]

    def get_readonly_fields(self, request, obj=None):
        # The key is what answers point at: chosen once, then fixed.
        return [*self.readonly_fields, "key"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        obj.updated_by, obj.updated_at = request.user, timezone.now()
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        what = ", ".join(form.changed_data) or "nothing"
        CriterionChange.objects.create(criterion=obj, by=request.user, summary=f"Changed in the admin: {what}"[:300])
