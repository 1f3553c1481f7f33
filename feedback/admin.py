from django.contrib import admin

from .models import Flag, HelpfulVote


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("article", "reason", "source", "state", "created_by", "created_at", "closed_by")
    list_filter = ("state", "source", "reason")
    search_fields = ("article__title", "comment", "case_ref")
    raw_id_fields = ("article", "created_by", "closed_by")


@admin.register(HelpfulVote)
class HelpfulVoteAdmin(admin.ModelAdmin):
    list_display = ("article", "helpful", "reason", "user", "at")
    list_filter = ("helpful", "reason")
    raw_id_fields = ("article", "user", "flag")
