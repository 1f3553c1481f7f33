from django.contrib import admin

from .models import ReviewConfirmation, ReviewReminder


@admin.register(ReviewConfirmation)
class ReviewConfirmationAdmin(admin.ModelAdmin):
    list_display = ["article", "kind", "by", "at", "review_by"]
    list_select_related = ["article", "by"]
    raw_id_fields = ["article", "by"]


@admin.register(ReviewReminder)
class ReviewReminderAdmin(admin.ModelAdmin):
    list_display = ["article", "recipient", "review_by", "sent_at"]
    list_select_related = ["article", "recipient"]
    raw_id_fields = ["article", "recipient"]
