"""The nightly snapshot (one day's figures, idempotent) and the backfill that reconstructs earlier
days from change records and timestamps."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import ArticleEvent, Audience, EventKind, State
from cases.models import Case
from conftest import make_article
from feedback.models import Flag
from insights import snapshot
from insights.counting import count_view
from insights.models import DailyFigure
from search.models import SearchLog

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def figures(day: datetime.date | None = None, metric: str | None = None) -> dict:
    rows = DailyFigure.objects.all()
    if day is not None:
        rows = rows.filter(day=day)
    if metric is not None:
        rows = rows.filter(metric=metric)
    return {(f.metric, f.key, f.day) if day is None else (f.metric, f.key): f.value for f in rows}


def _case(n: int, outcome: str, when: datetime.datetime) -> Case:
    return Case.objects.create(source="manual", external_id=str(n), status="solved", outcome=outcome, outcome_at=when)


def _search(kind: str, results: int, when: datetime.datetime, opened: str = "") -> None:
    SearchLog.objects.create(query="q", caller_kind=kind, result_count=results, opened_slug=opened, created_at=when)


def test_a_day_is_written_from_the_tables(article, contributor, product):
    make_article(author=contributor, product=product, state=State.WIP, title="Draft")
    Flag.objects.create(article=article, reason="outdated", article_version=1, created_at=at(DAY - datetime.timedelta(days=3)))
    Flag.objects.create(
        article=article, reason="unclear", article_version=1, created_at=at(DAY), state="resolved", closed_at=at(DAY, 15)
    )
    _case(1, "known", at(DAY))
    _case(2, "new", at(DAY))
    _case(3, "none", at(DAY))
    _case(4, "known", at(DAY + datetime.timedelta(days=1)))  # another day
    for _ in range(3):
        count_view(article, "customer", DAY)
    count_view(article, "staff", DAY)
    _search("customer", 0, at(DAY))
    _search("customer", 4, at(DAY), opened=article.slug)
    _search("staff", 2, at(DAY))

    snapshot.take(DAY)

    got = figures(DAY)
    assert got[("articles_state", "validated")] == 1 and got[("articles_state", "wip")] == 1
    assert got[("articles_audience", "internal")] == 2
    assert got[("articles", f"validated/internal/{product.pk}")] == 1
    assert got[("articles_past_review", "")] == 0
    assert got[("flags_open", "")] == 1  # the other was closed that afternoon
    assert (got[("cases_decided", "")], got[("cases_linked", "")], got[("link_rate", "")]) == (3, 2, 66.7)
    assert (got[("views", "customer")], got[("views", "staff")]) == (3, 1)
    assert (got[("searches", "customer")], got[("searches_zero", "customer")], got[("searches_opened", "customer")]) == (2, 1, 1)
    assert got[("searches", "staff")] == 1


def test_taking_a_day_again_replaces_it(article):
    count_view(article, "customer", DAY)
    snapshot.take(DAY)
    first = figures(DAY)
    count_view(article, "customer", DAY)
    snapshot.take(DAY)
    snapshot.take(DAY)
    again = figures(DAY)
    assert again.pop(("views", "customer")) == 2 and first.pop(("views", "customer")) == 1
    assert again == first
    assert DailyFigure.objects.filter(day=DAY).count() == len(again) + 1


def test_an_empty_day_has_no_link_rate_rather_than_a_division_by_zero(db):
    snapshot.take(DAY)
    got = figures(DAY)
    assert not any(got.values())
    assert ("link_rate", "") not in got
    assert {key for metric, key in got if metric == "articles_state"} == {"wip", "not_validated", "validated", "archived"}


def _history(article, created: datetime.date, validated: datetime.date, widened: datetime.date) -> None:
    """Created not validated on `created`, audience customer from `widened`, validated on `validated`."""
    type(article).objects.filter(pk=article.pk).update(created_at=at(created, 9))
    ArticleEvent.objects.filter(article=article).update(at=at(created, 9))
    ArticleEvent.objects.filter(article=article, kind=EventKind.AUDIENCE).update(at=at(widened))
    ArticleEvent.objects.filter(article=article, kind=EventKind.STATE, to_value=State.VALIDATED).update(at=at(validated))


def test_backfill_reconstructs_states_and_audiences_day_by_day(contributor, kb_owner, product):
    article = make_article(author=contributor, product=product, audience=Audience.CUSTOMER, kb_owner=kb_owner)
    _history(article, DAY, DAY + datetime.timedelta(days=3), DAY + datetime.timedelta(days=1))

    snapshot.backfill(DAY - datetime.timedelta(days=1), DAY + datetime.timedelta(days=4))

    states = {day: key for (metric, key, day), n in figures(metric="articles_state").items() if n}
    audiences = {day: key for (metric, key, day), n in figures(metric="articles_audience").items() if n}
    days = [DAY + datetime.timedelta(days=n) for n in range(5)]
    assert [states.get(day) for day in [DAY - datetime.timedelta(days=1), *days]] == [
        None,  # not created yet
        "not_validated",
        "not_validated",
        "not_validated",
        "validated",
        "validated",
    ]
    assert [audiences.get(day) for day in days] == ["internal", "customer", "customer", "customer", "customer"]
    assert figures(DAY + datetime.timedelta(days=3))[("articles", f"validated/customer/{product.pk}")] == 1
    assert not DailyFigure.objects.filter(metric="articles_past_review").exists()  # cannot be reconstructed


def test_backfill_counts_flags_open_at_the_end_of_each_day(article):
    Flag.objects.create(article=article, reason="outdated", article_version=1, created_at=at(DAY))
    Flag.objects.create(
        article=article,
        reason="unclear",
        article_version=1,
        created_at=at(DAY - datetime.timedelta(days=5)),
        state="dismissed",
        closed_at=at(DAY + datetime.timedelta(days=1)),
    )
    snapshot.backfill(DAY - datetime.timedelta(days=1), DAY + datetime.timedelta(days=2))
    got = figures(metric="flags_open")
    assert [got[("flags_open", "", DAY + datetime.timedelta(days=n))] for n in range(-1, 3)] == [1, 2, 1, 1]


def test_backfill_keeps_the_days_a_snapshot_was_taken(article):
    snapshot.take(DAY)
    DailyFigure.objects.filter(day=DAY, metric="flags_open").update(value=42)
    Flag.objects.create(article=article, reason="outdated", article_version=1, created_at=at(DAY - datetime.timedelta(days=9)))
    snapshot.backfill(DAY - datetime.timedelta(days=2), DAY)
    got = figures(metric="flags_open")
    assert got[("flags_open", "", DAY)] == 42  # the snapshot taken on the night stays
    assert got[("flags_open", "", DAY - datetime.timedelta(days=1))] == 1
    snapshot.backfill(DAY - datetime.timedelta(days=2), DAY)  # again: nothing new
    assert figures(metric="flags_open") == got


def test_a_year_of_backfill_reads_each_table_once(contributor, kb_owner, product):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(5):
        article = make_article(author=contributor, product=product, title=f"Article {n}", kb_owner=kb_owner)
        _history(article, DAY - datetime.timedelta(days=400), DAY - datetime.timedelta(days=10 * n), DAY)
    with CaptureQueriesContext(connection) as queries:
        written = snapshot.backfill(DAY - datetime.timedelta(days=364), DAY)
    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"].upper()]
    # (PostgreSQL reads the long ones through a server-side cursor: DECLARE … FOR SELECT.)
    reads = [q["sql"] for q in queries.captured_queries if "SELECT" in q["sql"].upper() and q["sql"] not in writes]
    # Articles, their events, flags, cases, views, searches, the days already taken: once each,
    # not once per article or per day; the rows go in batches.
    assert len(reads) == 7
    assert 0 < len(writes) <= written // 50
    # Every day: articles, per state, per audience (the fine grain and both totals), flags, cases.
    assert written >= 365 * 6


def test_the_command_takes_yesterday_or_a_day_and_backfills(article):
    call_command("snapshot_insights")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert DailyFigure.objects.filter(day=yesterday, metric="articles_state").exists()
    call_command("snapshot_insights", "--day", "2026-03-01")
    assert DailyFigure.objects.filter(day=datetime.date(2026, 3, 1)).exists()
    call_command("snapshot_insights", "--backfill", "--since", (yesterday - datetime.timedelta(days=3)).isoformat())
    assert DailyFigure.objects.filter(day=yesterday - datetime.timedelta(days=3), metric="flags_open").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backfill"], "needs --since"),
        (["--day", "2026-13-01"], "Not a date"),
        (["--backfill", "--since", "2999-01-01"], "nothing to reconstruct"),
        (["--day", "2999-01-01"], "has not happened yet"),
    ],
)
def test_the_command_says_what_is_wrong(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("snapshot_insights", *args)


def test_the_notification_loop_takes_yesterdays_snapshot_and_checks_alerts(db, monkeypatch, settings):
    from unittest import mock

    from insights.models import ZeroResultAlert
    from search.models import PopularQuery

    settings.KCS_ZERO_RESULT_ALERT_COUNT = 1
    SearchLog.objects.create(query="parking voucher", caller_kind="customer", result_count=0)
    SearchLog.objects.bulk_create([SearchLog(query="router reset", caller_kind="staff", result_count=4) for _ in range(2)])

    def stop(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr("time.sleep", stop)
    call_command("send_notifications", "--loop", stdout=mock.Mock())
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert DailyFigure.objects.filter(day=yesterday, metric="flags_open").exists()
    assert ZeroResultAlert.objects.filter(query="parking voucher").exists()
    # Popular searches for suggestions are rebuilt in the same hourly step.
    assert PopularQuery.objects.filter(text="router reset", caller_kind="staff").exists()
