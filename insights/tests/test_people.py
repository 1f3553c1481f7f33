"""People: content standard, link rate, contribution and link accuracy per person, against the team."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from conftest import make_article, make_contributor
from insights import charts
from insights.filters import default_filters
from insights.measures import tables
from insights.tests.factories import decided_case, link, score

pytestmark = pytest.mark.django_db


def _rows(filters):
    (table,) = tables("people", filters)
    return table, {row["person"]: row for row in table.rows}


@pytest.fixture
def team(contributor, publisher, coach, product):
    """colin: 2 articles scored 8/10 and 6/10, 1 of 2 cases linked; paula: scored 10/10, 2 of 2 linked."""
    tier1 = Group.objects.create(name="Tier 1")
    contributor.groups.add(tier1)
    publisher.groups.add(tier1)
    mine = make_article(author=contributor, product=product, title="Colin's")
    hers = make_article(author=publisher, product=product, title="Paula's")
    score(mine, author=contributor, scorer=coach, met=8, total=10)
    score(mine, author=contributor, scorer=coach, met=6, total=10)
    score(hers, author=publisher, scorer=coach, met=10, total=10)
    score(hers, author=publisher, scorer=coach, met=0, total=10, days=40)  # outside the period
    decided_case(contributor, "known")
    decided_case(contributor, "none")
    decided_case(publisher, "known")
    decided_case(publisher, "new")
    link(hers, contributor)
    return tier1


def test_each_person_against_the_team_average(team, contributor, publisher):
    table, rows = _rows(default_filters(days=30, team=team))
    colin, paula, average = rows["colin"], rows["paula"], rows["Tier 1 average"]
    assert table.rows[0] is average
    assert (colin["content"], colin["scores"]) == (70.0, 2)
    assert paula["content"] == 100.0
    assert average["content"] == 80.0  # (80 + 60 + 100) / 3 scores
    assert (colin["link_rate"], paula["link_rate"], average["link_rate"]) == (50.0, 100.0, 75.0)
    # Contributions: each created one article (make_article also records edits), colin linked one case.
    assert colin["contributions"] > 0 and paula["contributions"] > 0
    most = max(colin["contributions"], paula["contributions"])
    assert max(colin["contribution"], paula["contribution"]) == 100.0
    assert colin["contribution"] == round(100 * colin["contributions"] / most, 1)
    assert average["contribution"] == round((colin["contribution"] + paula["contribution"]) / 2, 1)


def test_the_content_standard_weighs_the_criteria(contributor, coach, product):
    article = make_article(author=contributor, product=product, title="Weighted")
    score(article, author=contributor, scorer=coach, met=5, total=10, weighted=(9, 10))
    _, rows = _rows(default_filters(days=30, person=contributor))
    assert rows["colin"]["content"] == 90.0


def test_the_person_filter_keeps_the_team_as_reference(team, contributor):
    table, rows = _rows(default_filters(days=30, person=contributor, team=team))
    assert list(rows) == ["Tier 1 average", "colin"]
    assert rows["Tier 1 average"]["link_rate"] == 75.0
    drawn = charts.svg(table)
    assert drawn and drawn.count(b"<svg") == 1  # one radar


def test_everyone_gets_a_small_radar_up_to_twelve(team, product):
    for n in range(14):
        make_contributor(f"p{n:02d}")
    table, rows = _rows(default_filters(days=30))
    assert "Everyone's average" in rows and len(table.rows) > 13
    drawn = charts.svg(table)
    assert drawn.count(b'class="pygal-chart"') == 12


def test_an_empty_period_has_no_figures_not_zeros(contributor):
    _, rows = _rows(default_filters(days=30))
    assert rows["colin"]["content"] is None and rows["colin"]["link_rate"] is None
    assert rows["colin"]["contribution"] is None  # nobody did anything: no most active person
    assert rows["colin"]["link_accuracy"] is None


def test_queries_do_not_grow_with_people(team, django_assert_max_num_queries):
    for n in range(10):
        make_contributor(f"q{n}").groups.add(team)
    with django_assert_max_num_queries(12):
        tables("people", default_filters(days=30))
