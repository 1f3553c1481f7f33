from django.urls import path

from . import merge_views, relation_views, template_views, translation_views, views

app_name = "articles"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("articles/", views.article_list, name="list"),
    path("articles/new/", views.create, name="create"),
    path("articles/<uslug:slug>/", views.detail, name="detail"),
    path("articles/<uslug:slug>/edit/", views.edit, name="edit"),
    path("articles/<uslug:slug>/transition/", views.transition, name="transition"),
    path("articles/<uslug:slug>/transition/confirm/", views.confirm_transition, name="confirm-transition"),
    path("articles/<uslug:slug>/governance/", views.governance, name="governance"),
    path("articles/<uslug:slug>/history/", views.history, name="history"),
    path("articles/<uslug:slug>/diff/", views.diff, name="diff"),
    path("articles/<uslug:slug>/versions/<int:number>/", views.version, name="version"),
    path("articles/<uslug:slug>/revert/<int:number>/", views.revert, name="revert"),
    path("articles/<uslug:slug>/merge/", merge_views.start, name="merge-start"),
    path("articles/<uslug:target>/merge/<uslug:source>/", merge_views.merge, name="merge"),
    path("articles/<uslug:slug>/unmerge/", merge_views.unmerge, name="unmerge"),
    path("articles/<uslug:slug>/relations/", relation_views.add, name="relate"),
    path("articles/<uslug:slug>/relations/<int:pk>/remove/", relation_views.remove, name="unrelate"),
    # Translations: articles/translation_views.py
    path("articles/<uslug:slug>/translate/", translation_views.translate, name="translate"),
    path("articles/<uslug:slug>/translation/", translation_views.translation_edit, name="translation-edit"),
    path("articles/<uslug:slug>/translation/confirm/", translation_views.confirm, name="translation-confirm"),
    path("translations/", translation_views.queue, name="translation-queue"),
    # Article templates (KB owners): articles/template_views.py
    path("templates/", template_views.template_list, name="template-list"),
    path("templates/new/", template_views.template_create, name="template-create"),
    path("templates/<int:pk>/", template_views.template_edit, name="template-edit"),
    path("templates/<int:pk>/default/", template_views.template_default, name="template-default"),
    path("templates/<int:pk>/archive/", template_views.template_archive, name="template-archive"),
    path("templates/<int:pk>/product/", template_views.template_product, name="template-product"),
]
