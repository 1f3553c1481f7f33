"""Participation: who took part in the period and their share of active staff."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from articles.models import ArticleEvent, EventKind
from conftest import make_contributor, make_user
from insights.filters import Filters, default_filters
from insights.measures import tables

pytestmark = pytest.mark.django_db


def _by_key(filters):
    return {t.key: t for t in tables("participation", filters)}


def test_everyone_who_created_modified_or_reviewed_counts_once(article, contributor, kb_owner, coach, candidate):
    # article: created and edited by `contributor` and `kb_owner` (make_article), in this period.
    found = _by_key(default_filters(days=7))
    people = {row["person"]: row for row in found["people"].rows}
    assert people["colin"]["created"] == 1
    assert people["olga"]["modified"] >= 1
    assert people["cody"]["total"] == 0 and people["cara"]["total"] == 0
    summary = found["summary"].rows[0]
    # colin and olga took part; cody (coach), cara (candidate) did not.
    assert summary["participants"] == 2
    assert summary["staff"] == 4
    assert summary["share"] == 50.0


def test_an_empty_period_has_no_share_to_divide(db):
    # No staff at all: no division by zero, the share is unknown rather than 0 %.
    found = _by_key(default_filters(days=30))
    assert found["summary"].rows == [{"participants": 0, "staff": 0, "share": None}]
    assert all(row["participants"] == 0 and row["share"] is None for row in found["over_time"].rows)


def test_activity_outside_the_period_is_not_counted(article, contributor):
    ArticleEvent.objects.all().update(at=timezone.now() - datetime.timedelta(days=40))
    found = _by_key(default_filters(days=30))
    assert found["summary"].rows[0]["participants"] == 0
    found = _by_key(default_filters(days=60))
    assert found["summary"].rows[0]["participants"] == 2


def test_over_time_puts_each_participant_in_their_week(article, contributor, kb_owner):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    ArticleEvent.objects.filter(actor=kb_owner).update(at=timezone.now() - datetime.timedelta(days=7))
    filters = Filters(start=monday - datetime.timedelta(days=7), end=today)
    rows = {row["period"]: row for row in _by_key(filters)["over_time"].rows}
    assert list(rows) == [monday - datetime.timedelta(days=7), monday]
    assert rows[monday]["participants"] == 1  # colin created this week
    assert rows[monday - datetime.timedelta(days=7)]["participants"] == 1  # olga's edits a week ago


def test_a_team_filter_counts_only_its_members(article, contributor, kb_owner):
    from django.contrib.auth.models import Group

    tier1 = Group.objects.create(name="Tier 1")
    contributor.groups.add(tier1)
    make_contributor("dora").groups.add(tier1)
    summary = _by_key(default_filters(days=7, team=tier1))["summary"].rows[0]
    assert summary == {"participants": 1, "staff": 2, "share": 50.0}


def test_customers_and_inactive_staff_are_not_active_staff(article):
    make_user("gone").__class__.objects.filter(username="gone").update(is_active=False)
    from conftest import make_customer

    make_customer()
    people = [row["person"] for row in _by_key(default_filters(days=7))["people"].rows]
    assert "gone" not in people and "chris" not in people
    assert ArticleEvent.objects.filter(kind=EventKind.CREATED).count() == 1


def test_a_process_adherence_review_counts_as_reviewing_unless_an_audience_is_chosen(contributor, coach, product):
    from cases.adherence import review_case
    from insights.tests.factories import decided_case

    case = decided_case(contributor, "no_link", product=product)
    review_case(case=case, by=coach, searched_first="no", linked=False, link_accurate="na", capture_loss=True)
    people = {row["person"]: row for row in _by_key(default_filters(days=7))["people"].rows}
    assert people["cody"]["reviewed"] == 1
    assert _by_key(default_filters(days=7, product=product))["summary"].rows[0]["participants"] == 1
    assert _by_key(default_filters(days=7, audience="internal"))["summary"].rows[0]["participants"] == 0
