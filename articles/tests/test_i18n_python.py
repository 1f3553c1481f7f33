"""The articles app's own words in the reader's language: labels, form errors, refusals and the
messages after a save come out in German for a German interface, and in English otherwise; what
is stored (history notes, revision comments) stays in the source language whoever wrote it."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from reversion.models import Revision

from articles import policy, relations
from articles.choices import Audience, State, choice_label
from articles.forms import ArticleForm
from articles.models import ArticleEvent, EventKind, RelationKind, StaleVersion, plain_rule
from conftest import client_for, make_article

from .htmlparse import form_fields
from .test_pages import text_of

ENGLISH = "en-gb"


@pytest.fixture(autouse=True)
def _english_afterwards():
    # A request leaves its language active in the thread (LocaleMiddleware activates it): the
    # tests that run next in this worker expect the default, English.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def german_client(user):
    client = client_for(user)
    client.cookies["kcs_language"] = "de"
    return client


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", ["In Arbeit", "Nicht validiert", "Validiert", "Archiviert", "Intern", "Partner", "Kunden", "Öffentlich"]),
        (
            ENGLISH,
            ["Work in progress", "Not validated", "Validated", "Archived", "Internal", "Partner", "Customer", "Public"],
        ),
    ],
)
def test_state_and_audience_labels_follow_the_active_language(language, expected):
    with translation.override(language):
        labels = [str(label) for _, label in State.choices] + [str(label) for _, label in Audience.choices]
        # choice_label's table is built once at import: it still reads each label in the language now active.
        looked_up = [choice_label(value) for value in (*State.values, *Audience.values)]
    assert labels == expected
    assert looked_up == expected


def test_choice_label_switches_language_within_one_process():
    with translation.override("de"):
        assert choice_label("not_validated") == "Nicht validiert"
    with translation.override(ENGLISH):
        assert choice_label("not_validated") == "Not validated"
    assert choice_label("no_such_value") == "no_such_value"


def test_the_stale_form_and_stale_version_messages_are_german(article, contributor):
    data = {**ArticleForm.initial_for(article), "product": article.product_id, "version": "garbled", "note": "x"}
    with translation.override("de"):
        form = ArticleForm(data, user=contributor, article=article)
        assert not form.is_valid()
        assert form.errors["version"] == [
            "Dieses Formular ist veraltet; laden Sie den Artikel neu und bearbeiten Sie ihn erneut."
        ]
        assert str(StaleVersion(article)) == (
            f"Dieser Artikel wurde geändert, seit Sie ihn geöffnet haben (jetzt Version {article.version})."
        )
    with translation.override(ENGLISH):
        form = ArticleForm(data, user=contributor, article=article)
        assert not form.is_valid()
        assert form.errors["version"] == ["This form is out of date; reload the article and edit again."]


def test_form_labels_and_refusals_are_german(article, candidate):
    with translation.override("de"):
        form = ArticleForm(user=candidate, article=None)
        assert (form["title"].label, form["resolution"].label, form["audience"].label) == ("Titel", "Lösung", "Zielgruppe")
        assert policy.can_edit(candidate, article).reason == (
            "Als Candidate können Sie Ihre eigenen nicht validierten Artikel bearbeiten. "
            "Kennzeichnen Sie diesen, um eine Änderung vorzuschlagen."
        )
        assert plain_rule({"action": "die Buchung erstatten", "limit_amount": "50", "limit_unit": "EUR", "decider": "agent"}) == (
            "Sie dürfen ohne Genehmigung die Buchung erstatten bis zu 50 EUR."
        )
    with translation.override(ENGLISH):
        assert policy.can_edit(candidate, article).reason.startswith("As a candidate you can edit")


def test_the_new_article_page_says_what_is_wrong_in_german(contributor, product):
    client = german_client(contributor)
    data = form_fields(client.get(reverse("articles:create")).content.decode())
    data.update(title="Halbe Antwort", product=str(product.pk), state=State.NOT_VALIDATED, resolution="")

    response = client.post(reverse("articles:create"), data)

    assert response.status_code == 400
    assert "Schreiben Sie die Lösung oder speichern Sie den Artikel als „In Arbeit“." in text_of(response)
    assert "Write the resolution" not in text_of(response)


def test_saving_an_article_says_so_in_german(contributor, product):
    client = german_client(contributor)
    data = form_fields(client.get(reverse("articles:create")).content.decode())
    data.update(title="Gast möchte eine Erstattung", product=str(product.pk), issue="Das Zimmer war zu laut.")

    response = client.post(reverse("articles:create"), data)

    assert response.status_code == 302
    assert [m.message for m in get_messages(response.wsgi_request)] == ["Artikel erstellt."]


def test_saving_an_edit_says_so_in_german_and_in_english(article, contributor):
    for language, client, said in (
        ("de", german_client(contributor), "Als Version {} gespeichert."),
        (ENGLISH, client_for(contributor), "Saved as version {}."),
    ):
        data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
        data.update(cause=f"Cause written in {language}.", note="Clearer")
        response = client.post(reverse("articles:edit", args=[article.slug]), data)
        article.refresh_from_db()
        assert response.status_code == 302
        assert [m.message for m in get_messages(response.wsgi_request)] == [said.format(article.version)]


def test_a_stale_edit_is_refused_in_german(article, contributor, publisher):
    first, second = german_client(contributor), german_client(publisher)
    mine, theirs = (form_fields(c.get(reverse("articles:edit", args=[article.slug])).content.decode()) for c in (first, second))
    theirs.update(cause="Their cause.", note="Theirs")
    assert second.post(reverse("articles:edit", args=[article.slug]), theirs).status_code == 302

    mine.update(title="Refund for a non-refundable room", note="Mine")
    conflict = first.post(reverse("articles:edit", args=[article.slug]), mine)

    assert conflict.status_code == 409
    # The fields each side changed, named in German in the conflict box.
    assert re.search(r": Ursache\.", text_of(conflict))
    assert re.search(r": Titel\.", text_of(conflict))


def test_what_is_stored_stays_in_the_source_language(article, contributor, kb_owner, product):
    other = make_article(author=contributor, product=product, title="Another refund", kb_owner=kb_owner)
    with translation.override("de"):
        article.reopen(by=kb_owner, note="Outdated")
        relations.relate(from_article=article, to_article=other, kind=RelationKind.RELATED, by=contributor)

    assert Revision.objects.order_by("-pk").filter(comment__contains="→").first().comment == "Validated → Not validated: Outdated"
    note = ArticleEvent.objects.filter(article=other, kind=EventKind.RELATION).get().note
    assert note == f"Added: Related to “{article.title}” ({article.slug})"
