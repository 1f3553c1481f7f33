"""Counting article views: one counter row per article, day and reader kind, however many views."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import QuerySet
from django.test import Client

from articles.models import Audience
from conftest import client_for, make_article
from insights.counting import count_view
from insights.models import ArticleView

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_article(db, contributor, kb_owner, product):
    return make_article(author=contributor, product=product, audience=Audience.PUBLIC, title="Change a booking date")


def _counts():
    return {(row.day, row.reader): row.views for row in ArticleView.objects.all()}


def test_many_views_are_one_row_per_article_day_and_reader(article):
    day = datetime.date(2026, 3, 2)
    for _ in range(7):
        count_view(article, "customer", day)
    count_view(article, "staff", day)
    count_view(article.pk, "customer", day + datetime.timedelta(days=1))
    assert ArticleView.objects.count() == 3
    assert _counts() == {
        (day, "customer"): 7,
        (day, "staff"): 1,
        (day + datetime.timedelta(days=1), "customer"): 1,
    }


def test_an_unknown_reader_kind_counts_as_anonymous(article):
    count_view(article, "robot")
    assert list(ArticleView.objects.values_list("reader", "views")) == [("anonymous", 1)]


def test_a_row_created_by_someone_else_meanwhile_is_counted_on(article, monkeypatch):
    # Two first views at once: ours finds no row, the other request inserts it before our insert.
    real_update = QuerySet.update
    calls = []

    def racing_update(self, **kwargs):
        if self.model is ArticleView and not calls:
            calls.append(1)
            ArticleView.objects.create(article=article, day=datetime.date(2026, 3, 2), reader="customer", views=1)
            return 0
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", racing_update)
    count_view(article, "customer", datetime.date(2026, 3, 2))
    assert ArticleView.objects.get().views == 2


def test_the_staff_article_page_counts_a_staff_view(article, contributor):
    client = client_for(contributor)
    client.get(article.get_absolute_url())
    client.get(article.get_absolute_url())
    assert list(ArticleView.objects.values_list("reader", "views")) == [("staff", 2)]


def test_help_centre_views_count_by_reader_kind_and_a_reload_is_not_a_new_view(public_article, customer, partner):
    visitor = Client()
    visitor.get(public_article.get_help_url())
    visitor.get(public_article.get_help_url())  # a reload
    client_for(customer).get(public_article.get_help_url())
    client_for(partner).get(public_article.get_help_url())
    assert dict(ArticleView.objects.values_list("reader", "views")) == {"anonymous": 1, "customer": 1, "partner": 1}


def test_a_page_that_is_not_found_counts_nothing(article, customer):
    # An internal article is not in the help centre: a 404, and no view.
    assert client_for(customer).get(article.get_help_url()).status_code == 404
    assert not ArticleView.objects.exists()
