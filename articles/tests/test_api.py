"""The HTTP API contract under /api/v1/: who sees what, who may change what, optimistic
locking, the KCS workflow, versions, authentication and the OpenAPI schema.

Every test that changes (or is refused a change) reads the database back afterwards:
a status code alone proves nothing about state.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.pagination import PageNumberPagination
from rest_framework.test import APIClient

from accounts.models import ApiToken
from articles import versions
from articles.models import Article, ArticleEvent, Audience, EscalationContact, EventKind, Product, State
from articles.tests.assertions import assert_last_event, assert_versions
from conftest import REFUND_RULES, make_article, make_contributor, make_publisher, unchanged_database

LIST_URL = "/api/v1/articles/"
INTERNAL_KEYS = {"authority", "owner", "state", "version", "audience", "governance", "created_by"}


def detail_url(slug: str) -> str:
    return f"/api/v1/articles/{slug}/"


def transition_url(slug: str) -> str:
    return f"/api/v1/articles/{slug}/transition/"


def versions_url(slug: str) -> str:
    return f"/api/v1/articles/{slug}/versions/"


def api(user=None) -> APIClient:
    """A JSON client signed in with a session as `user` (anonymous when None)."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def snapshot(article: Article) -> dict:
    """What must not move when a change is refused."""
    article.refresh_from_db()
    return {
        "title": article.title,
        "issue": article.issue,
        "resolution": article.resolution,
        "state": article.state,
        "audience": article.audience,
        "governance": article.governance,
        "owner": article.owner_id,
        "escalation": article.escalation_id,
        "authority_note": article.authority_note,
        "version": article.version,
        "updated_at": article.updated_at,
        "rules": article.rule_dicts(),
        "tags": article.tag_names(),
        "history": len(versions.history(article)),
        "events": ArticleEvent.objects.filter(article=article).count(),
    }


def titles(response) -> set[str]:
    return {item["title"] for item in response.json()["results"]}


# --- fixtures ----------------------------------------------------------------------------------

SHELF = {
    # title: (state, audience)
    "Shelf wip internal": (State.WIP, Audience.INTERNAL),
    "Shelf draft public": (State.NOT_VALIDATED, Audience.PUBLIC),
    "Shelf validated internal": (State.VALIDATED, Audience.INTERNAL),
    "Shelf validated partner": (State.VALIDATED, Audience.PARTNER),
    "Shelf validated customer": (State.VALIDATED, Audience.CUSTOMER),
    "Shelf validated public": (State.VALIDATED, Audience.PUBLIC),
    "Shelf archived public": (State.ARCHIVED, Audience.PUBLIC),
}


@pytest.fixture
def shelf(contributor, kb_owner, product) -> dict[str, Article]:
    """One article for each interesting (state, audience) pair, keyed by title."""
    return {
        title: make_article(author=contributor, product=product, state=state, audience=audience, title=title, kb_owner=kb_owner)
        for title, (state, audience) in SHELF.items()
    }


@pytest.fixture
def draft(candidate, kb_owner, product) -> Article:
    """A candidate's not-validated article, waiting for review."""
    return make_article(author=candidate, product=product, state=State.NOT_VALIDATED, title="Draft to review", kb_owner=kb_owner)


@pytest.fixture
def customer_article(contributor, kb_owner, product) -> Article:
    return make_article(author=contributor, product=product, audience=Audience.CUSTOMER, title="For customers", kb_owner=kb_owner)


# --- list: visibility, filters, pagination, queries -----------------------------------------

ALL_SHELF = set(SHELF)
OUTSIDE_VIEWS = {
    "customer": {"Shelf validated customer", "Shelf validated public"},
    "partner": {"Shelf validated partner", "Shelf validated customer", "Shelf validated public"},
    None: {"Shelf validated public"},
}


@pytest.mark.parametrize("persona", ["candidate", "contributor", "kb_owner"])
def test_staff_list_every_article_in_every_state_and_audience(request, shelf, persona):
    response = api(request.getfixturevalue(persona)).get(LIST_URL)

    assert response.status_code == 200
    assert titles(response) == ALL_SHELF
    assert response.json()["count"] == len(SHELF)


@pytest.mark.parametrize("persona", ["customer", "partner", None])
def test_outside_readers_list_only_validated_articles_of_their_audience_or_wider(request, shelf, persona):
    user = request.getfixturevalue(persona) if persona else None

    response = api(user).get(LIST_URL)

    assert response.status_code == 200
    assert titles(response) == OUTSIDE_VIEWS[persona]
    assert response.json()["count"] == len(OUTSIDE_VIEWS[persona])


