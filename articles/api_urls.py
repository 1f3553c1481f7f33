from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import api, relations_api

app_name = "api"

urlpatterns = [
    path("articles/", api.article_list, name="article-list"),
    path("articles/<uslug:slug>/", api.article_detail, name="article-detail"),
    path("articles/<uslug:slug>/transition/", api.article_transition, name="article-transition"),
    path("articles/<uslug:slug>/governance/", api.article_governance, name="article-governance"),
    path("articles/<uslug:slug>/versions/", api.article_versions, name="article-versions"),
    path("articles/<uslug:slug>/relations/", relations_api.article_relations, name="article-relations"),
    path("articles/<uslug:slug>/relations/<int:pk>/", relations_api.article_relation, name="article-relation"),
    path("me/", api.me, name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
