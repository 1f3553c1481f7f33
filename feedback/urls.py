from django.urls import path

from . import api, views

app_name = "feedback"

urlpatterns = [
    path("articles/<uslug:slug>/flag/", views.flag_article, name="flag-article"),
    path("flags/", views.queue, name="queue"),
    path("flags/<int:pk>/", views.flag_detail, name="flag"),
    path("flags/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("flags/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("help/<uslug:slug>/helpful/", views.vote, name="vote"),
    # API: `articles/{slug}/flags/` is a stable interface (API clients rely on it).
    path("api/v1/articles/<uslug:slug>/flags/", api.article_flags, name="api-article-flags"),
    path("api/v1/flags/", api.flag_queue, name="api-queue"),
    path("api/v1/flags/<int:pk>/", api.flag_detail, name="api-flag"),
    path("api/v1/flags/<int:pk>/resolve/", api.flag_resolve, name="api-resolve"),
    path("api/v1/flags/<int:pk>/dismiss/", api.flag_dismiss, name="api-dismiss"),
]
