"""Reading an article as it was at one version: what a case was solved with, from the history and the case links."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.tests.test_pages import text_of
from conftest import client_for

pytestmark = pytest.mark.django_db


def edit(article, by, **fields):
    article.edit(by=by, base_version=article.version, note="clearer", changes=fields)
    article.refresh_from_db()


def test_staff_read_an_earlier_version_with_a_way_to_what_changed_since(article, contributor, kb_owner):
    first_resolution = article.resolution
    edit(article, kb_owner, resolution="Refund the stay in full after the manager approves.")
    page = text_of(client_for(contributor).get(reverse("articles:version", args=[article.slug, 1])))
    assert "Version 1" in page and first_resolution.split()[0] in page
    assert "Refund the stay in full" not in page
    assert f"It is now at version {article.version}" in page
    current = text_of(client_for(contributor).get(reverse("articles:version", args=[article.slug, article.version])))
    assert "(current)" in current and "Refund the stay in full" in current


def test_a_version_that_does_not_exist_is_404(article, contributor):
    assert client_for(contributor).get(reverse("articles:version", args=[article.slug, 99])).status_code == 404


def test_customers_never_read_versions(article, customer, partner):
    for outsider in (customer, partner, None):
        response = client_for(outsider).get(reverse("articles:version", args=[article.slug, 1]))
        assert response.status_code in (302, 403, 404)
        assert article.resolution.split()[0] not in text_of(response) or response.status_code == 302


def test_the_history_links_each_version_to_its_page(article, contributor):
    page = client_for(contributor).get(reverse("articles:history", args=[article.slug])).content.decode()
    assert reverse("articles:version", args=[article.slug, 1]) in page
