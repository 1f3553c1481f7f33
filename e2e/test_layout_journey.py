"""The layout in a real browser at desktop (1280x900) and phone (390x844) sizes: staff see the
decision authority and whom to ask on the first screen of an article, the header's menus work
with and without JavaScript, a keyboard reaches the content in one step, search results come
before the filters on a phone, a new hire's dashboard starts with a progress bar, and long
unbroken text never widens a page."""

from __future__ import annotations

import pytest

from articles.models import Article, Product
from conftest import make_candidate

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SLUG = "hotel-non-refundable-refund-exception"  # four rules, a long note and an escalation contact


def top_of(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("who", ["contributor", "owner", "coach", "candidate"])
def test_staff_see_the_decision_authority_without_scrolling(demo, journey, who):
    page = journey.page
    journey.sign_in(who)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        journey.go(f"/articles/{SLUG}/")
        assert page.evaluate("window.scrollY") == 0
        for part in (".authority h2", ".authority .contact", ".authority .rule"):
            assert top_of(page, part) < viewport["height"], f"{part} is below the first screen at {size}"
        assert "Hotel Partner Relations" in page.locator(".authority .contact").inner_text()
        assert page_width(page) <= viewport["width"]
        ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
        assert sorted({i for i in ids if ids.count(i) > 1}) == []
        journey.shot(f"{who} article {size}")
        # The panels are beside the article on a desktop, after it on a phone.
        side, resolution = page.locator(".kb-side").bounding_box(), page.locator(".kb-main").bounding_box()
        if size == "desktop":
            assert side["x"] > resolution["x"] + resolution["width"] - 1
        else:
            assert side["y"] >= resolution["y"] + resolution["height"] - 1


def test_agent_uses_the_side_panels_on_a_phone(demo, journey):
    page = journey.page
    journey.sign_in("contributor")
    page.set_viewport_size(SIZES["phone"])
    journey.go(f"/articles/{SLUG}/")
    page.click(".kb-side summary:has-text('I used this on a case')")
    page.fill("#reuse_case_ref", "CASE-5150")
    journey.shot("reuse form open on a phone")
    page.click(".kb-side button:has-text('Record use')")
    page.wait_for_load_state()
    assert "CASE-5150" in page.inner_text("main .msg")
    page.click(".kb-side details.follow summary")
    assert page.locator(".kb-side .subscribe-box").is_visible()
    journey.shot("follow updates open")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_phone_menu_and_account_menu_work(demo, chromium, live_server, javascript):
    from e2e.conftest import Journey

    context = chromium.new_context(viewport=SIZES["phone"], java_script_enabled=javascript)
    journey = Journey(context.new_page(), live_server.url, f"phone-menu-{'js' if javascript else 'nojs'}")
    page = journey.page
    try:
        journey.sign_in("owner")
        journey.go("/dashboard/")
        header = page.locator("header.top").bounding_box()
        assert header["height"] < 140, "the header stays two short rows on a phone"
        assert not page.locator("header a:has-text('Articles')").is_visible()
        journey.shot("phone header closed")
        page.click("header summary:has-text('Menu')")
        for link in ("My work", "Articles", "Flags", "Due for review", "Cases", "What's new"):
            assert page.locator(f'header a:has-text("{link}")').is_visible(), link
        journey.shot("phone menu open")
        page.click("header a:has-text('Flags')")
        page.wait_for_url("**/flags/")
        page.click("header details.account summary")
        assert page.locator("header a:has-text('API tokens')").is_visible()
        journey.shot("account menu open")
        if javascript:
            page.keyboard.press("Escape")
            assert not page.locator("header a:has-text('API tokens')").is_visible()
        page.set_viewport_size(SIZES["desktop"])
        journey.go("/dashboard/")
        header = page.locator("header.top").bounding_box()
        assert header["height"] < 70, "one row on a desktop"
        assert page.locator("header a:has-text('Articles')").is_visible()
        assert not page.locator("header a:has-text('Cases')").is_visible()
        page.click("header summary:has-text('More')")
        assert page.locator("header a:has-text('Cases')").is_visible()
        journey.shot("desktop more menu open")
    finally:
        context.close()


def test_keyboard_reaches_the_content_with_the_skip_link(demo, journey):
    page = journey.page
    journey.sign_in("contributor")
    journey.go(f"/articles/{SLUG}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown when focused
    journey.shot("skip link focused")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_search_results_come_before_the_filters_on_a_phone(demo, journey):
    page = journey.page
    journey.sign_in("contributor")
    page.set_viewport_size(SIZES["phone"])
    journey.go("/search/?q=refund")
    assert top_of(page, ".search-results li") < SIZES["phone"]["height"] - 100
    assert not page.locator(".facets").is_visible()
    journey.shot("phone results first")
    page.click("summary:has-text('Filters')")
    assert page.locator(".facets").is_visible()
    journey.shot("phone filters open")
    page.locator(".facets ul:not(.language-facet) a").first.click()  # a facet's value (not the language choice)
    page.wait_for_load_state()
    assert "chosen" in page.inner_text(".facets-toggle summary")
    page.set_viewport_size(SIZES["desktop"])
    journey.go("/search/?q=refund")
    assert page.locator(".facets").is_visible()
    assert page.locator(".facets").bounding_box()["x"] < page.locator(".search-results").bounding_box()["x"]
    journey.shot("desktop filters beside the results")


def test_new_hire_dashboard_starts_with_a_progress_bar(demo, journey):
    page = journey.page
    journey.sign_in("candidate")
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        journey.go("/dashboard/")
        bar = page.locator("main progress").first
        assert bar.is_visible() and top_of(page, "main progress") < viewport["height"]
        assert top_of(page, "main progress") < top_of(page, "main h2:has-text('My drafts')")
        assert "required done" in page.inner_text(".training-dashboard")
        journey.shot(f"new hire dashboard {size}")


def test_long_unbroken_text_does_not_widen_pages(demo, journey):
    page = journey.page
    author = make_candidate()
    long_title = "Refund" + "x" * (Article._meta.get_field("title").max_length - 6)  # the longest a title may be
    Article.create(by=author, title=long_title, product=Product.objects.first(), tags=["t" + "y" * 90], issue="z" * 3000)
    journey.sign_in("cara", "pw")
    journey.go("/search/?q=" + "q" * 5000)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for url in ("/dashboard/", "/articles/", Article.objects.get(title=long_title).get_absolute_url(), "/search/?q=refund"):
            journey.go(url)
            assert page_width(page) <= viewport["width"], f"{url} at {size} is {page_width(page)} px wide"
            journey.shot(f"long text {url[:40]} {size}")
    journey.sign_in("owner")
    journey.go("/search/?q=" + "q" * 5000)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        journey.go("/search/report/")
        assert page_width(page) <= viewport["width"]
        journey.shot(f"search report with a 5000-character query {size}")
