"""Search, coaching and training speak the reader's language: German when the browser asks for it
(Accept-Language: de), English otherwise; what people wrote (titles, queries) stays as written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import Audience, State
from coaching.models import ReviewRequest
from conftest import client_for, make_article
from search import indexing
from training.models import Assignment, LearningPath, PathItem, PathSection

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def found(db, contributor, publisher, kb_owner, product, contact):
    make_article(
        author=publisher, product=product, audience=Audience.PUBLIC, title="Refund a cancelled hotel booking", kb_owner=kb_owner
    )
    make_article(author=contributor, product=product, title="Refund exception for a hotel", kb_owner=kb_owner)
    indexing.rebuild()


def test_search_results_page_in_german_and_in_english(found, kb_owner):
    client = client_for(kb_owner)
    german = _html(client.get("/search/", {"q": "refund"}, **GERMAN))
    for text in ("Filter", "2 Ergebnisse", "Zustand", "Zielgruppe", "Produkt", "Beste Übereinstimmung", "Suche: refund"):
        assert text in german, text
    assert "Refund a cancelled hotel booking" in german  # titles are stored data: as written
    assert "Best match" not in german and "2 results" not in german

    english = _html(client.get("/search/", {"q": "refund"}))
    for text in ("Filters", "2 results", "State", "Audience", "Best match", "Search: refund"):
        assert text in english, text
    assert "Ergebnisse" not in english


def test_search_spelling_note_and_synonym_messages_in_german(found, kb_owner):
    client = client_for(kb_owner)
    # The interface in German, the search in English (the language filter): the note is German.
    german = _html(client.get("/search/", {"q": "refnud", "language": "en"}, **GERMAN))
    assert "Ergebnisse für" in german or "Meinten Sie" in german
    response = client.post(reverse("search:synonyms"), {"terms": "only-one"}, follow=True, **GERMAN)
    assert "Geben Sie mindestens zwei Wörter oder Wendungen an" in _html(response)
    response = client.post(reverse("search:synonyms"), {"terms": "only-one"}, follow=True)
    assert "Give at least two words or phrases" in _html(response)


def test_coaching_pages_in_german_and_in_english(coach, candidate, product, kb_owner, contact):
    draft = make_article(
        author=candidate, product=product, state=State.NOT_VALIDATED, title="Hotel overbooked", kb_owner=kb_owner
    )
    ReviewRequest.start(article=draft, by=candidate, reviewer=coach)
    client = client_for(coach)
    german = _html(client.get(reverse("coaching:home"), **GERMAN))
    for text in ("Mir zugewiesene Reviews", "Wartet auf den Coach", "Runde", "Hotel overbooked"):
        assert text in german, text
    english = _html(client.get(reverse("coaching:home")))
    assert "Reviews assigned to me" in english and "Waiting for the coach" in english
    assert "Mir zugewiesene Reviews" not in english

    criteria = client_for(kb_owner)
    german = _html(criteria.get(reverse("coaching:criteria"), **GERMAN))
    assert "Kriterien des Content-Standards" in german and "Gewichtung" in german
    # A form error built when the form is shown, in the language of that request.
    response = criteria.post(reverse("coaching:add-criterion"), {"name": "Clear", "weight": "99"}, **GERMAN)
    assert "Die Gewichtung ist eine ganze Zahl von 1 bis 10." in response.content.decode()
    response = criteria.post(reverse("coaching:add-criterion"), {"name": "Clear", "weight": "99"})
    assert "The weight is a whole number from 1 to 10." in response.content.decode()


def test_training_pages_in_german_and_in_english(coach, candidate, article):
    path = LearningPath.objects.create(title="Onboarding", created_by=coach, pass_mark=80)
    section = PathSection.objects.create(path=path, title="First week", position=1)
    PathItem.objects.create(section=section, article=article, required=True, position=1)
    Assignment.objects.create(path=path, user=candidate, assigned_by=coach)
    client = client_for(candidate)

    german = _html(client.get(reverse("training:home"), **GERMAN))
    for text in ("Meine Lernpfade", "Fortschritt", "Pflichtartikel erledigt", "Onboarding"):
        assert text in german, text
    detail = _html(client.get(reverse("training:path", args=[path.pk]), **GERMAN))
    assert "Noch nicht gelesen" in detail and "Pflicht" in detail and "First week" in detail

    english = _html(client.get(reverse("training:home")))
    assert "My learning paths" in english and "required done" in english
    assert "Meine Lernpfade" not in english
    detail = _html(client.get(reverse("training:path", args=[path.pk])))
    assert "Not read yet" in detail

    # A message from the view, in the reader's language.
    response = client.post(reverse("training:acknowledge", args=[article.slug]), {"path": path.pk}, follow=True, **GERMAN)
    assert "Gespeichert: Sie haben Version" in _html(response)


def test_large_and_estimated_counts_are_grouped_as_the_page_language_writes_numbers():
    from types import SimpleNamespace

    from django.template.loader import render_to_string
    from django.utils import translation

    for language, shown, about in (("en-gb", "7,600", "about"), ("de", "7.600", "etwa")):
        with translation.override(language):
            exact = render_to_string("search/_facet_count.html", {"count": 7600, "results": SimpleNamespace(estimated=False)})
            estimated = render_to_string("search/_facet_count.html", {"count": 7600, "results": SimpleNamespace(estimated=True)})
        assert exact == shown
        assert estimated.startswith("<span") and estimated.endswith(shown)
        assert f'<span class="visually-hidden">{about} </span>' in estimated
