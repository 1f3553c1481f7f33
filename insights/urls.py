from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.measure, name="measure"),
    path("<slug:slug>/<slug:table>.csv", views.table_csv, name="csv"),
]
