"""The dashboard and the article page get every panel from `kcs_site.pages`, called by their
views: with the panels left out the pages make exactly the queries of the panels fewer, so no
template asks the database for a panel on its own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from articles.models import Article
from conftest import client_for
from kcs_site import pages
from training.models import LearningPath

EMPTY_ARTICLE_PANELS = {
    "subscriptions": None,
    "health": {},
    "cases": {},
    "feedback": {},
    "coaching": {"show": False},
    "training": {"show": False},
}
EMPTY_DASHBOARD_PANELS = {"feedback": {}, "coaching": {"show": False}, "training": {"show": False}}


def _queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _panel_queries(monkeypatch, name: str) -> list[int]:
    """Wrap pages.<name> so each call records how many queries it made."""
    real, made = getattr(pages, name), []

    def counted(*args):
        with CaptureQueriesContext(connection) as ctx:
            result = real(*args)
        made.append(len(ctx.captured_queries))
        return result

    monkeypatch.setattr(pages, name, counted)
    return made


@pytest.mark.parametrize("username", ["contributor", "coach", "candidate", "owner"])
def test_article_page_panels_are_queried_only_by_its_view(demo, monkeypatch, username):
    client = client_for(User.objects.get(username=username))
    # The demo's own ids: on PostgreSQL sequences run on across tests, so the path is not always 1.
    path = LearningPath.objects.order_by("id").first()
    url = Article.objects.order_by("id").first().get_absolute_url() + f"?path={path.pk}"
    client.get(url)  # warm per-process caches
    made = _panel_queries(monkeypatch, "article_panels")
    total, full = _queries(client, url)
    assert "subscribe-box" in full and 'class="health"' in full and 'class="flags"' in full and "training-panel" in full

    monkeypatch.setattr(pages, "article_panels", lambda request, article: EMPTY_ARTICLE_PANELS)
    without, bare = _queries(client, url)
    assert "subscribe-box" not in bare and 'class="health"' not in bare and "training-panel" not in bare
    assert made[0] > 0 and without == total - made[0]


@pytest.mark.parametrize("username", ["contributor", "coach", "candidate"])
def test_dashboard_panels_are_queried_only_by_its_view(demo, monkeypatch, username):
    client = client_for(User.objects.get(username=username))
    url = reverse("articles:dashboard")
    client.get(url)
    made = _panel_queries(monkeypatch, "dashboard_panels")
    total, full = _queries(client, url)
    assert "My reviews" in full

    monkeypatch.setattr(pages, "dashboard_panels", lambda request: EMPTY_DASHBOARD_PANELS)
    without, bare = _queries(client, url)
    assert "My reviews" not in bare and "flag-counts" not in bare and "training-dashboard" not in bare
    assert made[0] > 0 and without == total - made[0]
