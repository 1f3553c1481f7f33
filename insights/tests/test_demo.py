"""The demo gives the KCS measures months of activity by several people and teams, consistent in
time, and loading it again adds nothing."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from articles.models import ArticleEvent, Reuse
from cases.choices import Outcome
from cases.models import Case, CaseLink
from coaching.models import ChecklistScore
from conftest import client_for
from feedback.models import Flag, HelpfulVote
from insights.demo import JOINED
from insights.filters import default_filters
from insights.models import ArticleView
from search.models import SearchLog

pytestmark = pytest.mark.usefixtures("demo")


def months(values) -> set[tuple[int, int]]:
    return {(at.year, at.month) for at in values}


def test_decided_cases_have_links_in_several_months_of_the_default_period():
    period = default_filters()
    linked = CaseLink.objects.live().filter(period.within("linked_at"), case__outcome__in=[Outcome.KNOWN, Outcome.NEW])
    assert len(months(linked.values_list("linked_at", flat=True))) >= 3
    outcomes = set(Case.objects.decided().filter(period.within("outcome_at")).values_list("outcome", flat=True))
    assert outcomes == {Outcome.KNOWN, Outcome.NEW, Outcome.NO_LINK}
    agents = Case.objects.decided().filter(period.within("outcome_at")).values("agent").distinct().count()
    assert agents >= 5


def test_articles_are_read_by_several_kinds_of_reader_in_the_period():
    period = default_filters()
    readers = set(ArticleView.objects.filter(day__gte=period.start, day__lte=period.end).values_list("reader", flat=True))
    assert readers >= {"staff", "customer", "anonymous"}


def test_some_searches_find_nothing_again_and_again_and_others_are_opened_at_a_position():
    searches = SearchLog.objects.filter(default_filters().within("created_at"))
    repeated = searches.filter(result_count=0).values("query").annotate(n=Count("pk")).filter(n__gte=3)
    assert repeated.exists()
    opened = searches.exclude(opened_position=None)
    assert opened.filter(opened_position=1).exists() and opened.filter(opened_position__gt=1).exists()
    assert set(searches.values_list("caller_kind", flat=True)) >= {"staff", "customer", "anonymous"}


def test_the_life_cycle_trend_has_months_of_snapshots_to_draw():
    from insights.measures import tables
    from insights.models import DailyFigure

    days = DailyFigure.objects.filter(metric__startswith="articles").values("day").distinct().count()
    assert days >= 150
    over_time = next(t for t in tables("lifecycle", default_filters()) if t.key == "states_over_time")
    assert len(over_time.rows) >= 10 and over_time.chart is not None


def test_several_people_changed_articles_in_the_period_and_teams_have_members():
    events = ArticleEvent.objects.filter(default_filters().within("at"))
    assert events.values("actor").distinct().count() >= 4
    teams = {g.name: set(g.user_set.values_list("username", flat=True)) for g in Group.objects.all()}
    assert {"candidate", "nadia"} <= teams["Tier 1"] and "coach" in teams["Knowledge team"]


def test_history_spreads_over_six_months_in_a_consistent_order():
    assert ArticleEvent.objects.filter(at__lt=default_filters(days=150).since).exists()
    for article_id in set(ArticleEvent.objects.values_list("article_id", flat=True)):
        times = list(ArticleEvent.objects.filter(article_id=article_id).order_by("version", "id").values_list("at", flat=True))
        assert times == sorted(times), article_id
    created_at = F("article__created_at")
    assert not CaseLink.objects.filter(linked_at__lt=created_at).exists()
    assert not ChecklistScore.objects.filter(scored_at__lt=created_at).exists()
    assert not Flag.objects.filter(created_at__lt=created_at).exists()
    assert not Flag.objects.filter(closed_at__lt=F("created_at")).exists()
    assert not HelpfulVote.objects.filter(at__lt=created_at).exists()


def test_nothing_of_a_person_is_older_than_the_day_they_joined():
    for username, days in JOINED.items():
        joined = timezone.now() - datetime.timedelta(days=days, hours=1)  # the demo was loaded a little earlier
        person = User.objects.get(username=username)
        assert not ArticleEvent.objects.filter(actor=person, at__lt=joined).exists(), username
        assert not CaseLink.objects.filter(linked_by=person, linked_at__lt=joined).exists(), username
        assert not Reuse.objects.filter(user=person, at__lt=joined).exists(), username
    assert CaseLink.objects.filter(linked_by__username="tomas").exists()


def test_the_coach_sees_the_demo_teams_in_the_participation_view():
    tier1 = Group.objects.get(name="Tier 1")
    response = client_for(User.objects.get(username="coach")).get(
        reverse("insights:measure", args=["participation"]) + f"?team={tier1.pk}"
    )
    assert response.status_code == 200
    assert "nadia" in response.content.decode()


def test_loading_the_demo_again_adds_nothing():
    models = [Case, CaseLink, ArticleEvent, ArticleView, SearchLog, Flag, HelpfulVote, ChecklistScore, Reuse, Group, User]
    before = [m.objects.count() for m in models]
    call_command("load_demo", stdout=StringIO())
    assert [m.objects.count() for m in models] == before
