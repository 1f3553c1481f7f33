"""Reuse distribution: articles by how often they were reused, and the long tail."""

from __future__ import annotations

import pytest

from articles.choices import State
from articles.models import Article, Product
from conftest import make_article
from insights.filters import default_filters
from insights.measures import tables
from insights.measures.reuse import bucket_label
from insights.tests.factories import link, reuse

pytestmark = pytest.mark.django_db


def _by_key(filters):
    return {t.key: t for t in tables("reuse", filters)}


def test_buckets_hold_their_bounds():
    assert [bucket_label(n) for n in (0, 1, 2, 5, 6, 10, 11, 25, 26, 50, 51, 100, 101, 5000)] == [
        "0", "1", "2–5", "2–5", "6–10", "6–10", "11–25", "11–25", "26–50", "26–50", "51–100", "51–100", ">100", ">100"
    ]  # fmt: skip


@pytest.fixture
def reused(contributor, publisher, product):
    """Five articles: reused 7, 2, 1, 0 and 0 times in the period; one archived article reused too."""
    made = [make_article(author=contributor, product=product, title=f"Article {n}") for n in range(5)]
    for _ in range(4):
        link(made[0], publisher)
    for _ in range(3):
        reuse(made[0], publisher)
    link(made[1], publisher)
    reuse(made[1], contributor)  # the author's own reuse counts here
    reuse(made[2], publisher)
    link(made[3], publisher, days=40)  # outside the period
    link(made[4], publisher, live=False)  # removed
    archived = make_article(author=contributor, product=product, title="Old", state=State.ARCHIVED)
    reuse(archived, publisher)
    return made


def test_the_histogram_counts_articles_per_bucket_and_the_never_reused(reused):
    found = _by_key(default_filters(days=30))
    histogram = {row["bucket"]: row["articles"] for row in found["distribution"].rows}
    assert histogram == {"0": 2, "1": 1, "2–5": 1, "6–10": 1, "11–25": 0, "26–50": 0, "51–100": 0, ">100": 0}
    assert found["distribution"].rows[0]["share"] == 40.0


def test_the_top_fifth_of_articles_takes_its_share_of_reuse(reused):
    tail = _by_key(default_filters(days=30))["long_tail"].rows[0]
    # 5 articles: the top one (ceil of 20 %) took 7 of the 10 reuses.
    assert tail == {"articles": 5, "reused": 3, "reuse": 10, "top": 1, "top_reuse": 7, "top_share": 70.0}


def test_most_reused_lists_titles_and_counts(reused):
    most = _by_key(default_filters(days=30))["most_reused"].rows
    assert most[0] == {"title": "Article 0", "author": "colin", "links": 4, "rows": 3, "total": 7}
    assert [row["title"] for row in most] == ["Article 0", "Article 1", "Article 2"]


def test_filters_choose_the_articles(reused, publisher):
    flights = Product.objects.create(name="Flights", slug="flights")
    assert _by_key(default_filters(days=30, product=flights))["long_tail"].rows[0]["articles"] == 0
    assert _by_key(default_filters(days=30, person=publisher))["long_tail"].rows[0]["articles"] == 0
    assert _by_key(default_filters(days=60))["long_tail"].rows[0]["reuse"] == 11


def test_no_articles_no_shares(db):
    found = _by_key(default_filters(days=30))
    assert found["long_tail"].rows[0]["top_share"] is None
    assert all(row["articles"] == 0 and row["share"] is None for row in found["distribution"].rows)
    assert found["most_reused"].rows == []


def test_queries_do_not_grow_with_articles(reused, django_assert_max_num_queries):
    assert Article.objects.count() == 6
    with django_assert_max_num_queries(5):
        tables("reuse", default_filters(days=30))
