from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("articles/", views.article_list, name="list"),
    path("articles/new/", views.create, name="create"),
    path("articles/<slug:slug>/", views.detail, name="detail"),
    path("articles/<slug:slug>/edit/", views.edit, name="edit"),
    path("articles/<slug:slug>/transition/", views.transition, name="transition"),
    path("articles/<slug:slug>/transition/confirm/", views.confirm_transition, name="confirm-transition"),
    path("articles/<slug:slug>/governance/", views.governance, name="governance"),
    path("articles/<slug:slug>/history/", views.history, name="history"),
    path("articles/<slug:slug>/diff/", views.diff, name="diff"),
    path("articles/<slug:slug>/revert/<int:number>/", views.revert, name="revert"),
]
