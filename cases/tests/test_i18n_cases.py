"""The case and flag pages speak the reader's language: German when the browser (or the language
cookie) asks for it, English otherwise; form errors too. Stored history stays in the site's language."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from articles.models import Audience, State
from cases import handover, services
from cases.models import Case
from cases.services import upsert_case
from conftest import client_for, make_article, make_contributor
from kcs_site.i18n_audit import audit

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture(autouse=True)
def _fresh_limits():
    # The hand-over's rate counters live in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def case(db, kb_owner, product):
    return upsert_case(
        source="zendesk",
        external_id="12345",
        data={"subject": "Refund for my non-refundable booking", "product": product.slug},
    ).case


def page(user, url, **headers):
    response = client_for(user).get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_no_template_text_of_cases_or_feedback_is_left_untranslated():
    assert audit(Path(__file__).resolve().parents[2], ["cases", "feedback"]) == []


def test_the_case_page_and_its_links_speak_german_when_the_browser_asks(contributor, article, case):
    services.link(case=case, article=article, kind="solved", by=contributor)
    url = reverse("cases:detail", args=[case.source, case.external_id])
    german = page(contributor, url, **GERMAN)
    assert "Verknüpfte Artikel" in german and "Verknüpfung entfernen" in german and "Hat ihn gelöst" in german
    english = page(contributor, url)
    assert "Linked articles" in english and "Remove link" in english and "Solved it" in english
    assert "Verknüpfte Artikel" not in english


def test_the_case_list_speaks_german(contributor, case):
    german = page(contributor, reverse("cases:list"), **GERMAN)
    assert "Fälle aus den Ticketsystemen" in german and "1 Fall" in german and "Offen" in german
    english = page(contributor, reverse("cases:list"))
    assert "Cases from the ticketing tools" in english and "1 case" in english


def test_the_agent_panel_speaks_german_and_follows_the_language_cookie(contributor, case):
    url = "/agent/panel/?source=zendesk&case=12345"
    german = page(contributor, url, **GERMAN)
    assert '<html lang="de">' in german
    assert "Wissen für diesen Fall" in german and "Neuer Artikel aus diesem Fall" in german
    assert "Knowledge for this case" not in german
    client = client_for(contributor)
    client.cookies["kcs_language"] = "de"
    assert "Wissen für diesen Fall" in client.get(url).content.decode()
    english = page(contributor, url)
    assert '<html lang="en-gb">' in english and "Knowledge for this case" in english


def test_the_agent_panel_sign_in_page_speaks_german(db):
    german = client_for(None).get("/agent/panel/?source=zendesk&case=1", **GERMAN).content.decode()
    assert "In neuem Fenster öffnen" in german and "Open in a new window" not in german


def test_a_panel_action_reports_in_german_and_stores_history_in_english(contributor, article, case):
    client = client_for(contributor)
    launch = {"source": "zendesk", "case": "12345"}
    client.post("/agent/panel/link/", {**launch, "article": article.pk, "kind": "reference"}, **GERMAN)
    response = client.post("/agent/panel/link/", {**launch, "article": article.pk, "kind": "solved"}, follow=True, **GERMAN)
    assert "mit Zendesk #12345 verknüpft: Hat ihn gelöst." in response.content.decode()
    replaced = case.links.exclude(unlinked_at=None).get()
    assert replaced.unlink_reason == "Changed to “Solved it”."


def test_the_most_used_drafts_queue_speaks_german(contributor, kb_owner, product, settings):
    settings.KCS_QUEUE_MIN_CASES = 2
    draft = make_article(author=contributor, product=product, title="Draft on two cases", state=State.NOT_VALIDATED)
    agent = make_contributor("agent")
    for i in range(2):
        linked, _ = Case.objects.get_or_create(source="zendesk", external_id=f"d-{i}")
        services.link(case=linked, article=draft, kind="solved", by=agent)
    url = reverse("cases:most-used-drafts")
    german = page(kb_owner, url, **GERMAN)
    assert "Meistgenutzte Entwürfe" in german and "Aktive Fallverknüpfungen" in german and "Nicht validiert" in german
    assert "mit mindestens 2 Fällen verknüpft" in german and "Draft on two cases" in german
    english = page(kb_owner, url)
    assert "Most-used drafts" in english and "linked to at least 2 cases" in english


def test_the_flag_queue_speaks_german(kb_owner, contributor, article):
    from feedback import services as feedback_services

    feedback_services.raise_flag(by=contributor, article=article, reason="outdated", comment="Old prices")
    german = page(kb_owner, reverse("feedback:queue"), **GERMAN)
    assert "Kennzeichnungen" in german and "Veraltet" in german and "Wie die Priorität ermittelt wird" in german
    # Choice labels keep their capitals inside a German sentence (nouns), lower case in English.
    assert "Entscheidungsbefugnis unklar, dann" in german
    english = page(kb_owner, reverse("feedback:queue"))
    assert "How priority is worked out" in english and "decision authority unclear, then" in english


def test_the_help_centre_contact_form_speaks_german_and_its_errors_too(db):
    german = page(None, reverse("handover:contact"), **GERMAN)
    assert "Support kontaktieren" in german and "Ihre E-Mail-Adresse" in german and "An den Support senden" in german
    english = page(None, reverse("handover:contact"))
    assert "Contact support" in english and "Your email address" in english

    bad = {"name": "Vera", "email": "not an address", "subject": "", "description": "x", "website": ""}
    bad["shown"] = handover.shown_token(time.time() - 60)
    response = client_for(None).post(reverse("handover:contact"), bad, **GERMAN)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ihre Nachricht wurde nicht gesendet." in html
    assert "Dieses Feld ist zwingend erforderlich." in html  # Django's own, in German
    assert "Geben Sie eine gültige E-Mail-Adresse ein." in html
    english = client_for(None).post(reverse("handover:contact"), bad).content.decode()
    assert "Your message was not sent." in english and "This field is required." in english


def test_a_refused_hand_over_says_why_in_german(db):
    fast = {"name": "Vera", "email": "vera@example.com", "subject": "Help", "description": "x", "website": ""}
    fast["shown"] = handover.shown_token(time.time())
    html = client_for(None).post(reverse("handover:contact"), fast, **GERMAN).content.decode()
    assert "Das war schneller, als jemand tippen kann" in html


def test_removing_a_link_without_a_reason_is_refused_in_german(contributor, article, case):
    made, _ = services.link(case=case, article=article, kind="solved", by=contributor)
    response = client_for(contributor).post(reverse("cases:unlink", args=[made.pk]), {"reason": " "}, **GERMAN)
    assert response.status_code == 400
    assert "Geben Sie an, warum die Verknüpfung entfernt wird" in response.content.decode()


def test_a_customer_refused_the_panel_reads_why_in_german(customer):
    response = client_for(customer).get("/agent/panel/?source=zendesk&case=1", **GERMAN)
    assert response.status_code == 403
    assert "Nur Support-Mitarbeitende können Fälle sehen." in response.content.decode()


def test_the_helpful_box_on_the_help_centre_speaks_german(db, contributor, kb_owner, product):
    public = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner)
    german = page(None, public.get_help_url(), **GERMAN)
    assert "War das hilfreich?" in german and "Sagen Sie uns, warum (optional)" in german
