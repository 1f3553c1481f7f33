from django.urls import path

from . import api

urlpatterns = [
    path("search/", api.api_search, name="api-search"),
]
