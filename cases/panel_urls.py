"""The agent panel a ticketing tool frames in its sidebar (/agent/panel/)."""

from django.urls import path

from . import panel

app_name = "panel"
urlpatterns = [
    path("panel/", panel.panel, name="panel"),
    path("panel/link/", panel.link, name="link"),
    path("panel/unlink/", panel.unlink, name="unlink"),
    path("panel/new-article/", panel.create, name="create"),
]
