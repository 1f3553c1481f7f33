"""The coach dashboard: who the coach's trainees are, and what the coach sees about each."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import State
from coaching.models import ReviewRequest
from conftest import client_for, make_article, make_candidate, make_coach
from licences import services
from training import services as training_services
from training.models import Acknowledgement, Assignment

from .conftest import assign, make_path, score

pytestmark = pytest.mark.django_db


def _trainee_with_everything(name, *, coach, kb_owner, product, path):
    person = make_candidate(name)
    assignment = assign(path, person, by=coach)
    Assignment.objects.filter(pk=assignment.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    draft = make_article(author=person, product=product, state=State.NOT_VALIDATED, title=f"Printer offline for {name}")
    ReviewRequest.start(article=draft, by=person, reviewer=coach).request_changes(
        by=coach, comment=f"Name the printer model, {name}."
    )
    scored = make_article(author=person, product=product, title=f"Hotel city tax for {name}", validator=coach)
    score(scored, by=kb_owner, failed=["title"])
    return person


def test_coach_sees_trainees_with_paths_overdue_reviews_and_scores(criteria, coach, kb_owner, product, article):
    path = make_path(by=coach, articles=[article])
    _trainee_with_everything("tina", coach=coach, kb_owner=kb_owner, product=product, path=path)
    response = client_for(coach).get("/licences/coach/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "tina" in body and path.title in body and "overdue" in body
    assert "Printer offline for tina" in body  # in review
    assert "Name the printer model, tina." in body  # with the coach's latest feedback
    assert "7/8 (88%)" in body  # latest score
    assert "Towards Contributor" in body


def test_trainees_are_people_given_a_path_or_asking_for_a_review_by_this_coach(coach, kb_owner, product, article):
    path = make_path(by=coach, articles=[article])
    assigned = make_candidate("amy")
    assign(path, assigned, by=coach)
    asking = make_candidate("bob")
    ReviewRequest.start(
        article=make_article(author=asking, product=product, state=State.NOT_VALIDATED), by=asking, reviewer=coach
    )
    elsewhere = make_candidate("eve")
    other_coach = make_coach("otis")
    assign(make_path(by=other_coach, articles=[article], title="Other path"), elsewhere, by=other_coach)
    rows = services.trainees(coach)
    assert [(t.person.username, t.why) for t in rows] == [("amy", ["assigned a path"]), ("bob", ["asked for a review"])]
    assert [t.person.username for t in services.trainees(other_coach)] == ["eve"]


def test_batched_progress_matches_training_progress(coach, article, second_article):
    path = make_path(by=coach, articles=[article, second_article])
    person = make_candidate("tina")
    assignment = assign(path, person, by=coach)
    Acknowledgement.objects.create(user=person, article=article, article_version=article.version)
    mine = training_services.progress_for_assignments([assignment])[assignment.pk]
    theirs = training_services.progress(person, [path])[path.pk]
    assert (mine.required_done, mine.required_total, mine.complete) == (
        theirs.required_done,
        theirs.required_total,
        theirs.complete,
    )
    assert mine.next_item.item.pk == theirs.next_item.item.pk


def test_batched_progress_needs_the_knowledge_check_where_the_path_has_a_pass_mark(coach, article, second_article):
    from training.models import Question

    path = make_path(by=coach, articles=[article, second_article])
    path.pass_mark = 80
    path.save(update_fields=["pass_mark"])
    Question.objects.create(article=article, text="What may you do?", created_by=coach)
    person = make_candidate("tina")
    assignment = assign(path, person, by=coach)
    for read in (article, second_article):
        Acknowledgement.objects.create(user=person, article=read, article_version=read.version)
    mine = training_services.progress_for_assignments([assignment])[assignment.pk]
    assert (mine.required_done, mine.complete) == (1, False)  # read both, but the check is not passed
    assert services.values_for([person], {assignment.pk: mine}, [assignment])[person.pk].paths_completed == 0


def test_dashboard_query_count_does_not_grow_with_trainees(
    criteria, coach, kb_owner, product, article, django_assert_max_num_queries
):
    path = make_path(by=coach, articles=[article])
    client = client_for(coach)
    _trainee_with_everything("trainee0", coach=coach, kb_owner=kb_owner, product=product, path=path)
    with CaptureQueriesContext(connection) as one:
        client.get("/licences/coach/")
    for n in range(1, 5):
        _trainee_with_everything(f"trainee{n}", coach=coach, kb_owner=kb_owner, product=product, path=path)
    with CaptureQueriesContext(connection) as five:
        client.get("/licences/coach/")
    assert len(five) == len(one)
    with django_assert_max_num_queries(17):
        response = client.get("/licences/coach/")
    assert response.content.decode().count('class="trainee"') == 5
    with django_assert_max_num_queries(17):
        data = client.get("/api/v1/licences/coach/trainees/").json()
    assert len(data) == 5 and all(t["paths"][0]["overdue"] for t in data)


def test_only_coaches_and_kb_owners_have_a_coach_dashboard(contributor, kb_owner, candidate):
    assert client_for(contributor).get("/licences/coach/").status_code == 403
    assert client_for(candidate).get("/api/v1/licences/coach/trainees/").status_code == 403
    assert client_for(kb_owner).get("/licences/coach/").status_code == 200


def test_a_coach_without_trainees_sees_an_empty_dashboard(coach):
    body = client_for(coach).get("/licences/coach/").content.decode()
    assert "No trainees yet" in body


def test_the_dashboard_links_to_licence_pages(coach, candidate):
    assert "/licences/coach/" in client_for(coach).get("/dashboard/").content.decode()
    body = client_for(candidate).get("/dashboard/").content.decode()
    assert f"/licences/people/{candidate.username}/" in body and "/licences/coach/" not in body


def test_trainees_api_lists_paths_reviews_scores_and_next_level(criteria, coach, kb_owner, product, article):
    path = make_path(by=coach, articles=[article])
    _trainee_with_everything("tina", coach=coach, kb_owner=kb_owner, product=product, path=path)
    [tina] = client_for(coach).get("/api/v1/licences/coach/trainees/").json()
    assert tina["username"] == "tina" and tina["why"] == ["assigned a path", "asked for a review"]
    assert tina["paths"][0]["title"] == path.title and tina["paths"][0]["required_total"] == 1
    assert [r["status"] for r in tina["reviews"]] == ["changes_requested"]
    assert [(s["met"], s["total"]) for s in tina["latest_scores"]] == [(7, 8)]
    assert tina["next_level"]["level"] == "contributor"


def test_coach_dashboard_shows_each_trainees_latest_knowledge_checks(criteria, coach, kb_owner, product, article):
    from accounts.models import Licence
    from conftest import make_user
    from licences.services import trainees
    from training.models import Assignment, Attempt, LearningPath

    trainee = make_user("tess", licence=Licence.CANDIDATE)
    path = LearningPath.objects.create(title="Onboarding", created_by=coach)
    Assignment.objects.create(path=path, user=trainee, assigned_by=coach)
    Attempt.objects.create(user=trainee, article=article, article_version=article.version, score=50, passed=False)
    Attempt.objects.create(user=trainee, article=article, article_version=article.version, score=100, passed=True)
    (row,) = [t for t in trainees(coach) if t.person == trainee]
    assert [(a.score, a.passed) for a in row.attempts] == [(100, True), (50, False)]
    page = client_for(coach).get("/licences/coach/").content.decode()
    assert "Knowledge checks" in page and "not passed" in page and article.title in page
