from django.urls import path

from . import help_views

app_name = "help"

urlpatterns = [
    path("", help_views.index, name="index"),
    path("<uslug:slug>/", help_views.detail, name="detail"),
]
