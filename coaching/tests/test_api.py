"""Reviews and checklist scores through /api/v1/: the pages' rules, the core API's error conventions."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from articles.models import State
from coaching.models import ChecklistScore, ReviewRequest, Status, active_criteria
from conftest import make_coach, unchanged_database

from .conftest import all_pass, make_draft

pytestmark = pytest.mark.django_db

REVIEWS = "/api/v1/reviews/"
SCORES = "/api/v1/checklist-scores/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def answers(**failed):
    return [{"criterion": c, "passed": c not in failed, "note": failed.get(c, "")} for c in (c.key for c in active_criteria())]


def test_candidate_creates_a_review_and_the_coach_approves(candidate, coach, draft):
    response = api(candidate).post(REVIEWS, {"article": draft.slug, "note": "Please"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reviewer"], body["status"], body["comments"][0]["body"]) == ("cody", "pending", "Please")
    pk = body["id"]
    assert api(coach).get(REVIEWS, {"role": "assigned"}).json()["results"][0]["id"] == pk
    assert api(candidate).get(REVIEWS, {"role": "requested"}).json()["count"] == 1

    refused = api(candidate).post(f"{REVIEWS}{pk}/approve/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["detail"]

    version = body["submitted_version"]
    approved = api(coach).post(f"{REVIEWS}{pk}/approve/", {"version": version, "note": "Good"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == Status.APPROVED
    draft.refresh_from_db()
    assert draft.state == State.VALIDATED


def test_stale_version_is_409_and_changes_nothing(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    seen = draft.version
    draft.edit(by=candidate, base_version=seen, changes={"resolution": "Reinstall the driver."})
    client = api(coach)
    with unchanged_database():
        response = client.post(f"{REVIEWS}{review.pk}/approve/", {"version": seen}, format="json")
    assert response.status_code == 409
    review.refresh_from_db()
    draft.refresh_from_db()
    assert (review.status, draft.state) == (Status.PENDING, State.NOT_VALIDATED)


def test_changes_requested_then_resubmitted(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    as_coach = api(coach)
    with unchanged_database():
        assert as_coach.post(f"{REVIEWS}{review.pk}/request-changes/", {}, format="json").status_code == 400
    response = as_coach.post(f"{REVIEWS}{review.pk}/request-changes/", {"comment": "Add the model"}, format="json")
    assert response.json()["status"] == Status.CHANGES_REQUESTED
    with unchanged_database():
        assert as_coach.post(f"{REVIEWS}{review.pk}/resubmit/", {}, format="json").status_code == 403
    review.refresh_from_db()
    assert (review.status, review.round) == (Status.CHANGES_REQUESTED, 1)  # the refusal changed nothing
    response = api(candidate).post(f"{REVIEWS}{review.pk}/resubmit/", {"note": "Added"}, format="json")
    assert (response.json()["status"], response.json()["round"]) == (Status.PENDING, 2)


def test_reviewing_your_own_article_is_refused(product):
    author = make_coach("writer")
    draft = make_draft(author, product)
    response = api(author).post(REVIEWS, {"article": draft.slug, "reviewer": "writer"}, format="json")
    assert response.status_code == 403
    assert "own article" in response.json()["detail"]
    assert not ReviewRequest.objects.exists()


def test_outsiders_get_404_and_anonymous_401(customer, partner, candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    for outsider in (customer, partner):
        client = api(outsider)
        assert client.get(REVIEWS).status_code == 404
        assert client.get(f"{REVIEWS}{review.pk}/").status_code == 404
        with unchanged_database():
            assert client.post(SCORES, {}, format="json").status_code == 404
    assert api().get(REVIEWS).status_code in (401, 403)


def test_other_staff_cannot_read_a_review(candidate, coach, contributor, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    assert api(contributor).get(f"{REVIEWS}{review.pk}/").status_code == 403
    assert api(contributor).get(REVIEWS).json()["count"] == 0


def test_coach_scores_and_lists_by_article_and_author(coach, candidate, draft):
    payload = {"article": draft.slug, "version": draft.version, "answers": answers(title="Vague"), "comment": "ok"}
    response = api(coach).post(SCORES, payload, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["met"], response.json()["author"]) == (7, "cara")
    assert api(coach).get(SCORES, {"article": draft.slug}).json()["count"] == 1
    assert api(candidate).get(SCORES, {"author": "cara"}).json()["count"] == 1
    assert api(candidate).get(SCORES).json()["count"] == 1  # their own


def test_non_coach_cannot_score_or_read_others_scores(contributor, coach, candidate, draft):
    payload = {"article": draft.slug, "answers": answers()}
    response = api(contributor).post(SCORES, payload, format="json")
    assert response.status_code == 403 and response.json()["detail"]
    assert not ChecklistScore.objects.exists()
    ChecklistScore.record(article=draft, by=coach, answers=all_pass())
    assert api(contributor).get(SCORES, {"author": "cara"}).status_code == 403
    assert api(contributor).get(SCORES).json()["count"] == 0


def test_incomplete_or_doubled_answers_are_400(coach, draft):
    client = api(coach)
    partial = {"article": draft.slug, "answers": answers()[:3]}
    doubled = {"article": draft.slug, "answers": answers() + answers()[:1]}
    with unchanged_database():
        assert client.post(SCORES, partial, format="json").status_code == 400
        assert client.post(SCORES, doubled, format="json").status_code == 400
    assert not ChecklistScore.objects.exists()


def test_api_lists_have_a_fixed_number_of_queries(candidate, coach, product, django_assert_max_num_queries):
    for i in range(5):
        draft = make_draft(candidate, product, title=f"D{i}")
        ReviewRequest.start(article=draft, by=candidate)
        ChecklistScore.record(article=draft, by=coach, answers=all_pass())
    client = api(coach)
    with django_assert_max_num_queries(6):
        assert client.get(REVIEWS).json()["count"] == 5
    with django_assert_max_num_queries(6):
        assert client.get(SCORES).json()["count"] == 5
