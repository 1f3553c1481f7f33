"""Learning paths: who builds them, who reads them, and the trainee's home."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for, make_article, make_candidate, unchanged_database
from training.models import Assignment, Attempt, Choice, LearningPath, PathItem, PathSection, Question

from .conftest import assign, make_path


def test_coach_builds_a_path_with_sections_articles_and_an_assignment(coach, article, candidate):
    client = client_for(coach)
    response = client.post(reverse("training:path-create"), {"title": "Hotel basics", "description": "Start here"})
    path = LearningPath.objects.get(title="Hotel basics")
    assert response.status_code == 302 and path.created_by == coach
    client.post(reverse("training:section-add", args=[path.pk]), {"title": "Refunds"})
    section = PathSection.objects.get(path=path)
    response = client.post(
        reverse("training:item-add", args=[path.pk]),
        {"section": section.pk, "article": article.slug, "note": "Most asked question", "required": "on"},
    )
    item = PathItem.objects.get(section=section)
    assert item.article == article and item.required and item.note == "Most asked question"
    client.post(reverse("training:assign", args=[path.pk]), {"username": candidate.username, "due_date": "2030-01-31"})
    assert Assignment.objects.get(path=path, user=candidate).due_date == datetime.date(2030, 1, 31)


def test_kb_owner_may_build_paths(kb_owner):
    response = client_for(kb_owner).post(reverse("training:path-create"), {"title": "Governed content"})
    assert response.status_code == 302


def test_candidate_may_read_paths_but_not_build_or_assign_them(path, candidate):
    client = client_for(candidate)
    assert client.get(reverse("training:path", args=[path.pk])).status_code == 200
    with unchanged_database():
        assert client.post(reverse("training:path-create"), {"title": "Mine"}).status_code == 403
        assert client.post(reverse("training:section-add", args=[path.pk]), {"title": "x"}).status_code == 403
        assert client.post(reverse("training:assign", args=[path.pk]), {"username": candidate.username}).status_code == 403
    assert not LearningPath.objects.filter(title="Mine").exists()
    assert not Assignment.objects.filter(user=candidate).exists()


def test_adding_an_unknown_article_says_so_and_changes_nothing(coach, path):
    section = path.sections.get()
    response = client_for(coach).post(
        reverse("training:item-add", args=[path.pk]), {"section": section.pk, "article": "no-such-thing"}, follow=True
    )
    assert "No article" in response.content.decode()
    assert section.items.count() == 2


def test_a_path_cannot_be_assigned_to_a_customer(coach, path, customer):
    response = client_for(coach).post(reverse("training:assign", args=[path.pk]), {"username": customer.username}, follow=True)
    assert "not an active member of staff" in response.content.decode()
    assert not Assignment.objects.filter(user=customer).exists()


@pytest.mark.parametrize("persona", ["customer", "partner"])
def test_customers_and_partners_never_see_training(request, persona, path, trainee):
    client = client_for(request.getfixturevalue(persona))
    for url in (
        reverse("training:home"),
        reverse("training:paths"),
        reverse("training:path", args=[path.pk]),
        reverse("training:path-export", args=[path.pk]),
        reverse("training:person-export", args=[trainee.username]),
    ):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_log_in(path):
    response = client_for(None).get(reverse("training:path", args=[path.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_trainee_home_shows_paths_progress_next_article_and_what_is_overdue(trainee, path, article):
    Assignment.objects.filter(user=trainee).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    page = client_for(trainee).get(reverse("training:home")).content.decode()
    assert path.title in page
    assert "0 / 2 required read" in page
    assert f"{article.get_absolute_url()}?path={path.pk}" in page  # the next article, opened from the path
    assert "Overdue" in page


def test_optional_articles_do_not_count_towards_progress(coach, article, second_article):
    path = make_path(by=coach, articles=[article, second_article], optional=[second_article], title="Short")
    person = make_candidate("opal")
    assign(path, person, by=coach)
    assert "0 / 1 required read" in client_for(person).get(reverse("training:home")).content.decode()


def test_the_dashboard_shows_my_learning_paths(trainee, path):
    page = client_for(trainee).get(reverse("articles:dashboard")).content.decode()
    assert "My learning paths" in page and path.title in page


def test_the_dashboard_panel_stays_away_from_people_without_paths(contributor):
    assert "My learning paths" not in client_for(contributor).get(reverse("articles:dashboard")).content.decode()


def test_path_text_is_escaped(coach, trainee, path):
    path.title = "<script>alert(1)</script>"
    path.save()
    page = client_for(trainee).get(reverse("training:path", args=[path.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def _big_path(coach, contributor, kb_owner, product, person, n=6):
    articles = [make_article(author=contributor, product=product, title=f"Case number {i}", kb_owner=kb_owner) for i in range(n)]
    path = make_path(by=coach, articles=articles, title=f"Big {n}")
    path.pass_mark = 80  # progress then also reads the questions and the knowledge-check attempts
    path.save()
    for a in articles:
        question = Question.objects.create(article=a, text="What may you do?", created_by=coach)
        Choice.objects.create(question=question, text="Ask", correct=True)
        Attempt.objects.create(user=person, article=a, article_version=a.version, score=100, passed=True)
    assign(path, person, by=coach)
    return path


def test_home_and_path_pages_query_count_does_not_grow_with_items(
    coach, contributor, kb_owner, product, django_assert_max_num_queries
):
    person = make_candidate("quinn")
    small = _big_path(coach, contributor, kb_owner, product, person, n=2)
    big = _big_path(coach, contributor, kb_owner, product, person, n=8)
    client, coach_client = client_for(person), client_for(coach)
    client.get(reverse("training:home"))  # the first request after logging in also writes the session
    coach_client.get(reverse("training:home"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("training:home")).status_code == 200
    for path in (small, big):
        with django_assert_max_num_queries(10):
            assert client.get(reverse("training:path", args=[path.pk])).status_code == 200
        # (one of them lists the groups a coach can assign the path to)
        with django_assert_max_num_queries(13):
            assert coach_client.get(reverse("training:path", args=[path.pk])).status_code == 200


def test_coach_edits_a_path_and_removes_an_item_keeping_acknowledgements(coach, path, trainee, article):
    from training.models import Acknowledgement

    client = client_for(coach)
    client.post(reverse("training:path-edit", args=[path.pk]), {"title": "Renamed", "description": ""})
    path.refresh_from_db()
    assert path.title == "Renamed"
    Acknowledgement.objects.create(user=trainee, article=article, article_version=article.version, path=path)
    item = PathItem.objects.get(section__path=path, article=article)
    client.post(reverse("training:item-remove", args=[path.pk, item.pk]))
    assert not PathItem.objects.filter(pk=item.pk).exists()
    assert Acknowledgement.objects.filter(user=trainee, article=article).exists()


def test_candidate_cannot_edit_or_remove_from_a_path(candidate, path):
    item = PathItem.objects.filter(section__path=path).first()
    client = client_for(candidate)
    with unchanged_database():
        assert client.post(reverse("training:path-edit", args=[path.pk]), {"title": "Mine"}).status_code == 403
        assert client.post(reverse("training:item-remove", args=[path.pk, item.pk])).status_code == 403
    assert PathItem.objects.filter(pk=item.pk).exists()
