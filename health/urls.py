from django.urls import path

from . import views

app_name = "health"

urlpatterns = [
    path("articles/<uslug:slug>/reuse/", views.reuse, name="reuse"),
    path("articles/<uslug:slug>/confirm-review/", views.confirm, name="confirm"),
    path("articles/<uslug:slug>/review-date/", views.review_date, name="review_date"),
    # "Which articles were used on case X" (any source); /cases/ itself is the list of cases.
    path("cases/lookup/", views.cases, name="cases"),
    path("review-queue/", views.review_queue, name="review_queue"),
]
