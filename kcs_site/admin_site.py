"""The admin site: Django's, opened also to the KCS roles the policy gives a part of it.

Django lets only `is_staff` accounts into the admin (administrators here). KB owners manage
outbound webhooks there (`cases.policy.can_manage_webhooks`), so the site lets them in too; every
other part of the admin still asks Django's model permissions, which a KB owner does not have
unless an administrator grants them, so they see and change the webhooks and nothing else.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class KcsAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        from cases.policy import can_manage_webhooks

        return super().has_permission(request) or bool(can_manage_webhooks(request.user))


class KcsAdminConfig(AdminConfig):
    default_site = "kcs_site.admin_site.KcsAdminSite"
