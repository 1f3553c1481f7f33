"""Case pages for staff: the list, one case with its links."""

from django.urls import path  # noqa: F401

app_name = "cases"
urlpatterns: list = []
