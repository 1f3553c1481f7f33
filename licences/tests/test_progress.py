"""Licence progress: each criterion, the person's value, whether it is met; who may see it."""

from __future__ import annotations

import pytest

from articles.models import State
from conftest import client_for, make_article, make_candidate
from licences import services
from training.models import Acknowledgement

from .conftest import score

pytestmark = pytest.mark.django_db


def _contributor_level(person):
    return next(s for s in services.licence_progress(person) if s.level == "contributor")


def test_progress_counts_paths_validated_articles_and_average_score(criteria, trainee, coach, kb_owner, product, article):
    level = _contributor_level(trainee)
    assert [r.value for r in level.rows] == [0, 0, None] and not level.met
    Acknowledgement.objects.create(user=trainee, article=article, article_version=article.version)
    own = make_article(author=trainee, product=product, title="Toy set missing a part", validator=coach)
    assert own.state == State.VALIDATED
    score(own, by=coach, failed=["title", "metadata", "environment"])  # 5/8
    score(own, by=kb_owner)  # 8/8 -> 13/16 = 81%
    level = _contributor_level(trainee)
    assert [r.value for r in level.rows] == [1, 1, 81]
    assert level.met


def test_the_person_sees_their_own_progress_page(criteria, trainee):
    response = client_for(trainee).get(f"/licences/people/{trainee.username}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Learning paths completed" in body and "Average content-standard score" in body and "not yet" in body
    assert 'id="promote"' not in body  # nobody promotes themselves


def test_a_coach_and_a_kb_owner_see_anyones_progress(criteria, trainee, coach, kb_owner):
    assert client_for(coach).get(f"/licences/people/{trainee.username}/").status_code == 200
    assert client_for(kb_owner).get(f"/licences/people/{trainee.username}/").status_code == 200


def test_another_trainee_may_not_see_someone_elses_progress(criteria, trainee):
    other = make_candidate("otto")
    assert client_for(other).get(f"/licences/people/{trainee.username}/").status_code == 403
    assert client_for(other).get(f"/api/v1/licences/people/{trainee.username}/progress/").status_code == 403


def test_customers_and_partners_do_not_know_licences_exist(criteria, trainee, customer, partner):
    for outsider in (customer, partner):
        assert client_for(outsider).get(f"/licences/people/{trainee.username}/").status_code == 404
        assert client_for(outsider).get("/licences/coach/").status_code == 404
        assert client_for(outsider).get(f"/api/v1/licences/people/{trainee.username}/progress/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(trainee):
    response = client_for(None).get(f"/licences/people/{trainee.username}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_for(None).get(f"/api/v1/licences/people/{trainee.username}/progress/").status_code == 401


def test_a_level_without_criteria_says_so(trainee):
    body = client_for(trainee).get(f"/licences/people/{trainee.username}/").content.decode()
    assert "have not set criteria" in body


def test_progress_api_lists_each_criterion_with_value_and_met(criteria, trainee, coach):
    data = client_for(coach).get(f"/api/v1/licences/people/{trainee.username}/progress/").json()
    assert data["licence"] == "candidate" and data["next_level"] == "contributor"
    contributor = data["levels"][0]
    assert contributor["level"] == "contributor" and contributor["configured"] and not contributor["met"]
    assert [(c["required"], c["value"], c["met"]) for c in contributor["criteria"]] == [
        (1, 0, False),
        (1, 0, False),
        (60, None, False),
    ]
