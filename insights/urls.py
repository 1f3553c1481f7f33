from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("<uslug:slug>/", views.measure, name="measure"),
    path("<uslug:slug>/<slug:table>.csv", views.table_csv, name="csv"),
]
