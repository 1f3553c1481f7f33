"""The cases API: integrations upsert cases idempotently, staff read them and link articles,
links are removed with a reason and kept in the history, coaches and KB owners read outcomes;
customers and partners find nothing."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from cases import services
from cases.models import Case, CaseLink
from conftest import make_article, make_coach, make_contributor, make_user, unchanged_database

pytestmark = pytest.mark.django_db

CASE_URL = "/api/v1/cases/zendesk/48213/"
LINKS_URL = CASE_URL + "links/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def integration_account(name: str = "zendesk-sync"):
    user = make_user(name)
    user.user_permissions.add(Permission.objects.get(codename="sync_cases"))
    return user


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user=user, name='sync')[1]}")
    return client


def make_case(external_id: str = "48213", *, source: str = "zendesk", **data) -> Case:
    data.setdefault("subject", "Refund for my non-refundable booking")
    return services.upsert_case(source=source, external_id=external_id, data=data).case


CASE = {
    "subject": "Refund for my non-refundable booking",
    "description": "Booked the wrong weekend.",
    "url": "https://northwind.zendesk.com/agent/tickets/48213",
    "product": "hotel-bookings",
    "requester_kind": "customer",
    "requester_name": "Ada Lovelace",
    "requester_email": "ada@example.com",
    "agent": "colin",
    "team": "Billing",
    "status": "open",
    "opened_at": "2026-05-04T08:15:02Z",
    "updated_at": "2026-05-04T08:20:00Z",
}


# --- upsert ------------------------------------------------------------------------------------


def test_an_integration_with_a_token_creates_a_case_then_the_same_put_changes_nothing(contributor, product):
    client = token_client(integration_account())

    created = client.put(CASE_URL, CASE, format="json")
    case = Case.objects.get()
    again = client.put(CASE_URL, CASE, format="json")

    assert created.status_code == 201 and created.json()["result"] == "created"
    assert again.status_code == 200 and again.json()["result"] == "unchanged"
    assert Case.objects.count() == 1
    assert Case.objects.get().updated_at == case.updated_at  # not even saved again
    body = again.json()
    assert (body["agent"], body["product"], body["team"], body["status"]) == ("colin", "hotel-bookings", "Billing", "open")
    assert body["requester_email"] == "ada@example.com" and body["links"] == []


def test_a_put_with_a_change_updates_only_what_it_names(contributor, product):
    client = token_client(integration_account())
    client.put(CASE_URL, CASE, format="json")

    response = client.put(CASE_URL, {"status": "solved", "updated_at": "2026-05-04T09:00:00Z"}, format="json")

    assert response.status_code == 200 and response.json()["result"] == "updated"
    case = Case.objects.get()
    assert (case.status, case.subject, case.outcome) == ("solved", CASE["subject"], "none")
    assert case.solved_at == datetime.datetime(2026, 5, 4, 9, tzinfo=datetime.UTC)


def test_a_put_older_than_the_last_change_is_ignored_and_a_closed_case_stays_closed(kb_owner):
    client = api(kb_owner)  # KB owners may write cases too
    client.put(CASE_URL, {"status": "closed", "updated_at": "2026-05-04T10:00:00Z"}, format="json")

    older = client.put(CASE_URL, {"status": "open", "updated_at": "2026-05-04T09:00:00Z"}, format="json")
    newer = client.put(CASE_URL, {"status": "open", "updated_at": "2026-05-04T11:00:00Z"}, format="json")

    assert older.json()["result"].startswith("ignored")
    assert "a closed case stays closed" in newer.json()["result"]
    assert Case.objects.get().status == "closed"


@pytest.mark.parametrize(
    "field, value",
    [
        ("status", "pending"),
        ("requester_kind", "vip"),
        ("requester_email", "not an address"),
        ("url", "ftp://tickets.example.com/1"),
        ("opened_at", "yesterday"),
        ("subject", "x" * 301),
    ],
)
def test_a_bad_value_is_refused_naming_the_field(kb_owner, field, value):
    with unchanged_database():
        response = api(kb_owner).put(CASE_URL, {**CASE, field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_put_to_an_unknown_source_or_an_over_long_id_says_why(kb_owner):
    unknown = api(kb_owner).put("/api/v1/cases/jira/1/", CASE, format="json")
    too_long = api(kb_owner).put(f"/api/v1/cases/zendesk/{'9' * 101}/", CASE, format="json")

    assert unknown.status_code == too_long.status_code == 400
    assert "Unknown case source" in unknown.json()["detail"] and "at most 100" in too_long.json()["detail"]
    assert not Case.objects.exists()


def test_agents_read_cases_but_never_write_them(contributor):
    with unchanged_database():
        response = api(contributor).put(CASE_URL, CASE, format="json")

    assert response.status_code == 403
    assert "sync cases" in response.json()["detail"]


def test_customers_partners_and_visitors_can_neither_read_nor_write_cases(customer, partner):
    make_case()
    for client, code in ((api(customer), 404), (api(partner), 404), (api(), 401)):
        assert client.get(CASE_URL).status_code == code
        assert client.get("/api/v1/cases/").status_code == code
        assert client.get(LINKS_URL).status_code == code
        assert client.put(CASE_URL, CASE, format="json").status_code == code


# --- reading -----------------------------------------------------------------------------------


def test_a_case_shows_its_live_links_outcome_and_trail(contributor, article):
    case = make_case(status="open")
    Case.objects.filter(pk=case.pk).update(trail={"searches": ["refund weekend"], "viewed": [article.slug]})
    services.link(case=case, article=article, kind="solved", by=contributor)
    removed, _ = services.link(
        case=case,
        article=make_article(author=contributor, product=article.product, title="Other"),
        kind="reference",
        by=contributor,
    )
    services.unlink(link=removed, by=contributor, reason="Wrong article")
    services.upsert_case(source="zendesk", external_id="48213", data={"status": "solved"})

    body = api(contributor).get(CASE_URL).json()

    assert (body["status"], body["outcome"], body["live_links"]) == ("solved", "known", 1)
    assert body["trail"] == {"searches": ["refund weekend"], "viewed": [article.slug]}
    assert [(link["article"], link["kind"], link["linked_by"]) for link in body["links"]] == [(article.slug, "solved", "colin")]
    assert body["links"][0]["article_version"] == article.version


def test_an_unknown_case_is_not_found(contributor):
    assert api(contributor).get("/api/v1/cases/zendesk/404404/").status_code == 404
    assert api(contributor).get("/api/v1/cases/jira/1/").status_code == 404


def test_the_case_list_filters_and_costs_the_same_whatever_its_length(contributor, coach, article, django_assert_max_num_queries):
    for n in range(6):
        case = make_case(
            str(100 + n), subject=f"Refund request {n}", agent="colin" if n % 2 else "cody", status="solved" if n < 2 else "open"
        )
        services.link(case=case, article=article, kind="solved", by=contributor)
    make_case("EM-1", source="email", subject="Lost key")
    client = api(contributor)

    with django_assert_max_num_queries(6):
        everything = client.get("/api/v1/cases/").json()

    assert everything["count"] == 7
    assert len(client.get("/api/v1/cases/?status=solved").json()["results"]) == 2
    assert len(client.get("/api/v1/cases/?source=email").json()["results"]) == 1
    assert len(client.get("/api/v1/cases/?agent=colin").json()["results"]) == 3
    assert len(client.get("/api/v1/cases/?outcome=known").json()["results"]) == 2
    assert [c["external_id"] for c in client.get("/api/v1/cases/?q=lost").json()["results"]] == ["EM-1"]
    assert [c["external_id"] for c in client.get("/api/v1/cases/?q=103").json()["results"]] == ["103"]
    assert everything["results"][-1]["live_links"] in (0, 1)


# --- links -------------------------------------------------------------------------------------


def test_an_agent_links_an_article_once(contributor, article):
    make_case()
    client = api(contributor)

    first = client.post(LINKS_URL, {"article": article.slug, "kind": "reference"}, format="json")
    again = client.post(LINKS_URL, {"article": article.slug, "kind": "reference"}, format="json")

    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["kind"], first.json()["linked_by"], first.json()["unlinked_at"]) == ("reference", "colin", None)
    assert CaseLink.objects.count() == 1
    article.refresh_from_db()
    assert article.reuse_count == 1


def test_a_link_needs_an_article_the_agent_can_see_and_a_kind_the_agent_may_give(contributor, article):
    make_case()
    client = api(contributor)

    with unchanged_database(ignore={"search_pendingindex"}):
        missing = client.post(LINKS_URL, {"article": "no-such-article", "kind": "solved"}, format="json")
        created = client.post(LINKS_URL, {"article": article.slug, "kind": "created"}, format="json")

    assert missing.status_code == 400 and "article" in missing.json()
    assert created.status_code == 400 and "kind" in created.json()


def test_a_partner_cannot_link_and_a_customer_cannot_read_links(partner, customer, contributor, article):
    services.link(case=make_case(), article=article, kind="solved", by=contributor)

    with unchanged_database():
        linking = api(partner).post(LINKS_URL, {"article": article.slug, "kind": "solved"}, format="json")
        reading = api(customer).get(LINKS_URL)
        by_article = api(customer).get(f"/api/v1/articles/{article.slug}/cases/")

    assert linking.status_code == reading.status_code == by_article.status_code == 404


def test_an_agent_removes_their_own_link_with_a_reason_and_the_history_keeps_it(contributor, article):
    link, _ = services.link(case=make_case(), article=article, kind="solved", by=contributor)
    client = api(contributor)

    without = client.delete(f"{LINKS_URL}{link.pk}/", format="json")
    removed = client.delete(f"{LINKS_URL}{link.pk}/", {"reason": "Linked to the wrong case"}, format="json")

    assert without.status_code == 400 and "reason" in without.json()
    assert removed.status_code == 200
    assert (removed.json()["unlinked_by"], removed.json()["unlink_reason"]) == ("colin", "Linked to the wrong case")
    assert client.get(LINKS_URL).json() == []
    history = client.get(LINKS_URL + "?removed=1").json()
    assert [(h["id"], h["unlinked_by"], h["unlink_reason"]) for h in history] == [(link.pk, "colin", "Linked to the wrong case")]
    assert history[0]["unlinked_at"] is not None
    article.refresh_from_db()
    assert article.reuse_count == 0


def test_another_agent_cannot_remove_a_link_but_a_coach_and_a_kb_owner_can(contributor, publisher, coach, kb_owner, article):
    case = make_case()
    link, _ = services.link(case=case, article=article, kind="solved", by=contributor)

    with unchanged_database():
        refused = api(publisher).delete(f"{LINKS_URL}{link.pk}/?reason=Not+mine")
    by_coach = api(coach).delete(f"{LINKS_URL}{link.pk}/?reason=Duplicate")
    relinked, _ = services.link(case=case, article=article, kind="solved", by=contributor)
    by_owner = api(kb_owner).delete(f"{LINKS_URL}{relinked.pk}/", {"reason": "Article replaced"}, format="json")

    assert refused.status_code == 403 and "Only the agent who linked it" in refused.json()["detail"]
    assert by_coach.status_code == 200 and by_coach.json()["unlinked_by"] == "cody"
    assert by_owner.status_code == 200 and by_owner.json()["unlinked_by"] == "olga"
    assert CaseLink.objects.filter(case=case).count() == 2  # both kept, removed


def test_a_removed_link_cannot_be_removed_again_and_a_link_of_another_case_is_not_found(contributor, article):
    link, _ = services.link(case=make_case(), article=article, kind="solved", by=contributor)
    make_case("999")
    client = api(contributor)
    client.delete(f"{LINKS_URL}{link.pk}/?reason=Wrong")

    again = client.delete(f"{LINKS_URL}{link.pk}/?reason=Wrong")
    elsewhere = client.delete(f"/api/v1/cases/zendesk/999/links/{link.pk}/?reason=Wrong")

    assert again.status_code == 403 and "already removed" in again.json()["detail"]
    assert elsewhere.status_code == 404


def test_an_article_lists_the_cases_it_was_used_on(contributor, coach, article, django_assert_max_num_queries):
    for n in range(4):
        services.link(case=make_case(str(n)), article=article, kind="reference", by=contributor if n % 2 else coach)
    gone = CaseLink.objects.filter(case__external_id="0").get()
    services.unlink(link=gone, by=coach, reason="Wrong case")
    client = api(contributor)

    with django_assert_max_num_queries(5):
        live = client.get(f"/api/v1/articles/{article.slug}/cases/").json()
    everything = client.get(f"/api/v1/articles/{article.slug}/cases/?removed=1").json()

    assert live["count"] == 3 and everything["count"] == 4
    assert {link["case"]["external_id"] for link in live["results"]} == {"1", "2", "3"}
    assert client.get("/api/v1/articles/no-such-article/cases/").status_code == 404


# --- outcomes ----------------------------------------------------------------------------------


def decided_cases(contributor, article):
    coach = make_coach("coco")
    other = make_contributor("dana")
    known = make_case("1", agent=contributor.username, team="Billing")
    services.link(case=known, article=article, kind="solved", by=contributor)
    new = make_case("2", agent=contributor.username, team="Billing")
    CaseLink.objects.create(case=new, article=article, article_version=1, kind="created", linked_by=contributor)
    make_case("3", agent=other.username, team="Rooms")
    make_case("4", agent=other.username, team="Rooms")  # still open: not decided
    for ref in ("1", "2", "3"):
        services.upsert_case(source="zendesk", external_id=ref, data={"status": "solved"})
    return coach


def test_coaches_and_kb_owners_read_known_new_and_no_link_per_agent_and_team(contributor, kb_owner, article):
    coach = decided_cases(contributor, article)

    by_agent = api(coach).get("/api/v1/cases/outcomes/")
    by_team = api(kb_owner).get("/api/v1/cases/outcomes/?by=team")

    assert by_agent.status_code == by_team.status_code == 200
    assert by_agent.json()["by"] == "agent"
    rows = {row["group"]: row for row in by_agent.json()["groups"]}
    assert (rows["colin"]["known"], rows["colin"]["new"], rows["colin"]["link_rate"]) == (1, 1, 1.0)
    assert (rows["dana"]["cases"], rows["dana"]["no_link"], rows["dana"]["link_rate"]) == (1, 1, 0.0)
    assert {row["group"] for row in by_team.json()["groups"]} == {"Billing", "Rooms"}


def test_outcomes_are_bounded_by_the_days_given(contributor, kb_owner, article):
    decided_cases(contributor, article)
    today = timezone.localdate()
    client = api(kb_owner)

    today_only = client.get(f"/api/v1/cases/outcomes/?by=month&since={today}&until={today}").json()
    before = client.get(f"/api/v1/cases/outcomes/?until={today - datetime.timedelta(days=1)}").json()

    assert sum(row["cases"] for row in today_only["groups"]) == 3
    assert today_only["since"] == today_only["until"] == today.isoformat()
    assert before["groups"] == []


def test_outcomes_refuse_bad_groups_and_dates_with_the_parameter(kb_owner):
    client = api(kb_owner)

    assert "by" in client.get("/api/v1/cases/outcomes/?by=colour").json()
    assert "since" in client.get("/api/v1/cases/outcomes/?since=last-week").json()
    assert "until" in client.get("/api/v1/cases/outcomes/?since=2026-05-02&until=2026-05-01").json()


def test_agents_may_not_read_outcomes_per_agent_and_outsiders_find_nothing(contributor, customer):
    refused = api(contributor).get("/api/v1/cases/outcomes/")

    assert refused.status_code == 403 and "coaches and KB owners" in refused.json()["detail"]
    assert api(customer).get("/api/v1/cases/outcomes/").status_code == 404


def test_the_outcomes_address_is_never_read_as_a_case(kb_owner):
    # "outcomes" is not a source, and cases/outcomes/ has one part where a case has two.
    make_case("outcomes", source="email")

    assert "groups" in api(kb_owner).get("/api/v1/cases/outcomes/").json()
    assert api(kb_owner).get("/api/v1/cases/email/outcomes/").json()["external_id"] == "outcomes"
