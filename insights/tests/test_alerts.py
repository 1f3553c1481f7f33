"""Zero-result alerts: KB owners hear once per query and week about a query that keeps finding nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_kb_owner, make_user
from insights.alerts import check_zero_results, normalized
from insights.models import ZeroResultAlert
from notifications.models import Notification
from search.models import SearchLog

pytestmark = pytest.mark.django_db

# A Wednesday: the ISO week runs from Monday the 9th.
NOW = timezone.make_aware(datetime.datetime(2026, 3, 11, 12, 0))


def searched(query: str, times: int, *, results: int = 0, days_ago: float = 1) -> None:
    for _ in range(times):
        SearchLog.objects.create(
            query=query, caller_kind="customer", result_count=results, created_at=NOW - datetime.timedelta(days=days_ago)
        )


@pytest.fixture
def owners(db):
    return [make_kb_owner("olga"), make_kb_owner("otto")]


def test_queries_are_grouped_lower_cased_with_spaces_collapsed():
    assert normalized("  Parking   VOUCHER\tlost ") == "parking voucher lost"


def test_kb_owners_are_told_once_when_a_query_reaches_the_threshold(owners, settings):
    settings.KCS_ZERO_RESULT_ALERT_COUNT = 5
    searched("parking voucher", 3)
    searched("Parking  Voucher", 2)  # the same query, typed differently
    searched("refund", 4)  # under the threshold
    make_user("agent")  # not a KB owner

    assert check_zero_results(NOW) == 1

    alert = ZeroResultAlert.objects.get()
    assert (alert.query, alert.week, alert.searches) == ("parking voucher", datetime.date(2026, 3, 9), 5)
    notes = Notification.objects.filter(kind="zero_results")
    assert sorted(n.recipient.username for n in notes) == ["olga", "otto"]
    assert "parking voucher" in notes[0].title and notes[0].url == "/search/report/?days=7"


def test_once_per_week_however_often_it_is_checked(owners, settings):
    settings.KCS_ZERO_RESULT_ALERT_COUNT = 5
    searched("parking voucher", 5)
    assert check_zero_results(NOW) == 1
    searched("parking voucher", 5)
    assert check_zero_results(NOW + datetime.timedelta(hours=1)) == 0
    assert check_zero_results(NOW + datetime.timedelta(days=4)) == 0  # Sunday, same week
    assert Notification.objects.filter(kind="zero_results").count() == 2  # one per owner
    # The next week it is still failing: told again.
    assert check_zero_results(NOW + datetime.timedelta(days=6)) == 1
    assert ZeroResultAlert.objects.count() == 2


def test_searches_older_than_a_week_or_with_results_do_not_count(owners, settings):
    settings.KCS_ZERO_RESULT_ALERT_COUNT = 3
    searched("parking voucher", 2, days_ago=8)
    searched("parking voucher", 2, days_ago=1)
    searched("parking voucher", 5, results=2)
    assert check_zero_results(NOW) == 0
    assert not Notification.objects.exists()


def test_the_command_checks_and_says_how_many(owners, settings, capsys):
    settings.KCS_ZERO_RESULT_ALERT_COUNT = 1
    SearchLog.objects.create(query="nothing here", caller_kind="anonymous", result_count=0)
    call_command("check_zero_results")
    assert "Zero-result alerts sent: 1" in capsys.readouterr().out
