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
    page.wait_for_selector("#site-search-suggestions li")  # titles as you type
    journey.shot("suggestions")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search/**")
    assert page.locator(".search-result, .result").count() > 0 or "missing" in page.content().lower()
    journey.shot("results")
    page.click("main a:has-text('A piece is missing')")
    page.wait_for_load_state()
    assert "A piece is missing from my construction set" in page.inner_text("h1")
    journey.shot("article")
