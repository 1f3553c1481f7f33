"""Suggestions as you type: several words, titles the caller may open, popular past searches."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from articles.models import Audience, State
from conftest import client_for, make_article, make_customer, make_partner
from search import indexing
from search import suggest as popular
from search.models import PopularQuery, SearchLog


@pytest.fixture
def corpus(db, contributor, publisher, kb_owner, product, contact):
    public = make_article(
        author=publisher,
        product=product,
        audience=Audience.PUBLIC,
        title="Hotel refund for a non-refundable booking",
        kb_owner=kb_owner,
    )
    internal = make_article(author=contributor, product=product, title="Hotel refund zanzibar exception", kb_owner=kb_owner)
    draft = make_article(
        author=contributor,
        product=product,
        state=State.WIP,
        audience=Audience.PUBLIC,
        title="Hotel refund quokka draft",
        kb_owner=kb_owner,
    )
    indexing.rebuild()
    return {"public": public, "internal": internal, "draft": draft}


@pytest.fixture
def help_titles(db, publisher, kb_owner, product):
    """Help-centre articles whose titles hold the words the outside searches below are made of:
    an outside search is offered to other outside readers only in such words."""
    for title in (
        # Words spread over titles, so that none of these is suggested for the "hotel refund" tests
        # (the PostgreSQL backend indexes them at once; Whoosh after the commit).
        "Hotel rooms and pets",
        "Refund policy and voucher",
        "Refund a booking",
        "Reset your password",
        "Router lights blinking, dropping wifi or keeps restarting after a firmware update",
        "Boiler pressure low or noise at night",
        "Where is my toy order",
        "Tangerine partner commission",
    ):
        make_article(author=publisher, product=product, audience=Audience.PUBLIC, title=title, kb_owner=kb_owner)


def searched(text: str, kind: str, times: int = 2, results: int = 3, days_ago: int = 1) -> None:
    at = timezone.now() - datetime.timedelta(days=days_ago)
    SearchLog.objects.bulk_create(
        [SearchLog(query=text, caller_kind=kind, result_count=results, created_at=at) for _ in range(times)]
    )


def suggestions(user, text: str) -> dict:
    response = client_for(user).get("/search/suggest/", {"q": text})
    assert response.status_code == 200
    return response.json()


def test_two_and_three_words_suggest_titles_each_caller_may_open(corpus, contributor):
    public, internal, draft = corpus["public"], corpus["internal"], corpus["draft"]
    staff = {r["slug"] for r in suggestions(contributor, "hotel refund")["results"]}
    assert staff == {public.slug, internal.slug, draft.slug}
    for user in (None, make_customer()):
        for text in ("hotel refund", "non refundable hot", "hotel ref", "how do i get a hotel refu"):
            assert [r["slug"] for r in suggestions(user, text)["results"]] == [public.slug], (user, text)
        assert suggestions(user, "hotel refund zanz")["results"] == []
        assert suggestions(user, "quokka dra")["results"] == []
    assert [r["slug"] for r in suggestions(contributor, "hotel refund zanz")["results"]] == [internal.slug]


def test_the_response_holds_titles_and_popular_searches(corpus, contributor, help_titles):
    searched("hotel refund policy", "anonymous", times=3)
    popular.refresh()
    data = suggestions(None, "hotel ref")
    assert set(data) == {"results", "queries"}
    assert data["results"] == [
        {"slug": corpus["public"].slug, "title": corpus["public"].title, "url": f"/help/{corpus['public'].slug}/"}
    ]
    assert data["queries"] == [{"text": "hotel refund policy", "url": "/search/?q=hotel+refund+policy"}]
    assert suggestions(None, "h") == {"results": [], "queries": []}


def test_popular_searches_match_every_word_the_last_as_a_prefix_most_searched_first(help_titles):
    searched("hotel refund policy", "anonymous", times=2)
    searched("Refund a hotel   booking", "anonymous", times=5)
    searched("refund voucher", "anonymous", times=9)
    searched("how do i reset my password", "anonymous", times=4)
    popular.refresh()
    assert popular.popular_queries("hotel ref", None) == ["refund a hotel booking", "hotel refund policy"]
    assert popular.popular_queries("refunds hot", None) == ["refund a hotel booking", "hotel refund policy"]
    assert popular.popular_queries("ref", None) == ["refund voucher", "refund a hotel booking", "hotel refund policy"]
    assert popular.popular_queries("hotel vou", None) == []
    assert popular.popular_queries("how do i reset pass", None) == ["how do i reset my password"]


def test_only_searches_made_often_recently_and_with_results_are_offered(help_titles):
    searched("router firmware update", "anonymous", times=1)  # once: someone's own search
    searched("router factory reset", "anonymous", times=5, results=0)  # found nothing
    searched("router dropping wifi", "anonymous", times=5, days_ago=120)  # long ago
    searched("router 12345678 invoice", "anonymous", times=5)  # looks personal
    searched("router tag:wifi", "anonymous", times=5)  # search syntax
    searched("router lights blinking", "anonymous", times=2)
    popular.refresh()
    assert popular.popular_queries("rout", None) == ["router lights blinking"]


def test_a_search_is_offered_only_to_callers_who_see_at_least_what_its_searchers_see(help_titles, contributor):
    searched("zanzibar exception refund", "staff", times=9)
    searched("tangerine partner commission", "partner", times=9)
    searched("router keeps dropping", "customer", times=9)
    searched("refund a booking", "anonymous", times=9)
    popular.refresh()
    customer, partner = make_customer(), make_partner()
    offered = {
        "staff": contributor,
        "partner": partner,
        "customer": customer,
        "anonymous": None,
    }
    expect = {
        "staff": {"zanzibar exception refund", "tangerine partner commission", "router keeps dropping", "refund a booking"},
        "partner": {"tangerine partner commission", "router keeps dropping", "refund a booking"},
        "customer": {"router keeps dropping", "refund a booking"},
        "anonymous": {"refund a booking"},
    }
    for name, user in offered.items():
        found = set()
        for text in ("zanzibar", "tangerine", "router", "refund"):
            found.update(popular.popular_queries(text, user))
        assert found == expect[name], name
    assert suggestions(None, "zanzibar exc")["queries"] == []
    assert suggestions(customer, "tangerine")["queries"] == []


def test_popular_searches_refresh_themselves_when_the_table_is_old(help_titles):
    searched("boiler pressure low", "anonymous", times=3)
    popular._cache.clear()
    assert popular.popular_queries("boiler", None) == ["boiler pressure low"]  # first use builds it
    searched("boiler noise at night", "anonymous", times=4)
    assert popular.popular_queries("boiler", None) == ["boiler pressure low"]  # fresh: not rebuilt per keystroke
    PopularQuery.objects.update(refreshed_at=timezone.now() - popular.STALE_AFTER - datetime.timedelta(minutes=1))
    popular._cache.clear()
    assert popular.popular_queries("boiler", None) == ["boiler noise at night", "boiler pressure low"]


def test_searches_differing_only_in_small_words_or_endings_are_offered_once(help_titles):
    searched("my toy order", "anonymous", times=1)
    searched("toy orders", "anonymous", times=1)
    searched("toy order", "anonymous", times=3)
    popular.refresh()
    assert popular.popular_queries("toy", None) == ["toy order"]  # 5 searches together, as most typed it


def test_an_outside_search_in_words_no_help_title_uses_is_not_offered_to_others(help_titles):
    # The log does not say who searched: a customer who typed a name twice must not see it
    # suggested to every other customer.
    searched("refund for jane doorman at acme", "customer", times=4)
    searched("hotel refund policy", "customer", times=2)
    popular.refresh()
    customer = make_customer()
    assert popular.popular_queries("refund for jan", customer) == []
    assert popular.popular_queries("doorm", customer) == []
    assert popular.popular_queries("hotel ref", customer) == ["hotel refund policy"]
