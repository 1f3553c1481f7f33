from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class KcsUserAdmin(UserAdmin):
    list_display = ("username", "email", "kind", "licence", "is_coach", "is_kb_owner", "is_active")
    list_filter = ("kind", "licence", "is_coach", "is_kb_owner", "is_active", "is_superuser")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("KCS", {"fields": ("kind", "licence", "is_coach", "is_kb_owner")}),
    )
