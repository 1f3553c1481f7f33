"""Link accuracy from process adherence reviews as a licence criterion: a percent of the person's
reviewed cases with a link, counted only from a minimum number of such reviews; not shown while
no minimum is set; on the progress page, the criteria form, the API and a promotion's unmet list."""

from __future__ import annotations

import pytest

from cases import adherence
from cases import services as case_services
from conftest import client_for, make_candidate, make_kb_owner
from licences import services
from licences.models import LevelCriteria

pytestmark = pytest.mark.django_db


def reviewed(person, by, *, accurate: list[bool]) -> None:
    """One decided case of `person` per answer, linked, reviewed by `by` as accurate or not."""
    for n, right in enumerate(accurate):
        ref = f"{person.username}-{n}"
        case_services.upsert_case(source="zendesk", external_id=ref, data={"agent": person.username, "status": "solved"})
        case = case_services.Case.objects.get(external_id=ref)
        adherence.review_case(
            case=case,
            by=by,
            searched_first="yes",
            linked=True,
            link_accurate="yes" if right else "no",
            capture_loss=False,
        )


def unlinked_review(person, by) -> None:
    case_services.upsert_case(source="zendesk", external_id="none", data={"agent": person.username, "status": "closed"})
    adherence.review_case(
        case=case_services.Case.objects.get(external_id="none"),
        by=by,
        searched_first="no",
        linked=False,
        link_accurate="na",
        capture_loss=True,
    )


def contributor_level(person):
    return next(s for s in services.licence_progress(person) if s.level == "contributor")


def link_row(level):
    return next(r for r in level.rows if r.label.startswith("Link accuracy"))


@pytest.fixture
def asks_link_accuracy(db):
    return LevelCriteria.objects.create(level="contributor", min_link_accuracy=75, min_link_reviews=3)


@pytest.fixture
def person(db):
    return make_candidate("tina")


def test_no_link_accuracy_row_while_no_minimum_is_set(person, coach):
    LevelCriteria.objects.create(level="contributor")
    reviewed(person, coach, accurate=[False])
    assert [r.label for r in contributor_level(person).rows if r.label.startswith("Link")] == []


def test_too_few_reviewed_links_leave_the_criterion_unmet_and_say_so(asks_link_accuracy, person, coach):
    reviewed(person, coach, accurate=[True, True])
    unlinked_review(person, coach)  # a case without a link says nothing about link accuracy
    row = link_row(contributor_level(person))
    assert (row.required, row.value, row.met) == (75, None, False)
    assert row.detail == "2 reviewed links; counts from 3"


def test_link_accuracy_met_and_unmet_on_known_reviews(asks_link_accuracy, person, coach):
    kb_owner = make_kb_owner("olga")
    reviewed(person, coach, accurate=[True, True, False])  # 2 of 3 = 67%
    row = link_row(contributor_level(person))
    assert (row.value, row.met, row.detail) == (67, False, "2 of 3 reviewed links accurate")
    reviewed(person, kb_owner, accurate=[True])  # another reviewer: 3 of 4 = 75%
    row = link_row(contributor_level(person))
    assert (row.value, row.met) == (75, True)


def test_the_progress_page_and_the_api_show_the_criterion(asks_link_accuracy, person, coach):
    reviewed(person, coach, accurate=[True])
    page = client_for(person).get(f"/licences/people/{person.username}/").content.decode()
    assert "Link accuracy (process adherence reviews)" in page and "1 reviewed link; counts from 3" in page
    data = client_for(coach).get(f"/api/v1/licences/people/{person.username}/progress/").json()
    contributor = next(level for level in data["levels"] if level["level"] == "contributor")
    row = next(c for c in contributor["criteria"] if c["label"].startswith("Link accuracy"))
    assert (row["required"], row["value"], row["met"], row["detail"]) == (75, None, False, "1 reviewed link; counts from 3")


def test_promotion_lists_unmet_link_accuracy(asks_link_accuracy, person, coach):
    response = client_for(coach).post(f"/licences/people/{person.username}/promote/", {"to": "contributor", "note": "Ready."})
    assert response.status_code == 400 and "Link accuracy (process adherence reviews): none of 75%" in response.content.decode()


def test_kb_owner_sets_the_link_accuracy_minimum_and_reviews_needed(kb_owner):
    form = {
        "contributor-min_paths_completed": "0",
        "contributor-min_articles_validated": "0",
        "contributor-min_average_checklist_score": "0",
        "contributor-min_link_accuracy": "80",
        "contributor-min_link_reviews": "5",
        "contributor-note": "",
        "publisher-min_paths_completed": "0",
        "publisher-min_articles_validated": "0",
        "publisher-min_average_checklist_score": "0",
        "publisher-note": "",
    }
    client = client_for(kb_owner)
    page = client.get("/licences/criteria/").content.decode()
    assert "link accuracy in process adherence reviews" in page.lower() and "is not met" in page
    assert client.post("/licences/criteria/", form).status_code == 302
    contributor = LevelCriteria.objects.get(level="contributor")
    publisher = LevelCriteria.objects.get(level="publisher")
    assert (contributor.min_link_accuracy, contributor.min_link_reviews) == (80, 5)
    assert (publisher.min_link_accuracy, publisher.min_link_reviews) == (0, 3)  # left out: the defaults
    response = client.post("/licences/criteria/", {**form, "contributor-min_link_accuracy": "101"})
    assert response.status_code == 400
    response = client.post("/licences/criteria/", {**form, "contributor-min_link_reviews": "0"})
    assert response.status_code == 400
