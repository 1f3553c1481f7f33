"""The PostgreSQL backend's own speed paths keep search exact: phrases answered from RUM indexes
where the extension is installed (and from GIN where not), and the languages a search of every
language analyses its words for. PostgreSQL only; the behaviour both backends share is in
test_contract.py."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Audience, EscalationContact, Product, State
from conftest import REFUND_RULES, make_contributor, make_customer, make_kb_owner
from search import indexing
from search.backends import get_backend, reset_backends
from search.backends.base import SearchRequest
from search.backends.postgres_backend import PHRASE_INDEXES, TABLE
from search.models import Synonym
from search.service import search

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgres(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend needs a PostgreSQL database (set DATABASE_URL=postgres://…)")
    settings.KCS_SEARCH_BACKEND = "postgres"
    settings.KCS_SEMANTIC = False  # the keyword engine's own answers


def rum_offered() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        return cursor.fetchone() is not None


def phrase_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [TABLE])
        return {row[0] for row in cursor.fetchall()} & set(PHRASE_INDEXES)


def drop_phrase_indexes() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS " + ", ".join(PHRASE_INDEXES))  # rolled back with the test
    reset_backends()  # a fresh backend looks again


def write(owner, product, title, *, audience=Audience.PUBLIC, state=State.VALIDATED, language="en", **fields) -> Article:
    fields.setdefault("issue", "")
    article = Article.create(
        by=owner, title=title, product=product, audience=audience, state=State.NOT_VALIDATED, language=language, **fields
    )
    if state == State.VALIDATED:
        article.validate(by=owner)
    article.refresh_from_db()
    return article


@pytest.fixture
def kb():
    owner = make_kb_owner("olga")
    home = Product.objects.create(name="Smart Home", slug="smart-home")
    desk = EscalationContact.objects.create(team="Revenue Desk", channel="#revenue-desk", hours="08:00-20:00 CET")
    Synonym.objects.all().delete()
    together = write(
        owner,
        home,
        "Router keeps dropping the connection",
        resolution="Reset the router to factory settings, then update the firmware.",
    )
    apart = write(owner, home, "Slow wifi in the bedroom", resolution="Move the router higher. A factory reset rarely helps.")
    internal = write(
        owner,
        home,
        "Gateway firmware rollback",
        audience=Audience.INTERNAL,
        resolution="Roll the gateway back, then reset the router to factory settings.",
    )
    draft = write(
        owner, home, "Router reset for partners", state=State.NOT_VALIDATED, resolution="Reset the router to factory settings."
    )
    rules = write(
        owner,
        home,
        "Refund a broken hub",
        resolution="Send the hub back.",
        rules=REFUND_RULES,
        escalation=desk,
        authority_note="Ask the duty manager about anything larger.",
    )
    indexing.rebuild()
    return owner, together, apart, internal, draft, rules


PHRASES = [
    '"reset the router"',
    '"factory settings"',
    '"factory reset"',
    '"reset the router" firmware',
    'router -"factory reset"',
    '"duty manager"',
]


@pytest.fixture
def callers(kb):
    return {"staff": make_contributor(), "owner": kb[0], "customer": make_customer(), "visitor": None}


def answers(callers) -> dict[tuple[str, str], tuple[list[str], int, dict]]:
    """Every phrase query's hits, total and facets, for staff, a KB owner, a customer and a visitor."""
    out = {}
    for name, user in callers.items():
        for q in PHRASES:
            results = search(SearchRequest(text=q, user=user, autocorrect=False))
            out[name, q] = ([h.slug for h in results.hits], results.total, results.facets)
    return out


def test_phrases_find_exactly_the_articles_holding_the_words_together_for_each_caller(kb, callers):
    owner, together, apart, internal, draft, rules = kb
    found = answers(callers)
    staff, customer = found["staff", '"reset the router"'], found["customer", '"reset the router"']
    assert set(staff[0]) == {together.slug, internal.slug, draft.slug} and staff[1] == 3
    assert dict(staff[2]["state"]) == {"validated": 2, "not_validated": 1}
    assert customer[0] == [together.slug] and customer[1] == 1  # hidden articles stay out of the query
    assert found["visitor", '"factory reset"'][0] == [apart.slug]
    assert found["visitor", 'router -"factory reset"'][0] == [together.slug]
    assert found["visitor", '"reset the router" firmware'][0] == [together.slug]
    # Decision authority is staff guidance: its phrases are found by staff only.
    assert found["staff", '"duty manager"'][0] == [rules.slug]
    assert found["customer", '"duty manager"'][1] == 0 and found["visitor", '"duty manager"'][1] == 0


def test_phrases_answer_the_same_with_and_without_the_rum_indexes(kb, callers):
    with_indexes = answers(callers)
    drop_phrase_indexes()
    assert not get_backend().has_phrase_indexes()
    assert answers(callers) == with_indexes


