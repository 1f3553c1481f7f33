"""The content-standard checklist: who scores, what is kept, scores per author over time, the sample."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, State
from coaching.models import ChecklistScore, active_criteria, sample
from conftest import client_for, make_article, make_contributor, unchanged_database

from .conftest import all_pass, make_draft

pytestmark = pytest.mark.django_db


def form_data(article, failed=(), **extra):
    data = {"version": article.version, "comment": "Checked"}
    for c in (c.key for c in active_criteria()):
        data[c] = "fail" if c in failed else "pass"
        data[f"{c}_note"] = "Missing the model" if c in failed else ""
    return {**data, **extra}


@pytest.fixture
def written(candidate, product):
    return make_draft(candidate, product)


def test_coach_scores_an_article_version(coach, candidate, written):
    response = client_for(coach).post(reverse("coaching:score", args=[written.slug]), form_data(written, failed=["title"]))
    assert response.status_code == 302
    score = ChecklistScore.objects.get()
    assert (score.author, score.scorer, score.article_version, score.met, score.total) == (
        candidate,
        coach,
        written.version,
        7,
        8,
    )
    failed = score.answers.get(passed=False)
    assert (failed.criterion_id, failed.label, failed.note) == (
        "title",
        "Title states issue and environment",
        "Missing the model",
    )


def test_kb_owner_scores_too(kb_owner, written):
    assert client_for(kb_owner).post(reverse("coaching:score", args=[written.slug]), form_data(written)).status_code == 302
    assert ChecklistScore.objects.get().met == 8


@pytest.mark.parametrize("who", ["candidate", "contributor"])
def test_non_coach_cannot_score(who, request, written):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(reverse("coaching:score", args=[written.slug])).status_code == 403
    with unchanged_database():
        assert client.post(reverse("coaching:score", args=[written.slug]), form_data(written)).status_code == 403
    assert not ChecklistScore.objects.exists()


def test_customer_and_partner_get_404(customer, partner, written):
    for outsider in (customer, partner):
        client = client_for(outsider)
        assert client.get(reverse("coaching:score", args=[written.slug])).status_code == 404
        assert client.get(reverse("coaching:sample")).status_code == 404
        assert client.get(reverse("coaching:author", args=[written.created_by.username])).status_code == 404


def test_nobody_scores_their_own_article(coach, product):
    own = make_draft(coach, product)
    client = client_for(coach)
    with unchanged_database():
        assert client.post(reverse("coaching:score", args=[own.slug]), form_data(own)).status_code == 403
    assert not ChecklistScore.objects.exists()


def test_work_in_progress_is_not_scored(coach, candidate, product):
    wip = make_draft(candidate, product, state=State.WIP)
    assert client_for(coach).get(reverse("coaching:score", args=[wip.slug])).status_code == 403


def test_every_criterion_must_be_answered(coach, written):
    data = form_data(written)
    del data["authority"]
    response = client_for(coach).post(reverse("coaching:score", args=[written.slug]), data)
    assert response.status_code == 200
    assert not ChecklistScore.objects.exists()


def test_scoring_a_version_that_changed_meanwhile_keeps_the_answers(coach, candidate, written):
    seen = written.version
    written.edit(by=candidate, base_version=seen, changes={"title": "Printer offline: HP LaserJet"})
    data = form_data(written, failed=["title"], version=seen)
    response = client_for(coach).post(reverse("coaching:score", args=[written.slug]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "has changed since you opened it" in page
    assert 'value="Missing the model"' in page
    assert not ChecklistScore.objects.exists()


def test_author_is_told_and_sees_their_scores(coach, candidate, written):
    ChecklistScore.record(article=written, by=coach, answers=all_pass(title="Say which printer"))
    assert candidate.notifications.filter(kind="checklist_scored").exists()
    page = client_for(candidate).get(reverse("coaching:author", args=[candidate.username])).content.decode()
    assert "7/8" in page and "Say which printer" in page


def test_other_staff_cannot_see_someone_elses_scores(coach, candidate, contributor, written):
    ChecklistScore.record(article=written, by=coach, answers=all_pass())
    assert client_for(contributor).get(reverse("coaching:author", args=[candidate.username])).status_code == 403
    page = client_for(contributor).get(written.get_absolute_url()).content.decode()
    assert "Content-standard checks" not in page


def test_owning_someone_elses_article_does_not_show_their_scores(coach, candidate, contributor, written):
    ChecklistScore.record(article=written, by=coach, answers=all_pass())
    Article.objects.filter(pk=written.pk).update(owner=contributor)  # the scores stay about the candidate
    page = client_for(contributor).get(written.get_absolute_url()).content.decode()
    assert "Content-standard checks" not in page
    api = client_for(contributor).get("/api/v1/checklist-scores/", {"article": written.slug})
    assert api.status_code in (403, 404)


def test_article_page_shows_scores_to_coaches(coach, candidate, kb_owner, written):
    ChecklistScore.record(article=written, by=kb_owner, answers=all_pass(environment="Which firmware?"))
    page = client_for(coach).get(written.get_absolute_url()).content.decode()
    assert "Content-standard checks" in page and "Which firmware?" in page


def test_author_history_is_the_share_of_criteria_met_per_month(coach, kb_owner, candidate, product):
    first = make_draft(candidate, product, title="First")
    second = make_draft(candidate, product, title="Second")
    old = ChecklistScore.record(article=first, by=coach, answers=all_pass(title="", environment="", metadata="", authority=""))
    ChecklistScore.objects.filter(pk=old.pk).update(scored_at=timezone.now() - datetime.timedelta(days=62))
    ChecklistScore.record(article=second, by=kb_owner, answers=all_pass(title=""))
    months = ChecklistScore.objects.filter(author=candidate).monthly()
    assert [(m["met"], m["total"], m["share"]) for m in months] == [(4, 8, 50), (7, 8, 88)]
    page = client_for(coach).get(reverse("coaching:author", args=[candidate.username])).content.decode()
    assert "50%" in page and "88%" in page


def test_sample_picks_recent_unscored_articles_per_person_and_is_stable(coach, candidate, product):
    other = make_contributor("carl")
    for i in range(5):
        make_draft(candidate, product, title=f"Candidate {i}")
        make_article(author=other, product=product, title=f"Contributor {i}")
    make_draft(coach, product, title="The coach's own")
    scored = make_draft(candidate, product, title="Already scored")
    ChecklistScore.record(article=scored, by=coach, answers=all_pass())
    wip = make_draft(candidate, product, title="Still framed", state=State.WIP)

    groups = sample(coach, per_person=3, seed="s1")
    assert [(author.username, len(articles)) for author, articles in groups] == [("cara", 3), ("carl", 3)]
    picked = {a.pk for _, articles in groups for a in articles}
    assert scored.pk not in picked and wip.pk not in picked
    assert all(a.created_by_id != coach.pk for _, articles in groups for a in articles)
    assert picked == {a.pk for _, articles in sample(coach, per_person=3, seed="s1") for a in articles}


def test_sample_page_for_scorers_only(coach, candidate, contributor, product, django_assert_max_num_queries):
    for i in range(8):
        make_draft(candidate, product, title=f"Draft {i}")
    client = client_for(coach)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("coaching:sample") + "?n=2")
    assert response.status_code == 200
    assert len(re.findall(r'href="/coaching/articles/[^/"]+/score/"', response.content.decode())) == 2
    assert client_for(contributor).get(reverse("coaching:sample")).status_code == 403
    assert client.get(reverse("coaching:sample") + "?n=abc").status_code == 200


def test_author_page_has_a_fixed_number_of_queries(coach, kb_owner, candidate, product, django_assert_max_num_queries):
    # (one of them is the notification bell in the page header, one the checklist's criteria)
    for i in range(6):
        ChecklistScore.record(article=make_draft(candidate, product, title=f"D{i}"), by=coach, answers=all_pass(title="t"))
    client = client_for(kb_owner)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("coaching:author", args=[candidate.username])).status_code == 200
