"""Flags and feedback: open flags by age and reason, turnaround of the flags closed."""

from __future__ import annotations

import pytest

from articles.models import Product
from conftest import make_article
from feedback.models import Flag
from insights.filters import default_filters
from insights.measures import tables
from insights.tests.factories import days_ago

pytestmark = pytest.mark.django_db


def _by_key(filters):
    return {t.key: t for t in tables("flags", filters)}


def flag(article, *, by=None, reason="incorrect", source="staff", raised: float = 1, closed: float | None = None, state=None):
    return Flag.objects.create(
        article=article,
        created_by=by,
        reason=reason,
        source=source,
        article_version=article.version,
        created_at=days_ago(raised),
        state=state or ("open" if closed is None else "resolved"),
        closed_at=None if closed is None else days_ago(closed),
    )


def test_open_flags_by_age_and_reason(article, publisher):
    flag(article, by=publisher, reason="incorrect", raised=2)
    flag(article, reason="incorrect", source="customer", raised=10)
    flag(article, by=publisher, reason="outdated", raised=45)
    flag(article, by=publisher, reason="unclear", raised=200)
    flag(article, by=publisher, reason="unclear", raised=20, closed=1)  # closed: not open
    rows = {row["reason"]: row for row in _by_key(default_filters(days=30))["open"].rows}
    assert rows["Incorrect"] == {"reason": "Incorrect", "under_7": 1, "days_7_30": 1, "days_30_90": 0, "over_90": 0, "total": 2}
    assert rows["Outdated"]["days_30_90"] == 1 and rows["Unclear"]["over_90"] == 1 and rows["Unclear"]["total"] == 1


def test_turnaround_is_the_median_of_the_flags_closed_in_the_period(article, publisher):
    flag(article, by=publisher, reason="incorrect", raised=10, closed=8)  # 2 days
    flag(article, by=publisher, reason="incorrect", raised=10, closed=4)  # 6 days
    flag(article, by=publisher, reason="outdated", raised=20, closed=10, state="dismissed")  # 10 days
    flag(article, reason="unclear", source="customer", raised=5, closed=2)  # 3 days, customer feedback
    flag(article, by=publisher, reason="incorrect", raised=90, closed=60)  # closed before the period
    found = _by_key(default_filters(days=30))
    rows = {row["group"]: row for row in found["turnaround"].rows}
    assert rows["All reasons"] == {"group": "All reasons", "closed": 4, "resolved": 3, "dismissed": 1, "median_days": 4.5}
    assert rows["Incorrect"]["median_days"] == 4.0 and rows["Outdated"]["median_days"] == 10.0
    assert rows["Duplicate"]["closed"] == 0 and rows["Duplicate"]["median_days"] is None
    sources = {row["group"]: row for row in found["feedback"].rows}
    assert sources["Customer feedback"]["median_days"] == 3.0 and sources["Customer feedback"]["closed"] == 1
    assert sources["Staff flag"]["median_days"] == 6.0


def test_filters_choose_the_articles_and_their_owners(article, publisher, contributor, kb_owner):
    flag(article, by=publisher, raised=3)
    flights = Product.objects.create(name="Flights", slug="flights")
    other = make_article(author=publisher, product=flights, title="Lost luggage")
    flag(other, by=contributor, raised=3)
    assert _by_key(default_filters(days=30, product=flights))["open"].rows[0]["total"] == 1
    owner = article.owner
    mine = _by_key(default_filters(days=30, person=owner))["feedback"].rows
    assert sum(row["open"] for row in mine) == (2 if other.owner == owner else 1)


def test_no_flags_no_medians(db):
    found = _by_key(default_filters(days=30))
    assert all(row["total"] == 0 for row in found["open"].rows)
    assert all(row["median_days"] is None for row in found["turnaround"].rows)


def test_queries_are_bounded(article, publisher, django_assert_max_num_queries):
    for n in range(10):
        flag(article, reason=["incorrect", "outdated"][n % 2], source="customer", raised=n + 1, closed=n / 2)
    with django_assert_max_num_queries(4):
        tables("flags", default_filters(days=30))


def test_the_overview_gives_turnaround_in_days(coach, article, publisher):
    from conftest import client_for

    flag(article, by=publisher, raised=3, closed=1)
    body = client_for(coach).get("/insights/").content.decode()
    assert "Median turnaround" in body and "2.0 days" in body
