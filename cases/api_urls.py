"""Cases, links and case webhooks under /api/v1/.

`cases/outcomes/` and `cases/adherence/` have one part after `cases/`, a case two (source and id),
so neither can match the other; a source is never "outcomes" or "adherence" (cases.choices.Source).
"""

from django.urls import path

from . import api, hooks

app_name = "cases-api"

urlpatterns = [
    path("cases/", api.case_list, name="case-list"),
    path("cases/outcomes/", api.case_outcomes, name="case-outcomes"),
    path("cases/adherence/", api.adherence_list, name="adherence-list"),
    path("cases/<slug:source>/<str:external_id>/", api.case_detail, name="case-detail"),
    path("cases/<slug:source>/<str:external_id>/links/", api.case_links, name="case-links"),
    path("cases/<slug:source>/<str:external_id>/adherence/", api.case_adherence, name="case-adherence"),
    path("cases/<slug:source>/<str:external_id>/links/<int:id>/", api.case_link_detail, name="case-link-detail"),
    path("articles/<uslug:slug>/cases/", api.article_cases, name="article-cases"),
    path("hooks/cases/<slug:integration_slug>/", hooks.case_webhook, name="case-webhook"),
]
