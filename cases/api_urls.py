"""Cases, links and case webhooks under /api/v1/."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
