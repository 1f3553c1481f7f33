"""Self-service: help-centre views by reader, helpful share, outside searches and click positions,
hand-overs to support and the deflection estimate."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case
from conftest import client_for
from feedback.models import HelpfulVote
from insights.counting import count_view
from insights.filters import Filters, default_filters
from insights.measures import tables
from search.models import SearchLog

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _by_key(filters):
    return {t.key: t for t in tables("selfservice", filters)}


def _search(kind: str, results: int, *, position: int | None = None, days_ago: int = 1) -> None:
    SearchLog.objects.create(
        query="q",
        caller_kind=kind,
        result_count=results,
        opened_slug="a" if position else "",
        opened_position=position,
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def _handover(n: int, trail: dict, days_ago: int = 1) -> None:
    case = Case.objects.create(source="help-centre", external_id=f"HC-{n}", trail=trail)
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))


def test_views_are_counted_per_reader_in_each_week(article):
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    count_view(article, "customer", monday)
    count_view(article, "customer", monday)
    count_view(article, "anonymous", monday - datetime.timedelta(days=1))
    count_view(article, "staff", monday)
    rows = _by_key(Filters(start=monday - datetime.timedelta(days=7), end=TODAY))["views"].rows
    assert rows == [
        {"period": monday - datetime.timedelta(days=7), "partner": 0, "customer": 0, "anonymous": 1, "staff": 0},
        {"period": monday, "partner": 0, "customer": 2, "anonymous": 0, "staff": 1},
    ]


def test_the_helpful_share_is_of_the_periods_votes(article):
    for n, helpful in enumerate((True, True, False)):
        HelpfulVote.objects.create(article=article, helpful=helpful, article_version=1, session_key=f"s{n}")
    HelpfulVote.objects.create(
        article=article, helpful=False, article_version=1, session_key="old", at=timezone.now() - datetime.timedelta(days=60)
    )
    assert _by_key(default_filters(days=30))["helpful"].rows == [{"votes": 3, "helpful": 2, "share": 66.7}]


def test_outside_searches_their_zero_rate_and_where_the_opened_result_stood(db):
    _search("customer", 0)
    _search("anonymous", 5, position=1)
    _search("partner", 9, position=2)
    _search("customer", 30, position=7)
    _search("customer", 30, position=14)
    _search("staff", 0, position=None)  # staff are not outside readers
    found = _by_key(default_filters(days=30))
    assert found["searches"].rows == [{"searches": 5, "zero": 1, "opened": 4, "zero_rate": 20.0, "opened_rate": 80.0}]
    clicks = {row["position"]: (row["opened"], row["share"]) for row in found["click_position"].rows}
    assert clicks == {"1": (1, 25.0), "2": (1, 25.0), "3": (0, 0.0), "4–5": (0, 0.0), "6–10": (1, 25.0), "over 10": (1, 25.0)}


def test_an_audience_filter_reads_its_readers_only(db):
    _search("customer", 0)
    _search("anonymous", 3)
    assert _by_key(default_filters(audience="public"))["searches"].rows[0]["searches"] == 1
    # Internal articles have no outside readers: nothing, and no division by zero.
    found = _by_key(default_filters(audience="internal"))
    assert found["searches"].rows[0] == {"searches": 0, "zero": 0, "opened": 0, "zero_rate": None, "opened_rate": None}
    assert found["views"].chart is None


def test_hand_overs_after_self_service_and_the_deflection_estimate(db):
    for _ in range(8):
        _search("customer", 3)
    _handover(1, {"searches": [{"query": "x", "results": 0}], "viewed": []})
    _handover(2, {"searches": [], "viewed": [{"slug": "a", "title": "A"}]})
    _handover(3, {})  # the reader left the trail out
    _handover(4, {"searches": [{"query": "y", "results": 1}]}, days_ago=90)  # before the period
    found = _by_key(default_filters(days=30))
    assert found["handovers"].rows == [{"handovers": 3, "searched": 1, "read": 1, "self_service": 2, "share": 66.7}]
    assert found["deflection"].rows == [{"attempts": 8, "handed_over": 2, "estimate": 75.0}]
    assert "estimate" in found["deflection"].note.lower()


def test_an_empty_period_has_no_rates(db):
    found = _by_key(default_filters(days=7))
    assert found["helpful"].rows == [{"votes": 0, "helpful": 0, "share": None}]
    assert found["deflection"].rows == [{"attempts": 0, "handed_over": 0, "estimate": None}]
    assert all(row["share"] is None for row in found["click_position"].rows)
    assert found["handovers"].rows[0]["share"] is None


def test_the_page_reads_a_bounded_number_of_queries(article, coach, django_assert_max_num_queries):
    for n in range(5):
        count_view(article, "customer", TODAY - datetime.timedelta(days=n * 20))
        _search("customer", n, position=n or None, days_ago=n * 30)
    client = client_for(coach)
    with django_assert_max_num_queries(20):
        assert client.get("/insights/selfservice/?period=365&bucket=week").status_code == 200
