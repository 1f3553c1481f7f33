"""Article life cycle: states now and over time, time to validated and to published outside,
articles past their review date."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from articles.models import Article, ArticleEvent, Audience, EventKind, Product, State
from conftest import client_for, make_article
from insights import snapshot
from insights.filters import Filters, default_filters
from insights.measures import tables

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _by_key(filters):
    return {t.key: t for t in tables("lifecycle", filters)}


def ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _aged(article, *, created: float, validated: float | None = None, widened: float | None = None) -> None:
    Article.objects.filter(pk=article.pk).update(created_at=ago(created))
    ArticleEvent.objects.filter(article=article).update(at=ago(created))
    if validated is not None:
        ArticleEvent.objects.filter(article=article, kind=EventKind.STATE, to_value=State.VALIDATED).update(at=ago(validated))
    if widened is not None:
        ArticleEvent.objects.filter(article=article, kind=EventKind.AUDIENCE).update(at=ago(widened))


@pytest.fixture
def three(db, contributor, kb_owner, product):
    # Internal, validated 4 days after creation; public, widened first then validated 10 days
    # after creation; a draft.
    internal = make_article(author=contributor, product=product, title="Internal", kb_owner=kb_owner)
    _aged(internal, created=20, validated=16)
    public = make_article(author=contributor, product=product, audience=Audience.PUBLIC, title="Public", kb_owner=kb_owner)
    _aged(public, created=30, widened=25, validated=20)
    draft = make_article(author=contributor, product=product, state=State.WIP, title="Draft", kb_owner=kb_owner)
    return {"internal": internal, "public": public, "draft": draft}


def test_counts_per_state_now_respect_the_audience_filter(three):
    rows = {row["state"]: row["articles"] for row in _by_key(default_filters(days=30))["states_now"].rows}
    assert rows == {"Work in progress": 1, "Not validated": 0, "Validated": 2, "Archived": 0}
    rows = {row["state"]: row["articles"] for row in _by_key(default_filters(audience="public"))["states_now"].rows}
    assert rows["Validated"] == 1 and rows["Work in progress"] == 0


def test_median_days_to_validated_and_to_published_outside(three):
    rows = {row["step"].split(" ")[0]: row for row in _by_key(default_filters(days=30))["time_to_validate"].rows}
    assert rows["Validated"]["articles"] == 2 and rows["Validated"]["median"] == 7.0  # (4 + 10) / 2
    # Only the public article went outside: validated 10 days after creation (widened before).
    assert rows["Published"]["articles"] == 1 and rows["Published"]["median"] == 10.0


def test_published_outside_counts_from_the_later_of_validated_and_widened(contributor, kb_owner, product):
    article = make_article(author=contributor, product=product, audience=Audience.CUSTOMER, kb_owner=kb_owner)
    _aged(article, created=12, validated=9, widened=2)  # validated internal first, widened a week later
    rows = {row["step"].split(" ")[0]: row for row in _by_key(default_filters(days=30))["time_to_validate"].rows}
    assert rows["Validated"]["median"] == 3.0
    assert rows["Published"]["median"] == 10.0


def test_articles_that_got_there_before_the_period_are_not_counted(three):
    rows = {row["step"].split(" ")[0]: row for row in _by_key(default_filters(days=7))["time_to_validate"].rows}
    assert rows["Validated"] == {"step": "Validated", "articles": 0, "median": None}
    assert rows["Published"]["articles"] == 0 and rows["Published"]["median"] is None


def test_over_time_says_how_to_backfill_when_there_are_no_snapshots(three):
    table = _by_key(default_filters(days=30))["states_over_time"]
    assert table.rows == [] and table.chart is None
    assert "snapshot_insights --backfill" in table.empty


def test_over_time_reads_the_last_snapshot_of_each_week(three, product):
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    start = monday - datetime.timedelta(days=35)
    snapshot.backfill(start, TODAY - datetime.timedelta(days=1))
    filters = Filters(start=start, end=TODAY)
    rows = {row["period"]: row for row in _by_key(filters)["states_over_time"].rows}
    five_weeks_ago = rows[start]  # before the first article was created (30 days ago): a snapshot of zeros
    assert five_weeks_ago["day"] == start + datetime.timedelta(days=6) and five_weeks_ago["validated"] == 0
    last_week = rows[monday - datetime.timedelta(days=7)]
    assert (last_week["validated"], last_week["wip"]) == (2, 0)  # the draft was made today
    # A product filter reads the fine-grained figures: another product has none.
    other = Product.objects.create(name="Other", slug="other")
    rows = _by_key(Filters(start=start, end=TODAY, product=other))["states_over_time"].rows
    assert all(row["validated"] == 0 for row in rows)
    rows = _by_key(Filters(start=start, end=TODAY, audience="public"))["states_over_time"].rows
    assert rows[-1]["validated"] == 1


def test_articles_past_their_review_date_are_listed_longest_overdue_first(three):
    Article.objects.filter(pk=three["internal"].pk).update(review_by=TODAY - datetime.timedelta(days=3))
    Article.objects.filter(pk=three["public"].pk).update(review_by=TODAY - datetime.timedelta(days=9))
    table = _by_key(default_filters(days=30))["past_review"]
    assert [(row["title"], row["overdue"]) for row in table.rows] == [("Public", 9), ("Internal", 3)]
    assert table.note.startswith("2 validated articles")


def test_the_page_reads_a_bounded_number_of_queries(three, coach, django_assert_max_num_queries):
    snapshot.backfill(TODAY - datetime.timedelta(days=90), TODAY - datetime.timedelta(days=1))
    client = client_for(coach)
    with django_assert_max_num_queries(25):
        assert client.get("/insights/lifecycle/?period=365&bucket=week").status_code == 200


def test_an_article_outside_from_the_start_is_published_outside_when_first_validated(contributor, kb_owner, product):
    # No audience change recorded (e.g. imported as a customer article): its first validation counts.
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    _aged(article, created=12, validated=4)
    Article.objects.filter(pk=article.pk).update(audience=Audience.CUSTOMER)
    rows = {row["step"].split(" ")[0]: row for row in _by_key(default_filters(days=30))["time_to_validate"].rows}
    assert rows["Validated"]["median"] == 8.0
    assert rows["Published"]["articles"] == 1 and rows["Published"]["median"] == 8.0