@pytest.mark.parametrize("query", ["state=wip", "state=not_validated", "audience=internal", "state=archived"])
def test_filters_never_widen_what_a_customer_may_see(shelf, customer, query):
    response = api(customer).get(f"{LIST_URL}?{query}")

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.fixture
def filterable(contributor, publisher, kb_owner, product):
    flights = Product.objects.create(name="Flights", slug="flights")
    hotel_vip = make_article(author=contributor, product=product, title="Hotel VIP upgrade", kb_owner=kb_owner)
    hotel_vip.edit(by=contributor, base_version=hotel_vip.version, changes={}, tags=["refund", "vip"])
    flight = make_article(author=publisher, product=flights, title="Flight delay", audience=Audience.PUBLIC, kb_owner=kb_owner)
    wip = make_article(author=contributor, product=product, title="Hotel wifi", state=State.WIP, kb_owner=kb_owner)
    return hotel_vip, flight, wip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=validated", {"Hotel VIP upgrade", "Flight delay"}),
        ("state=wip", {"Hotel wifi"}),
        ("audience=public", {"Flight delay"}),
        ("audience=internal", {"Hotel VIP upgrade", "Hotel wifi"}),
        ("product=flights", {"Flight delay"}),
        ("product=hotel-bookings", {"Hotel VIP upgrade", "Hotel wifi"}),
        ("tag=vip", {"Hotel VIP upgrade"}),
        ("tag=booking", {"Flight delay", "Hotel wifi"}),
        ("owner=paula", {"Flight delay"}),
        ("owner=colin", {"Hotel VIP upgrade", "Hotel wifi"}),
        ("product=hotel-bookings&state=wip", {"Hotel wifi"}),
        ("tag=no-such-tag", set()),
    ],
)
def test_list_filters_by_state_audience_product_tag_and_owner(filterable, contributor, query, expected):
    response = api(contributor).get(f"{LIST_URL}?{query}")

    assert response.status_code == 200
    assert titles(response) == expected
    assert response.json()["count"] == len(expected)


def test_list_is_paginated_with_count_next_previous_and_results(shelf, contributor, monkeypatch):
    # A page of 3 instead of 25 keeps the test small; the shape is what is under test.
    monkeypatch.setattr(PageNumberPagination, "page_size", 3)
    client = api(contributor)

    first = client.get(LIST_URL).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == len(SHELF)
    assert first["previous"] is None
    assert len(first["results"]) == 3
    assert first["next"].startswith("http://testserver/api/v1/articles/") and "page=2" in first["next"]

    seen = [item["slug"] for item in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [item["slug"] for item in page["results"]]
    assert page["previous"] is not None
    assert len(seen) == len(set(seen)) == len(SHELF), "every article appears on exactly one page"


def _make_articles_with_rules(n: int, *, author, kb_owner, product, contact, audience=Audience.INTERNAL):
    rules = [*REFUND_RULES, {"action": "waive the change fee", "decider": "escalate", "notes": "Gold members only"}]
    for _ in range(n):
        make_article(
            author=author,
            product=product,
            title="Bulk article",  # unique_slug numbers the slugs
            rules=rules,
            contact=contact,
            audience=audience,
            kb_owner=kb_owner,
        )


@pytest.mark.parametrize(("persona", "audience"), [("contributor", Audience.INTERNAL), ("customer", Audience.CUSTOMER)])
def test_list_renders_in_the_same_number_of_queries_for_3_or_12_articles(
    request, django_assert_max_num_queries, kb_owner, product, contact, persona, audience
):
    user = request.getfixturevalue(persona)
    author = make_contributor("author")
    client = api(user)
    make = dict(author=author, kb_owner=kb_owner, product=product, contact=contact, audience=audience)

    _make_articles_with_rules(3, **make)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(LIST_URL).json()["results"]) == 3

    _make_articles_with_rules(9, **make)
    with django_assert_max_num_queries(len(few)):
        response = client.get(LIST_URL)

    results = response.json()["results"]
    assert len(results) == 12
    if persona == "contributor":
        assert all(len(item["authority"]["rules"]) == 3 for item in results), "rules are really rendered, not skipped"
        assert all(item["authority"]["escalation"]["team"] == contact.team for item in results)
    assert len(few) <= 8, [q["sql"] for q in few.captured_queries]


# --- what each reader is shown ---------------------------------------------------------------


def test_customers_get_no_internal_fields_in_list_or_detail(customer, customer_article):
    client = api(customer)

    listed = client.get(LIST_URL).json()["results"]
    detail = client.get(detail_url(customer_article.slug)).json()

    assert [item["slug"] for item in listed] == [customer_article.slug]
    for data in (listed[0], detail):
        assert INTERNAL_KEYS.isdisjoint(data), sorted(INTERNAL_KEYS & set(data))
        assert data["title"] == "For customers"
        assert data["resolution"] == customer_article.resolution
        assert data["html_url"] == f"http://testserver{customer_article.get_help_url()}"


def test_anonymous_readers_get_no_internal_fields(shelf):
    public = shelf["Shelf validated public"]
    client = api()

    listed = client.get(LIST_URL).json()["results"]
    detail = client.get(detail_url(public.slug))

    assert detail.status_code == 200
    for data in (*listed, detail.json()):
        assert INTERNAL_KEYS.isdisjoint(data), sorted(INTERNAL_KEYS & set(data))


