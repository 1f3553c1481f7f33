from django.contrib import admin

from .models import ChecklistAnswer, ChecklistScore, CoachProduct, ReviewComment, ReviewRequest


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
    readonly_fields = ["criterion", "passed", "note"]
    can_delete = False


@admin.register(ChecklistScore)
class ChecklistScoreAdmin(admin.ModelAdmin):
    list_display = ["article", "article_version", "author", "scorer", "met", "total", "scored_at"]
    list_select_related = ["article", "author", "scorer"]
    readonly_fields = ["article", "article_version", "author", "scorer", "met", "total", "scored_at"]
    inlines = [ChecklistAnswerInline]
