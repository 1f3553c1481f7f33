"""The site's URLs plus two views that exist only for tests: one that fails, one the panel origins may frame."""

from django.http import HttpResponse
from django.urls import path

from kcs_site.framing import frameable_by_panel_origins
from kcs_site.urls import handler400, handler403, handler404, handler500  # noqa: F401 — the site's error pages
from kcs_site.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("secret internal detail: table kcs_internal_x")


@frameable_by_panel_origins
def panel_like(request):
    return HttpResponse("<p>panel</p>")


urlpatterns = [
    path("test-broken/", broken),
    path("api/v1/test-broken/", broken),
    path("test-panel/", panel_like),
    *site_urlpatterns,
]
