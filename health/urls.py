from django.urls import path

from . import views

app_name = "health"

urlpatterns = [
    path("articles/<slug:slug>/reuse/", views.reuse, name="reuse"),
    path("articles/<slug:slug>/confirm-review/", views.confirm, name="confirm"),
    path("articles/<slug:slug>/review-date/", views.review_date, name="review_date"),
    path("cases/", views.cases, name="cases"),
    path("review-queue/", views.review_queue, name="review_queue"),
]
