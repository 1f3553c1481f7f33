"""Which interface language a request is answered in (kcs_site/locale.py), first match wins:
a help-centre address's language, the account's, the switcher's cookie, the browser's, English.
And the switcher: a plain form that sets the cookie, saves a signed-in account's choice and goes
back to the same page (in the chosen language, for help-centre pages)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from accounts.models import User
from articles.models import Article, Audience, State
from articles.tests.htmlparse import form_fields
from conftest import client_for, make_article, make_customer
from kcs_site.locale import reader_content_language

COOKIE = "kcs_language"


def language_of(client: Client, path: str = "/search/", **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200, response.status_code
    return response["Content-Language"]


def reader(language: str = "") -> User:
    user = make_customer()
    user.language = language
    user.save()
    return user


# --- precedence: address > account > cookie > Accept-Language > default -----------------------------------


def test_default_is_english(db):
    assert language_of(Client()) == "en-gb"


def test_browser_language_beats_the_default(db):
    assert language_of(Client(), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5") == "de"


def test_switcher_cookie_beats_the_browser(db):
    client = Client()
    client.cookies[COOKIE] = "en-gb"
    assert language_of(client, HTTP_ACCEPT_LANGUAGE="de") == "en-gb"
    client.cookies[COOKIE] = "de"
    assert language_of(client, HTTP_ACCEPT_LANGUAGE="en") == "de"


def test_account_language_beats_the_cookie_and_the_browser(db):
    client = client_for(reader("de"))
    client.cookies[COOKIE] = "en-gb"
    assert language_of(client, HTTP_ACCEPT_LANGUAGE="en") == "de"


def test_account_as_the_browser_says_leaves_the_cookie_and_browser_to_decide(db):
    client = client_for(reader(""))
    assert language_of(client, HTTP_ACCEPT_LANGUAGE="de") == "de"
    client.cookies[COOKIE] = "en-gb"
    assert language_of(client, HTTP_ACCEPT_LANGUAGE="de") == "en-gb"


def test_an_account_language_the_interface_no_longer_speaks_is_ignored(db):
    client = client_for(reader("xx"))
    assert language_of(client, HTTP_ACCEPT_LANGUAGE="de") == "de"


def test_help_address_language_beats_account_cookie_and_browser(db):
    client = client_for(reader("en-gb"))
    client.cookies[COOKIE] = "en-gb"
    assert language_of(client, "/help/de/", HTTP_ACCEPT_LANGUAGE="en") == "de"


def test_unprefixed_pages_follow_the_reader_not_the_last_help_address(db):
    client = Client()
    assert language_of(client, "/help/de/") == "de"
    assert language_of(client) == "en-gb"


def test_answers_vary_on_accept_language_and_cookie(db):
    for path in ("/search/", "/help/", "/help/de/"):
        vary = Client().get(path)["Vary"]
        assert "Accept-Language" in vary and "Cookie" in vary, path


def test_reader_content_language_is_the_pages_or_the_one_asked_for(db):
    factory = RequestFactory()
    request = factory.get("/search/", {"q": "refund"})
    request.LANGUAGE_CODE = "de"
    assert reader_content_language(request) == "de"
    request.LANGUAGE_CODE = "en-gb"
    assert reader_content_language(request) == "en"
    assert reader_content_language(factory.get("/search/", {"language": "fr"})) == "fr"
    asked_nonsense = factory.get("/search/", {"language": "klingon"})
    asked_nonsense.LANGUAGE_CODE = "de"
    assert reader_content_language(asked_nonsense) == "de"


# --- the switcher ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "customer", "staff"])
def test_header_has_a_labelled_switcher_form_that_returns_to_this_page(db, kb_owner, who):
    user = {"anonymous": None, "customer": make_customer(), "staff": kb_owner}[who]
    page = client_for(user).get("/help/contact/?q=refund").content.decode()
    assert page.count('<form class="language-switch" method="post" action="/i18n/setlang/">') == 1
    assert '<label for="language-switch-select"' in page and 'id="language-switch-select" name="language"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    data = form_fields(page, "language-switch")
    assert data["next"] == "/help/contact/?q=refund"
    assert data["language"] == "en-gb"  # the current language is selected
    assert '<option value="de" lang="de">Deutsch</option>' in page
    assert '<button type="submit">' in page.split('class="language-switch"')[1].split("</form>")[0]


def test_switcher_selects_the_language_in_use(db):
    page = Client(HTTP_ACCEPT_LANGUAGE="de").get("/search/").content.decode()
    assert form_fields(page, "language-switch")["language"] == "de"


def test_choosing_a_language_sets_the_cookie_saves_the_account_and_returns(db, kb_owner):
    client = client_for(kb_owner)
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/articles/?state=validated"})
    assert response.status_code == 302 and response["Location"] == "/articles/?state=validated"
    assert response.cookies[COOKIE].value == "de"
    kb_owner.refresh_from_db()
    assert kb_owner.language == "de"
    assert language_of(client) == "de"


def test_choosing_a_language_signed_out_sets_only_the_cookie(db):
    client = Client(enforce_csrf_checks=False)
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/search/"})
    assert response["Location"] == "/search/" and response.cookies[COOKIE].value == "de"
    assert language_of(client, HTTP_ACCEPT_LANGUAGE="en") == "de"


def test_the_saved_language_follows_the_account_to_another_browser(db):
    user = reader("")
    client_for(user).post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert language_of(client_for(user)) == "de"


@pytest.mark.parametrize("language", ["fr", "xx", "", "de-DE-x-nonsense-that-is-long"])
def test_a_language_the_interface_does_not_speak_changes_nothing(db, language):
    user = reader("")
    response = client_for(user).post("/i18n/setlang/", {"language": language, "next": "/search/"})
    assert response.status_code == 302 and response["Location"] == "/search/"
    assert COOKIE not in response.cookies or language.startswith("de")
    user.refresh_from_db()
    assert user.language in ("", "de")


def test_switcher_never_sends_to_another_site(db):
    response = Client().post("/i18n/setlang/", {"language": "de", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_switcher_takes_no_get(db):
    assert Client().get("/i18n/setlang/?language=de&next=/").status_code == 405


def test_switcher_refuses_a_post_without_the_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/i18n/setlang/", {"language": "de", "next": "/"}).status_code == 403


# --- the switcher on help-centre pages: the same page in the chosen language ------------------------------


@pytest.fixture
def pair(contributor, kb_owner, product):
    source = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner, title="Refund")
    german = Article.create(
        by=kb_owner,
        title="Erstattung",
        product=product,
        issue="Geld zurück.",
        resolution="Prüfen.",
        state=State.NOT_VALIDATED,
        audience=Audience.PUBLIC,
        language="de",
        translation_of=source,
        source_version=source.version,
    )
    german.validate(by=kb_owner)
    return source, german


def switch(language: str, next_url: str, user=None) -> str:
    return client_for(user).post("/i18n/setlang/", {"language": language, "next": next_url})["Location"]


def test_switching_on_the_help_index_goes_to_the_index_in_that_language(db):
    assert switch("de", "/help/?product=toys") == "/help/de/?product=toys"
    assert switch("en-gb", "/help/de/") == "/help/"


def test_switching_on_an_article_goes_to_its_version_in_that_language(pair):
    source, german = pair
    assert switch("de", f"/help/{source.slug}/") == f"/help/de/{german.slug}/"
    assert switch("en-gb", f"/help/de/{german.slug}/") == f"/help/{source.slug}/"


def test_switching_on_an_untranslated_article_stays_on_it_under_the_languages_prefix(contributor, kb_owner, product):
    lonely = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner, title="Printer")
    assert switch("de", f"/help/{lonely.slug}/#steps") == f"/help/de/{lonely.slug}/#steps"


def test_switching_never_goes_to_a_version_the_reader_may_not_open(pair, kb_owner):
    source, german = pair
    german.edit(by=kb_owner, base_version=german.version, changes={"audience": Audience.PARTNER}, note="Partners", material=False)
    assert switch("de", f"/help/{source.slug}/") == f"/help/de/{source.slug}/"


def test_switching_on_other_help_pages_keeps_them(db):
    assert switch("de", "/help/contact/?q=x") == "/help/contact/?q=x"
    assert switch("de", "/help/no-such-article/") == "/help/no-such-article/"
