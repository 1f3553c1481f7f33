"""Process adherence reviews (KCS PAR): the measures on known reviews, the weekly sample, who may
review which case, the review form and its stale and duplicate saves, the agent's view, the API
and the demo's reviews."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from articles.models import InvalidChange, Refused
from articles.tests.test_pages import text_of
from cases import adherence, services
from cases.models import AdherenceReview, Case
from conftest import client_for, make_coach, make_contributor, unchanged_database

pytestmark = pytest.mark.django_db

YES, NO, UNKNOWN, NA = "yes", "no", "unknown", "na"


def decided_case(external_id: str, agent, *, status="solved", days_ago: float = 1, subject="No room on arrival") -> Case:
    data = {"subject": subject, "agent": agent.username if agent else ""}
    case = services.upsert_case(source="zendesk", external_id=external_id, data=data).case
    if status != "open":
        services.upsert_case(source="zendesk", external_id=external_id, data={"status": status})
        at = timezone.now() - datetime.timedelta(days=days_ago)
        Case.objects.filter(pk=case.pk).update(outcome_at=at, solved_at=at)
    case.refresh_from_db()
    return case


def review(case, by, *, searched=YES, linked=True, accurate=YES, loss=False, note="", days_ago: float = 0):
    made, _ = adherence.review_case(
        case=case, by=by, searched_first=searched, linked=linked, link_accurate=accurate, capture_loss=loss, note=note
    )
    if days_ago:
        AdherenceReview.objects.filter(pk=made.pk).update(reviewed_at=timezone.now() - datetime.timedelta(days=days_ago))
    return made


def review_url(case) -> str:
    return reverse("cases:adherence-review", args=[case.source, case.external_id])


def form_data(**changes) -> dict:
    return {
        "searched_first": YES,
        "linked": "yes",
        "link_accurate": YES,
        "capture_loss": "no",
        "note": "",
        "revision": "0",
        "links_seen": "",
        **changes,
    }


@pytest.fixture
def agents(db):
    return make_contributor("ana"), make_contributor("ben")


# --- the measures ------------------------------------------------------------------------------


def test_rates_on_known_reviews_count_each_answer_and_leave_cant_tell_out_of_search_first(coach, kb_owner, agents):
    ana, ben = agents
    review(decided_case("1", ana), coach, searched=YES, linked=True, accurate=YES)
    review(decided_case("2", ana), coach, searched=NO, linked=True, accurate=NO, loss=True)
    review(decided_case("3", ana), coach, searched=UNKNOWN, linked=False, accurate=NA, loss=True)
    review(decided_case("4", ben), coach, searched=YES, linked=True, accurate=YES)
    review(Case.objects.get(external_id="4"), kb_owner, searched=YES, accurate=NO)  # a second reviewer

    rates = adherence.adherence_rates(AdherenceReview.objects.all())

    assert rates == {
        "reviews": 5,
        "searched_first": 3,
        "search_known": 4,
        "search_first_rate": 0.75,
        "linked": 4,
        "link_rate": 0.8,
        "link_accurate": 2,
        "link_judged": 4,
        "link_accuracy": 0.5,
        "capture_loss": 2,
        "capture_loss_rate": 0.4,
    }
    assert tuple(rates) == adherence.RATE_KEYS


def test_rates_with_nothing_to_divide_by_are_none_not_zero(coach, agents):
    ana, _ = agents
    empty = adherence.adherence_rates(AdherenceReview.objects.none())
    assert empty["reviews"] == 0
    assert [empty[k] for k in ("search_first_rate", "link_rate", "link_accuracy", "capture_loss_rate")] == [None] * 4

    review(decided_case("1", ana), coach, searched=UNKNOWN, linked=False, accurate=NA)
    rates = adherence.adherence_rates(AdherenceReview.objects.all())
    assert rates["search_first_rate"] is None and rates["link_accuracy"] is None  # can't tell, no link
    assert rates["link_rate"] == 0.0 and rates["capture_loss_rate"] == 0.0


def test_summary_by_agent_and_by_month(coach, agents):
    ana, ben = agents
    review(decided_case("1", ana), coach, accurate=YES)
    review(decided_case("2", ana), coach, accurate=NO)
    review(decided_case("3", ben), coach, linked=False, accurate=NA, loss=True)
    ben_review = AdherenceReview.objects.get(agent=ben)
    AdherenceReview.objects.filter(pk=ben_review.pk).update(reviewed_at=datetime.datetime(2026, 3, 15, 12, tzinfo=datetime.UTC))

    by_agent = adherence.adherence_summary(AdherenceReview.objects.all(), by="agent")
    assert [(r["group"], r["agent_id"], r["reviews"], r["link_accuracy"]) for r in by_agent] == [
        ("ana", ana.pk, 2, 0.5),
        ("ben", ben.pk, 1, None),
    ]
    by_month = adherence.adherence_summary(AdherenceReview.objects.all(), by="month")
    assert [r["group"] for r in by_month][0] == "2026-03-01" and by_month[0]["capture_loss_rate"] == 1.0
    assert sum(r["reviews"] for r in by_month) == 3
    assert adherence.adherence_summary(AdherenceReview.objects.all()) == adherence.adherence_rates(AdherenceReview.objects.all())
    with pytest.raises(InvalidChange):
        adherence.adherence_summary(AdherenceReview.objects.all(), by="team")


# --- the sample ---------------------------------------------------------------------------------


def test_the_sample_is_stable_for_a_seed_and_takes_up_to_n_cases_per_agent(coach, agents):
    ana, ben = agents
    for i in range(8):
        decided_case(f"a{i}", ana)
    for i in range(2):
        decided_case(f"b{i}", ben)

    first = adherence.sample_cases(coach, per_agent=3, seed="week-1")
    again = adherence.sample_cases(coach, per_agent=3, seed="week-1")

    assert [(agent.username, [c.pk for c in cases]) for agent, cases in first] == [
        (agent.username, [c.pk for c in cases]) for agent, cases in again
    ]
    assert [(agent.username, len(cases)) for agent, cases in first] == [("ana", 3), ("ben", 2)]
    seeds = {tuple(c.pk for c in adherence.sample_cases(coach, per_agent=3, seed=f"s{n}")[0][1]) for n in range(10)}
    assert len(seeds) > 1  # another seed draws other cases


def test_the_sample_leaves_out_own_open_old_unassigned_and_recently_reviewed_cases(coach, kb_owner, agents):
    ana, _ = agents
    keep = decided_case("keep", ana, status="closed")
    decided_case("own", coach)
    decided_case("open", ana, status="open")
    decided_case("old", ana, days_ago=45)
    decided_case("nobody", None)
    review(decided_case("reviewed", ana), kb_owner, days_ago=3)  # by another coach: looked at already
    review(decided_case("reviewed-25-days-ago", ana, days_ago=20), kb_owner, days_ago=25)
    later = decided_case("reviewed-40-days-ago", ana, days_ago=2)  # reopened and solved again since
    review(later, kb_owner, days_ago=40)

    sample = adherence.sample_cases(coach, per_agent=10, seed="x")

    assert [(agent, sorted(c.external_id for c in cases)) for agent, cases in sample] == [
        (ana, sorted([keep.external_id, later.external_id]))
    ]


def test_the_sample_counts_the_days_back_from_the_day_given(coach, agents):
    ana, _ = agents
    decided_case("t", ana, days_ago=40)
    assert adherence.sample_cases(coach, per_agent=3, seed="x") == []
    earlier = timezone.localdate() - datetime.timedelta(days=20)
    assert [c.external_id for _, cases in adherence.sample_cases(coach, per_agent=3, seed="x", today=earlier) for c in cases] == [
        "t"
    ]


# --- who may review --------------------------------------------------------------------------------


def test_a_contributor_cannot_review_and_a_coach_cannot_review_their_own_case(coach, contributor):
    theirs = decided_case("1", contributor)
    own = decided_case("2", coach)
    as_contributor, as_coach = client_for(contributor), client_for(coach)
    with unchanged_database():
        assert as_contributor.get(review_url(theirs)).status_code == 403
        assert as_contributor.post(review_url(theirs), form_data()).status_code == 403
        response = as_coach.post(review_url(own), form_data())
        assert response.status_code == 403 and "your own case" in response.content.decode()
    with pytest.raises(Refused):
        review(own, coach)
    assert not AdherenceReview.objects.exists()


def test_a_coach_who_linked_an_article_to_a_case_neither_reviews_it_nor_draws_it(coach, contributor, article):
    case = decided_case("3", contributor)
    services.link(case=case, article=article, kind="solved", by=coach)
    response = client_for(coach).post(review_url(case), form_data())
    assert response.status_code == 403 and "You linked an article to this case" in response.content.decode()
    drawn = [c for _, cases in adherence.sample_cases(coach, per_agent=5, seed="s") for c in cases]
    assert case not in drawn
    assert not AdherenceReview.objects.exists()


def test_customers_and_partners_get_404_and_anonymous_visitors_sign_in(customer, partner, contributor, client):
    case = decided_case("1", contributor)
    for user in (customer, partner):
        assert client_for(user).get(reverse("cases:adherence")).status_code == 404
        assert client_for(user).get(review_url(case)).status_code == 404
        assert client_for(user).post(review_url(case), form_data()).status_code == 404
    assert client.get(review_url(case)).status_code == 302
    assert client_for(make_coach("cora")).get(reverse("cases:adherence-review", args=["zendesk", "nope"])).status_code == 404


def test_an_open_case_is_not_reviewed(coach, contributor):
    case = decided_case("1", contributor, status="open")
    page = text_of(client_for(coach).get(review_url(case)))
    assert "Only solved or closed cases are reviewed" in page and "Save the review" not in page
    with pytest.raises(InvalidChange):
        review(case, coach)


# --- the form ---------------------------------------------------------------------------------------


def test_the_form_shows_the_evidence_links_searches_and_hand_over_trail(coach, contributor, article):
    case = decided_case("1", contributor)
    services.link(case=case, article=article, kind="created", by=contributor, searches=["refund non refundable"])
    Case.objects.filter(pk=case.pk).update(trail={"searches": [{"q": "money back hotel", "results": 0}]})

    response = client_for(coach).get(review_url(case))

    page = text_of(response)
    assert response.status_code == 200
    assert article.title in page and "linked by colin" in page and "live" in page
    assert "refund non refundable" in page and "money back hotel" in page
    html = response.content.decode()
    assert html.count("<fieldset") == 4 and html.count("<legend>") == 4
    assert re.search(r'name="linked" value="yes"[^>]*checked', html)  # the case has a live link


def test_a_coach_saves_a_review_and_the_agent_reads_it_on_the_case_and_their_list(coach, contributor, article):
    case = decided_case("1", contributor)
    services.link(case=case, article=article, kind="solved", by=contributor)
    seen = adherence.evidence(case, coach).fingerprint

    response = client_for(coach).post(
        review_url(case), form_data(searched_first=NO, note="Search before you link.", links_seen=seen), follow=True
    )

    assert "Saved your review of Zendesk #1" in text_of(response)
    saved = AdherenceReview.objects.get()
    assert (saved.agent, saved.reviewer, saved.searched_first, saved.linked, saved.link_accurate) == (
        contributor,
        coach,
        NO,
        True,
        YES,
    )
    assert [(link["slug"], link["kind"], link["live"]) for link in saved.links] == [(article.slug, "solved", True)]
    case_page = text_of(client_for(contributor).get(reverse("cases:detail", args=["zendesk", "1"])))
    assert "Process adherence reviews" in case_page and "Search before you link." in case_page
    assert "Review process adherence" not in case_page  # agents read, they do not review
    mine = text_of(client_for(contributor).get(reverse("cases:adherence")))
    assert "Reviews of your cases" in mine and "Search before you link." in mine and "Your sample" not in mine
    other_agent = text_of(client_for(make_contributor("zoe")).get(reverse("cases:detail", args=["zendesk", "1"])))
    assert "Search before you link." not in other_agent


def test_reviewing_again_updates_the_review_and_keeps_the_earlier_answers(coach, contributor):
    case = decided_case("1", contributor)
    client = client_for(coach)
    client.post(review_url(case), form_data(linked="no", link_accurate=NA, capture_loss="yes"))
    response = client.post(review_url(case), form_data(linked="no", link_accurate=NA, revision="1"), follow=True)

    assert "Updated your review (revision 2)" in text_of(response)
    saved = AdherenceReview.objects.get()
    assert saved.revision == 2 and saved.capture_loss is False
    assert [(h["revision"], h["capture_loss"]) for h in saved.history] == [(1, True)]


def test_a_second_save_from_an_old_form_is_refused_and_keeps_what_was_typed(coach, contributor):
    case = decided_case("1", contributor)
    client = client_for(coach)
    client.post(review_url(case), form_data(linked="no", link_accurate=NA))
    with unchanged_database():
        response = client.post(review_url(case), form_data(linked="no", link_accurate=NA, note="from the other tab"))
    assert response.status_code == 409
    assert "since this form was opened" in text_of(response) and "from the other tab" in response.content.decode()
    assert 'name="revision" value="1"' in response.content.decode()  # saving again replaces


def test_links_changed_since_the_form_was_opened_are_noticed(coach, contributor, article):
    case = decided_case("1", contributor)
    opened = adherence.evidence(case, coach).fingerprint
    services.link(case=case, article=article, kind="solved", by=contributor)
    client = client_for(coach)
    with unchanged_database():
        response = client.post(review_url(case), form_data(linked="no", link_accurate=NA, links_seen=opened))
    assert response.status_code == 409 and "links changed" in text_of(response)


def test_inconsistent_answers_get_a_clear_message(coach, contributor):
    case = decided_case("1", contributor)
    client = client_for(coach)
    with unchanged_database():
        response = client.post(review_url(case), form_data(linked="no", link_accurate=YES))
        assert response.status_code == 400 and "choose “not applicable”" in text_of(response)
        response = client.post(review_url(case), form_data(searched_first="maybe"))
        assert response.status_code == 400


def test_the_coach_page_shows_the_sample_their_reviews_and_the_per_agent_summary(coach, agents):
    ana, ben = agents
    decided_case("s1", ana, subject="Points missing after stay")
    review(decided_case("r1", ben), coach, accurate=NO, note="Wrong article.")

    response = client_for(coach).get(reverse("cases:adherence"))

    page = text_of(response)
    assert "Your sample this week" in page and "Points missing after stay" in page
    assert "Reviews you gave" in page and "Wrong article." in page
    assert "Per agent, last 90 days" in page and "0% 0 of 1" in page


# --- the API ---------------------------------------------------------------------------------------


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def adherence_api(case) -> str:
    return reverse("cases-api:case-adherence", args=[case.source, case.external_id])


BODY = {"searched_first": "yes", "linked": True, "link_accurate": "yes", "capture_loss": False, "note": "Good."}


def test_api_review_created_updated_and_stale(coach, contributor):
    case = decided_case("1", contributor)
    client = api(coach)

    made = client.post(adherence_api(case), BODY, format="json")
    assert made.status_code == 201 and made.data["revision"] == 1 and made.data["agent"] == "colin"
    stale = client.post(adherence_api(case), {**BODY, "note": "again"}, format="json")
    assert stale.status_code == 409 and stale.data["current_revision"] == 1
    changed = client.post(adherence_api(case), {**BODY, "capture_loss": True, "revision": 1}, format="json")
    assert changed.status_code == 200 and changed.data["revision"] == 2 and len(changed.data["history"]) == 1
    wrong = client.post(adherence_api(case), {**BODY, "linked": False, "revision": 2}, format="json")
    assert wrong.status_code == 400 and "not applicable" in wrong.data["detail"]


def test_api_who_may_review_and_read(coach, contributor, customer, kb_owner):
    case = decided_case("1", contributor)
    own = decided_case("2", coach)
    assert api(contributor).post(adherence_api(case), BODY, format="json").status_code == 403
    assert api(coach).post(adherence_api(own), BODY, format="json").status_code == 403
    assert api(customer).post(adherence_api(case), BODY, format="json").status_code == 404
    assert api().post(adherence_api(case), BODY, format="json").status_code in (401, 403)
    review(case, coach)
    review(own, kb_owner)

    listing = reverse("cases-api:adherence-list")
    assert api(customer).get(listing).status_code == 404
    assert [r["agent"] for r in api(contributor).get(listing).data["results"]] == ["colin"]  # their own cases
    assert {r["agent"] for r in api(coach).get(listing).data["results"]} == {"colin", "cody"}
    assert [r["agent"] for r in api(kb_owner).get(listing, {"agent": "cody"}).data["results"]] == ["cody"]
    assert len(api(make_contributor("zoe")).get(adherence_api(case)).data) == 0


def test_api_list_filters_by_day(coach, agents):
    ana, _ = agents
    review(decided_case("1", ana), coach, days_ago=10)
    review(decided_case("2", ana), coach)
    listing = reverse("cases-api:adherence-list")
    today = timezone.localdate()
    recent = api(coach).get(listing, {"since": (today - datetime.timedelta(days=2)).isoformat()}).data
    assert [r["case"]["external_id"] for r in recent["results"]] == ["2"]
    older = api(coach).get(listing, {"until": (today - datetime.timedelta(days=5)).isoformat()}).data
    assert [r["case"]["external_id"] for r in older["results"]] == ["1"]
    assert api(coach).get(listing, {"since": "yesterday"}).status_code == 400


# --- the demo ----------------------------------------------------------------------------------------


def test_the_demo_coach_reviewed_some_cases_and_loading_again_adds_none(db, demo):
    coach = User.objects.get(username="coach")
    reviews = AdherenceReview.objects.filter(reviewer=coach)
    assert reviews.count() >= 4
    rates = adherence.adherence_rates(reviews)
    assert rates["capture_loss"] >= 1 and rates["link_accurate"] < rates["link_judged"]
    assert adherence.sample_cases(coach, per_agent=3, seed="demo")  # some cases are left to sample
    before = list(reviews.values_list("pk", "revision", "reviewed_at"))
    call_command("load_demo", stdout=StringIO())
    assert list(reviews.values_list("pk", "revision", "reviewed_at")) == before
