"""Promotions: one level at a time, by a coach or KB owner other than the person, with a note;
unmet criteria need "promote anyway"; the new licence applies on the very next request."""

from __future__ import annotations

import pytest

from accounts.models import Licence
from articles.models import State
from conftest import client_for, make_article, make_candidate, make_coach, unchanged_database
from licences.models import Promotion
from notifications.models import Notification
from training.models import Acknowledgement

from .conftest import score

pytestmark = pytest.mark.django_db


def _meet_contributor_criteria(person, *, coach, kb_owner, product, article):
    Acknowledgement.objects.create(user=person, article=article, article_version=article.version)
    own = make_article(author=person, product=product, title="Toy set missing a part", validator=coach)
    score(own, by=kb_owner)


def _promote(by, person, **data):
    return client_for(by).post(f"/licences/people/{person.username}/promote/", {"to": "contributor", "note": "Ready.", **data})


def test_coach_promotes_a_candidate_who_meets_the_criteria(criteria, trainee, coach, kb_owner, product, article):
    _meet_contributor_criteria(trainee, coach=coach, kb_owner=kb_owner, product=product, article=article)
    response = _promote(coach, trainee, note="Solid reviews for two months.")
    assert response.status_code == 302
    trainee.refresh_from_db()
    assert trainee.licence == Licence.CONTRIBUTOR
    promotion = Promotion.objects.get(user=trainee)
    assert (promotion.from_level, promotion.to_level, promotion.by, promotion.note) == (
        "candidate",
        "contributor",
        coach,
        "Solid reviews for two months.",
    )
    assert not promotion.override and promotion.unmet == ""
    assert Notification.objects.filter(recipient=trainee, kind="licence_promoted").exists()
    assert "Solid reviews for two months." in client_for(trainee).get(f"/licences/people/{trainee.username}/").content.decode()


def test_promotion_takes_effect_on_the_next_request(criteria, trainee, coach, contributor, product):
    draft = make_article(author=contributor, product=product, state=State.NOT_VALIDATED, title="Parcel lost in transit")
    api = client_for(trainee)
    url = f"/api/v1/articles/{draft.slug}/transition/"
    assert api.post(url, {"to": "validated", "note": "ok"}, content_type="application/json").status_code == 403
    assert _promote(coach, trainee, override="on").status_code == 302
    response = api.post(url, {"to": "validated", "note": "ok"}, content_type="application/json")  # same session
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.state == State.VALIDATED


def test_unmet_criteria_need_promote_anyway_which_is_recorded(criteria, trainee, coach):
    response = _promote(coach, trainee, note="Keep this note")
    assert response.status_code == 400
    body = response.content.decode()
    assert "promote anyway" in body and "Keep this note" in body  # nothing lost
    trainee.refresh_from_db()
    assert trainee.licence == Licence.CANDIDATE and not Promotion.objects.exists()
    assert _promote(coach, trainee, override="on").status_code == 302
    promotion = Promotion.objects.get()
    assert promotion.override and "Learning paths completed" in promotion.unmet


def test_a_promotion_needs_a_note(criteria, trainee, coach):
    assert _promote(coach, trainee, note="", override="on").status_code == 400
    trainee.refresh_from_db()
    assert trainee.licence == Licence.CANDIDATE


def test_nobody_promotes_themselves(coach, kb_owner):
    candidate_coach = make_coach("cleo")
    candidate_coach.licence = Licence.CANDIDATE
    candidate_coach.save()
    assert _promote(candidate_coach, candidate_coach, override="on").status_code == 403
    candidate_coach.refresh_from_db()
    assert candidate_coach.licence == Licence.CANDIDATE


def test_promotions_do_not_skip_a_level(trainee, coach):
    response = _promote(coach, trainee, to="publisher", override="on")
    assert response.status_code == 403
    trainee.refresh_from_db()
    assert trainee.licence == Licence.CANDIDATE


def test_this_form_does_not_demote(coach, publisher):
    assert _promote(coach, publisher, to="contributor", override="on").status_code == 403
    publisher.refresh_from_db()
    assert publisher.licence == Licence.PUBLISHER


def test_contributor_to_publisher_by_a_kb_owner(kb_owner, contributor):
    assert _promote(kb_owner, contributor, to="publisher", override="on").status_code == 302
    contributor.refresh_from_db()
    assert contributor.licence == Licence.PUBLISHER


def test_non_coaches_may_not_promote(trainee, contributor, publisher):
    other = make_candidate("otto")
    for user in (contributor, publisher):
        assert _promote(user, trainee, override="on").status_code == 403
    assert _promote(other, trainee, override="on").status_code == 403
    trainee.refresh_from_db()
    assert trainee.licence == Licence.CANDIDATE and not Promotion.objects.exists()


def test_customers_cannot_promote_and_customers_cannot_be_promoted(trainee, coach, customer):
    assert _promote(customer, trainee, override="on").status_code == 404
    assert _promote(coach, customer, override="on").status_code == 404


def test_promote_through_the_api(criteria, trainee, coach):
    api = client_for(coach)
    url = f"/api/v1/licences/people/{trainee.username}/promote/"
    with unchanged_database():
        refused = api.post(url, {"to": "contributor", "note": "ok"}, content_type="application/json")
        assert refused.status_code == 400 and "promote anyway" in refused.json()["detail"]
        skipped = api.post(url, {"to": "publisher", "note": "ok", "override": True}, content_type="application/json")
        assert skipped.status_code == 403 and "one level at a time" in skipped.json()["detail"]
    done = api.post(url, {"to": "contributor", "note": "ok", "override": True}, content_type="application/json")
    assert done.status_code == 201
    assert done.json()["from_level"] == "candidate" and done.json()["override"] is True


def test_api_refuses_self_promotion_and_non_coaches(trainee, coach, contributor):
    as_coach, as_contributor = client_for(coach), client_for(contributor)
    with unchanged_database():
        own = as_coach.post(
            f"/api/v1/licences/people/{coach.username}/promote/",
            {"to": "publisher", "note": "me", "override": True},
            content_type="application/json",
        )
        assert own.status_code == 403 and "themselves" in own.json()["detail"]
        other = as_contributor.post(
            f"/api/v1/licences/people/{trainee.username}/promote/",
            {"to": "contributor", "note": "x", "override": True},
            content_type="application/json",
        )
        assert other.status_code == 403
    assert not Promotion.objects.exists()
    trainee.refresh_from_db()
    coach.refresh_from_db()
    assert (trainee.licence, coach.licence) == (Licence.CANDIDATE, Licence.CONTRIBUTOR)


def test_an_unknown_level_is_a_form_error_not_a_crash(trainee, coach):
    client = client_for(coach)
    with unchanged_database():
        page = client.post(f"/licences/people/{trainee.username}/promote/", {"to": "wizard", "note": "Ready.", "override": "on"})
        assert page.status_code == 400
        api = client.post(
            f"/api/v1/licences/people/{trainee.username}/promote/", {"to": "wizard", "note": "x"}, content_type="application/json"
        )
        assert api.status_code == 400
    trainee.refresh_from_db()
    assert trainee.licence == Licence.CANDIDATE


def test_promoting_twice_to_the_same_level_is_refused(trainee, coach):
    assert _promote(coach, trainee, override="on").status_code == 302
    assert _promote(coach, trainee, override="on").status_code == 403
    assert Promotion.objects.count() == 1
