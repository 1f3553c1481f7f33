from django.urls import path

from . import api

app_name = "health-api"

urlpatterns = [
    path("articles/<uslug:slug>/reuse/", api.article_reuse, name="article-reuse"),
    path("articles/<uslug:slug>/confirm/", api.article_confirm, name="article-confirm"),
    path("reuse/", api.reuse_list, name="reuse-list"),
    path("review-queue/", api.review_queue, name="review-queue"),
]
