"""The KCS loop in a real browser: an agent flags an article, its owner fixes it with a
material update and resolves the flag, and the agent is told and reads the diff."""

from __future__ import annotations

import pytest

from articles.models import Article
from feedback.models import Flag

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "toy-set-missing-part"  # "A piece is missing from my construction set", owned by `owner`
FIX = "Check the second bag of parts before reporting a missing piece."


def test_agent_flags_owner_fixes_and_agent_sees_the_update(demo, journey):
    page = journey.page
    article = Article.objects.get(slug=SLUG)
    flags_before = Flag.objects.filter(article=article).count()

    # The agent finds the article and flags it.
    journey.sign_in("contributor")
    journey.go("/search/?q=missing+piece")
    page.click(f"main a[href*='/{SLUG}/']")
    page.wait_for_load_state()
    journey.shot("agent opens the article")
    page.click("details.flag-it summary")
    page.check("form.flag-form input[name=reason][value=missing_information]")
    page.fill("form.flag-form textarea[name=comment]", "It does not say to check the second bag of parts.")
    page.fill("form.flag-form input[name=case_ref]", "CASE-7731")
    journey.shot("agent fills in the flag")
    page.click("form.flag-form button[type=submit]")
    page.wait_for_load_state()
    assert "missing information" in page.inner_text("section.flags").lower()
    journey.shot("flag shows on the article")
    flag = Flag.objects.filter(article=article).order_by("-pk").first()
    assert Flag.objects.filter(article=article).count() == flags_before + 1 and flag.state == "open"

    # The owner sees it in the queue and fixes the article, closing the flag with the edit.
    journey.sign_in("owner")
    journey.go("/flags/")
    assert "CASE-7731" in page.content() or "second bag" in page.content()
    journey.shot("owner sees the flag in the queue")
    journey.go(f"/articles/{SLUG}/edit/")
    resolution = page.input_value("#id_resolution")
    page.fill("#id_resolution", resolution + "\n\n" + FIX)
    page.fill("#id_note", "Added the second bag check.")
    page.check("input[name=material][value='1']")
    page.check(f"input[name=addresses_flag][value='{flag.pk}']")
    journey.shot("owner edits and ticks the flag")
    page.click("form button[type=submit]:has-text('Save')")
    page.wait_for_load_state()
    assert FIX in page.inner_text("main")
    journey.shot("article after the material update")
    flag.refresh_from_db()
    article.refresh_from_db()
    assert flag.state == "resolved" and flag.resolved_version == article.version

    # The agent sees the bell, opens the notification and reads the diff.
    journey.sign_in("contributor")
    journey.go("/dashboard/")
    bell = page.locator("a.bell .count")
    assert bell.count() == 1 and int(bell.inner_text()) >= 1
    journey.shot("agent sees the unread count")
    journey.go("/notifications/")
    journey.shot("agent's notifications")
    page.click("button.open-note:has-text('Your flag on')")  # a POST: opening marks it read
    page.wait_for_load_state()
    assert "/diff/" in page.url
    assert "second bag" in page.inner_text("main")
    journey.shot("agent reads the diff")
