"""Capture from a search, see a duplicate while typing, use it instead: one article per issue."""

from __future__ import annotations

import pytest

from articles.models import Article, Reuse

pytestmark = pytest.mark.django_db(transaction=True)

EXISTING = "I've booked with you for years, can't you refund my non-refundable room?"


def test_agent_captures_from_a_search_sees_a_duplicate_and_uses_it_instead(demo, journey):
    page = journey.page
    existing = Article.objects.get(title=EXISTING)
    before = Article.objects.count()
    reused = Reuse.objects.filter(article=existing, user__username="contributor").count()  # the demo's own
    journey.sign_in("contributor")
    journey.go("/search/?q=loyal+guest+money+back+for+a+non-refundable+stay")
    page.click("a:has-text('Start a new article')")
    page.wait_for_url("**/articles/new/**")
    region = page.locator("#similar-articles")
    status = region.locator("[role=status]")
    assert status.get_attribute("aria-live") == "polite"
    title = page.locator("#id_title")
    title.fill("")
    title.press_sequentially("Refund for a non-refundable room booked by a loyal guest", delay=10)
    suggestion = region.locator(".similar-item", has_text=EXISTING)
    suggestion.wait_for()
    assert "Title shares:" in suggestion.inner_text()
    assert region.locator("h2", has_text="Similar articles").count() == 1
    journey.shot("similar articles while typing")
    suggestion.locator("button", has_text="Use this instead").click()
    page.wait_for_url(f"**{existing.get_absolute_url()}")
    assert "Using this article instead" in page.inner_text("main")
    assert "Your draft was not saved" in page.inner_text("main")
    journey.shot("the article used instead")
    assert Article.objects.count() == before  # nothing saved
    existing.refresh_from_db()
    assert Reuse.objects.filter(article=existing, user__username="contributor").count() == reused + 1
    assert existing.reuse_count >= 1


def test_not_a_duplicate_hides_it_and_is_remembered_on_save(demo, journey):
    page = journey.page
    existing = Article.objects.get(title=EXISTING)
    journey.sign_in("contributor")
    journey.go("/articles/new/")
    page.select_option("#id_product", index=1)
    page.locator("#id_title").press_sequentially("Refund for a non-refundable room booked by a loyal guest", delay=10)
    item = page.locator("#similar-articles .similar-item", has_text=EXISTING)
    item.wait_for()
    item.locator("button", has_text="Not a duplicate").focus()
    page.keyboard.press("Enter")  # from the keyboard: focus must not be lost with the button
    status = page.locator("#similar-articles [role=status]")
    status.filter(has_text="Marked as not a duplicate").wait_for()
    assert item.count() == 0
    assert page.evaluate("document.activeElement.tagName") != "BODY"
    journey.shot("marked as not a duplicate")
    assert page.locator("input[name=not_duplicate]").input_value() == str(existing.pk)
    page.click("button.save")
    page.wait_for_load_state()
    created = Article.objects.get(title="Refund for a non-refundable room booked by a loyal guest")
    from search.models import DuplicatePair

    pair = DuplicatePair.objects.get()
    assert {pair.first_id, pair.second_id} == {existing.pk, created.pk} and pair.dismissed_at is not None
