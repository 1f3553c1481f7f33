from django.urls import path

from . import api

app_name = "notifications_api"

urlpatterns = [
    path("notifications/", api.notification_list, name="notification-list"),
    path("notifications/read-all/", api.notification_read_all, name="notification-read-all"),
    path("notifications/<int:pk>/read/", api.notification_read, name="notification-read"),
    path("subscriptions/", api.subscription_list, name="subscription-list"),
    path("subscriptions/<int:pk>/", api.subscription_detail, name="subscription-detail"),
]