def test_a_phrase_is_answered_from_the_rum_index_and_a_word_from_gin(kb):
    if not rum_offered():
        pytest.skip("the RUM extension is not installed on this server")
    owner = kb[0]
    assert phrase_indexes() == set(PHRASE_INDEXES)  # the migration created them

    def plan(text: str, user) -> str:
        with CaptureQueriesContext(connection) as queries:
            search(SearchRequest(text=text, user=user, autocorrect=False))
        matching = [q["sql"] for q in queries.captured_queries if "WITH m AS MATERIALIZED" in q["sql"]]
        assert len(matching) == 1
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + matching[0])
            return "\n".join(row[0] for row in cursor.fetchall())

    assert "search_pg_document_staff_phrase" in plan('"reset the router"', owner)
    assert "search_pg_document_phrase" in plan('"reset the router"', None)
    words = plan("reset router", owner)
    assert "search_pg_document_staff_fts" in words and "phrase" not in words


def test_a_rebuild_adds_the_phrase_indexes_when_rum_was_installed_after_the_migration(kb):
    if not rum_offered():
        pytest.skip("the RUM extension is not installed on this server")
    together = kb[1]
    drop_phrase_indexes()
    indexing.rebuild()
    assert phrase_indexes() == set(PHRASE_INDEXES)
    backend = get_backend()
    assert backend.has_phrase_indexes()
    assert [h.slug for h in search(SearchRequest(text='"reset the router"', user=None)).hits] == [together.slug]


def test_a_search_of_every_language_finds_a_language_first_indexed_after_the_languages_were_read(
    kb, django_capture_on_commit_callbacks
):
    owner = kb[0]
    product = Product.objects.get(slug="smart-home")
    assert search(SearchRequest(text="Erstattungen", user=owner, language="")).total == 0  # English only, so far
    with django_capture_on_commit_callbacks(execute=True):
        german = write(owner, product, "Erstattung beantragen", language="de", resolution="Die Erstattung dauert fünf Tage.")
    # "Erstattungen" is reduced to the German stem only when German is among the languages searched.
    assert [h.slug for h in search(SearchRequest(text="Erstattungen", user=owner, language="")).hits] == [german.slug]


@pytest.fixture
def routers():
    """Eight articles about routers: six say so in the body only, then two in the title (one of
    them internal). A rebuild writes them in that order, so the first matches read are body ones."""
    owner = make_kb_owner("olga")
    home = Product.objects.create(name="Smart Home", slug="smart-home")
    body = [write(owner, home, f"Slow wifi, case {n}", resolution=f"Move the router higher, step {n}.") for n in range(6)]
    best = write(owner, home, "Router keeps rebooting", resolution="Update the firmware.")
    internal = write(owner, home, "Router fleet recall", audience=Audience.INTERNAL, resolution="Collect the devices.")
    indexing.rebuild()
    return owner, best, internal, body


def test_a_large_match_set_is_estimated_and_labelled_and_its_best_matches_still_lead(routers, monkeypatch):
    from search.backends import postgres_backend

    owner, best, internal, body = routers
    exact = search(SearchRequest(text="router", user=owner, autocorrect=False))
    assert not exact.estimated and exact.total == 8
    assert {h.slug for h in exact.hits[:2]} == {best.slug, internal.slug}
    monkeypatch.setattr(postgres_backend, "COUNTED", 3)  # a "very large" match set: more than 3
    estimated = search(SearchRequest(text="router", user=owner, autocorrect=False))
    assert estimated.estimated and estimated.total >= 4
    # The title matches are found among every match, not only among those counted.
    assert [h.slug for h in estimated.hits][:2] == [h.slug for h in exact.hits][:2]
    assert sum(n for _, n in estimated.facets["state"]) >= 4
    # Visibility stays inside every query: a customer never gets the internal article, counted or ranked.
    customer = search(SearchRequest(text="router", user=make_customer(), autocorrect=False))
    assert customer.estimated and customer.hits[0].slug == best.slug
    assert internal.slug not in [h.slug for h in customer.hits]
    assert dict(customer.facets.get("audience", [])).get("internal") is None


def test_the_api_and_the_results_page_say_when_the_count_is_an_estimate(routers, monkeypatch, client):
    from search.backends import postgres_backend

    owner = routers[0]
    client.force_login(owner)
    assert client.get("/api/v1/search/", {"q": "router"}).json()["count_estimated"] is False
    monkeypatch.setattr(postgres_backend, "COUNTED", 3)
    data = client.get("/api/v1/search/", {"q": "router"}).json()
    assert data["count_estimated"] is True and data["count"] >= 4
    page = client.get("/search/", {"q": "router"}).content.decode()
    assert f"About {data['count']} results" in page


def test_a_product_filter_follows_an_edit(routers, django_capture_on_commit_callbacks):
    owner, best, internal, body = routers
    office = Product.objects.create(name="Office", slug="office")

    def in_product(slug: str) -> set[str]:
        results = search(SearchRequest(text="router", user=owner, filters={"product": slug}, autocorrect=False))
        return {h.slug for h in results.hits}

    assert in_product("office") == set()
    with django_capture_on_commit_callbacks(execute=True):
        best.edit(by=owner, base_version=best.version, changes={"product": office}, note="moved")
    assert in_product("office") == {best.slug}
    assert best.slug not in in_product("smart-home") and len(in_product("smart-home")) == 7
