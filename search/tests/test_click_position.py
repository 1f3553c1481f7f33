"""Where the opened result stood: result links carry their place in the whole list, and the first
opening records it, clamped to the results the search found."""

from __future__ import annotations

import re

import pytest

from articles.models import Audience
from conftest import client_for, make_article
from search import indexing
from search.models import SearchLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(db, contributor, kb_owner, product):
    articles = [
        make_article(
            author=contributor, product=product, audience=Audience.PUBLIC, title=f"Parking voucher {n}", kb_owner=kb_owner
        )
        for n in range(12)
    ]
    indexing.rebuild()
    return articles


def _links(page) -> list[tuple[str, int]]:
    found = re.findall(r'href="(/search/open/[^/"]+/([^/"]+)/\?at=(\d+))"', page.content.decode())
    return [(url, int(at)) for url, _slug, at in found]


def test_links_are_numbered_across_pages(many, contributor):
    client = client_for(contributor)
    first = _links(client.get("/search/", {"q": "parking voucher"}))
    second = _links(client.get("/search/", {"q": "parking voucher", "page": 2}))
    assert [at for _, at in first] == list(range(1, 11))
    assert [at for _, at in second] == [11, 12]


def test_the_first_result_opened_records_its_position_once(many, customer):
    client = client_for(customer)
    links = _links(client.get("/search/", {"q": "parking voucher"}))
    assert client.get(links[2][0]).status_code == 302
    log = SearchLog.objects.get()
    assert (log.opened_position, log.caller_kind) == (3, "customer")
    client.get(links[0][0])  # a second result opened from the same list: the first stays recorded
    log.refresh_from_db()
    assert log.opened_position == 3 and log.opened_slug == links[2][0].split("/")[4]


@pytest.mark.parametrize(
    ("at", "recorded"), [("999", 12), ("0", 1), ("-4", None), ("two", None), ("", None), ("9" * 30, None), ("²", None)]
)
def test_a_hand_edited_position_is_clamped_or_ignored(many, contributor, at, recorded):
    client = client_for(contributor)
    url = _links(client.get("/search/", {"q": "parking voucher"}))[0][0].split("?")[0]
    assert client.get(url, {"at": at}).status_code == 302
    log = SearchLog.objects.get()
    assert log.opened_slug  # the click is recorded either way
    assert log.opened_position == recorded


def test_a_stranger_replaying_the_link_records_no_position(many, contributor, publisher):
    url = _links(client_for(contributor).get("/search/", {"q": "parking voucher"}))[4][0]
    assert client_for(publisher).get(url).status_code == 302
    log = SearchLog.objects.get()
    assert log.opened_position is None and log.opened_slug == ""


def test_the_agent_panels_typed_search_links_through_the_click_recorder(many, contributor):
    client = client_for(contributor)
    page = client.get("/agent/panel/", {"source": "zendesk", "case": "4711", "q": "parking voucher"})
    assert page.status_code == 200
    links = _links(page)
    assert [at for _, at in links][:2] == [1, 2]
    client.get(links[1][0])
    assert SearchLog.objects.get().opened_position == 2
