"""Reuse on cases: "I used this on a case", the count on the article, and searching by case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import Article, Audience, Reuse, State
from articles.tests.assertions import assert_versions
from articles.tests.test_pages import text_of
from cases.models import CaseLink
from conftest import client_for, make_article, unchanged_database
from search.models import IndexTask

pytestmark = pytest.mark.django_db


def record(user, article, **data):
    return client_for(user).post(reverse("health:reuse", args=[article.slug]), data, follow=True)


def test_an_agent_records_reuse_on_a_case_without_editing_the_article(contributor, article):
    version, updated = article.version, article.updated_at
    response = record(contributor, article, case_ref="CASE-42", solved="yes")
    assert "Recorded: you used this article on case CASE-42." in text_of(response)
    article.refresh_from_db()
    assert article.reuse_count == 1
    assert (article.version, article.updated_at) == (version, updated)
    assert_versions(article, version)  # no new revision either
    link = CaseLink.objects.get()
    assert (link.linked_by, link.case.external_id, link.kind, link.article_version) == (contributor, "CASE-42", "solved", version)
    assert not Reuse.objects.exists()  # a use on a named case is a link to that case


def test_the_same_case_recorded_twice_counts_once(contributor, publisher, article):
    record(contributor, article, case_ref="CASE-42")
    record(contributor, article, case_ref="case-42", solved="yes")
    record(publisher, article, case_ref="CASE-42")
    article.refresh_from_db()
    assert article.reuse_count == 1
    live = CaseLink.objects.live().get()
    assert live.kind == "solved"  # the second record said it solved the case: the link says so, once
    assert CaseLink.objects.exclude(unlinked_at=None).get().unlink_reason.startswith("Changed to")


def test_the_article_page_shows_reuse_count_and_last_use(contributor, publisher, article):
    record(contributor, article, case_ref="", solved="not_yet")
    record(publisher, article, case_ref="CASE-7", solved="no")
    page = text_of(client_for(contributor).get(article.get_absolute_url()))
    assert "Used on cases 2 times" in page
    assert f"by {publisher.username}" in page
    assert Reuse.objects.get(user=contributor).solved is None  # no case named: reuse without a case
    assert CaseLink.objects.get(linked_by=publisher).kind == "reference"  # did not solve it: it helped


def test_each_reuse_counts_even_when_recorded_from_a_stale_copy(contributor, candidate, article):
    stale_copy = Article.objects.get(pk=article.pk)
    record(contributor, article)
    record(candidate, stale_copy)
    article.refresh_from_db()
    assert article.reuse_count == 2


def test_a_reuse_asks_the_search_index_for_the_new_count(contributor, article):
    IndexTask.objects.all().delete()
    record(contributor, article)
    assert IndexTask.objects.filter(article_id=article.pk, processed_at=None).exists()


def test_a_candidate_may_record_reuse_too(candidate, article):
    record(candidate, article)
    article.refresh_from_db()
    assert article.reuse_count == 1


def test_customers_cannot_record_reuse_even_on_a_public_article(customer, partner, contributor, kb_owner, product):
    public = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner)
    for outsider in (customer, partner, None):
        client = client_for(outsider)
        with unchanged_database():
            response = client.post(reverse("health:reuse", args=[public.slug]), {"case_ref": "X"})
        assert response.status_code in (302, 404)
        assert response.status_code == 404 or "/accounts/login/" in response["Location"]
    public.refresh_from_db()
    assert public.reuse_count == 0 and not Reuse.objects.exists() and not CaseLink.objects.exists()


def test_customers_see_no_reuse_or_case_references(customer, contributor, kb_owner, product):
    public = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner)
    record(contributor, public, case_ref="CASE-SECRET-9")
    page = client_for(customer).get(public.get_help_url()).content.decode()
    assert "CASE-SECRET-9" not in page and "Used on cases" not in page
    assert client_for(customer).get(reverse("health:cases") + "?case=CASE-SECRET-9").status_code == 404


def test_an_archived_article_cannot_be_recorded_as_used(contributor, kb_owner, product):
    archived = make_article(author=contributor, product=product, state=State.ARCHIVED, kb_owner=kb_owner)
    response = record(contributor, archived, case_ref="CASE-1")
    assert "This article is archived: it should not be used on cases." in text_of(response)
    assert not Reuse.objects.exists() and not CaseLink.objects.exists()


def test_a_too_long_case_reference_is_a_400_that_keeps_what_was_typed(contributor, article):
    response = record(contributor, article, case_ref="C" * 101)
    assert response.status_code == 400
    assert "Use not recorded" in text_of(response) and "at most 100 characters" in text_of(response)
    assert f'value="{"C" * 101}"' in response.content.decode()
    assert not Reuse.objects.exists() and not CaseLink.objects.exists()
    article.refresh_from_db()
    assert article.reuse_count == 0


def test_the_button_posts_with_csrf_and_get_is_not_allowed(contributor, article):
    assert client_for(contributor).get(reverse("health:reuse", args=[article.slug])).status_code == 405
    page = client_for(contributor).get(article.get_absolute_url()).content.decode()
    assert reverse("health:reuse", args=[article.slug]) in page and "csrfmiddlewaretoken" in page


def test_searching_a_case_lists_the_articles_used_on_it(contributor, publisher, kb_owner, product, article):
    other = make_article(author=contributor, product=product, title="Overbooked on arrival", kb_owner=kb_owner)
    unrelated = make_article(author=contributor, product=product, title="City tax surprise", kb_owner=kb_owner)
    record(contributor, article, case_ref="CASE-100", solved="yes")
    record(publisher, other, case_ref="case-100")
    record(publisher, unrelated, case_ref="CASE-1000")
    page = text_of(client_for(contributor).get(reverse("health:cases") + "?case=Case-100"))
    assert article.title in page and other.title in page
    assert unrelated.title not in page


def test_an_unknown_case_says_so(contributor, article):
    page = text_of(client_for(contributor).get(reverse("health:cases") + "?case=<b>NOPE</b>"))
    assert "No article you can see was used on case “<b>NOPE</b>”." in page
    assert "<b>NOPE</b>" not in client_for(contributor).get(reverse("health:cases") + "?case=<b>NOPE</b>").content.decode()


def test_the_cases_page_makes_a_fixed_number_of_queries(contributor, kb_owner, product, django_assert_max_num_queries):
    for n in range(8):
        a = make_article(author=contributor, product=product, title=f"Article {n}", kb_owner=kb_owner)
        record(contributor, a, case_ref="CASE-5")
    client = client_for(contributor)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("health:cases") + "?case=CASE-5")
    assert text_of(response).count("Article ") == 8
