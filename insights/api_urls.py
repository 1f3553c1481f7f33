from django.urls import path

from . import api

app_name = "insights-api"

urlpatterns = [
    path("insights/", api.index, name="index"),
    path("insights/me/", api.me, name="me"),
    path("insights/<slug:view>/", api.view_tables, name="view"),
    path("insights/<slug:view>/<slug:table>/", api.table, name="table"),
]
