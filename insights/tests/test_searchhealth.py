"""Search health: zero-result and never-opened searches over time, the queries that keep finding
nothing and whether KB owners were alerted, and the alert threshold."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from conftest import client_for
from insights.alerts import week_of
from insights.filters import Filters, default_filters
from insights.measures import tables
from insights.models import ZeroResultAlert
from search.models import SearchLog

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONDAY = TODAY - datetime.timedelta(days=TODAY.weekday())


def _by_key(filters):
    return {t.key: t for t in tables("search", filters)}


def _search(query: str, results: int, *, opened: bool = False, day: datetime.date = MONDAY, kind: str = "customer") -> None:
    SearchLog.objects.create(
        query=query,
        caller_kind=kind,
        result_count=results,
        opened_slug="a" if opened else "",
        created_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))),
    )


def test_zero_result_and_never_opened_searches_per_week(db):
    last_week = MONDAY - datetime.timedelta(days=7)
    _search("a", 0)
    _search("b", 4)
    _search("c", 4, opened=True)
    _search("d", 4, opened=True)
    _search("e", 0, day=last_week)
    rows = {row["period"]: row for row in _by_key(Filters(start=last_week, end=TODAY))["over_time"].rows}
    assert rows[MONDAY] == {
        "period": MONDAY,
        "searches": 4,
        "zero": 1,
        "zero_rate": 25.0,
        "never_opened": 1,
        "never_opened_rate": 25.0,
    }
    assert (rows[last_week]["zero_rate"], rows[last_week]["never_opened_rate"]) == (100.0, 0.0)


def test_a_week_without_searches_has_no_rate(db):
    rows = _by_key(Filters(start=MONDAY, end=TODAY))["over_time"].rows
    assert rows == [{"period": MONDAY, "searches": 0, "zero": 0, "zero_rate": None, "never_opened": 0, "never_opened_rate": None}]


def test_repeated_zero_result_queries_are_grouped_and_say_whether_owners_were_alerted(db):
    for query in ("Parking voucher", "parking  VOUCHER", "parking voucher"):
        _search(query, 0)
    _search("lost key", 0)
    _search("lost key", 0)
    _search("once only", 0)
    ZeroResultAlert.objects.create(query="parking voucher", week=week_of(TODAY), searches=3)
    rows = _by_key(default_filters(days=30))["zero_queries"].rows
    assert rows == [
        {"query": "parking voucher", "searches": 3, "alerted": f"week of {week_of(TODAY):%-d %b %Y}"},
        {"query": "lost key", "searches": 2, "alerted": "No"},
    ]


def test_the_audience_filter_keeps_its_readers_searches(db):
    _search("lost key", 0, kind="staff")
    _search("lost key", 0, kind="staff")
    _search("lost key", 0, kind="anonymous")
    assert _by_key(default_filters(audience="public"))["zero_queries"].rows == []
    assert _by_key(default_filters(audience="internal"))["zero_queries"].rows[0]["searches"] == 2


def test_the_threshold_and_the_alerts_of_the_period_are_shown(db, settings):
    settings.KCS_ZERO_RESULT_ALERT_COUNT = 7
    ZeroResultAlert.objects.create(query="x", week=week_of(TODAY), searches=7)
    ZeroResultAlert.objects.create(query="y", week=week_of(TODAY) - datetime.timedelta(days=364), searches=7)
    assert _by_key(default_filters(days=30))["alert_threshold"].rows == [{"threshold": 7, "window": 7, "alerts": 1}]


def test_the_page_reads_a_bounded_number_of_queries(db, coach, django_assert_max_num_queries):
    for n in range(30):
        _search(f"query {n % 4}", n % 3, day=TODAY - datetime.timedelta(days=n * 10))
    client = client_for(coach)
    with django_assert_max_num_queries(15):
        assert client.get("/insights/search/?period=365&bucket=week").status_code == 200
