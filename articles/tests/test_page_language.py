"""The articles pages in the reader's language: German where the browser or the language cookie asks for
it, English otherwise, and every piece of their template text in the German catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from articles.models import Article, Audience
from articles.tests.test_pages import text_of
from conftest import REFUND_RULES, client_for, make_article
from kcs_site.i18n_audit import audit

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "de" / "LC_MESSAGES" / "django.po"


def german(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    return client


def test_the_staff_article_page_speaks_german_when_asked(article, contributor):
    url = article.get_absolute_url()
    page = text_of(german(contributor).get(url))
    assert "Ihre Entscheidungsbefugnis" in page
    assert "Außerhalb Ihrer Befugnis: Fragen Sie Billing Escalations" in page
    assert "Antwort innerhalb von 15 minutes" in page
    assert "Dieser Abschnitt ist geregelt: Über ihn entscheiden die KB-Verantwortlichen." in page
    assert "Your decision authority" not in page


def test_the_browser_language_is_enough(article, contributor):
    page = text_of(client_for(contributor).get(article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de"))
    assert "Ihre Entscheidungsbefugnis" in page


def test_english_stays_as_it_was(article, contributor):
    page = text_of(client_for(contributor).get(article.get_absolute_url()))
    assert "Your decision authority" in page
    assert "Outside your authority: Ask Billing Escalations, #billing-escalations" in page
    assert "Resolution" in page and "Environment" in page


def test_the_help_centre_article_in_german_for_customers_and_anonymous_readers(customer, contributor, kb_owner, product):
    public = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner)
    for reader in (customer, None):
        page = text_of(german(reader).get(public.get_help_url()))
        assert "Brauchen Sie noch Hilfe?" in page and "Support kontaktieren" in page and "Aktualisiert am" in page
        assert "Still need help?" not in page
    english = text_of(client_for(None).get(public.get_help_url()))
    assert "Still need help?" in english and "Contact support" in english


def test_history_and_version_pages_in_german(article, contributor):
    history = text_of(german(contributor).get(reverse("articles:history", args=[article.slug])))
    assert "Verlauf" in history and "Mit aktueller Version vergleichen" in history and "Protokoll" in history
    version = text_of(german(contributor).get(reverse("articles:version", args=[article.slug, 1])))
    assert f"Jetzt ist er bei Version {article.version}" in version


def test_the_rules_editor_says_its_words_in_the_page_language(contributor, kb_owner, product, contact):
    article = make_article(author=contributor, product=product, rules=REFUND_RULES, contact=contact, kb_owner=kb_owner)
    body = german(kb_owner).get(reverse("articles:edit", args=[article.slug])).content.decode()
    # What the script says comes from the site's script catalogue in the page's language.
    assert '/jsi18n/?v=de"' in body
    catalogue = german(kb_owner).get("/jsi18n/?v=de").content.decode()
    assert "Regel %(number)s entfernt" in catalogue
    assert "%(max)s Regeln (entfernte Karten" in catalogue
    assert "Nach oben" in body and "Weitere Regel hinzufügen" in body
    english = client_for(kb_owner).get(reverse("articles:edit", args=[article.slug])).content.decode()
    assert '/jsi18n/?v=en-gb"' in english


@pytest.mark.parametrize(("language", "shown"), [("en-gb", "as not validated"), ("de", "as Not validated")])
def test_a_label_inside_a_sentence_is_lower_case_only_where_the_language_writes_it_so(language, shown):
    with translation.override(language):
        assert Template("{% load kcs %}as {{ label|in_sentence }}").render(Context({"label": "Not validated"})) == shown


def test_no_template_text_is_left_unmarked():
    assert audit(Path(settings.BASE_DIR), ["articles"]) == []


def test_the_german_catalogue_is_complete():
    text = CATALOGUE.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    assert entries
    for entry in entries:
        assert "#, fuzzy" not in entry, entry
        assert not re.search(r'^msgstr(?:\[\d\])? ""\n(?!")', entry + "\n", re.M), entry
    assert CATALOGUE.with_suffix(".mo").exists()


def test_a_rule_reads_in_its_articles_language_whatever_the_page_speaks(contributor, kb_owner, product, contact):
    article = make_article(author=contributor, product=product, rules=REFUND_RULES, contact=contact, kb_owner=kb_owner)
    url = reverse("articles:detail", args=[article.slug])
    # An English article on a German page: its rule stays one English sentence, not a mix.
    page = german(contributor).get(url).content.decode()
    assert "without approval" in page and "ohne Genehmigung" not in page
    Article.objects.filter(pk=article.pk).update(language="de")
    page = client_for(contributor).get(url).content.decode()
    assert "ohne Genehmigung" in page and "without approval" not in page
