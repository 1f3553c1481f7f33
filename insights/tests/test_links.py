"""Linking and reuse: the link rate of decided cases, known against new, per person, team and
product, and over time."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Product
from cases.models import Case
from conftest import make_contributor
from insights.filters import Filters, default_filters
from insights.measures import tables
from insights.tests.factories import decided_case, review

pytestmark = pytest.mark.django_db


def _by_key(filters):
    return {t.key: t for t in tables("links", filters)}


@pytest.fixture
def outcomes(contributor, publisher, product):
    """colin: 2 known, 1 new, 1 no link; paula: 1 known, 1 no link; one case 40 days ago."""
    for outcome in ["known", "known", "new", "none"]:
        decided_case(contributor, outcome, product=product)
    decided_case(publisher, "known")
    decided_case(publisher, "none")
    decided_case(contributor, "known", days=40)
    return contributor, publisher


def test_the_link_rate_is_decided_cases_with_a_link_out_of_all(outcomes):
    summary = _by_key(default_filters(days=30))["summary"].rows[0]
    assert (summary["cases"], summary["known"], summary["new"], summary["no_link"]) == (6, 3, 1, 2)
    assert summary["link_rate"] == 66.7  # 4 of 6
    assert summary["reuse_share"] == 75.0  # 3 known of 4 linked


def test_per_person_and_per_product(outcomes, product):
    found = _by_key(default_filters(days=30))
    people = {row["group"]: row for row in found["people"].rows}
    assert people["colin"]["link_rate"] == 75.0 and people["colin"]["cases"] == 4
    assert people["paula"]["link_rate"] == 50.0
    products = {row["group"]: row for row in found["products"].rows}
    assert products[product.name]["cases"] == 4
    assert products["(no product)"]["cases"] == 2


def test_the_person_team_and_product_filters(outcomes, product):
    colin, paula = outcomes
    tier1 = Group.objects.create(name="Tier 1")
    paula.groups.add(tier1)
    assert _by_key(default_filters(days=30, person=colin))["summary"].rows[0]["cases"] == 4
    teams = _by_key(default_filters(days=30, team=tier1))
    assert teams["summary"].rows[0]["cases"] == 2
    assert [row["group"] for row in teams["teams"].rows] == ["Tier 1"]
    other = Product.objects.create(name="Flights", slug="flights")
    assert _by_key(default_filters(days=30, product=product))["summary"].rows[0]["cases"] == 4
    assert _by_key(default_filters(days=30, product=other))["summary"].rows[0]["cases"] == 0


def test_per_team_counts_a_case_in_each_team_of_its_agent(outcomes):
    colin, paula = outcomes
    a, b = Group.objects.create(name="A"), Group.objects.create(name="B")
    colin.groups.add(a, b)
    teams = {row["group"]: row["cases"] for row in _by_key(default_filters(days=30))["teams"].rows}
    assert teams == {"A": 4, "B": 4, "(no team)": 2}


def test_an_empty_period_has_no_rates_not_zero(db):
    found = _by_key(default_filters(days=30))
    summary = found["summary"].rows[0]
    assert summary["cases"] == 0 and summary["link_rate"] is None and summary["reuse_share"] is None
    assert summary["link_accuracy"] is None
    assert all(row["link_rate"] is None for row in found["over_time"].rows)
    assert found["people"].rows == []


def test_cases_decided_outside_the_period_or_still_open_are_left_out(outcomes, contributor):
    from cases.models import Case

    Case.objects.create(source="zendesk", external_id="open", agent=contributor)
    assert _by_key(default_filters(days=30))["summary"].rows[0]["cases"] == 6
    assert _by_key(default_filters(days=60))["summary"].rows[0]["cases"] == 7


def test_over_time_puts_each_case_in_its_week(contributor):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    decided_case(contributor, "known", days=0)
    decided_case(contributor, "none", days=7 + today.weekday())
    found = _by_key(Filters(start=monday - datetime.timedelta(days=7), end=today))
    rates = {row["period"]: row["link_rate"] for row in found["over_time"].rows}
    assert rates == {monday - datetime.timedelta(days=7): 0.0, monday: 100.0}
    stacked = {row["period"]: (row["known"], row["no_link"]) for row in found["outcomes_over_time"].rows}
    assert stacked[monday] == (1, 0) and stacked[monday - datetime.timedelta(days=7)] == (0, 1)


def test_link_accuracy_is_accurate_links_out_of_reviewed_links(outcomes, coach, product):
    colin, paula = outcomes
    mine = list(Case.objects.filter(agent=colin).order_by("pk"))
    review(mine[0], reviewer=coach, accurate="yes")
    review(mine[1], reviewer=coach, accurate="yes")
    review(mine[2], reviewer=coach, accurate="no")
    review(mine[3], reviewer=coach, accurate="na")  # no link: not judged
    review(mine[4], reviewer=coach, accurate="no", days=40)  # reviewed before the period
    theirs = Case.objects.filter(agent=paula).first()
    review(theirs, reviewer=coach, accurate="yes")
    found = _by_key(default_filters(days=30))
    assert (found["summary"].rows[0]["judged"], found["summary"].rows[0]["link_accuracy"]) == (4, 75.0)
    people = {row["group"]: row for row in found["people"].rows}
    assert (people["colin"]["judged"], people["colin"]["link_accuracy"]) == (3, 66.7)
    assert people["paula"]["link_accuracy"] == 100.0
    assert _by_key(default_filters(days=30, person=paula))["summary"].rows[0]["link_accuracy"] == 100.0
    products = {row["group"]: row for row in found["products"].rows}
    assert products["(no product)"]["link_accuracy"] == 100.0  # paula's case has no product


def test_link_accuracy_is_unknown_without_reviews(outcomes):
    summary = _by_key(default_filters(days=30))["summary"].rows[0]
    assert summary["link_accuracy"] is None and summary["judged"] == 0


def test_queries_do_not_grow_with_people_or_cases(outcomes, django_assert_max_num_queries):
    for n in range(10):
        agent = make_contributor(f"agent{n}")
        agent.groups.add(Group.objects.get_or_create(name=f"team{n}")[0])
        decided_case(agent, "known")
    with django_assert_max_num_queries(12):
        tables("links", default_filters(days=30))
