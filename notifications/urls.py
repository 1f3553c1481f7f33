from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.index, name="index"),
    path("notifications/<int:pk>/open/", views.open_notification, name="open"),
    path("notifications/<int:pk>/read/", views.mark_read, name="read"),
    path("notifications/read-all/", views.mark_all_read, name="read_all"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/subscriptions/", views.subscriptions, name="subscriptions"),
    path("notifications/subscriptions/<int:pk>/delete/", views.unsubscribe, name="unsubscribe"),
    path("notifications/subscribe/<uslug:slug>/", views.subscribe, name="subscribe"),
    path("whats-new/", views.whats_new, name="whats_new"),
    path("whats-new/feed/", views.PublicUpdatesFeed(), name="feed"),
]
