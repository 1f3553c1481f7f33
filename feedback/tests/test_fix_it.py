"""Fix it: the editor lists the article's open flags and resolves the ones the edit addresses."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from articles.tests.htmlparse import form_fields
from conftest import client_for, unchanged_database
from feedback.models import FlagState
from notifications.models import Notification

from .helpers import flag, text_of

# The flags are closed by a receiver that runs when the edit commits: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def edit_post(client, article, **overrides) -> dict:
    """The edit form as the page renders it, with `overrides` applied."""
    page = client.get(reverse("articles:edit", args=[article.slug]))
    data = form_fields(page.content.decode())
    data.pop("addresses_flag", None)
    data["note"] = "Fixed what the flag pointed out."  # a material update needs a change note
    data.update(overrides)
    return data


def test_the_edit_page_lists_open_flags_with_a_checkbox(article, candidate, contributor):
    raised = flag(article, candidate, comment="Step 2 is vague.")
    page = client_for(contributor).get(reverse("articles:edit", args=[article.slug]))
    assert "Open flags on this article" in text_of(page) and "Step 2 is vague." in text_of(page)
    assert re.search(rf'name="addresses_flag" value="{raised.pk}"', page.content.decode())


def test_saving_an_edit_resolves_the_ticked_flags_against_the_new_version(article, candidate, contributor, publisher):
    ticked = flag(article, candidate, reason="unclear")
    left = flag(article, publisher, reason="outdated")
    client = client_for(contributor)
    data = edit_post(
        client, article, resolution="1. Check the booking.\n2. Offer a free date change.", addresses_flag=[str(ticked.pk)]
    )
    response = client.post(reverse("articles:edit", args=[article.slug]), data, follow=True)
    assert "1 flag(s) resolved by this edit" in text_of(response)
    article.refresh_from_db()
    ticked.refresh_from_db()
    left.refresh_from_db()
    assert (ticked.state, ticked.resolved_version, ticked.closed_by) == (FlagState.RESOLVED, article.version, contributor)
    assert left.state == FlagState.OPEN
    assert Notification.objects.filter(recipient=candidate, kind="flag_resolved").exists()
    assert not Notification.objects.filter(recipient=publisher, kind="flag_resolved").exists()


def test_contributor_cannot_resolve_an_authority_flag_by_editing(article, candidate, contributor):
    authority = flag(article, candidate, reason="authority_unclear")
    client = client_for(contributor)
    page = client.get(reverse("articles:edit", args=[article.slug])).content.decode()
    assert f'name="addresses_flag" value="{authority.pk}"' not in page
    assert "only a KB owner may change" in page
    # Even a hand-made form that ticks it leaves it open.
    data = edit_post(client, article, resolution="A new resolution.", addresses_flag=[str(authority.pk)])
    response = client.post(reverse("articles:edit", args=[article.slug]), data, follow=True)
    assert "stay open for a KB owner" in text_of(response)
    authority.refresh_from_db()
    assert authority.state == FlagState.OPEN


def test_kb_owner_resolves_an_authority_flag_by_editing(article, candidate, kb_owner):
    authority = flag(article, candidate, reason="authority_unclear")
    client = client_for(kb_owner)
    data = edit_post(client, article, authority_note="Ask Billing Escalations; the limit excludes city tax.")
    data["addresses_flag"] = [str(authority.pk)]
    client.post(reverse("articles:edit", args=[article.slug]), data)
    authority.refresh_from_db()
    article.refresh_from_db()
    assert (authority.state, authority.resolved_version) == (FlagState.RESOLVED, article.version)


def test_an_edit_that_changes_nothing_leaves_the_flags_open(article, candidate, contributor):
    raised = flag(article, candidate)
    client = client_for(contributor)
    data = edit_post(client, article, addresses_flag=[str(raised.pk)])
    response = client.post(reverse("articles:edit", args=[article.slug]), data, follow=True)
    assert "Nothing changed, so the flags you ticked stay open." in text_of(response)
    raised.refresh_from_db()
    assert raised.state == FlagState.OPEN


def test_a_stale_edit_resolves_nothing_and_keeps_the_ticks(article, candidate, contributor, kb_owner):
    raised = flag(article, candidate)
    client = client_for(contributor)
    data = edit_post(client, article, resolution="Mine.", addresses_flag=[str(raised.pk)])
    article.edit(by=kb_owner, base_version=article.version, changes={"cause": "Someone else's change."})
    with unchanged_database():
        response = client.post(reverse("articles:edit", args=[article.slug]), data)
    assert response.status_code == 409
    assert re.search(rf'name="addresses_flag" value="{raised.pk}" checked', response.content.decode())
    raised.refresh_from_db()
    assert raised.state == FlagState.OPEN


def test_fix_it_from_the_queue_ticks_the_flag_and_saving_resolves_it(article, candidate, kb_owner):
    raised = flag(article, candidate, reason="authority_unclear", comment="Who approves 80 EUR?")
    client = client_for(kb_owner)
    fix_url = reverse("articles:edit", args=[article.slug]) + f"?resolves={raised.pk}"
    assert fix_url in client.get(reverse("feedback:queue") + "?sort=priority").content.decode()
    page = client.get(fix_url).content.decode()
    data = form_fields(page)  # as the browser would send it: the flag is ticked
    assert data["addresses_flag"] == str(raised.pk)
    data["note"] = "The team lead approves up to 150 EUR."
    data["authority_note"] = "Above 150 EUR ask Billing Escalations."
    response = client.post(fix_url, data, follow=True)
    assert "1 flag(s) resolved by this edit" in text_of(response)
    raised.refresh_from_db()
    article.refresh_from_db()
    assert (raised.state, raised.resolved_version) == (FlagState.RESOLVED, article.version)
    assert "Who approves 80 EUR?" not in text_of(client.get(reverse("feedback:queue")))
