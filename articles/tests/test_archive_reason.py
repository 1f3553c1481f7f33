"""Archive and reopen ask why: a confirmation form on the pages, a required note in the API,
and the reason kept on the article's history row."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from articles.models import ArticleEvent, EventKind, State
from conftest import client_for, make_article, unchanged_database

pytestmark = pytest.mark.django_db


def confirm_url(article, to: str) -> str:
    return reverse("articles:confirm-transition", args=[article.slug]) + f"?to={to}"


def transition_url(article) -> str:
    return reverse("articles:transition", args=[article.slug])


def test_archive_asks_for_a_reason_then_records_it(article, kb_owner):
    client = client_for(kb_owner)
    form = client.get(confirm_url(article, "archived"))
    assert form.status_code == 200
    page = form.content.decode()
    assert "Archive: “Refund for a non-refundable booking”" in page and "Why? (required)" in page
    assert f'action="{transition_url(article)}"' in page and 'name="to" value="archived"' in page
    response = client.post(transition_url(article), {"to": "archived", "note": "Replaced by the new refund policy."})
    assert response.status_code == 302 and response.url == article.get_absolute_url()
    article.refresh_from_db()
    assert article.state == State.ARCHIVED
    event = ArticleEvent.objects.filter(article=article, kind=EventKind.STATE).latest("id")
    assert (event.to_value, event.note, event.actor) == ("archived", "Replaced by the new refund policy.", kb_owner)
    assert "Replaced by the new refund policy." in client.get(article.get_absolute_url()).content.decode()


def test_archive_without_a_reason_is_refused_with_the_form_again(article, kb_owner):
    client = client_for(kb_owner)
    with unchanged_database():
        response = client.post(transition_url(article), {"to": "archived", "note": "   "})
    assert response.status_code == 400
    assert "Say why you archive this article" in response.content.decode()
    assert 'name="to" value="archived"' in response.content.decode()
    article.refresh_from_db()
    assert article.state == State.VALIDATED


def test_a_too_long_reason_is_refused_keeping_what_was_typed(article, kb_owner):
    client = client_for(kb_owner)
    typed = "Because " + "x" * 600
    with unchanged_database():
        response = client.post(transition_url(article), {"to": "archived", "note": typed})
    assert response.status_code == 400 and typed in response.content.decode()


def test_reopen_a_validated_article_asks_why(article, contributor):
    client = client_for(contributor)
    assert "Reopen (not validated)" in client.get(confirm_url(article, "not_validated")).content.decode()
    with unchanged_database():
        assert client.post(transition_url(article), {"to": "not_validated"}).status_code == 400
    client.post(transition_url(article), {"to": "not_validated", "note": "Step 2 no longer works."})
    article.refresh_from_db()
    assert article.state == State.NOT_VALIDATED
    assert ArticleEvent.objects.filter(article=article, to_value="not_validated", note="Step 2 no longer works.").exists()


def test_who_may_not_archive_gets_403_on_the_form_too(article, contributor):
    assert client_for(contributor).get(confirm_url(article, "archived")).status_code == 403


def test_the_confirmation_form_is_only_for_archive_and_reopen(article, kb_owner, customer):
    client = client_for(kb_owner)
    assert client.get(confirm_url(article, "wip")).url == article.get_absolute_url()
    assert client.get(confirm_url(article, "nonsense")).url == article.get_absolute_url()
    assert client_for(customer).get(confirm_url(article, "archived")).status_code == 404


def test_other_transitions_stay_one_click(contributor, kb_owner, product):
    draft = make_article(author=contributor, product=product, kb_owner=kb_owner, state=State.NOT_VALIDATED, title="Draft")
    response = client_for(contributor).post(transition_url(draft), {"to": "validated"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == State.VALIDATED


def test_api_refuses_archive_and_reopen_without_a_note(article, kb_owner):
    client = APIClient()
    client.force_authenticate(kb_owner)
    url = f"/api/v1/articles/{article.slug}/transition/"
    with unchanged_database():
        archived = client.post(url, {"to": "archived"}, format="json")
        reopened = client.post(url, {"to": "not_validated", "note": ""}, format="json")
    assert archived.status_code == 400 and "Say why you archive" in archived.json()["detail"]
    assert reopened.status_code == 400 and "Say why you reopen" in reopened.json()["detail"]
    assert client.post(url, {"to": "archived", "note": "Retired"}, format="json").status_code == 200