def test_staff_get_workflow_fields_and_decision_authority_in_plain_words(contributor, article, contact):
    response = api(contributor).get(detail_url(article.slug))

    assert response.status_code == 200
    data = response.json()
    assert (data["state"], data["audience"], data["governance"]) == ("validated", "internal", "experience")
    assert data["version"] == article.version
    assert data["owner"] == "colin"
    assert data["created_by"] == "colin"
    assert data["tags"] == ["booking", "refund"]
    assert data["html_url"] == f"http://testserver{article.get_absolute_url()}"
    rules = data["authority"]["rules"]
    assert [r["plain_words"] for r in rules] == [
        "You may refund the booking up to 50 EUR without approval.",
        "With your team lead's approval you may refund the booking up to 150 EUR.",
    ]
    assert [(r["action"], r["limit_amount"], r["limit_unit"], r["decider"]) for r in rules] == [
        ("refund the booking", "50.00", "EUR", "agent"),
        ("refund the booking", "150.00", "EUR", "team_lead"),
    ]
    escalation = data["authority"]["escalation"]
    assert escalation["team"] == "Billing Escalations"
    assert escalation["channel"] == "#billing-escalations"
    assert escalation["hours"] == "08:00-20:00 CET"
    assert escalation["response_time"] == "15 minutes"
    assert data["authority"]["note"] == "Ask Billing Escalations."


def test_changing_an_escalation_contact_shows_in_every_article_naming_it(contributor, article, contact):
    contact.response_time = "1 hour"
    contact.save()

    data = api(contributor).get(detail_url(article.slug)).json()

    assert data["authority"]["escalation"]["response_time"] == "1 hour"


@pytest.mark.parametrize(
    ("persona", "title"),
    [
        ("customer", "Shelf validated internal"),
        ("customer", "Shelf validated partner"),
        (None, "Shelf wip internal"),
        (None, "Shelf draft public"),
        (None, "Shelf archived public"),
        ("partner", "Shelf validated internal"),
    ],
)
def test_reading_an_article_the_caller_may_not_see_is_404(request, shelf, persona, title):
    user = request.getfixturevalue(persona) if persona else None

    response = api(user).get(detail_url(shelf[title].slug))

    assert response.status_code == 404


def test_reading_an_unknown_slug_is_404(contributor):
    assert api(contributor).get(detail_url("no-such-article")).status_code == 404


# --- create --------------------------------------------------------------------------------

NEW_ARTICLE = {
    "title": "Wi-Fi login page does not load",
    "product": "hotel-bookings",
    "issue": "The guest sees a blank page after connecting.",
    "tags": ["WiFi", "login"],
}


def test_contributor_creates_a_wip_article_at_version_1(contributor, product):
    response = api(contributor).post(LIST_URL, {**NEW_ARTICLE, "version": 7}, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["state"], data["version"], data["created_by"], data["owner"]) == ("wip", 1, "colin", "colin")
    article = Article.objects.get(slug=data["slug"])
    assert data["slug"] == "wi-fi-login-page-does-not-load"
    assert article.title == NEW_ARTICLE["title"]
    assert article.issue == NEW_ARTICLE["issue"]
    assert (article.state, article.audience, article.version) == (State.WIP, Audience.INTERNAL, 1)
    assert article.created_by == contributor
    assert article.product == product
    assert article.tag_names() == ["login", "wifi"]
    assert_versions(article, 1)
    assert versions.history(article)[0].user == contributor
    assert_last_event(article, kind=EventKind.CREATED, actor=contributor, to_value=State.WIP)


def test_create_keeps_the_change_note_in_history_and_events(contributor, product):
    response = api(contributor).post(LIST_URL, {**NEW_ARTICLE, "note": "From case 4711"}, format="json")

    assert response.status_code == 201, response.json()
    article = Article.objects.get(slug=response.json()["slug"])
    assert versions.history(article)[0].comment == "From case 4711"
    assert assert_last_event(article, kind=EventKind.CREATED, actor=contributor).note == "From case 4711"


def test_candidate_may_create_an_article(candidate, product):
    response = api(candidate).post(LIST_URL, NEW_ARTICLE, format="json")

    assert response.status_code == 201, response.json()
    article = Article.objects.get(slug=response.json()["slug"])
    assert article.created_by == candidate
    assert article.state == State.WIP
    assert_versions(article, 1)


def test_create_can_start_not_validated_when_the_resolution_is_written(contributor, product):
    payload = {**NEW_ARTICLE, "state": "not_validated", "resolution": "Forget the network and reconnect."}

    response = api(contributor).post(LIST_URL, payload, format="json")

    assert response.status_code == 201, response.json()
    assert Article.objects.get(slug=response.json()["slug"]).state == State.NOT_VALIDATED


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"state": "validated"}, "work in progress"),
        ({"state": "not_validated"}, "resolution"),
    ],
)
def test_create_refuses_to_skip_the_workflow(contributor, product, extra, words):
    response = api(contributor).post(LIST_URL, {**NEW_ARTICLE, **extra}, format="json")

    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert not Article.objects.exists()


