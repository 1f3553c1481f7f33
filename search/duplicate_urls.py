"""Duplicates' pages. Included before articles.urls: "articles/similar/" is not an article slug."""

from django.urls import path

from . import duplicate_views as views

app_name = "duplicates"

urlpatterns = [
    path("articles/similar/", views.similar, name="similar"),
    path("articles/<uslug:slug>/use-instead/", views.use_instead, name="use-instead"),
    path("articles/<uslug:slug>/not-duplicate/", views.not_duplicate, name="not-duplicate"),
    path("duplicates/", views.pairs, name="pairs"),
    path("duplicates/<int:pk>/dismiss/", views.dismiss_pair, name="dismiss"),
]
