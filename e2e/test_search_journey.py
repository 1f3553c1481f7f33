"""An agent searches from the box on every page, gets suggestions as they type, and opens an article."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_searches_with_suggestions_and_opens_an_article(demo, journey):
    page = journey.page
    journey.sign_in("contributor")
    journey.go("/dashboard/")
    journey.shot("dashboard")
    page.fill("#site-search", "missing piece")
    page.wait_for_selector("#site-search-suggestions [role=option]")  # titles as you type
    journey.shot("suggestions")
    page.press("#site-search", "Enter")  # nothing chosen: the form searches
    page.wait_for_url("**/search/**")
    assert page.locator(".search-result, .result").count() > 0 or "missing" in page.content().lower()
    journey.shot("results")
    page.click("main a:has-text('A piece is missing')")
    page.wait_for_load_state()
    assert "A piece is missing from my construction set" in page.inner_text("h1")
    journey.shot("article")


def test_a_visitor_picks_a_suggestion_for_two_words_with_the_keyboard(demo, journey):
    page = journey.page
    journey.go("/help/")
    box = page.locator("#site-search")
    box.press_sequentially("toy ord", delay=30)  # two words, the last half typed
    option = page.locator("#site-search-suggestions [role=option]").first
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert page.locator("#site-search-suggestions [role=group]").first.get_attribute("aria-labelledby")
    assert "suggestion" in page.inner_text("#site-search-status")
    title = option.inner_text()
    assert "toy order" in title.lower()  # "My toy order still hasn't arrived"
    journey.shot("suggestions")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    assert option.get_attribute("aria-selected") == "true"
    box.press("End")  # the caret moves in the box; no option is pointed at
    assert box.get_attribute("aria-activedescendant") is None
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == "toy ord"
    box.press("ArrowDown")  # opens the list on the first option again
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    box.press("Enter")
    page.wait_for_url("**/help/**")
    assert title in page.inner_text("h1")
    journey.shot("article")