def test_customer_cannot_create_and_is_told_why(customer, product):
    response = api(customer).post(LIST_URL, NEW_ARTICLE, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "Only staff can write articles."
    assert not Article.objects.exists()


def test_anonymous_cannot_create(product):
    response = api().post(LIST_URL, NEW_ARTICLE, format="json")

    assert response.status_code in (401, 403)
    assert response.json()["detail"]
    assert not Article.objects.exists()


def test_candidate_creating_a_public_article_gets_403_with_reason(candidate, product):
    response = api(candidate).post(LIST_URL, {**NEW_ARTICLE, "audience": "public"}, format="json")

    assert response.status_code == 403
    assert "publisher" in response.json()["detail"]
    assert not Article.objects.exists()


def test_publisher_may_create_a_public_article(publisher, product):
    response = api(publisher).post(LIST_URL, {**NEW_ARTICLE, "audience": "public"}, format="json")

    assert response.status_code == 201, response.json()
    assert Article.objects.get().audience == Audience.PUBLIC


def test_contributor_creating_with_authority_rules_gets_403(contributor, product, contact):
    payload = {**NEW_ARTICLE, "authority": {"rules": REFUND_RULES}}

    response = api(contributor).post(LIST_URL, payload, format="json")

    assert response.status_code == 403
    assert "KB owner" in response.json()["detail"]
    assert not Article.objects.exists()


def test_contributor_creating_with_an_escalation_contact_gets_403(contributor, product, contact):
    payload = {**NEW_ARTICLE, "authority": {"escalation": contact.pk}}
    client = api(contributor)

    with unchanged_database():
        response = client.post(LIST_URL, payload, format="json")

    assert response.status_code == 403
    assert not Article.objects.exists()


def test_contributor_creating_a_governed_article_gets_403(contributor, product):
    response = api(contributor).post(LIST_URL, {**NEW_ARTICLE, "governance": "governed"}, format="json")

    assert response.status_code == 403
    assert "KB owner" in response.json()["detail"]
    assert not Article.objects.exists()


def test_kb_owner_creates_with_authority_rules_and_escalation(kb_owner, product, contact):
    payload = {
        **NEW_ARTICLE,
        "authority": {"rules": REFUND_RULES, "escalation": contact.pk, "note": "Call Billing for more."},
    }

    response = api(kb_owner).post(LIST_URL, payload, format="json")

    assert response.status_code == 201, response.json()
    article = Article.objects.get(slug=response.json()["slug"])
    assert [(r["action"], str(r["limit_amount"]), r["decider"]) for r in article.rule_dicts()] == [
        ("refund the booking", "50.00", "agent"),
        ("refund the booking", "150.00", "team_lead"),
    ]
    assert article.escalation == contact
    assert article.authority_note == "Call Billing for more."
    authority = response.json()["authority"]
    assert [r["plain_words"] for r in authority["rules"]] == [r.plain_words() for r in article.rules.all()]
    assert authority["escalation"]["team"] == contact.team
    assert_versions(article, 1)


def test_markdown_is_stored_with_its_whitespace_so_an_indented_first_line_stays_code(contributor, product):
    resolution = "    netsh winsock reset\n\nThen restart the laptop.\n"

    response = api(contributor).post(LIST_URL, {**NEW_ARTICLE, "resolution": resolution}, format="json")

    assert response.status_code == 201, response.json()
    article = Article.objects.get(slug=response.json()["slug"])
    assert article.resolution == resolution
    page = api(contributor).get(article.get_absolute_url()).content.decode()
    assert "<pre><code>netsh winsock reset" in page


def test_create_with_an_unknown_product_is_400(contributor, product):
    response = api(contributor).post(LIST_URL, {**NEW_ARTICLE, "product": "no-such-product"}, format="json")

    assert response.status_code == 400
    assert "product" in response.json()
    assert not Article.objects.exists()


def test_create_without_a_title_is_400(contributor, product):
    response = api(contributor).post(LIST_URL, {"product": "hotel-bookings"}, format="json")

    assert response.status_code == 400
    assert "title" in response.json()
    assert not Article.objects.exists()


# --- update: optimistic locking ----------------------------------------------------------------


def test_patch_without_version_is_400_and_changes_nothing(contributor, article):
    before = snapshot(article)

    response = api(contributor).patch(detail_url(article.slug), {"title": "Changed"}, format="json")

    assert response.status_code == 400
    assert "version" in response.json()["detail"]
    assert response.json()["current_version"] == article.version
    assert snapshot(article) == before


def test_patch_with_current_version_saves_a_new_version_with_its_note(contributor, article):
    base = article.version
    count = len(versions.history(article))
    payload = {"version": base, "title": "Refund a non-refundable room", "note": "Customer's words"}

    response = api(contributor).patch(detail_url(article.slug), payload, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["version"] == base + 1
    assert response.json()["title"] == "Refund a non-refundable room"
    article.refresh_from_db()
    assert article.title == "Refund a non-refundable room"
    assert article.version == base + 1
    assert_versions(article, count + 1)
    newest = versions.history(article)[0]
    assert (newest.number, newest.comment, newest.user) == (base + 1, "Customer's words", contributor)
    assert_last_event(article, kind=EventKind.EDITED, actor=contributor)


def test_patch_marked_minor_is_stored_as_a_minor_version(contributor, article):
    payload = {"version": article.version, "cause": "Non-refundable rate (typo fixed).", "material": False, "note": "Typo"}

    response = api(contributor).patch(detail_url(article.slug), payload, format="json")

    assert response.status_code == 200, response.json()
    newest = versions.history(article)[0]
    assert (newest.comment, newest.material) == ("Typo", False)
    assert api(contributor).get(versions_url(article.slug)).json()[0]["material"] is False


def test_form_encoded_patch_marked_material_false_is_a_minor_version(contributor, article):
    payload = {"version": article.version, "cause": "Non-refundable rate.", "material": "false", "note": "Typo"}

    response = api(contributor).patch(detail_url(article.slug), payload, format="multipart")

    assert response.status_code == 200, response.json()
    assert versions.history(article)[0].material is False


def test_patch_with_a_non_boolean_material_is_400_and_changes_nothing(contributor, article):
    before = snapshot(article)
    payload = {"version": article.version, "cause": "Changed", "material": "sometimes"}

    response = api(contributor).patch(detail_url(article.slug), payload, format="json")

    assert response.status_code == 400
    assert "material" in response.json()
    assert snapshot(article) == before


def test_emptying_the_resolution_of_a_validated_article_is_400(contributor, article):
    before = snapshot(article)

    response = api(contributor).patch(detail_url(article.slug), {"version": article.version, "resolution": "  "}, format="json")

    assert response.status_code == 400
    assert snapshot(article) == before


def test_patch_tags_replaces_them(contributor, article):
    response = api(contributor).patch(
        detail_url(article.slug), {"version": article.version, "tags": ["Refund", "gold"]}, format="json"
    )

    assert response.status_code == 200, response.json()
    article.refresh_from_db()
    assert article.tag_names() == ["gold", "refund"]
    assert response.json()["tags"] == ["gold", "refund"]


def test_stale_version_patch_gets_409_and_changes_nothing(contributor, article):
    stale = article.version - 1
    before = snapshot(article)

    response = api(contributor).patch(
        detail_url(article.slug), {"version": stale, "title": "Overwrites someone", "resolution": "Gone"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["current_version"] == article.version
    assert response.json()["detail"]
    assert snapshot(article) == before


def test_two_editors_from_the_same_version_first_wins_second_gets_409(contributor, publisher, article):
    first, second = api(contributor), api(publisher)
    base = first.get(detail_url(article.slug)).json()["version"]
    assert second.get(detail_url(article.slug)).json()["version"] == base

    won = first.patch(detail_url(article.slug), {"version": base, "resolution": "First fix."}, format="json")
    lost = second.patch(detail_url(article.slug), {"version": base, "resolution": "Second fix."}, format="json")

    assert won.status_code == 200, won.json()
    assert lost.status_code == 409
    assert lost.json()["current_version"] == base + 1
    article.refresh_from_db()
    assert article.resolution == "First fix."
    assert article.version == base + 1
    assert versions.history(article)[0].user == contributor


def test_patch_with_a_malformed_version_is_400(contributor, article):
    before = snapshot(article)

    response = api(contributor).patch(detail_url(article.slug), {"version": "latest", "title": "X"}, format="json")

    assert response.status_code == 400
    assert snapshot(article) == before


# --- update: who may change what ----------------------------------------------------------------


def test_contributor_changing_authority_gets_403_and_nothing_changes(contributor, article):
    before = snapshot(article)
    payload = {
        "version": article.version,
        "title": "Also a content change",
        "authority": {"rules": [{"action": "refund the booking", "limit_amount": "5000", "limit_unit": "EUR"}]},
    }

    response = api(contributor).patch(detail_url(article.slug), payload, format="json")

    assert response.status_code == 403
    assert "KB owner" in response.json()["detail"]
    assert snapshot(article) == before


def test_contributor_changing_the_authority_note_gets_403(contributor, article):
    before = snapshot(article)

    response = api(contributor).patch(
        detail_url(article.slug), {"version": article.version, "authority": {"note": "Do as you like."}}, format="json"
    )

    assert response.status_code == 403
    assert snapshot(article) == before


def test_kb_owner_replaces_authority_rules(kb_owner, article):
    base = article.version
    count = len(versions.history(article))
    new_rules = [{"action": "offer a voucher", "limit_amount": "20", "limit_unit": "EUR", "decider": "agent"}]

    response = api(kb_owner).patch(
        detail_url(article.slug),
        {"version": base, "authority": {"rules": new_rules}, "note": "New voucher policy"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    article.refresh_from_db()
    assert [(r["action"], str(r["limit_amount"]), r["limit_unit"], r["decider"]) for r in article.rule_dicts()] == [
        ("offer a voucher", "20.00", "EUR", "agent")
    ]
    assert article.version == base + 1
    assert_versions(article, count + 1)
    assert [r["plain_words"] for r in response.json()["authority"]["rules"]] == [
        "You may offer a voucher up to 20 EUR without approval."
    ]
    assert article.escalation is not None, "rules-only change leaves the escalation contact alone"


def test_kb_owner_changes_the_escalation_contact(kb_owner, article):
    other = EscalationContact.objects.create(team="Legal desk", channel="legal@example.com")

    response = api(kb_owner).patch(
        detail_url(article.slug), {"version": article.version, "authority": {"escalation": other.pk}}, format="json"
    )

    assert response.status_code == 200, response.json()
    article.refresh_from_db()
    assert article.escalation == other
    assert len(article.rule_dicts()) == 2, "escalation-only change leaves the rules alone"


def test_candidate_editing_a_validated_article_gets_403_with_detail(candidate, article):
    before = snapshot(article)

    response = api(candidate).patch(detail_url(article.slug), {"version": article.version, "title": "Mine now"}, format="json")

    assert response.status_code == 403
    assert "candidate" in response.json()["detail"]
    assert snapshot(article) == before


def test_candidate_edits_own_draft(candidate, draft):
    response = api(candidate).patch(detail_url(draft.slug), {"version": draft.version, "cause": "Rate rules."}, format="json")

    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert draft.cause == "Rate rules."


def test_patch_with_state_is_400_pointing_to_transition(contributor, draft):
    before = snapshot(draft)

    response = api(contributor).patch(detail_url(draft.slug), {"version": draft.version, "state": "validated"}, format="json")

    assert response.status_code == 400
    assert "transition" in response.json()["detail"]
    assert snapshot(draft) == before


def test_patch_with_governance_is_400_pointing_to_governance_endpoint(kb_owner, article):
    before = snapshot(article)

    response = api(kb_owner).patch(
        detail_url(article.slug), {"version": article.version, "governance": "governed"}, format="json"
    )

    assert response.status_code == 400
    assert "governance" in response.json()["detail"]
    assert snapshot(article) == before


def test_publisher_widens_audience_to_public(publisher, article):
    response = api(publisher).patch(
        detail_url(article.slug), {"version": article.version, "audience": "public", "note": "Customers ask this"}, format="json"
    )

    assert response.status_code == 200, response.json()
    article.refresh_from_db()
    assert article.audience == Audience.PUBLIC
    assert_last_event(article, kind=EventKind.AUDIENCE, actor=publisher, from_value="internal", to_value="public")
    assert api().get(detail_url(article.slug)).status_code == 200, "anonymous readers now see it"


def test_contributor_widening_audience_gets_403(contributor, article):
    before = snapshot(article)

    response = api(contributor).patch(detail_url(article.slug), {"version": article.version, "audience": "public"}, format="json")

    assert response.status_code == 403
    assert "publisher" in response.json()["detail"]
    assert snapshot(article) == before


def test_contributor_handing_someone_elses_article_to_another_owner_gets_403(article, publisher):
    bystander = make_contributor("bystander")
    before = snapshot(article)

    response = api(bystander).patch(detail_url(article.slug), {"version": article.version, "owner": "paula"}, format="json")

    assert response.status_code == 403
    assert snapshot(article) == before


@pytest.fixture
def governed(contributor, kb_owner, product):
    owner = make_publisher("gov-owner")
    return make_article(author=contributor, product=product, governed=True, owner=owner, title="Refund policy", kb_owner=kb_owner)


def test_governed_article_edited_by_a_contributor_gets_403(contributor, governed):
    before = snapshot(governed)

    response = api(contributor).patch(detail_url(governed.slug), {"version": governed.version, "title": "Looser"}, format="json")

    assert response.status_code == 403
    assert "governed" in response.json()["detail"]
    assert snapshot(governed) == before


@pytest.mark.parametrize("editor", ["article owner", "KB owner"])
def test_governed_article_edited_by_its_owner_or_a_kb_owner(kb_owner, governed, editor):
    user = governed.owner if editor == "article owner" else kb_owner
    base = governed.version

    response = api(user).patch(detail_url(governed.slug), {"version": base, "title": "Refund policy 2025"}, format="json")

    assert response.status_code == 200, response.json()
    governed.refresh_from_db()
    assert (governed.title, governed.version) == ("Refund policy 2025", base + 1)
    assert versions.history(governed)[0].user == user


def test_customer_patching_a_visible_article_gets_403(customer, customer_article):
    before = snapshot(customer_article)

    response = api(customer).patch(
        detail_url(customer_article.slug), {"version": customer_article.version, "title": "Hacked"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["detail"]
    assert snapshot(customer_article) == before


def test_customer_patching_an_invisible_article_gets_404(customer, article):
    before = snapshot(article)

    response = api(customer).patch(detail_url(article.slug), {"version": article.version, "title": "Hacked"}, format="json")

    assert response.status_code == 404
    assert snapshot(article) == before


# --- transitions -------------------------------------------------------------------------------


def test_contributor_validates_a_not_validated_article(contributor, draft):
    base = draft.version
    count = len(versions.history(draft))

    response = api(contributor).post(
        transition_url(draft.slug), {"to": "validated", "note": "Checked on a live case"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "validated"
    draft.refresh_from_db()
    assert draft.state == State.VALIDATED
    assert draft.version == base + 1
    assert draft.review_by is not None
    event = assert_last_event(draft, kind=EventKind.STATE, actor=contributor, from_value="not_validated", to_value="validated")
    assert event.note == "Checked on a live case"
    assert event.version == draft.version
    assert_versions(draft, count + 1)
    assert "Checked on a live case" in versions.history(draft)[0].comment


def test_candidate_validating_gets_403_with_reason(candidate, draft):
    before = snapshot(draft)

    response = api(candidate).post(transition_url(draft.slug), {"to": "validated"}, format="json")

    assert response.status_code == 403
    assert "Candidates cannot validate" in response.json()["detail"]
    assert snapshot(draft) == before


def test_validating_a_wip_article_without_resolution_is_400_with_clear_detail(contributor, shelf):
    wip = shelf["Shelf wip internal"]
    before = snapshot(wip)

    response = api(contributor).post(transition_url(wip.slug), {"to": "validated"}, format="json")

    assert response.status_code == 400
    assert "resolution" in response.json()["detail"]
    assert snapshot(wip) == before


def test_contributor_archiving_gets_403(contributor, article):
    before = snapshot(article)

    response = api(contributor).post(transition_url(article.slug), {"to": "archived"}, format="json")

    assert response.status_code == 403
    assert "KB owner" in response.json()["detail"]
    assert snapshot(article) == before


def test_kb_owner_archives_then_restores(kb_owner, article):
    client = api(kb_owner)

    archived = client.post(transition_url(article.slug), {"to": "archived", "note": "Policy retired"}, format="json")
    assert archived.status_code == 200, archived.json()
    article.refresh_from_db()
    assert article.state == State.ARCHIVED
    assert_last_event(article, kind=EventKind.STATE, actor=kb_owner, from_value="validated", to_value="archived")

    restored = client.post(transition_url(article.slug), {"to": "not_validated", "note": "Back in use"}, format="json")
    assert restored.status_code == 200, restored.json()
    article.refresh_from_db()
    assert article.state == State.NOT_VALIDATED
    assert_last_event(article, kind=EventKind.STATE, actor=kb_owner, from_value="archived", to_value="not_validated")


def test_contributor_cannot_restore_an_archived_article(contributor, shelf):
    archived = shelf["Shelf archived public"]
    before = snapshot(archived)

    response = api(contributor).post(transition_url(archived.slug), {"to": "validated"}, format="json")

    assert response.status_code == 403
    assert snapshot(archived) == before


def test_transition_to_an_unknown_state_is_400(kb_owner, article):
    before = snapshot(article)

    response = api(kb_owner).post(transition_url(article.slug), {"to": "published"}, format="json")

    assert response.status_code == 400
    assert "to" in response.json()
    assert snapshot(article) == before


def test_transition_to_the_current_state_is_refused_with_reason(kb_owner, article):
    before = snapshot(article)

    response = api(kb_owner).post(transition_url(article.slug), {"to": "validated"}, format="json")

    assert response.status_code == 403
    assert "already" in response.json()["detail"]
    assert snapshot(article) == before


def test_customer_transition_on_a_visible_article_gets_403(customer, customer_article):
    before = snapshot(customer_article)

    response = api(customer).post(transition_url(customer_article.slug), {"to": "not_validated"}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"]
    assert snapshot(customer_article) == before


def test_customer_transition_on_an_invisible_article_gets_404(customer, draft):
    before = snapshot(draft)

    response = api(customer).post(transition_url(draft.slug), {"to": "validated"}, format="json")

    assert response.status_code == 404
    assert snapshot(draft) == before


@pytest.mark.parametrize(("persona", "status", "governance"), [("contributor", 403, "experience"), ("kb_owner", 200, "governed")])
def test_only_a_kb_owner_makes_an_article_governed(request, article, persona, status, governance):
    user = request.getfixturevalue(persona)

    response = api(user).post(f"/api/v1/articles/{article.slug}/governance/", {"to": "governed"}, format="json")

    assert response.status_code == status
    article.refresh_from_db()
    assert article.governance == governance


# --- versions -----------------------------------------------------------------------------------


def test_staff_get_versions_newest_first(contributor, kb_owner, article):
    response = api(contributor).get(versions_url(article.slug))

    assert response.status_code == 200
    items = response.json()
    # make_article: created (v1), authority set by the KB owner (v2), validated (v3).
    assert [v["number"] for v in items] == [3, 2, 1]
    assert [v["user"] for v in items] == [kb_owner.username, kb_owner.username, contributor.username]
    assert items[-1]["comment"] == "Created"
    assert items[1]["comment"] == "Authority"
    assert all(set(v) >= {"number", "user", "date", "comment", "material"} for v in items)
    assert [v["material"] for v in items] == [False, True, True], "a state change is not a material change"
    assert items[0]["date"] >= items[-1]["date"]


def test_customer_asking_for_versions_of_a_visible_article_gets_403(customer, customer_article):
    response = api(customer).get(versions_url(customer_article.slug))

    assert response.status_code == 403
    assert "staff" in response.json()["detail"]


def test_customer_asking_for_versions_of_an_invisible_article_gets_404(customer, article):
    assert api(customer).get(versions_url(article.slug)).status_code == 404


def test_anonymous_asking_for_versions_of_a_public_article_gets_403(shelf):
    response = api().get(versions_url(shelf["Shelf validated public"].slug))

    assert response.status_code in (401, 403)


# --- authentication ------------------------------------------------------------------------------


def test_token_auth_reads_staff_content_and_creates(contributor, article, product):
    _token, key = ApiToken.issue(user=contributor)
    client = APIClient()  # no session: the token alone must authenticate
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}

    read = client.get(detail_url(article.slug), **auth)
    created = client.post(LIST_URL, NEW_ARTICLE, format="json", **auth)

    assert read.status_code == 200
    assert read.json()["state"] == "validated", "the token's user is staff, so internal fields are shown"
    assert created.status_code == 201, created.json()
    assert Article.objects.get(slug=created.json()["slug"]).created_by == contributor


def test_a_bad_token_is_refused_not_treated_as_anonymous(shelf):
    response = APIClient().get(LIST_URL, HTTP_AUTHORIZATION="Token not-a-real-token")

    # 403 rather than 401 because session auth is listed first (DRF sends 401 only when
    # the first authenticator names a WWW-Authenticate scheme).
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "Invalid token."


def test_token_endpoint_returns_a_token_for_username_and_password(contributor):
    response = APIClient().post("/api/v1/auth/token/", {"username": "colin", "password": "pw"}, format="json")

    assert response.status_code == 200
    token = ApiToken.objects.get(user=contributor)
    assert token.digest == ApiToken.digest_of(response.json()["token"])


def test_token_endpoint_refuses_a_wrong_password(contributor):
    with unchanged_database():
        response = APIClient().post("/api/v1/auth/token/", {"username": "colin", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_session_patch_without_csrf_token_is_403_and_changes_nothing(contributor, article):
    client = Client(enforce_csrf_checks=True)
    client.force_login(contributor)
    before = snapshot(article)
    payload = {"version": article.version, "title": "Cross-site change"}

    refused = client.patch(detail_url(article.slug), payload, content_type="application/json")

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert snapshot(article) == before

    # The same request with the token passes: the 403 above was the CSRF check.
    client.get(article.get_absolute_url())
    accepted = client.patch(
        detail_url(article.slug), payload, content_type="application/json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value
    )
    assert accepted.status_code == 200, accepted.json()
    article.refresh_from_db()
    assert article.title == "Cross-site change"


# --- schema -------------------------------------------------------------------------------------


def test_schema_is_an_openapi_document_with_the_article_paths(db):
    response = APIClient().get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/articles/",
        "/api/v1/articles/{slug}/",
        "/api/v1/articles/{slug}/transition/",
        "/api/v1/articles/{slug}/versions/",
    } <= set(schema["paths"])
    assert {"get", "patch"} <= set(schema["paths"]["/api/v1/articles/{slug}/"])


def test_schema_yaml_by_default_mentions_openapi(db):
    response = APIClient().get("/api/v1/schema/")

    assert response.status_code == 200
    assert b"openapi" in response.content
    assert b"/api/v1/articles/{slug}/transition/" in response.content


# --- hostile Markdown -------------------------------------------------------------------------------

HOSTILE = {
    "issue": 'Guest cannot pay.\n\n<script>alert("xss-script")</script>\n\n<img src="x" onerror="alert(\'xss-img\')">',
    "environment": '<a href="javascript:alert(1)">raw link</a> and <iframe src="javascript:alert(2)"></iframe>',
    "resolution": (
        "1. Restart the payment form.\n"
        "2. [Open the guide](javascript:alert('xss-link'))\n"
        "3. [Mixed case](JaVaScRiPt:alert(3))\n\n"
        '<p onmouseover="alert(4)" onerror="alert(5)">Hover</p>\n\n'
        "[ref link][evil]\n\n[evil]: javascript:alert(6)\n"
    ),
    "cause": '<svg><script>alert("xss-svg")</script></svg><body onload="alert(7)">Card declined.',
}
FORBIDDEN = ("<script", "onerror", "javascript:", "xss-script", "xss-svg")  # the last two: script bodies are dropped too


def _article_html(page: str) -> str:
    # The article element is where stored content lands; the site's own frame may
    # legitimately carry scripts (search-as-you-type) and is not under test here.
    start, end = page.index("<article"), page.index("</article>")
    return page[start:end].lower()


def test_hostile_markdown_is_stored_as_written_but_never_rendered_as_markup(publisher, product):
    client = api(publisher)
    payload = {**NEW_ARTICLE, **HOSTILE, "audience": "public", "state": "not_validated"}

    created = client.post(LIST_URL, payload, format="json")
    assert created.status_code == 201, created.json()
    slug = created.json()["slug"]
    validated = client.post(transition_url(slug), {"to": "validated"}, format="json")
    assert validated.status_code == 200, validated.json()

    article = Article.objects.get(slug=slug)
    for name, text in HOSTILE.items():
        assert getattr(article, name) == text, f"{name} is stored exactly as written"
        assert client.get(detail_url(slug)).json()[name] == text

    staff_page = client.get(article.get_absolute_url())
    help_page = api().get(article.get_help_url())
    for page in (staff_page, help_page):
        assert page.status_code == 200
        html = _article_html(page.content.decode())
        assert "restart the payment form" in html and "card declined" in html, "the content itself is rendered"
        for needle in FORBIDDEN:
            assert needle not in html, needle


def test_note_that_is_not_text_is_a_400_not_a_500(contributor, article):
    client = api(contributor)
    with unchanged_database():
        response = client.patch(detail_url(article.slug), {"version": article.version, "note": {"a": 1}}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()


def test_transition_based_on_a_stale_version_is_409(publisher, article):
    article.reopen(by=publisher)
    article.refresh_from_db()
    url = detail_url(article.slug) + "transition/"
    client = api(publisher)
    with unchanged_database():
        response = client.post(url, {"to": "validated", "version": article.version - 1}, format="json")
    assert response.status_code == 409
    article.refresh_from_db()
    assert article.state == "not_validated"


def test_nul_bytes_in_filters_are_refused_with_a_reason(contributor, article):
    # PostgreSQL refuses NUL in text; kcs_site.middleware answers before any view runs.
    response = api(contributor).get("/api/v1/articles/?tag=%00&product=a%00&owner=%00")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
