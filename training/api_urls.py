from django.urls import path

from . import api

app_name = "training-api"

urlpatterns = [
    path("training/paths/", api.path_list, name="path-list"),
    path("training/paths/<int:pk>/", api.path_detail, name="path-detail"),
    path("training/assignments/", api.assignment_list, name="assignment-list"),
    path("training/acknowledgements/", api.acknowledgement_list, name="acknowledgement-list"),
    path("training/articles/<uslug:slug>/questions/", api.question_list, name="question-list"),
    path("training/attempts/", api.attempt_list, name="attempt-list"),
]
