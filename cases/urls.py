"""Case pages for staff: the list, one case with its links, process adherence reviews."""

from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/adherence/", views.adherence_home, name="adherence"),
    path("cases/most-used-drafts/", views.most_used_drafts, name="most-used-drafts"),
    path("case-links/<int:pk>/unlink/", views.unlink, name="unlink"),
    # A case id is whatever its source uses and may hold a slash: `path`, the action routes first.
    path("cases/<slug:source>/<path:external_id>/link/", views.link_article, name="link"),
    path("cases/<slug:source>/<path:external_id>/adherence/", views.adherence_review, name="adherence-review"),
    path("cases/<slug:source>/<path:external_id>/", views.case_detail, name="detail"),
]
