"""The flag queue, the coach's review and archiving, in a real browser at desktop and phone sizes:
an agent flags unclear decision authority, the KB owner sorts the queue by priority, clicks
"Fix it", saves, and the flag leaves the queue; a coach reads a resubmitted article with the
changes since the last round; a KB owner archives an article saying why."""

from __future__ import annotations

import pytest

from articles.models import Article, ArticleEvent
from coaching.models import ReviewRequest
from feedback.models import Flag

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def both_sizes(journey, label: str) -> None:
    """Screenshots of the current page at 1280×900 and 390×844, and back to desktop."""
    journey.shot(f"{label} desktop")
    journey.page.set_viewport_size(PHONE)
    journey.shot(f"{label} phone")
    assert journey.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, (
        f"{label}: page wider than a phone"
    )
    journey.page.set_viewport_size(DESKTOP)


def test_agent_flags_authority_owner_fixes_it_from_the_queue(demo, journey):
    page = journey.page
    slug = "toy-set-missing-part"
    comment = "Who may send a free replacement part: the agent alone or a team lead?"

    journey.sign_in("contributor")
    journey.go(f"/articles/{slug}/")
    page.click("details.flag-it summary")
    page.check("form.flag-form input[name=reason][value=authority_unclear]")
    page.fill("form.flag-form textarea[name=comment]", comment)
    page.click("form.flag-form button[type=submit]")
    page.wait_for_load_state()
    flag = Flag.objects.get(article__slug=slug, reason="authority_unclear", state="open")

    # The KB owner opens the queue and sorts it by priority: authority flags come first.
    journey.sign_in("owner")
    journey.go("/flags/?sort=newest")
    page.select_option("select[name=sort]", "priority")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "sort=priority" in page.url
    rows = page.locator("table.flag-queue tbody tr")
    assert "Decision authority" in rows.first.inner_text()
    authority_rows = page.locator("table.flag-queue tbody tr.flag-authority").count()
    ours = page.locator("table.flag-queue tbody tr", has_text=comment)
    assert ours.count() == 1 and "flag-authority" in ours.get_attribute("class")
    texts = rows.all_inner_texts()
    assert texts.index(next(t for t in texts if comment in t)) < authority_rows  # among the authority flags at the top
    page.click("details.queue-priority summary")
    both_sizes(journey, "owner sorts the queue by priority")

    # Fix it: the editor opens with that flag ticked.
    ours.locator("a:has-text('Fix it')").click()
    page.wait_for_load_state()
    assert f"resolves={flag.pk}" in page.url
    assert page.is_checked(f"input[name=addresses_flag][value='{flag.pk}']")
    page.fill("#id_authority_note", "A free replacement part: the agent alone. Anything more: ask a team lead.")
    page.fill("#id_note", "Said who decides replacement parts.")
    page.locator(f"input[name=addresses_flag][value='{flag.pk}']").scroll_into_view_if_needed()
    journey.shot("editor opened from fix it with the flag ticked")
    page.click("form button[type=submit]:has-text('Save')")
    page.wait_for_load_state()
    assert "1 flag(s) resolved by this edit" in page.inner_text("main")
    flag.refresh_from_db()
    assert flag.state == "resolved" and flag.resolved_version == Article.objects.get(slug=slug).version

    # Back in the queue, the flag is gone.
    journey.go("/flags/?sort=priority")
    assert comment not in page.inner_text("main table.flag-queue")
    journey.shot("the fixed flag has left the queue")


def test_owner_resolves_by_choosing_a_version_and_returns_to_the_queue(demo, journey):
    page = journey.page
    journey.sign_in("owner")
    journey.go("/flags/?sort=oldest&reason=outdated")
    row = page.locator("table.flag-queue tbody tr").first
    row.locator("a:has-text('Resolve or dismiss')").click()
    page.wait_for_load_state()
    assert page.locator("fieldset.version-choice input[type=radio]:checked").count() == 1
    both_sizes(journey, "flag page with the versions to choose from")
    page.check("fieldset.version-choice input[value=no_change]")
    page.fill("#id_note", "The hotel list was already updated in spring.")
    page.click("form[action$='/resolve/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/flags/?state=open&source=&reason=outdated&sort=oldest") or (
        "reason=outdated" in page.url and "sort=oldest" in page.url
    )
    assert "dismissed (no change needed)" in page.inner_text("main")
    journey.shot("back in the queue with a message")


def test_coach_reads_the_resubmitted_article_with_the_changes(demo, journey):
    page = journey.page
    review = ReviewRequest.objects.get(article__slug="billing-refund-to-old-card")

    # The candidate edits the article the coach asked changes on and sends it back.
    journey.sign_in("candidate")
    journey.go(review.get_absolute_url())
    page.click("a:has-text('Edit the article')")
    page.wait_for_load_state()
    resolution = page.input_value("#id_resolution")
    page.fill("#id_resolution", resolution + "\n\nThe bank redirects the refund within 10 working days.")
    page.fill("#id_note", "Said how long the bank takes.")
    page.click("form button[type=submit]:has-text('Save')")
    page.wait_for_load_state()
    journey.go(review.get_absolute_url())
    page.fill("#id_resubmit", "Added the bank's delay.")
    page.click("button:has-text('Send back for review')")
    page.wait_for_load_state()
    both_sizes(journey, "candidate sees the review")

    journey.sign_in("coach")
    journey.go(review.get_absolute_url())
    main = page.inner_text("main")
    assert "What changed since the last round" in main and "within 10 working days" in main
    assert "The article as submitted: version" in main and "Your decision authority" in main
    assert page.locator("section.review-changes ins").count() >= 1
    both_sizes(journey, "coach reads the changes and the article")


def test_kb_owner_archives_an_article_saying_why(demo, journey):
    page = journey.page
    article = (
        Article.objects.filter(state="validated", slug="toy-instructions-missing").first()
        or Article.objects.filter(state="validated").order_by("slug").first()
    )
    journey.sign_in("owner")
    journey.go(article.get_absolute_url())
    page.click("a.button:has-text('Archive')")
    page.wait_for_load_state()
    assert "Why? (required)" in page.inner_text("main")
    both_sizes(journey, "archive asks why")
    page.fill("textarea[name=note]", "Replaced by the new returns article.")
    page.click("form.confirm-transition button[type=submit]")
    page.wait_for_load_state()
    article.refresh_from_db()
    assert article.state == "archived"
    assert ArticleEvent.objects.filter(article=article, to_value="archived", note="Replaced by the new returns article.").exists()
    assert "Replaced by the new returns article." in page.inner_text("main")
    journey.shot("archived with the reason in the history")
