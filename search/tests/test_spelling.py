"""Spelling corrections where people meet them: the rule, the results page, the API and the log.

A correction never hides the query: it replaces the hits only when what was typed found next to
nothing, and then always says so with a way back; otherwise it is offered as "Did you mean".
"""

from __future__ import annotations

import html
import re

import pytest
from django.core import signing

from articles.models import Audience, Product
from conftest import client_for, make_customer
from search import indexing, spelling
from search.backends.base import SearchResults
from search.models import SearchLog
from search.tests.test_contract import write
from search.views import OPEN_SALT

# --- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["parrot", "lego", "chewed", "plug", "smart", "cable", "minifigure", "tangerine", "widget"])
def test_words_of_the_language_are_not_taken_for_misspellings(word):
    nearby = {"parrot": "part", "lego": "log", "chewed": "cheered", "plug": "plus", "smart": "start", "cable": "table"}
    assert not spelling.may_correct(word, nearby.get(word, word + "s"))


@pytest.mark.parametrize(
    "typed, meant",
    [("recieve", "receive"), ("untill", "until"), ("thier", "their"), ("occured", "occurred"), ("pasword", "password")],
)
def test_misspellings_are_corrected_even_when_the_word_list_has_them(typed, meant):
    # wordfreq lists common misspellings ("recieve" 2.75): the word they stand for is far commoner.
    assert not spelling.is_word(typed) and spelling.may_correct(typed, meant)


def test_a_correction_applies_only_when_what_was_typed_found_next_to_nothing():
    def found(total, partial=False):
        return SearchResults(hits=[], total=total, partial=partial)

    assert spelling.applies(found(0), found(1)) and spelling.applies(found(0), found(1, partial=True))
    assert spelling.applies(found(1), found(3)) and spelling.applies(found(40, partial=True), found(2))
    assert not spelling.applies(found(0), found(0)) and not spelling.applies(found(1), found(2))
    assert not spelling.applies(found(2), found(50))  # what was typed found its words in two articles
    assert not spelling.applies(found(40, partial=True), found(60, partial=True))  # nor does the correction


def test_a_non_word_is_corrected_whatever_the_other_words_found():
    # "two factr authentcation setup": "two" and "setup" found 38 articles together, but none of
    # them can hold "authentcation" (no article does): the confident correction replaces them.
    def found(total, partial=False):
        return SearchResults(hits=[], total=total, partial=partial)

    assert spelling.applies(found(38), found(12), nonword=True)
    assert not spelling.applies(found(38), found(12))  # a rare word of the language: offered only
    assert not spelling.applies(found(38), found(12, partial=True), nonword=True)  # not confident


def test_corrections_rank_by_edits_then_letters_in_common():
    assert sorted(["take", "tables"], key=lambda c: spelling.closeness("tabel", c)) == ["tables", "take"]
    assert spelling.closeness("refnud", "refund")[0] == 1  # a swap is one edit


# --- pages, API, log -----------------------------------------------------------------------


@pytest.fixture
def kb(db, kb_owner):
    home = Product.objects.create(name="Smart Home", slug="smart-home")
    write(kb_owner, home, "Change a forgotten password", tags=["password"], issue="The customer forgot the password.")
    write(kb_owner, home, "Zanzibar escalation desk", audience=Audience.INTERNAL, issue="Staff only.")
    indexing.rebuild()
    return home


@pytest.fixture
def with_reset(kb, kb_owner):
    """An article that the word "reset" finds: "pasword reset" as typed then finds something."""
    write(kb_owner, kb, "Reset the router", tags=["router"], issue="Hold the button to reset it.")
    indexing.rebuild()


