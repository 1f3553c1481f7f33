"""Self-service hands over to assisted support: the help centre's contact form."""

from django.urls import path  # noqa: F401

app_name = "handover"
urlpatterns: list = []
