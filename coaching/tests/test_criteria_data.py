"""The checklist's criteria as data KB owners keep: seeded defaults, weights, renames and
deactivation that leave past scores as they were, the criteria page and API, and who may change them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from articles.models import InvalidChange, Refused
from coaching.choices import DEFAULT_CRITERIA
from coaching.models import ChecklistAnswer, ChecklistCriterion, ChecklistScore, active_criteria, criterion_rates
from conftest import client_for, unchanged_database
from licences.services import values_for

from .conftest import all_pass, make_draft

pytestmark = pytest.mark.django_db

CRITERIA_API = "/api/v1/coaching/criteria/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def criterion(key: str) -> ChecklistCriterion:
    return ChecklistCriterion.objects.get(key=key)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def written(candidate, product):
    return make_draft(candidate, product)


# --- the shipped criteria -------------------------------------------------------------------


def test_the_eight_shipped_criteria_are_seeded_active_in_order_with_weight_one():
    criteria = active_criteria()
    assert [(c.key, c.name) for c in criteria] == [(key, name) for key, name, _ in DEFAULT_CRITERIA]
    assert [c.position for c in criteria] == list(range(1, 9))
    assert {c.weight for c in criteria} == {1}
    assert all(c.help_text for c in criteria)


def test_the_migration_fills_the_snapshots_of_scores_given_before_it(coach, written):
    score = ChecklistScore.record(article=written, by=coach, answers=all_pass(title="t", metadata="m"))
    # As a score stood before the migration: answers without labels, no weighted sums.
    ChecklistAnswer.objects.update(label="", weight=0)
    ChecklistScore.objects.update(weighted_met=0, weighted_total=0)
    seed = importlib.import_module("coaching.migrations.0003_criteria_seed").seed_criteria

    seed(apps, None)
    seed(apps, None)  # twice changes nothing more

    score.refresh_from_db()
    assert (score.met, score.total, score.weighted_met, score.weighted_total, score.share) == (6, 8, 6, 8, 75)
    answers = {a.criterion_id: (a.label, a.weight) for a in score.answers.all()}
    assert answers["title"] == ("Title states issue and environment", 1)
    assert set(answers) == {key for key, _, _ in DEFAULT_CRITERIA}
    assert ChecklistCriterion.objects.count() == 8


# --- weights, renames and deactivation leave past scores alone ----------------------------------


def test_a_new_weighted_criterion_changes_new_scores_share_but_not_old_ones(coach, kb_owner, candidate, product, written):
    old = ChecklistScore.record(article=written, by=coach, answers=all_pass(title="t"))
    assert (old.met, old.total, old.share) == (7, 8, 88)

    links = ChecklistCriterion.add(by=kb_owner, name="Links to related articles", help_text="See also", weight=4)
    assert (links.key, links.position, links.active) == ("links_to_related_articles", 9, True)
    new = ChecklistScore.record(
        article=make_draft(candidate, product, title="Second"), by=coach, answers=all_pass(links_to_related_articles="none")
    )

    assert (new.met, new.total, new.weighted_met, new.weighted_total, new.share) == (8, 9, 8, 12, 67)
    old.refresh_from_db()
    assert (old.weighted_met, old.weighted_total, old.share) == (7, 8, 88)
    # The month pools the weights as each score was given: (7 + 8) / (8 + 12).
    [month] = ChecklistScore.objects.filter(author=candidate).monthly()
    assert (month["scores"], month["met"], month["total"], month["share"]) == (2, 15, 17, 75)


def test_reweighting_applies_to_new_scores_only(coach, kb_owner, candidate, product, written):
    old = ChecklistScore.record(article=written, by=coach, answers=all_pass(resolution="wrong"))
    criterion("resolution").change(by=kb_owner, name="Resolution complete and correct", help_text="", weight=3)
    new = ChecklistScore.record(
        article=make_draft(candidate, product, title="Second"), by=coach, answers=all_pass(resolution="x")
    )

    old.refresh_from_db()
    assert (old.share, new.share) == (88, 70)  # 7/8, then 7/10
    assert old.answers.get(criterion="resolution").weight == 1
    assert new.answers.get(criterion="resolution").weight == 3


def test_renaming_a_criterion_keeps_the_name_old_scores_were_given_with(coach, kb_owner, candidate, written):
    ChecklistScore.record(article=written, by=coach, answers=all_pass(title="No model"))
    criterion("title").change(by=kb_owner, name="Title names issue, product and version", help_text="New help", weight=1)

    page = client_for(kb_owner).get(reverse("coaching:author", args=[candidate.username])).content.decode()

    assert "Title states issue and environment: <span" in page  # the failed answer, as scored
    rates = {r["criterion"]: r for r in criterion_rates(ChecklistScore.objects.all())}
    assert rates["title"]["label"] == "Title names issue, product and version"  # the criterion today
    assert (rates["title"]["met"], rates["title"]["total"]) == (0, 1)


def test_an_inactive_criterion_is_not_asked_and_an_answer_to_it_is_refused(coach, kb_owner, written):
    old = ChecklistScore.record(article=written, by=coach, answers=all_pass())
    criterion("metadata").set_active(by=kb_owner, active=False)

    form = client_for(coach).get(reverse("coaching:score", args=[written.slug])).content.decode()
    assert 'name="metadata"' not in form and 'name="title"' in form
    with pytest.raises(InvalidChange, match="No longer on the checklist: Metadata right"):
        ChecklistScore.record(article=written, by=coach, answers={**all_pass(), "metadata": (True, "")})

    answers = all_pass()
    assert "metadata" not in answers
    new = ChecklistScore.record(article=written, by=coach, answers=answers)
    assert (new.total, new.share) == (7, 100)
    assert old.answers.count() == 8
    rates = {r["criterion"]: r for r in criterion_rates(ChecklistScore.objects.all())}
    assert (rates["metadata"]["active"], rates["metadata"]["total"]) == (False, 1)
    assert "metadata" not in {r["criterion"] for r in criterion_rates(ChecklistScore.objects.filter(pk=new.pk))}


def test_unknown_and_missing_criteria_are_refused_with_their_names(coach, written):
    with pytest.raises(InvalidChange, match="Unknown criteria: spelling"):
        ChecklistScore.record(article=written, by=coach, answers={**all_pass(), "spelling": (True, "")})
    answers = all_pass()
    del answers["authority"]
    with pytest.raises(InvalidChange, match="missing: Decision authority actionable"):
        ChecklistScore.record(article=written, by=coach, answers=answers)
    assert not ChecklistScore.objects.exists()


def test_the_checklist_shows_each_criterion_help_and_weight(coach, kb_owner, written):
    ChecklistCriterion.add(by=kb_owner, name="Links to related articles", help_text="Point to the neighbours.", weight=2)
    page = client_for(coach).get(reverse("coaching:score", args=[written.slug])).content.decode()
    assert "Point to the neighbours." in page and "(weight 2)" in page
    assert "No customer data" in page and DEFAULT_CRITERIA[5][2] in page
    assert reverse("coaching:criteria") not in page  # coaches score; they do not change the criteria
    assert (
        reverse("coaching:criteria") in client_for(kb_owner).get(reverse("coaching:score", args=[written.slug])).content.decode()
    )


def test_licence_averages_use_the_weighted_share(coach, kb_owner, candidate, written):
    criterion("resolution").change(by=kb_owner, name="Resolution complete and correct", help_text="", weight=9)
    ChecklistScore.record(article=written, by=coach, answers=all_pass(resolution="x"))
    assert values_for([candidate])[candidate.pk].average_score == 44  # 7 of 16


# --- who may change the criteria ------------------------------------------------------------


def test_a_coach_scores_but_does_not_manage_the_criteria(coach, written):
    client = client_for(coach)
    assert client.get(reverse("coaching:criteria")).status_code == 403
    with unchanged_database():
        assert client.post(reverse("coaching:add-criterion"), {"name": "Mine", "weight": 1}).status_code == 403
        assert client.post(reverse("coaching:deactivate-criterion", args=["title"])).status_code == 403
        assert client.post(reverse("coaching:delete-criterion", args=["title"])).status_code == 403
    with pytest.raises(Refused):
        ChecklistCriterion.add(by=coach, name="Mine")
    assert "Content-standard criteria" not in client.get(reverse("coaching:home")).content.decode()


def test_contributors_are_refused_and_customers_and_partners_find_nothing(contributor, customer, partner):
    assert client_for(contributor).get(reverse("coaching:criteria")).status_code == 403
    assert client_for(contributor).get(reverse("coaching:edit-criterion", args=["title"])).status_code == 403
    for outsider in (customer, partner):
        client = client_for(outsider)
        assert client.get(reverse("coaching:criteria")).status_code == 404
        with unchanged_database():
            assert client.post(reverse("coaching:add-criterion"), {"name": "Mine", "weight": 1}).status_code == 404
        assert api(outsider).get(CRITERIA_API).status_code == 404
    assert api().get(CRITERIA_API).status_code in (401, 403)


# --- the criteria page --------------------------------------------------------------------------


def test_the_kb_owner_sees_the_criteria_with_their_use_and_a_link_from_coaching(kb_owner, coach, written):
    ChecklistScore.record(article=written, by=coach, answers=all_pass())
    client = client_for(kb_owner)
    assert reverse("coaching:criteria") in client.get(reverse("coaching:home")).content.decode()
    response = client.get(reverse("coaching:criteria"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "8 active criteria of 8" in page and "1 score" in page
    assert reverse("coaching:delete-criterion", args=["title"]) not in page  # used: deactivate instead


def test_adding_a_criterion_from_the_page(kb_owner):
    response = client_for(kb_owner).post(
        reverse("coaching:add-criterion"),
        {"name": " Links  to related articles ", "help_text": "See also", "weight": "3"},
        follow=True,
    )
    added = ChecklistCriterion.objects.get(key="links_to_related_articles")
    assert (added.name, added.weight, added.position, added.created_by, added.updated_by) == (
        "Links to related articles",
        3,
        9,
        kb_owner,
        kb_owner,
    )
    assert messages_of(response) == ["Added “Links to related articles”: the checklist asks it from the next score on."]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "no customer DATA", "weight": "1"}, "A criterion named “no customer DATA” already exists"),
        ({"name": "Heavy", "weight": "11"}, "The weight is a whole number from 1 to 10."),
        ({"name": "Light", "weight": "0"}, "The weight is a whole number from 1 to 10."),
        ({"name": "   ", "weight": "1"}, "Give the criterion a name."),
    ],
)
def test_a_wrong_criterion_is_refused_with_a_message(kb_owner, data, message):
    client = client_for(kb_owner)
    with unchanged_database():
        response = client.post(reverse("coaching:add-criterion"), data)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")


def test_the_model_refuses_what_the_form_would(kb_owner):
    with pytest.raises(InvalidChange, match="already exists"):
        ChecklistCriterion.add(by=kb_owner, name="METADATA RIGHT")
    with pytest.raises(InvalidChange, match="from 1 to 10"):
        criterion("title").change(by=kb_owner, name="Title", help_text="", weight=0)
    with pytest.raises(InvalidChange, match="already exists"):
        criterion("title").change(by=kb_owner, name="Metadata right", help_text="", weight=1)


def test_editing_a_criterion_records_who_and_when(kb_owner):
    before = criterion("environment").updated_at
    client = client_for(kb_owner)
    assert client.get(reverse("coaching:edit-criterion", args=["environment"])).status_code == 200
    response = client.post(
        reverse("coaching:edit-criterion", args=["environment"]),
        {"name": "Environment complete", "help_text": "Product, version, platform.", "weight": "2"},
        follow=True,
    )
    changed = criterion("environment")
    assert (changed.help_text, changed.weight, changed.updated_by) == ("Product, version, platform.", 2, kb_owner)
    assert changed.updated_at > before
    assert "Saved “Environment complete”" in messages_of(response)[0]
    page = client.get(reverse("coaching:edit-criterion", args=["environment"])).content.decode()
    assert "Weight 1 → 2; Help text changed" in page


def test_every_change_to_a_criterion_is_kept_with_who_and_what(kb_owner):
    links = ChecklistCriterion.add(by=kb_owner, name="Links", weight=2)
    links.change(by=kb_owner, name="Links to related articles", help_text="", weight=2)
    links.change(by=kb_owner, name="Links to related articles", help_text="", weight=2)  # nothing new: not recorded
    links.move(by=kb_owner, to=1)
    links.set_active(by=kb_owner, active=False)
    links.set_active(by=kb_owner, active=True)
    assert [c.summary for c in links.changes.order_by("id")] == [
        "Added with weight 2",
        "Renamed from “Links”",
        "Moved from place 9 to 1",
        "Deactivated",
        "Reactivated",
    ]
    assert {c.by for c in links.changes.all()} == {kb_owner}


def test_deactivating_and_reactivating_from_the_page(kb_owner):
    client = client_for(kb_owner)
    response = client.post(reverse("coaching:deactivate-criterion", args=["authority"]), follow=True)
    assert not criterion("authority").active
    assert messages_of(response) == [
        "“Decision authority actionable” is no longer asked. Scores that answered it keep their answers."
    ]
    assert "authority" not in [c.key for c in active_criteria()]
    client.post(reverse("coaching:reactivate-criterion", args=["authority"]))
    assert criterion("authority").active and active_criteria()[-1].key == "authority"


def test_the_last_active_criterion_cannot_be_deactivated_or_deleted(kb_owner):
    ChecklistCriterion.objects.exclude(key="title").update(active=False)
    client = client_for(kb_owner)
    with unchanged_database():
        response = client.post(reverse("coaching:deactivate-criterion", args=["title"]), follow=True)
        assert messages_of(response) == [
            "“Title states issue and environment” is the last active criterion: the checklist cannot be empty."
        ]
        response = client.post(reverse("coaching:delete-criterion", args=["title"]), follow=True)
        assert "last active criterion" in messages_of(response)[0]
    assert criterion("title").active


def test_moving_criteria_up_down_and_to_a_position(kb_owner):
    client = client_for(kb_owner)
    response = client.post(reverse("coaching:move-criterion", args=["title"]), {"direction": "up"}, follow=True)
    assert messages_of(response) == ["“Title states issue and environment” is now number 3 on the checklist."]
    assert [c.key for c in active_criteria()][1:4] == ["environment", "title", "resolution"]
    response = client.post(reverse("coaching:move-criterion", args=["authority"]), {"position": "1"}, follow=True)
    assert messages_of(response) == ["“Decision authority actionable” is now number 1 on the checklist."]
    keys = [c.key for c in active_criteria()]
    assert keys[:4] == ["authority", "customer_words", "environment", "title"]
    assert [c.position for c in active_criteria()] == list(range(1, 9))
    client.post(reverse("coaching:move-criterion", args=["authority"]), {"direction": "up"})  # already first
    assert active_criteria()[0].key == "authority"
    client.post(reverse("coaching:move-criterion", args=["customer_words"]), {"position": "99"})
    assert active_criteria()[-1].key == "customer_words"
    with unchanged_database():
        response = client.post(reverse("coaching:move-criterion", args=["title"]), {"position": "first"}, follow=True)
    assert "whole number" in messages_of(response)[-1]
    assert criterion("authority").updated_by == kb_owner


def test_an_unused_criterion_is_deleted_and_a_used_one_only_deactivated(kb_owner, coach, written):
    ChecklistScore.record(article=written, by=coach, answers=all_pass())
    ChecklistCriterion.add(by=kb_owner, name="Typo", weight=1)
    client = client_for(kb_owner)

    response = client.post(reverse("coaching:delete-criterion", args=["title"]), follow=True)
    assert messages_of(response) == [
        "“Title states issue and environment” was used in 1 score: deactivate it instead, so those scores keep their meaning."
    ]
    assert ChecklistCriterion.objects.filter(key="title").exists()

    response = client.post(reverse("coaching:delete-criterion", args=["typo"]), follow=True)
    assert messages_of(response) == ["Deleted “Typo”."]
    assert not ChecklistCriterion.objects.filter(key="typo").exists()


def test_a_missing_criterion_is_404(kb_owner):
    assert client_for(kb_owner).get(reverse("coaching:edit-criterion", args=["nope"])).status_code == 404
    assert api(kb_owner).get(f"{CRITERIA_API}nope/").status_code == 404


# --- the criteria API ------------------------------------------------------------------------


def test_staff_read_the_criteria_and_only_kb_owners_change_them(contributor, coach, kb_owner):
    listed = api(contributor).get(CRITERIA_API)
    assert listed.status_code == 200
    first = listed.json()[0]
    assert (first["key"], first["weight"], first["active"], first["position"], first["scores"]) == (
        "customer_words",
        1,
        True,
        1,
        0,
    )
    client = api(coach)
    with unchanged_database():
        refused = client.post(CRITERIA_API, {"name": "Mine"}, format="json")
        assert refused.status_code == 403 and refused.json()["detail"] == "Only KB owners change the content-standard criteria."
        assert client.patch(f"{CRITERIA_API}title/", {"weight": 2}, format="json").status_code == 403
        assert client.delete(f"{CRITERIA_API}title/").status_code == 403


def test_a_kb_owner_adds_changes_and_deletes_through_the_api(kb_owner):
    client = api(kb_owner)
    created = client.post(CRITERIA_API, {"name": "Links to related articles", "weight": 2}, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["key"], created.json()["position"], created.json()["updated_by"]) == (
        "links_to_related_articles",
        9,
        "olga",
    )

    changed = client.patch(
        f"{CRITERIA_API}links_to_related_articles/", {"weight": 5, "position": 1, "active": False}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["weight"], changed.json()["position"], changed.json()["active"]) == (5, 1, False)

    assert client.post(CRITERIA_API, {"name": "links to related ARTICLES"}, format="json").status_code == 400
    assert client.patch(f"{CRITERIA_API}title/", {"weight": 11}, format="json").status_code == 400
    assert client.delete(f"{CRITERIA_API}links_to_related_articles/").status_code == 204
    assert not ChecklistCriterion.objects.filter(key="links_to_related_articles").exists()


def test_the_api_refuses_deleting_a_used_criterion_and_emptying_the_checklist(kb_owner, coach, written):
    ChecklistScore.record(article=written, by=coach, answers=all_pass())
    client = api(kb_owner)
    with unchanged_database():
        used = client.delete(f"{CRITERIA_API}title/")
    assert used.status_code == 400 and "deactivate it instead" in used.json()["detail"]
    ChecklistCriterion.objects.exclude(key="title").update(active=False)
    last = client.patch(f"{CRITERIA_API}title/", {"active": False}, format="json")
    assert last.status_code == 400 and "last active criterion" in last.json()["detail"]


def test_a_score_through_the_api_shows_each_answer_as_it_was_scored(kb_owner, coach, written):
    answers = [{"criterion": c.key, "passed": c.key != "title", "note": ""} for c in active_criteria()]
    created = api(coach).post("/api/v1/checklist-scores/", {"article": written.slug, "answers": answers}, format="json")
    assert created.status_code == 201, created.content
    criterion("title").change(by=kb_owner, name="Renamed", help_text="", weight=4)
    body = api(coach).get("/api/v1/checklist-scores/").json()["results"][0]
    title = next(a for a in body["answers"] if a["criterion"] == "title")
    assert (title["label"], title["weight"], body["share"], body["weighted_total"]) == (
        "Title states issue and environment",
        1,
        88,
        8,
    )
    retired = api(coach).post(
        "/api/v1/checklist-scores/",
        {"article": written.slug, "answers": [*answers, {"criterion": "nope", "passed": True}]},
        format="json",
    )
    assert retired.status_code == 400 and "Unknown criteria: nope" in retired.json()["detail"]
