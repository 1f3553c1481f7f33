"""Citation: others' reuse of a person's articles, per author and per article."""

from __future__ import annotations

import pytest

from articles.models import Product
from conftest import make_article, make_contributor
from insights.filters import default_filters
from insights.measures import tables
from insights.tests.factories import link, reuse

pytestmark = pytest.mark.django_db


def _by_key(filters):
    return {t.key: t for t in tables("citation", filters)}


@pytest.fixture
def cited(article, contributor, publisher, kb_owner, product):
    """colin wrote `article` (and `other`); paula and olga reuse them, colin reuses his own."""
    other = make_article(author=contributor, product=product, title="Change a booking date")
    link(article, publisher)
    link(article, kb_owner)
    reuse(article, publisher)
    link(other, publisher, kind="reference")
    link(article, contributor)  # his own: not a citation
    reuse(article, contributor)  # his own: not a citation
    link(article, publisher, live=False)  # removed: not counted
    link(article, publisher, kind="created")  # written from the case: not reuse
    link(article, kb_owner, days=40)  # outside the period
    return article, other


def test_citations_count_others_live_links_and_reuse_rows(cited):
    found = _by_key(default_filters(days=30))
    (colin,) = found["authors"].rows
    assert colin == {"author": "colin", "links": 3, "rows": 1, "total": 4, "articles": 2}
    top = found["top_articles"].rows
    assert top[0] == {"title": "Refund for a non-refundable booking", "author": "colin", "total": 3}
    assert top[1]["title"] == "Change a booking date" and top[1]["total"] == 1


def test_the_period_person_and_product_filters(cited, contributor, publisher):
    assert _by_key(default_filters(days=60))["authors"].rows[0]["total"] == 5
    assert _by_key(default_filters(days=30, person=publisher))["authors"].rows == []
    assert _by_key(default_filters(days=30, person=contributor))["authors"].rows[0]["total"] == 4
    flights = Product.objects.create(name="Flights", slug="flights")
    assert _by_key(default_filters(days=30, product=flights))["authors"].rows == []
    assert _by_key(default_filters(days=30, audience="public"))["authors"].rows == []


def test_nothing_cited_is_an_empty_table(db):
    found = _by_key(default_filters(days=30))
    assert found["authors"].rows == [] and found["top_articles"].rows == []


def test_queries_do_not_grow_with_authors_or_articles(product, django_assert_max_num_queries, publisher):
    for n in range(8):
        author = make_contributor(f"author{n}")
        link(make_article(author=author, product=product, title=f"Article {n}"), publisher)
    with django_assert_max_num_queries(8):
        found = _by_key(default_filters(days=30))
    assert len(found["authors"].rows) == 8
