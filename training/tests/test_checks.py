"""Knowledge checks: who writes questions, the all-correct-choices rule, pass marks in progress,
questions flagged for review when the decision authority changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for, unchanged_database
from notifications.models import Notification
from training import services
from training.models import Acknowledgement, Attempt, Choice, Question

from .conftest import material_edit
from .test_api import api


def make_question(article, by, *, text="A customer asks for a 70 EUR refund. What may you do?", correct=(1,), n=3):
    question = Question.objects.create(article=article, text=text, explanation="See the goodwill limit.", created_by=by)
    for i in range(n):
        Choice.objects.create(question=question, text=f"Choice {i}", correct=i in correct, position=i)
    return question


def choice_ids(question, *, correct: bool) -> list[int]:
    return [c.pk for c in question.choices.all() if c.correct == correct]


@pytest.fixture
def question(article, coach):
    return make_question(article, coach, correct=(0, 2))


def test_coach_adds_edits_and_removes_a_question(coach, article):
    client = client_for(coach)
    url = reverse("training:questions", args=[article.slug])
    rule = article.rules.first()
    response = client.post(
        url,
        {
            "text": "May you refund 70 EUR?",
            "explanation": "Up to 50",
            "rule": rule.pk,
            "position": 1,
            "choices": "Yes\n*No, ask Billing\n*Offer a date change",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(article=article)
    assert question.rule == rule and question.correct_ids() == {c.pk for c in question.choices.filter(correct=True)}
    assert question.choices.filter(correct=True).count() == 2
    client.post(
        reverse("training:question-edit", args=[article.slug, question.pk]),
        {"text": "Changed", "explanation": "", "position": 1, "choices": "*A\nB"},
    )
    question.refresh_from_db()
    assert question.text == "Changed" and [c.text for c in question.choices.all()] == ["A", "B"]
    client.post(reverse("training:question-delete", args=[article.slug, question.pk]))
    assert not Question.objects.filter(pk=question.pk).exists()


def test_a_question_without_a_right_answer_is_refused_with_a_message(coach, article):
    response = client_for(coach).post(
        reverse("training:questions", args=[article.slug]), {"text": "Hmm?", "position": 0, "choices": "A\nB"}
    )
    assert response.status_code == 200 and "Mark at least one right answer" in response.content.decode()
    assert not Question.objects.exists()


def test_non_owner_cannot_edit_questions(candidate, publisher, article, question):
    assert article.owner not in (candidate, publisher)
    for person in (candidate, publisher):
        client = client_for(person)
        assert client.get(reverse("training:questions", args=[article.slug])).status_code == 403
        with unchanged_database():
            assert client.post(reverse("training:question-delete", args=[article.slug, question.pk])).status_code == 403
    assert Question.objects.filter(pk=question.pk).exists()


def test_the_articles_owner_may_write_questions(article):
    assert client_for(article.owner).get(reverse("training:questions", args=[article.slug])).status_code == 200


@pytest.mark.parametrize("persona", ["customer", "partner"])
def test_customers_and_partners_never_see_checks(request, persona, article, question):
    client = client_for(request.getfixturevalue(persona))
    for url in (reverse("training:check", args=[article.slug]), reverse("training:questions", args=[article.slug])):
        assert client.get(url).status_code == 404


def test_trainee_does_not_see_the_correct_answers_before_answering(trainee, article, question):
    page = client_for(trainee).get(reverse("training:check", args=[article.slug])).content.decode()
    assert question.text in page and f'name="q-{question.pk}"' in page
    assert "✓" not in page and "correct" not in page.lower().replace("choose every answer that is right", "")


def test_right_only_when_exactly_the_correct_choices_are_chosen(trainee, article, question, path):
    right, wrong = choice_ids(question, correct=True), choice_ids(question, correct=False)
    for chosen, expected in ((right, True), (right[:1], False), (right + wrong, False), (wrong, False)):
        attempt, marked = services.submit_attempt(user=trainee, article=article, path=None, answers={question.pk: chosen})
        assert marked[0].correct is expected and attempt.passed is expected
        assert attempt.answers.get().correct is expected
    assert Attempt.objects.filter(user=trainee).count() == 4  # every attempt is kept


def test_wrong_answer_shows_explanation_and_link_to_the_rule(trainee, article, question, path):
    rule = article.rules.first()
    question.rule = rule
    question.save()
    client = client_for(trainee)
    url = reverse("training:check", args=[article.slug]) + f"?path={path.pk}"
    page = client.post(url, {f"q-{question.pk}": choice_ids(question, correct=False)}).content.decode()
    assert "Not passed: 0%" in page and "See the goodwill limit." in page and f"#rule-{rule.pk}" in page
    article_page = client.get(article.get_absolute_url()).content.decode()
    assert f'id="rule-{rule.pk}"' in article_page
    page = client.post(url, {f"q-{question.pk}": choice_ids(question, correct=True)}).content.decode()
    assert "Passed: 100%" in page and "See the goodwill limit." not in page
    assert Attempt.objects.filter(user=trainee, path=path).count() == 2


def test_pass_mark_decides_whether_an_acknowledged_article_counts_as_done(trainee, article, question, path):
    path.pass_mark = 80
    path.save()
    Acknowledgement.objects.create(user=trainee, article=article, article_version=article.version, path=path)
    status = next(s for s in services.progress(trainee, [path])[path.pk].items if s.item.article_id == article.pk)
    assert status.check_needed and not status.done
    services.submit_attempt(user=trainee, article=article, path=path, answers={question.pk: choice_ids(question, correct=False)})
    status = next(s for s in services.progress(trainee, [path])[path.pk].items if s.item.article_id == article.pk)
    assert not status.done
    services.submit_attempt(user=trainee, article=article, path=path, answers={question.pk: choice_ids(question, correct=True)})
    progress = services.progress(trainee, [path])[path.pk]
    assert next(s for s in progress.items if s.item.article_id == article.pk).done and progress.required_done == 1


def test_without_a_pass_mark_acknowledging_is_enough(trainee, article, question, path):
    Acknowledgement.objects.create(user=trainee, article=article, article_version=article.version, path=path)
    assert services.progress(trainee, [path])[path.pk].required_done == 1


def test_rule_change_flags_questions_and_tells_the_owner(kb_owner, article, question, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article.edit(
            by=kb_owner,
            base_version=article.version,
            changes={},
            rules=[{"action": "Refund the booking", "limit_amount": "80", "limit_unit": "EUR", "decider": "agent"}],
            note="New limit",
        )
    question.refresh_from_db()
    assert question.needs_review
    assert Notification.objects.filter(recipient=article.owner, kind="training_questions_review").exists()


def test_material_update_without_rule_change_does_not_flag(kb_owner, article, question, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        material_edit(article, kb_owner)
    question.refresh_from_db()
    assert not question.needs_review
    assert not Notification.objects.filter(kind="training_questions_review").exists()


def test_check_page_query_count_does_not_grow_with_questions(trainee, article, coach, django_assert_max_num_queries):
    client = client_for(trainee)
    url = reverse("training:check", args=[article.slug])
    client.get(url)
    make_question(article, coach)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    for i in range(6):
        make_question(article, coach, text=f"Question {i}")
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    answers = {f"q-{q.pk}": [q.choices.first().pk] for q in Question.objects.all()}
    with django_assert_max_num_queries(20):
        assert client.post(url, answers).status_code == 200


def test_flagged_question_shows_on_the_owners_page_until_saved_again(coach, article, question):
    Question.objects.filter(pk=question.pk).update(needs_review=True)
    client = client_for(coach)
    page = client.get(reverse("training:questions", args=[article.slug])).content.decode()
    assert "Needs review" in page
    client.post(
        reverse("training:question-edit", args=[article.slug, question.pk]),
        {"text": question.text, "explanation": "", "position": 0, "choices": "*Ask Billing\nRefund it"},
    )
    question.refresh_from_db()
    assert not question.needs_review


def test_an_empty_check_is_shown_again_with_the_reason_and_not_recorded(trainee, article, question, path, coach):
    make_question(article, coach, text="Who approves 150 EUR?")
    client = client_for(trainee)
    url = reverse("training:check", args=[article.slug]) + f"?path={path.pk}"
    with unchanged_database():
        empty = client.post(url, {"path": path.pk})
    assert empty.status_code == 400
    page = empty.content.decode()
    assert "Answer every question before checking: questions 1 and 2 have no answer yet. Nothing was recorded." in page
    assert 'id="knowledge-check"' in page and "0%" not in page

    ticked = choice_ids(question, correct=True)
    half = client.post(url, {"path": path.pk, f"q-{question.pk}": ticked}).content.decode()
    assert "question 2 has no answer yet" in half
    assert all(f'value="{pk}" checked' in half for pk in ticked)  # what was ticked stays ticked
    assert not Attempt.objects.filter(user=trainee).exists()


def test_the_api_refuses_a_check_with_an_unanswered_question(trainee, article, question, path):
    client = api(trainee)
    with unchanged_database():
        response = client.post(
            "/api/v1/training/attempts/", {"article": article.slug, "path": path.pk, "answers": {}}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Answer every question before checking: question 1 has no answer yet. Nothing was recorded."
    }
