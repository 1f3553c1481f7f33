"""The help centre in the reader's language: /help/de/ addresses, the index in a language, an
article's versions in other languages (redirect, offer, hreflang, out-of-date notice), and no word
of a version the reader may not open."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from articles.help_views import help_articles, in_language
from articles.models import RESERVED_SLUGS, Article, Audience, State
from conftest import client_for, make_article, make_customer, make_partner

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


def make_translation(source, *, by, title, language="de", audience=Audience.PUBLIC, outdated=False, validator=None):
    """A translation of `source`, made with the ORM as the translation editor would leave it."""
    translation = Article.create(
        by=by,
        title=title,
        product=source.product,
        issue="Der Kunde möchte sein Geld zurück.",
        resolution="1. Buchung prüfen.",
        state=State.NOT_VALIDATED,
        audience=audience,
        language=language,
        translation_of=source,
        source_version=source.version,
        translation_outdated=outdated,
    )
    translation.validate(by=validator or by)
    translation.refresh_from_db()
    return translation


@pytest.fixture
def source(contributor, kb_owner, product):
    return make_article(
        author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner, title="Refund for a booking"
    )


@pytest.fixture
def german(source, kb_owner):
    return make_translation(source, by=kb_owner, title="Erstattung einer Buchung")


@pytest.fixture
def lonely(contributor, kb_owner, product):
    """A public English article nobody translated."""
    return make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner, title="Printer offline")


def alternates(page: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page))


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


# --- addresses -------------------------------------------------------------------------------------


def test_an_article_has_its_help_address_under_its_language(source, german):
    assert source.get_help_url() == f"/help/{source.slug}/"
    assert german.get_help_url() == f"/help/de/{german.slug}/"


@pytest.mark.parametrize("path", ["/help/fr/", "/help/xx/", "/help/xx/some-article/", "/help/en/", "/help/en-gb/"])
def test_an_unknown_language_prefix_is_a_404(db, client, path):
    assert client.get(path).status_code == 404


def test_a_language_the_interface_does_not_speak_is_a_404_even_before_an_article_slug(client, source):
    assert client.get(f"/help/fr/{source.slug}/").status_code == 404


@pytest.mark.parametrize("title", ["de", "DE", "en", "fr", "en-gb"])
def test_language_codes_are_never_an_article_slug(contributor, product, title):
    assert {"de", "en", "en-gb", "fr"} <= RESERVED_SLUGS
    article = Article.create(by=contributor, title=title, product=product, issue="Something is wrong.")
    assert article.slug not in RESERVED_SLUGS
    assert article.slug.startswith(title.lower())


# --- the index in a language ---------------------------------------------------------------------------


def test_german_index_lists_german_articles_and_untranslated_sources_marked_with_their_language(client, source, german, lonely):
    page = client.get("/help/de/").content.decode()
    assert german.title in page
    assert source.title not in page  # its German version stands for it
    item = re.search(r"<li><a [^>]*>Printer offline</a>[^\n]*</li>", page).group(0)
    assert 'lang="en"' in item and "(English)" in item
    # Still in the German pages: the article's page will say it is not in German.
    assert f'href="/help/de/{lonely.slug}/"' in item
    assert html_lang(page) == "de"
    assert '<input type="hidden" name="language" value="de">' in page  # the search box searches in German


def test_english_index_lists_sources_not_their_german_translations(client, source, german):
    page = client.get("/help/").content.decode()
    assert source.title in page and german.title not in page
    assert "(English)" not in page


def test_index_falls_back_to_the_source_when_the_translation_is_not_for_this_reader(client, source, kb_owner):
    hidden = make_translation(source, by=kb_owner, title="Nur für Partner", audience=Audience.PARTNER)
    anonymous = client.get("/help/de/").content.decode()
    assert hidden.title not in anonymous and hidden.slug not in anonymous
    assert source.title in anonymous
    partner = client_for(make_partner()).get("/help/de/").content.decode()
    assert hidden.title in partner and source.title not in partner


def test_index_never_lists_a_translation_whose_source_the_reader_may_not_open(contributor, kb_owner, product):
    # A translation is shown only to readers its source is shown to (articles.policy.visibility_q).
    internal_source = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Internal refund rule")
    make_translation(internal_source, by=kb_owner, title="Remboursement", language="fr")
    assert list(in_language(help_articles(None), "de")) == []


def test_index_query_count_does_not_grow_with_articles(client, contributor, kb_owner, product, django_assert_max_num_queries):
    def add(n):
        for i in range(n):
            src = make_article(
                author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner, title=f"Topic {i}"
            )
            if i % 2:
                make_translation(src, by=kb_owner, title=f"Thema {i}")

    add(2)
    with django_assert_max_num_queries(12) as few:
        client.get("/help/de/")
    add(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/help/de/").status_code == 200


# --- /help/ sends a reader to their language -------------------------------------------------------------


def test_help_index_sends_a_german_browser_to_the_german_index_and_keeps_the_query(client, source):
    response = client.get("/help/?product=hotel-bookings", **GERMAN)
    assert response.status_code == 302 and response["Location"] == "/help/de/?product=hotel-bookings"
    vary = response["Vary"]
    assert "Accept-Language" in vary and "Cookie" in vary


def test_help_index_sends_a_german_account_to_the_german_index(source):
    reader = make_customer()
    reader.language = "de"
    reader.save()
    assert client_for(reader).get("/help/")["Location"] == "/help/de/"


def test_the_switchers_english_beats_a_german_browser_and_an_explicit_address_always_wins(client, source):
    client.cookies["kcs_language"] = "en-gb"
    assert client.get("/help/", **GERMAN).status_code == 200
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert english.get("/help/de/").status_code == 200
    assert english.get("/help/de/")["Content-Language"] == "de"


# --- an article page --------------------------------------------------------------------------------------


def test_german_address_of_an_english_article_goes_to_its_german_version(client, source, german):
    response = client.get(f"/help/de/{source.slug}/?from=mail")
    assert response.status_code == 302
    assert response["Location"] == f"/help/de/{german.slug}/?from=mail"


def test_german_address_of_an_untranslated_article_shows_it_saying_so(client, lonely):
    response = client.get(f"/help/de/{lonely.slug}/")
    page = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == "de"
    assert "language-note" in page and "Deutsch" in page  # "… not available in German (Deutsch)"
    assert html_lang(page) == "en"  # the article's language …
    assert '<header class="top" lang="de">' in page  # … and the interface around it is marked
    assert 'href="/help/de/?product=' in page  # the crumb stays in the German help centre


def test_english_article_offers_its_german_version_to_a_german_reader(client, source, german):
    page = client.get(f"/help/{source.slug}/", **GERMAN).content.decode()
    offer = re.search(r'<p class="language-note language-offer"[^>]*>.*?</p>', page, re.S).group(0)
    assert f'href="/help/de/{german.slug}/"' in offer and 'lang="de"' in offer
    english = client.get(f"/help/{source.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "language-offer" not in english


def test_german_page_offers_the_english_original_to_an_english_reader(source, german):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/help/de/{german.slug}/").content.decode()
    assert html_lang(page) == "de"
    offer = re.search(r'<p class="language-note language-offer"[^>]*>.*?</p>', page, re.S).group(0)
    assert f'href="/help/{source.slug}/"' in offer


def test_every_version_the_reader_may_open_is_an_hreflang_alternate_with_the_source_as_default(client, source, german, kb_owner):
    french = make_translation(source, by=kb_owner, title="Remboursement d'une réservation", language="fr")
    for page in (client.get(f"/help/{source.slug}/"), client.get(f"/help/de/{german.slug}/")):
        assert alternates(page.content.decode()) == {
            "en": f"http://testserver/help/{source.slug}/",
            "de": f"http://testserver/help/de/{german.slug}/",
            "fr": f"http://testserver{french.get_help_url()}",  # French has no interface: no prefix
            "x-default": f"http://testserver/help/{source.slug}/",
        }


def test_an_article_without_translations_has_no_alternates(client, lonely):
    assert alternates(client.get(f"/help/{lonely.slug}/").content.decode()) == {}


def test_out_of_date_translation_says_so_and_links_the_original(client, source, kb_owner):
    stale = make_translation(source, by=kb_owner, title="Alte Erstattung", outdated=True)
    page = client.get(f"/help/de/{stale.slug}/").content.decode()
    notice = re.search(r'<p class="language-note language-outdated"[^>]*>.*?</p>', page, re.S).group(0)
    # The page is German (its address), and so is the notice.
    assert "älter als das Original" in notice
    assert f'href="/help/{source.slug}/"' in notice


def test_current_translation_has_no_out_of_date_notice(client, german):
    assert "language-outdated" not in client.get(f"/help/de/{german.slug}/").content.decode()


def test_a_translation_of_an_original_the_reader_may_not_open_is_not_found(contributor, kb_owner, product, client):
    internal_source = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Internal refund rule")
    stale = make_translation(internal_source, by=kb_owner, title="Erstattungsregel", outdated=True)
    response = client.get(f"/help/de/{stale.slug}/")
    assert response.status_code == 404  # shown only to readers its source is shown to
    page = response.content.decode()
    assert internal_source.slug not in page and internal_source.title not in page


# --- versions the reader may not open ----------------------------------------------------------------------


@pytest.fixture
def readers(kb_owner):
    return {"anonymous": None, "customer": make_customer(), "partner": make_partner(), "staff": kb_owner}


@pytest.mark.parametrize("who", ["anonymous", "customer", "partner", "staff"])
def test_an_internal_translation_is_never_named_in_the_help_centre(source, kb_owner, readers, who):
    internal = make_translation(source, by=kb_owner, title="Interne Übersetzung", audience=Audience.INTERNAL)
    client = client_for(readers[who])
    client.defaults.update(GERMAN)
    for path in (f"/help/{source.slug}/", f"/help/de/{source.slug}/", "/help/de/"):
        response = client.get(path)
        assert response.status_code == 200, path  # no redirect to it
        page = response.content.decode()
        assert internal.slug not in page and internal.title not in page, path
        if path != "/help/de/":
            assert "language-offer" not in page and "hreflang" not in page.split("</head>")[0], path
    assert client.get(f"/help/de/{internal.slug}/").status_code == 404


@pytest.mark.parametrize(("who", "sees"), [("anonymous", False), ("customer", False), ("partner", True), ("staff", True)])
def test_a_partner_translation_is_named_only_to_who_may_open_it(source, kb_owner, readers, who, sees):
    partner_only = make_translation(source, by=kb_owner, title="Partnerübersetzung", audience=Audience.PARTNER)
    client = client_for(readers[who])
    response = client.get(f"/help/de/{source.slug}/")
    assert (response.status_code == 302) is sees
    page = client.get(f"/help/{source.slug}/", **GERMAN).content.decode()
    assert (partner_only.title in page) is sees
    assert ('hreflang="de"' in page) is sees


def test_an_unvalidated_translation_is_not_named(source, kb_owner, client):
    draft = Article.create(
        by=kb_owner,
        title="Entwurf einer Übersetzung",
        product=source.product,
        issue="Entwurf.",
        language="de",
        translation_of=source,
        source_version=source.version,
    )
    page = client.get(f"/help/{source.slug}/", **GERMAN).content.decode()
    assert draft.slug not in page and "language-offer" not in page
    assert client.get(f"/help/de/{source.slug}/").status_code == 200


def test_an_archived_german_version_is_not_gone_to(source, german, kb_owner, client):
    german.archive(by=kb_owner)
    response = client.get(f"/help/de/{source.slug}/")
    assert response.status_code == 200
    assert german.slug not in response.content.decode()
    assert client.get(f"/help/de/{german.slug}/").status_code == 404


def test_a_merged_articles_german_address_goes_to_the_german_address_of_what_it_was_merged_into(client, source, lonely, kb_owner):
    from articles import merging

    merging.merge(source=lonely, target=source, by=kb_owner, base_versions=(source.version, lonely.version), changes={})
    response = client.get(f"/help/de/{lonely.slug}/")
    assert response.status_code == 301 and response["Location"] == f"/help/de/{source.slug}/"
    assert client.get(f"/help/{lonely.slug}/")["Location"] == f"/help/{source.slug}/"


def test_the_german_index_finds_a_translation_by_its_originals_title(client, german, source):
    page = client.get("/help/de/", {"q": source.title.split()[0]}).content.decode()
    assert f'href="/help/de/{german.slug}/"' in page
