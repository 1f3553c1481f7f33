from django.urls import path

from . import views

app_name = "coaching"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<uslug:slug>/review/", views.request_review, name="request-review"),
    path("articles/<uslug:slug>/score/", views.score, name="score"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/approve/", views.approve, name="approve"),
    path("reviews/<int:pk>/changes/", views.request_changes, name="request-changes"),
    path("reviews/<int:pk>/resubmit/", views.resubmit, name="resubmit"),
    path("reviews/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("authors/<str:username>/", views.author_scores, name="author"),
    path("sample/", views.sample_page, name="sample"),
    path("criteria/", views.criteria, name="criteria"),
    path("criteria/add/", views.add_criterion, name="add-criterion"),
    path("criteria/<slug:key>/", views.edit_criterion, name="edit-criterion"),
    path("criteria/<slug:key>/move/", views.move_criterion, name="move-criterion"),
    path("criteria/<slug:key>/deactivate/", views.set_criterion_active, {"active": False}, name="deactivate-criterion"),
    path("criteria/<slug:key>/reactivate/", views.set_criterion_active, {"active": True}, name="reactivate-criterion"),
    path("criteria/<slug:key>/delete/", views.delete_criterion, name="delete-criterion"),
]
