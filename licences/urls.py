from django.urls import path

from . import views

app_name = "licences"

urlpatterns = [
    path("criteria/", views.criteria, name="criteria"),
    path("coach/", views.coach_dashboard, name="coach"),
    path("people/<str:username>/", views.person, name="person"),
    path("people/<str:username>/promote/", views.promote, name="promote"),
]
