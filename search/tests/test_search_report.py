"""The search report for KB owners: knowledge to write, topics outsiders cannot read, corrections undone."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from articles.models import Audience
from conftest import client_for, make_article
from search import indexing
from search.models import SearchLog


@pytest.fixture
def articles(db, contributor, publisher, kb_owner, product):
    public = make_article(author=publisher, product=product, audience=Audience.PUBLIC, title="Refund a cancelled hotel booking")
    internal = make_article(author=contributor, product=product, title="Zanzibar transfer escalation", kb_owner=kb_owner)
    indexing.rebuild()
    return {"public": public, "internal": internal}


@pytest.fixture(autouse=True)
def _no_cached_searches():
    cache.clear()  # the report keeps its searches for a few minutes; each test searches afresh


def section(html: str, heading: str) -> str:
    main = html.split("<main")[1]  # the page's content, not its <head>
    return main.split(f"<h2>{heading}</h2>")[1].split("</section>")[0]


def test_zero_result_noise_is_dropped(articles, customer, kb_owner):
    client = client_for(customer)
    for query in ("a", "the", "how do I", "x", "?!", "teleporter broken"):
        client.get("/search/", {"q": query})
    assert SearchLog.objects.filter(result_count=0).count() == 6
    gaps = section(client_for(kb_owner).get("/search/report/").content.decode(), "Zero results: knowledge to write")
    assert "teleporter broken" in gaps
    for noise in ('title="a"', 'title="the"', "how do i", 'title="x"', "?!"):
        assert noise not in gaps


def test_customer_searches_for_internal_topics_are_listed_apart_with_the_articles(articles, customer, contributor, kb_owner):
    client_for(customer).get("/search/", {"q": "zanzibar transfer"})
    client_for(customer).get("/search/", {"q": "teleporter broken"})
    client_for(customer).get("/search/", {"q": "zanzibar teleporter"})  # staff find it only by one word
    client_for(contributor).get("/search/", {"q": "quantum flux"})  # staff found nothing either
    html = client_for(kb_owner).get("/search/report/").content.decode()
    elsewhere = section(html, "Exists, but not for customers/partners")
    nothing = section(html, "Zero results: knowledge to write")
    assert "zanzibar transfer" in elsewhere and articles["internal"].title in elsewhere and "customers" in elsewhere
    assert "zanzibar transfer" not in nothing
    assert "teleporter broken" in nothing and "quantum flux" in nothing
    assert "teleporter broken" not in elsewhere
    assert "zanzibar teleporter" in nothing and "zanzibar teleporter" not in elsewhere


def test_the_customer_still_finds_nothing_and_only_kb_owners_open_the_report(articles, customer, contributor):
    page = client_for(customer).get("/search/", {"q": "zanzibar transfer"}).content.decode()
    assert articles["internal"].title not in page
    for user in (customer, contributor):
        assert client_for(user).get("/search/report/").status_code == 403
    assert client_for(None).get("/search/report/").status_code == 302


def test_undone_corrections_are_counted(db, kb_owner):
    for undone in (True, True, False):
        SearchLog.objects.create(
            query="Kubectl", caller_kind="staff", result_count=4, corrected_to="kubect", correction_undone=undone
        )
    SearchLog.objects.create(query="refnd", caller_kind="customer", result_count=2, corrected_to="refund")
    table = section(client_for(kb_owner).get("/search/report/").content.decode(), "Corrections people undo")
    assert "kubectl" in table and "kubect" in table
    assert "<td>3</td><td>2</td>" in table
    assert "refnd" not in table  # kept, never undone
