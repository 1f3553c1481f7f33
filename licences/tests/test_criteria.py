"""KB owners configure the criteria of each level; nobody else does."""

from __future__ import annotations

import pytest

from conftest import client_for, unchanged_database
from licences.models import LevelCriteria

pytestmark = pytest.mark.django_db

FORM = {
    "contributor-min_paths_completed": "2",
    "contributor-min_articles_validated": "3",
    "contributor-min_average_checklist_score": "70",
    "contributor-note": "Also: one review without changes.",
    "publisher-min_paths_completed": "3",
    "publisher-min_articles_validated": "8",
    "publisher-min_average_checklist_score": "80",
    "publisher-note": "",
}


def test_kb_owner_sets_criteria_for_both_levels(kb_owner):
    assert client_for(kb_owner).get("/licences/criteria/").status_code == 200
    assert client_for(kb_owner).post("/licences/criteria/", FORM).status_code == 302
    contributor = LevelCriteria.objects.get(level="contributor")
    assert (contributor.min_paths_completed, contributor.min_articles_validated, contributor.min_average_checklist_score) == (
        2,
        3,
        70,
    )
    assert LevelCriteria.objects.get(level="publisher").min_articles_validated == 8


def test_a_score_above_100_percent_is_a_form_error_and_nothing_is_saved(kb_owner):
    client = client_for(kb_owner)
    with unchanged_database():
        response = client.post("/licences/criteria/", {**FORM, "publisher-min_average_checklist_score": "120"})
    assert response.status_code == 400 and "less than or equal to 100" in response.content.decode()
    assert not LevelCriteria.objects.exists()


def test_coaches_and_agents_may_not_set_criteria(coach, contributor, customer):
    as_coach = client_for(coach)
    with unchanged_database():
        assert as_coach.post("/licences/criteria/", FORM).status_code == 403
    assert client_for(contributor).get("/licences/criteria/").status_code == 403
    assert client_for(customer).get("/licences/criteria/").status_code == 404
    assert not LevelCriteria.objects.exists()
