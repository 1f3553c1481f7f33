from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
    path("paths/", views.path_list, name="paths"),
    path("paths/new/", views.path_create, name="path-create"),
    path("paths/<int:pk>/", views.path_detail, name="path"),
    path("paths/<int:pk>/edit/", views.path_edit, name="path-edit"),
    path("paths/<int:pk>/sections/", views.section_add, name="section-add"),
    path("paths/<int:pk>/items/", views.item_add, name="item-add"),
    path("paths/<int:pk>/items/<int:item>/remove/", views.item_remove, name="item-remove"),
    path("paths/<int:pk>/assign/", views.assign, name="assign"),
    path("paths/<int:pk>/acknowledgements.csv", views.path_export, name="path-export"),
    path("people/<str:username>/acknowledgements.csv", views.person_export, name="person-export"),
    path("articles/<uslug:slug>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("articles/<uslug:slug>/questions/", views.questions, name="questions"),
    path("articles/<uslug:slug>/questions/<int:pk>/", views.question_edit, name="question-edit"),
    path("articles/<uslug:slug>/questions/<int:pk>/remove/", views.question_delete, name="question-delete"),
    path("articles/<uslug:slug>/check/", views.check, name="check"),
]
