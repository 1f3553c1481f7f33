from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.cache import cache_page
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog

from accounts import views as account_views
from articles import views as article_views

from . import api_docs, locale
from .framing import frameable_on_the_way_to_panel

# The scripts' interface text (<app>/locale/<language>/LC_MESSAGES/djangojs.po) changes only with a
# deploy: the server keeps one response per language (the cache key names the active language) for
# an hour, and a browser asks again with If-Modified-Since against this process's start. The base
# template adds the language to the address, so a browser never keeps one language's text for
# another after the reader switches.
_STARTED = timezone.now()
javascript_catalog = cache_page(3600)(last_modified(lambda request, **kwargs: _STARTED)(JavaScriptCatalog.as_view()))

urlpatterns = [
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("", article_views.home, name="home"),
    # The language switcher: Django's set_language, also saving a signed-in account's choice.
    path("i18n/setlang/", locale.set_language, name="set_language"),
    # Before articles.urls: "articles/similar/" would otherwise be read as an article's slug.
    path("", include("search.duplicate_urls")),
    path("", include("articles.urls")),
    # Before the help centre's articles: its "<slug>/" would otherwise take /help/contact/.
    path("help/", include("cases.handover_urls")),
    path("help/", include("articles.help_urls")),
    path("", include("feedback.urls")),
    path("search/", include("search.urls")),
    # The API's index and documentation for people (the schema itself is at api/v1/schema/).
    path("api/v1/", api_docs.api_index, name="api-index"),
    path("api/v1/docs/", api_docs.docs, name="api-docs"),
    path("api/v1/", include("search.api_urls")),
    path("api/v1/", include("accounts.api_urls")),
    path("api/v1/", include("articles.api_urls")),
    path("coaching/", include("coaching.urls")),
    path("api/v1/", include("coaching.api_urls")),
    path("api/v1/", include("health.api_urls")),
    path("", include("health.urls")),
    path("api/v1/", include("notifications.api_urls")),
    path("", include("notifications.urls")),
    path("training/", include("training.urls")),
    path("api/v1/", include("training.api_urls")),
    path("licences/", include("licences.urls")),
    path("api/v1/", include("licences.api_urls")),
    path("", include("cases.urls")),
    path("agent/", include("cases.panel_urls")),
    path("api/v1/", include("cases.api_urls")),
    path("insights/", include("insights.urls")),
    path("api/v1/", include("insights.api_urls")),
    path("accounts/login/", frameable_on_the_way_to_panel(account_views.LoginView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("admin/login/", account_views.admin_login),
    path("admin/", admin.site.urls),
]

# The site's own error pages, and JSON under /api/ (kcs_site/errors.py).
handler400 = "kcs_site.errors.bad_request"
handler403 = "kcs_site.errors.permission_denied"
handler404 = "kcs_site.errors.page_not_found"
handler500 = "kcs_site.errors.server_error"
