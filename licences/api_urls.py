from django.urls import path

from . import api

app_name = "licences-api"

urlpatterns = [
    path("licences/people/<str:username>/progress/", api.person_progress, name="progress"),
    path("licences/people/<str:username>/promote/", api.person_promote, name="promote"),
    path("licences/coach/trainees/", api.coach_trainees, name="trainees"),
]
