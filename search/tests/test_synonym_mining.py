"""Synonym candidates mined from the search log and offered to KB owners on the synonyms page."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from conftest import client_for, make_article
from search import mining
from search.models import DismissedSynonymCandidate, SearchLog, Synonym


@pytest.fixture(autouse=True)
def _no_cached_mining():
    cache.clear()  # a long log's mining is cached; each test mines its own


def searched(query: str, times: int, *, opened: str = "", **fields) -> None:
    for _ in range(times):
        SearchLog.objects.create(query=query, caller_kind="customer", result_count=3, opened_slug=opened, **fields)


@pytest.fixture
def removal(db, contributor, kb_owner, product):
    """An article that two wordings lead to: "kick user out of org" and "remove user from org"."""
    Synonym.objects.filter(terms__contains="remove").delete()
    article = make_article(author=contributor, product=product, title="Removing a member from an organisation", kb_owner=kb_owner)
    searched("How do I kick user out of org?", 3, opened=article.slug)
    searched("remove user from org", 2, opened=article.slug)
    return article


def keys(candidates) -> list[str]:
    return [c.key for c in candidates]


def test_two_wordings_that_open_the_same_article_become_a_candidate(removal):
    [candidate] = mining.candidates()
    assert {candidate.a.phrase, candidate.b.phrase} == {"kick out", "remove"}
    assert candidate.a.searches + candidate.b.searches == 5
    assert candidate.titles == [(removal.slug, removal.title, 5)]
    assert candidate.score == 2  # the fewer side's searches on the article


def test_a_wording_searched_once_is_not_evidence(removal):
    searched("eject user from org", 1, opened=removal.slug)
    assert keys(mining.candidates()) == ["kick out, remove"]


def test_stop_words_stems_and_old_searches_offer_nothing(db, removal):
    searched("the remove user from org", 2, opened=removal.slug)  # differs only by a stop word
    searched("removing users from org", 2, opened=removal.slug)  # same stems as "remove user"
    old = timezone.now() - datetime.timedelta(days=mining.WINDOW_DAYS + 1)
    searched("evict user from org", 2, opened=removal.slug, created_at=old)
    [candidate] = mining.candidates()
    assert candidate.key == "kick out, remove"
    assert candidate.b.forms == {"remove": 4, "removing": 2}  # the same phrase, stemmed alike


def test_wordings_that_ask_different_things_are_not_paired(removal):
    searched("org user not working", 2, opened=removal.slug)  # "remove X" and "X not working" ask
    searched("org user broken", 2, opened=removal.slug)  # different things; the last two the same
    assert sorted(keys(mining.candidates())) == ["broken, not working", "kick out, remove"]


def test_queries_that_differ_in_two_places_or_share_no_word_are_not_paired(removal):
    searched("kick user out of org today", 2, opened=removal.slug)  # "kick … today" is not one place
    searched("membership ended", 2, opened=removal.slug)  # no word in common with the others
    assert keys(mining.candidates()) == ["kick out, remove"]


def test_words_already_in_one_group_are_not_offered(removal):
    Synonym.objects.create(terms="kick out, remove")
    assert mining.candidates() == []


def test_existing_synonyms_count_as_the_same_word(removal):
    searched("remove user from organization", 2, opened=removal.slug)  # org ~ organization is a starter group
    assert keys(mining.candidates()) == ["kick out, remove"]


def test_accepted_corrections_of_real_variants_are_offered_typos_are_not(db):
    Synonym.objects.filter(terms__contains="wifi").delete()
    searched("wifi setup", 3, corrected_to="wi-fi setup", opened="some-article")
    searched("wifi setup", 2, corrected_to="wi-fi setup", correction_undone=True)  # undone: not accepted
    searched("pasword reset", 4, suggestion="password reset", suggestion_taken=True)  # a typo
    searched("nest offline", 2, corrected_to="next offline", opened="some-article")
    searched("nest offline", 3, corrected_to="next offline", correction_undone=True)  # mostly undone
    [candidate] = mining.candidates()
    assert candidate.key == "wi-fi, wifi"
    assert candidate.corrections == 3 and candidate.source_labels == ["People accepted the correction"]


def test_kb_owner_sees_candidates_with_evidence_and_adds_one(removal, kb_owner):
    client = client_for(kb_owner)
    html = client.get("/search/synonyms/").content.decode()
    assert "Suggested from searches" in html and "kick out" in html and removal.title in html
    assert "how do i kick user out of org" in html
    response = client.post("/search/synonyms/candidate/add/", {"terms": ["kick out", "remove"]})
    assert response.status_code == 302
    assert Synonym.objects.filter(terms="kick out, remove").exists()
    suggested = client.get("/search/synonyms/").content.decode().split("Suggested from searches")[1]
    assert "kick out" not in suggested.split("Synonym groups")[0]


def test_adding_a_word_to_an_existing_group_extends_it(removal, kb_owner):
    group = Synonym.objects.create(terms="delete, remove")
    [candidate] = mining.candidates()
    assert candidate.action == "Adds “kick out” to the group “delete, remove”."
    client_for(kb_owner).post("/search/synonyms/candidate/add/", {"terms": ["remove", "kick out"]})
    group.refresh_from_db()
    assert group.members() == ["delete", "remove", "kick out"]
    assert Synonym.objects.filter(terms__contains="remove").count() == 1


def test_dismissed_candidates_are_not_offered_again(removal, kb_owner):
    client = client_for(kb_owner)
    client.post("/search/synonyms/candidate/dismiss/", {"terms": ["kick out", "remove"]})
    assert DismissedSynonymCandidate.objects.get().terms == "kick out, remove"
    assert mining.candidates() == []
    page = client.get("/search/synonyms/").content.decode()
    assert "kick out" not in page.split("Suggested from searches")[1]


def test_a_candidate_needs_two_different_phrases(kb_owner):
    response = client_for(kb_owner).post("/search/synonyms/candidate/add/", {"terms": ["remove", " Remove "]}, follow=True)
    assert "two different words or phrases" in response.content.decode()
    assert not Synonym.objects.filter(terms="remove").exists()


def test_only_kb_owners_see_or_act_on_candidates(removal, contributor, customer):
    for user in (contributor, customer):
        client = client_for(user)
        assert client.get("/search/synonyms/").status_code == 403
        assert client.post("/search/synonyms/candidate/add/", {"terms": ["kick out", "remove"]}).status_code == 403
        assert client.post("/search/synonyms/candidate/dismiss/", {"terms": ["kick out", "remove"]}).status_code == 403
    anonymous = client_for(None).post("/search/synonyms/candidate/add/", {"terms": ["kick out", "remove"]})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not Synonym.objects.filter(terms__contains="kick out").exists()
    assert not DismissedSynonymCandidate.objects.exists()


def test_candidate_forms_need_the_csrf_token(removal, kb_owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(kb_owner)
    assert client.post("/search/synonyms/candidate/add/", {"terms": ["kick out", "remove"]}).status_code == 403
    assert client.post("/search/synonyms/candidate/dismiss/", {"terms": ["kick out", "remove"]}).status_code == 403
    assert not Synonym.objects.filter(terms__contains="kick out").exists()


def test_an_emptied_synonym_table_gets_back_the_groups_the_migrations_wrote(db):
    from search.models import Synonym
    from search.synonyms import restore_starter_synonyms

    migrated = sorted(Synonym.objects.values_list("language", "terms"))
    assert ("en", "org, organization, organisation") in migrated and any(lang == "de" for lang, _ in migrated)
    restore_starter_synonyms()  # a table that holds groups is left alone
    assert sorted(Synonym.objects.values_list("language", "terms")) == migrated
    Synonym.objects.all().delete()  # as a transactional test's flush leaves it
    restore_starter_synonyms()
    assert sorted(Synonym.objects.values_list("language", "terms")) == migrated
