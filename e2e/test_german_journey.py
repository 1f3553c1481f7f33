"""A German reader and German staff: the help centre answers in German (/help/de/), finds a German
translation by another form of a word, offers the English original through the language switcher,
says when a translation is older than its original, and never shows an internal translation to
outsiders. Staff sign in with a German browser, open the translators' queue and confirm an
out-of-date translation. Screenshots of the key pages at 1280x900 and 390x844."""

from __future__ import annotations

import pytest
from django.utils import translation

from articles.models import Article

from .conftest import Journey

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

# articles/demo_translations.py: the German translations the demo loads.
ORDER = "spielzeugbestellung-nicht-angekommen"  # public; its source is "toy-order-not-arrived"
OUTDATED = "internet-weg-router-leuchte-rot"  # public, out of date; source "internet-down-red-light"
INTERNAL = "hotel-bezahlt-keine-bestaetigung"  # internal only, although its source is public


@pytest.fixture
def german(chromium, live_server, request):
    """A Journey in a browser that asks for German, as a browser set to German does."""
    context = chromium.new_context(
        viewport=SIZES["desktop"], locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield Journey(page, live_server.url, request.node.name)
    context.close()


def shots(journey: Journey, label: str) -> None:
    """The current page at desktop and phone sizes, and back to desktop; nothing runs off the side."""
    for size, viewport in SIZES.items():
        journey.page.set_viewport_size(viewport)
        overflow = journey.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{label} at {size}: {overflow}px wider than the window"
        journey.shot(f"{label} {size}")
    journey.page.set_viewport_size(SIZES["desktop"])


def german_text(english: str) -> str:
    """The German catalogue's text for an interface string: the test reads what a German reader sees."""
    with translation.override("de"):
        text = translation.gettext(english)
    assert text != english, f"no German for {english!r}"
    return text


def test_a_german_reader_finds_a_german_article_and_switches_to_the_english_original(demo, german):
    page = german.page
    german.go("/help/")
    page.wait_for_url("**/help/de/")
    assert page.get_attribute("html", "lang") == "de"
    assert page.inner_text("main h1") == "Hilfe-Center"
    assert page.locator("main form.search-page-form button[type=submit]").inner_text() == "Suchen"
    assert page.locator(f"main .help-list a[href='/help/de/{ORDER}/']").count() == 1
    shots(german, "help centre in German")

    # The text says "Spielzeugbestellung"; the reader types the plural. German stemming finds it.
    source = Article.objects.get(slug=ORDER)
    assert "Spielzeugbestellungen" not in " ".join([source.title, source.issue, source.resolution, source.cause])
    page.fill("main form.search-page-form input[name=q]", "Spielzeugbestellungen")
    page.press("main form.search-page-form input[name=q]", "Enter")
    page.wait_for_url("**/search/**")
    assert page.get_attribute("html", "lang") == "de"
    first = page.locator(".search-results .hit-title").first
    assert first.inner_text() == source.title
    assert first.get_attribute("lang") == "de"
    german.shot("German results")
    first.click()
    page.wait_for_url(f"**/help/de/{ORDER}/")

    assert page.get_attribute("html", "lang") == "de"
    assert page.inner_text("main h1") == source.title
    main = page.inner_text("main")
    assert "Sendungsverfolgung" in main and "Expressgebühr" in main
    assert "Nachforschungsauftrag" not in main  # the translation's internal notes stay internal
    english = source.translation_of
    alternates = {
        link.get_attribute("hreflang"): link.get_attribute("href")
        for link in page.locator("head link[rel=alternate][hreflang]").all()
    }
    assert alternates["de"].endswith(f"/help/de/{ORDER}/")
    assert alternates["en"].endswith(f"/help/{english.slug}/")
    shots(german, "article in German")

    # The language switcher, from the keyboard only: Tab to it, choose English.
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "language-switch-select":
            break
    else:
        pytest.fail("Tab never reached the language switcher")
    page.keyboard.press("ArrowUp")  # Deutsch -> English; choosing alone changes nothing
    assert "/help/de/" in page.url
    page.keyboard.press("Tab")  # to the switcher's own button
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/help/{english.slug}/")
    assert page.get_attribute("html", "lang").startswith("en")
    assert page.inner_text("main h1") == english.title
    assert page.locator("#language-switch-select").input_value() == "en-gb"
    assert "Help centre" in page.inner_text("header")
    shots(german, "switched to English")


def test_a_german_reader_is_told_a_translation_is_older_than_the_original(demo, german):
    page = german.page
    translation_ = Article.objects.get(slug=OUTDATED)
    assert translation_.translation_outdated
    german.go(f"/help/de/{OUTDATED}/")
    assert page.get_attribute("html", "lang") == "de"
    note = page.locator("main .language-outdated")
    assert german_text("This translation is older than the original, which has changed since.") in note.inner_text()
    original = note.locator("a")
    assert original.get_attribute("href") == f"/help/{translation_.translation_of.slug}/"
    assert original.get_attribute("hreflang") == "en"
    assert "Englisch" in original.inner_text()
    german.shot("out-of-date notice")
    original.click()
    page.wait_for_url(f"**/help/{translation_.translation_of.slug}/")
    assert page.inner_text("main h1") == translation_.translation_of.title


def test_staff_in_german_confirm_an_out_of_date_translation(demo, german):
    page = german.page
    german.sign_in("owner")
    german.go("/dashboard/")
    assert page.get_attribute("html", "lang") == "de"
    assert german_text("My work") in page.inner_text("header")
    assert german_text("Log out") in page.locator("header").text_content()  # in the closed account menu
    german.shot("dashboard in German")

    german.go("/translations/")
    assert page.get_attribute("html", "lang") == "de"
    assert page.inner_text("main h1") == german_text("Translations to do")
    outdated = page.locator("#outdated-heading + table, section[aria-labelledby=outdated-heading] table")
    row = outdated.locator("tr", has=page.locator(f"a[lang=de]:has-text('{Article.objects.get(slug=OUTDATED).title}')"))
    assert row.count() == 1
    missing = page.locator("section[aria-labelledby=missing-heading] table tbody tr").first
    assert missing.locator("td").nth(1).inner_text() == "Englisch"  # the source's language, named in German
    shots(german, "translators queue in German")

    row.locator("a[lang=de]").click()
    page.wait_for_load_state()
    notice = page.locator("main .outdated-note")
    assert notice.count() == 1
    german.shot("out-of-date translation")
    notice.get_by_role("button", name="Als weiterhin korrekt bestätigen").click()
    page.wait_for_load_state()
    assert page.locator("main .outdated-note").count() == 0
    assert "bestätigt" in page.inner_text("main .msg")
    german.shot("confirmed")
    assert not Article.objects.get(slug=OUTDATED).translation_outdated

    german.go(f"/help/de/{OUTDATED}/")  # the help centre no longer says it is older either
    assert page.locator("main .language-outdated").count() == 0


def test_an_internal_german_translation_never_reaches_an_outside_reader(demo, german):
    page = german.page
    internal = Article.objects.get(slug=INTERNAL)
    german.go("/help/de/")
    assert page.locator(f"a[href*='{INTERNAL}']").count() == 0
    assert internal.title not in page.inner_text("main")
    german.go("/search/?q=Bestätigungs-E-Mail+erhalten+Hotel+bezahlt&language=de")
    assert page.get_attribute("html", "lang") == "de"
    assert internal.title not in page.content()
    assert INTERNAL not in page.content()
    german.go("/search/suggest/?q=Hotel+bezahlt")
    assert internal.title not in page.content()
    response = page.goto(german.base_url + f"/help/de/{INTERNAL}/")
    assert response.status == 404
    assert internal.title not in page.content()
    response = page.goto(german.base_url + f"/help/{INTERNAL}/")
    assert response.status == 404
