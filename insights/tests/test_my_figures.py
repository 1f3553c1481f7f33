"""A person's own figures: on My work and at /api/v1/insights/me/."""

from __future__ import annotations

import pytest

from conftest import client_for, make_article
from insights.panels import dashboard_panel, my_figures
from insights.tests.factories import decided_case, link, review, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(contributor, publisher, coach, product):
    article = make_article(author=contributor, product=product, title="Colin's")
    known = decided_case(contributor, "known")
    review(known, reviewer=coach, accurate="yes")
    review(decided_case(publisher, "known"), reviewer=coach, accurate="no")
    decided_case(contributor, "new")
    decided_case(contributor, "none")
    decided_case(contributor, "known", days=120)  # older than 90 days
    link(article, publisher)
    score(article, author=contributor, scorer=coach, met=9, total=10)
    return article


def test_my_figures_are_mine_with_everyones_average(mine, contributor):
    found = my_figures(contributor)
    assert (found["decided_cases"], found["known"], found["new"], found["no_link"]) == (3, 1, 1, 1)
    assert found["link_rate"] == 66.7 and found["link_rate_average"] == 75.0  # 3 of 4 for everyone
    assert found["reuse_share"] == 50.0
    assert (found["citations"], found["articles_cited"]) == (1, 1)
    assert found["content_standard"] == 90.0 and found["content_scores"] == 1
    assert (found["links_reviewed"], found["link_accuracy"], found["link_accuracy_average"]) == (1, 100.0, 50.0)


def test_the_dashboard_shows_my_figures_and_coaches_a_link_to_the_measures(mine, contributor, coach):
    body = client_for(contributor).get("/dashboard/").content.decode()
    assert "My KCS figures" in body and "66.7%" in body
    assert "Every KCS measure" not in body
    assert "Every KCS measure" in client_for(coach).get("/dashboard/").content.decode()


def test_readers_outside_have_no_panel(customer):
    assert dashboard_panel(customer) == {"show": False}


def test_any_staff_reads_their_own_figures_in_the_api(mine, contributor):
    response = client_for(contributor).get("/api/v1/insights/me/")
    assert response.status_code == 200
    assert response.json()["person"] == "colin" and response.json()["link_rate"] == 66.7


def test_only_coaches_read_someone_elses_figures(mine, contributor, publisher, coach):
    assert client_for(publisher).get("/api/v1/insights/me/?person=colin").status_code == 403
    response = client_for(coach).get("/api/v1/insights/me/?person=colin")
    assert response.status_code == 200 and response.json()["known"] == 1


def test_the_api_refuses_outsiders_and_bad_periods(customer, contributor):
    assert client_for(customer).get("/api/v1/insights/me/").status_code == 404
    assert client_for(None).get("/api/v1/insights/me/").status_code == 401
    response = client_for(contributor).get("/api/v1/insights/me/?period=custom&start=2026-05-01&end=2026-04-01")
    assert response.status_code == 400


def test_an_empty_period_gives_unknown_rates(contributor):
    found = my_figures(contributor)
    assert found["link_rate"] is None and found["content_standard"] is None and found["link_accuracy"] is None


def test_me_is_not_a_view_slug():
    from insights.measures import register

    with pytest.raises(ValueError):
        register("me", "Me", "")


def test_my_figures_and_everyones_take_five_queries(mine, contributor, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        my_figures(contributor)