def page_of(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response, response.content.decode()


def banner(page: str) -> str:
    found = re.search(r'<p class="msg spelling"[^>]*>(.*?)</p>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", html.unescape(found.group(1))).split()) if found else ""


def link_in_banner(page: str) -> str:
    return html.unescape(re.search(r'<p class="msg spelling"[^>]*>.*?href="([^"]+)"', page, re.S).group(1))


@pytest.mark.parametrize("who", ["staff", "anonymous"])
def test_a_misspelling_that_finds_nothing_is_corrected_with_a_way_back(kb, contributor, who):
    client = client_for(contributor if who == "staff" else None)
    response, page = page_of(client, q="pasword reset", product="smart-home", sort="recent")
    assert banner(page) == "Showing results for password reset. Search instead for “pasword reset”"
    assert page.count("password reset") == 1  # said once, not twice
    assert [h.slug for h in response.context["results"].hits] == ["change-a-forgotten-password"]
    back = link_in_banner(page)
    assert "nocorrect=1" in back and "product=smart-home" in back and "sort=recent" in back and "from=" in back
    log = SearchLog.objects.get()
    assert (log.query, log.corrected_to, log.suggestion, log.result_count) == ("pasword reset", "password reset", "", 1)

    response = client.get("/search/" + back)
    page = response.content.decode()
    assert response.context["results"].total == 0 and banner(page) == ""  # exactly what was typed
    # Paging and filter links keep searching exactly what was typed, and do not mark the log again.
    assert "nocorrect=1" in response.context["query"] and "from=" not in response.context["query"]
    log.refresh_from_db()
    assert log.correction_undone and not log.suggestion_taken
    assert SearchLog.objects.latest("pk").corrected_to == ""


@pytest.mark.parametrize("who", ["staff", "anonymous"])
def test_a_misspelling_in_a_query_that_finds_something_is_offered_over_its_hits(kb, with_reset, contributor, who):
    client = client_for(contributor if who == "staff" else None)
    response, page = page_of(client, q="pasword reset")
    assert banner(page) == "Did you mean password reset?"
    assert [h.slug for h in response.context["results"].hits] == ["reset-the-router"]  # the hits for what was typed
    log = SearchLog.objects.get()
    assert (log.corrected_to, log.suggestion, log.result_count) == ("", "password reset", 1)

    taken = link_in_banner(page)
    assert "q=password+reset" in taken and "nocorrect" not in taken
    response = client.get("/search/" + taken)
    assert "change-a-forgotten-password" in [h.slug for h in response.context["results"].hits]
    log.refresh_from_db()
    assert log.suggestion_taken and not log.correction_undone


def test_a_forged_or_borrowed_token_marks_nothing(kb, contributor, publisher):
    client = client_for(contributor)
    _, page = page_of(client, q="pasword")
    log = SearchLog.objects.get()
    token = re.search(r"from=([^&\"]+)", link_in_banner(page)).group(1)
    forged = [
        "not-a-token",
        signing.dumps([log.pk, f"user:{publisher.pk}"], salt=OPEN_SALT),  # signed for someone else
        signing.dumps([log.pk, f"user:{contributor.pk}"], salt="another-salt"),
    ]
    for bad in forged:
        page_of(client, q="pasword", nocorrect="1", **{"from": bad})
    page_of(client_for(publisher), q="pasword", nocorrect="1", **{"from": token})  # another person's link
    page_of(client, q="something else", nocorrect="1", **{"from": token})  # not what the link asked for
    page_of(client, q="password", **{"from": token})  # nothing was offered: there is nothing to take
    log.refresh_from_db()
    assert not log.correction_undone and not log.suggestion_taken


def test_the_api_says_what_was_typed_searched_and_offered(kb, with_reset, contributor):
    client = client_for(contributor)
    applied = client.get("/api/v1/search/", {"q": "pasword"}).json()
    assert (applied["original"], applied["corrected"], applied["suggestion"], applied["count"]) == ("pasword", "password", "", 1)
    exact = client.get("/api/v1/search/", {"q": "pasword", "nocorrect": "1"}).json()
    assert (exact["original"], exact["corrected"], exact["suggestion"], exact["count"]) == ("pasword", None, "", 0)
    offered = client.get("/api/v1/search/", {"q": "pasword reset"}).json()
    assert (offered["corrected"], offered["suggestion"]) == (None, "password reset")
    assert [r["slug"] for r in offered["results"]] == ["reset-the-router"]
    assert SearchLog.objects.filter(corrected_to="password").count() == 1
    assert SearchLog.objects.filter(suggestion="password reset").count() == 1


def test_a_word_only_an_internal_article_uses_is_never_suggested_outside(kb, contributor):
    _, staff = page_of(client_for(contributor), q="zanzibr")
    assert banner(staff) == "Showing results for zanzibar. Search instead for “zanzibr”"
    for user in (make_customer(), None):
        for q in ("zanzibr", "zanzibr password"):
            _, page = page_of(client_for(user), q=q)
            assert "zanzibar" not in page.lower(), (user, q)
            data = client_for(user).get("/api/v1/search/", {"q": q}).json()
            assert "zanzibar" not in str(data).lower(), (user, q)


def test_a_word_form_only_a_hidden_article_uses_is_not_offered_outside(db, kb_owner):
    # "Secure" (public) and "security" (internal) share a stem: an outside reader typing "securit"
    # must not be offered "security", a word only the internal article holds.
    home = Product.objects.create(name="Smart Home", slug="smart-home")
    write(kb_owner, home, "Secure the camera", issue="Secure the camera with a new code.")
    write(kb_owner, home, "Security desk hotline", audience=Audience.INTERNAL, issue="The security desk number.")
    indexing.rebuild()
    for user in (make_customer(), None):
        data = client_for(user).get("/api/v1/search/", {"q": "securit camera"}).json()
        assert "security" not in str(data).lower(), user
