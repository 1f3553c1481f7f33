from django.urls import path

from . import api

app_name = "coaching-api"

urlpatterns = [
    path("reviews/", api.review_list, name="review-list"),
    path("reviews/<int:pk>/", api.review_detail, name="review-detail"),
    path("reviews/<int:pk>/approve/", api.review_approve, name="review-approve"),
    path("reviews/<int:pk>/request-changes/", api.review_request_changes, name="review-request-changes"),
    path("reviews/<int:pk>/resubmit/", api.review_resubmit, name="review-resubmit"),
    path("reviews/<int:pk>/withdraw/", api.review_withdraw, name="review-withdraw"),
    path("checklist-scores/", api.score_list, name="score-list"),
    path("coaching/criteria/", api.criterion_list, name="criterion-list"),
    path("coaching/criteria/<slug:key>/", api.criterion_detail, name="criterion-detail"),
]
