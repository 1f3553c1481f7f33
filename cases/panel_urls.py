"""The agent panel a ticketing tool frames in its sidebar (/agent/panel/)."""

from django.urls import path  # noqa: F401

app_name = "panel"
urlpatterns: list = []
