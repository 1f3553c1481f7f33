from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.results_page, name="results"),
    path("suggest/", views.suggest, name="suggest"),
    path("open/<str:token>/<uslug:slug>/", views.open_result, name="open"),
    path("report/", views.report, name="report"),
    path("synonyms/", views.synonyms, name="synonyms"),
    path("synonyms/<int:pk>/delete/", views.delete_synonym, name="delete-synonym"),
    path("synonyms/candidate/add/", views.synonym_candidate, {"action": "add"}, name="add-candidate"),
    path("synonyms/candidate/dismiss/", views.synonym_candidate, {"action": "dismiss"}, name="dismiss-candidate"),
]
