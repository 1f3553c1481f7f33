"""The training API: same rules as the pages."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from conftest import make_candidate, unchanged_database
from training.models import Acknowledgement

from .conftest import assign


def api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_paths_list_and_detail_with_my_progress(trainee, path, article):
    client = api(trainee)
    listing = client.get("/api/v1/training/paths/").json()
    assert [p["id"] for p in listing["results"]] == [path.pk]
    detail = client.get(f"/api/v1/training/paths/{path.pk}/").json()
    assert detail["my_progress"]["required_total"] == 2 and detail["my_progress"]["required_done"] == 0
    assert detail["my_progress"]["next_article"] == article.slug
    assert [i["article"] for i in detail["items"]][0] == article.slug


def test_acknowledge_through_the_api(trainee, path, article):
    response = api(trainee).post("/api/v1/training/acknowledgements/", {"article": article.slug, "path": path.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["article_version"] == article.version
    detail = api(trainee).get(f"/api/v1/training/paths/{path.pk}/").json()
    assert detail["my_progress"]["required_done"] == 1


def test_acknowledging_outside_ones_paths_is_refused_with_a_reason(contributor, path, article):
    with unchanged_database():
        response = api(contributor).post("/api/v1/training/acknowledgements/", {"article": article.slug}, format="json")
        assert response.status_code == 403 and "not assigned" in response.json()["detail"]


def test_acknowledging_an_unknown_article_is_404(trainee, path):
    with unchanged_database():
        response = api(trainee).post("/api/v1/training/acknowledgements/", {"article": "nope"}, format="json")
        assert response.status_code == 404


def test_a_trainee_sees_only_their_own_acknowledgements(trainee, path, article, coach):
    other = make_candidate("otto")
    assign(path, other, by=coach)
    Acknowledgement.objects.create(user=other, article=article, article_version=1)
    Acknowledgement.objects.create(user=trainee, article=article, article_version=1)
    mine = api(trainee).get("/api/v1/training/acknowledgements/").json()["results"]
    assert [a["user"] for a in mine] == [trainee.username]
    assert api(trainee).get(f"/api/v1/training/acknowledgements/?user={other.username}").status_code == 403
    everyone = api(coach).get(f"/api/v1/training/acknowledgements/?path={path.pk}").json()["results"]
    assert {a["user"] for a in everyone} == {trainee.username, other.username}
    theirs = api(coach).get(f"/api/v1/training/acknowledgements/?user={other.username}").json()["results"]
    assert [a["user"] for a in theirs] == [other.username]


@pytest.mark.parametrize("persona", ["customer", "partner"])
def test_customers_and_partners_get_404(request, persona, path):
    client = api(request.getfixturevalue(persona))
    assert client.get("/api/v1/training/paths/").status_code == 404
    assert client.get(f"/api/v1/training/paths/{path.pk}/").status_code == 404
    assert client.get("/api/v1/training/acknowledgements/").status_code == 404


def test_anonymous_callers_must_sign_in(path):
    assert api(None).get("/api/v1/training/paths/").status_code in (401, 403)


def test_unknown_path_is_404(trainee):
    assert api(trainee).get("/api/v1/training/paths/999/").status_code == 404


# --- knowledge checks ------------------------------------------------------------------------


def _question(article, by):
    from training.models import Choice, Question

    question = Question.objects.create(
        article=article, text="70 EUR refund?", explanation="Goodwill is up to 50 EUR.", created_by=by, rule=article.rules.first()
    )
    Choice.objects.create(question=question, text="Refund it", correct=False, position=1)
    Choice.objects.create(question=question, text="Ask Billing", correct=True, position=2)
    Choice.objects.create(question=question, text="Offer a voucher up to 50 EUR", correct=True, position=3)
    return question


def test_trainee_gets_questions_without_the_answers_and_a_coach_with_them(trainee, coach, article):
    _question(article, coach)
    url = f"/api/v1/training/articles/{article.slug}/questions/"
    mine = api(trainee).get(url).json()
    assert mine[0]["text"] == "70 EUR refund?" and "correct" not in mine[0]["choices"][0] and "explanation" not in mine[0]
    theirs = api(coach).get(url).json()
    assert [c["correct"] for c in theirs[0]["choices"]] == [False, True, True]


def test_posting_an_attempt_scores_it_and_explains_wrong_answers(trainee, coach, path, article):
    question = _question(article, coach)
    path.pass_mark = 80
    path.save()
    right = list(question.choices.filter(correct=True).values_list("pk", flat=True))
    body = {"article": article.slug, "path": path.pk, "answers": {str(question.pk): right[:1]}}
    result = api(trainee).post("/api/v1/training/attempts/", body, format="json")
    assert result.status_code == 201
    data = result.json()
    assert data["score"] == 0 and not data["passed"]
    assert data["results"][0]["explanation"] == "Goodwill is up to 50 EUR." and "#rule-" in data["results"][0]["rule_url"]
    body["answers"] = {str(question.pk): right}
    data = api(trainee).post("/api/v1/training/attempts/", body, format="json").json()
    assert data["passed"] and data["results"][0]["explanation"] is None


def test_trainee_sees_only_their_own_attempts_and_a_coach_sees_theirs(trainee, coach, path, article):
    from training import services

    question = _question(article, coach)
    other = make_candidate("otto")
    assign(path, other, by=coach)
    for person in (trainee, other):
        services.submit_attempt(
            user=person, article=article, path=path, answers={question.pk: [question.choices.get(correct=False).pk]}
        )
    mine = api(trainee).get("/api/v1/training/attempts/").json()["results"]
    assert {a["user"] for a in mine} == {trainee.username}
    assert api(trainee).get("/api/v1/training/attempts/", {"user": other.username}).status_code == 403
    theirs = api(coach).get("/api/v1/training/attempts/", {"user": other.username}).json()["results"]
    assert {a["user"] for a in theirs} == {other.username}


@pytest.mark.parametrize("persona", ["customer", "partner"])
def test_customers_and_partners_get_404_for_checks(request, persona, coach, article):
    question = _question(article, coach)
    client = api(request.getfixturevalue(persona))
    assert client.get(f"/api/v1/training/articles/{article.slug}/questions/").status_code == 404
    assert client.get("/api/v1/training/attempts/").status_code == 404
    body = {"article": article.slug, "answers": {str(question.pk): []}}
    with unchanged_database():
        assert client.post("/api/v1/training/attempts/", body, format="json").status_code == 404


@pytest.mark.parametrize("records", ["assignments", "acknowledgements", "attempts"])
def test_every_training_record_list_filters_by_user_the_same_way(records, trainee, path, coach):
    other = make_candidate("otto")
    assert api(trainee).get(f"/api/v1/training/{records}/?user={other.username}").status_code == 403
    assert api(trainee).get(f"/api/v1/training/{records}/?user=nobody-here").status_code == 404
    assert api(coach).get(f"/api/v1/training/{records}/?user={other.username}").status_code == 200
    assert api(trainee).get(f"/api/v1/training/{records}/?user={trainee.username}").status_code == 200


@pytest.mark.parametrize("records", ["assignments", "acknowledgements", "attempts"])
def test_a_nul_in_the_user_filter_is_a_400_not_a_500(records, trainee):
    client = APIClient(raise_request_exception=False)
    client.force_login(trainee)
    response = client.get(f"/api/v1/training/{records}/?user=a%00b")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
