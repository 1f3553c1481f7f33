"""Change history in a real browser, at desktop and phone sizes: a diff across several versions
lists every change, a trainee sees what is missing right after reading, staff see a change to
the decision authority called out (customers never do), and a revert reopens the flag it undid."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from articles.models import Article
from feedback.models import Flag
from feedback.services import raise_flag, resolve_flag
from notifications.models import Subscription
from training.demo import TITLE
from training.models import LearningPath

pytestmark = pytest.mark.django_db(transaction=True)

HOTEL = "hotel-non-refundable-refund-exception"  # on the onboarding path, read before its last material update
PUBLIC = "hotel-confirmation-not-received"  # validated and public: customers follow it
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def both_sizes(journey, label: str) -> None:
    """A screenshot at each size, ending at the desktop size."""
    for name, size in (("phone", SIZES["phone"]), ("desktop", SIZES["desktop"])):
        journey.page.set_viewport_size(size)
        journey.shot(f"{label} {name}")
    assert journey.page.evaluate("document.documentElement.scrollWidth") <= SIZES["desktop"]["width"]


def no_sideways_scroll_on_a_phone(page) -> None:
    page.set_viewport_size(SIZES["phone"])
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"]["width"] + 1
    page.set_viewport_size(SIZES["desktop"])


def test_trainee_reads_an_article_and_the_path_says_the_check_is_still_missing(demo, journey):
    page = journey.page
    path = LearningPath.objects.get(title=TITLE)
    journey.sign_in("candidate")
    journey.go(f"/training/paths/{path.pk}/")
    row = page.locator("section.path-section li", has_text="non-refundable").first
    assert "changed since you read it" in row.inner_text().lower()
    both_sizes(journey, "path with a changed article")

    journey.go(f"/articles/{HOTEL}/?path={path.pk}")
    page.click("aside.training-panel button:has-text('Read and understood')")
    page.wait_for_load_state()
    assert "counts as done once you pass its knowledge check" in page.inner_text("body")
    row = page.locator("section.path-section li", has_text="non-refundable").first
    text = row.inner_text()
    assert "knowledge check not passed for this version yet" in text and "Not read yet" not in text
    no_sideways_scroll_on_a_phone(page)
    both_sizes(journey, "path right after reading")

    journey.go(f"/articles/{HOTEL}/?path={path.pk}")
    panel = page.locator("aside.training-panel").inner_text()
    assert "You read and understood version" in panel and "take it again for this version" in panel
    page.locator("aside.training-panel").scroll_into_view_if_needed()
    both_sizes(journey, "article panel after reading")


def test_diff_across_versions_lists_every_change(demo, journey):
    page = journey.page
    article = Article.objects.get(slug=HOTEL)
    journey.sign_in("owner")
    journey.go(f"/articles/{HOTEL}/diff/?from=1&to={article.version}")
    steps = page.locator("ol.change-steps > li")
    assert steps.count() == article.version - 1
    summary = page.inner_text("p.range-summary")
    assert "Material" in summary
    body = page.inner_text("main")
    assert "not_validated" not in body
    no_sideways_scroll_on_a_phone(page)
    both_sizes(journey, "diff across versions")


def test_authority_change_is_called_out_to_staff_and_not_to_customers(demo, journey):
    page = journey.page
    owner = User.objects.get(username="owner")
    article = Article.objects.get(slug=PUBLIC)
    rules = article.rule_dicts() + [
        {"action": "resend the confirmation from the booking tool", "limit_amount": None, "decider": "agent"}
    ]
    article.edit(
        by=owner,
        base_version=article.version,
        changes={"resolution": article.resolution + "\n\nResend the confirmation before anything else."},
        rules=rules,
        note="Agents may resend the confirmation themselves.",
    )
    assert Subscription.objects.filter(user__username="customer", article=article).exists()

    journey.sign_in("contributor")  # follows the Hotel Bookings product
    journey.go("/notifications/")
    first = page.locator("li.notification").first
    assert "Decision authority changed" in first.inner_text()
    both_sizes(journey, "staff notifications with the authority badge")
    journey.go("/whats-new/")
    assert "Decision authority changed" in page.locator("ul.updates li").first.inner_text()
    both_sizes(journey, "staff whats new with the authority badge")
    page.click("ul.updates li >> nth=0 >> a:has-text('What changed')")
    page.wait_for_load_state()
    assert "Decision authority changed" in page.inner_text("p.range-summary")
    both_sizes(journey, "staff diff of the authority change")

    journey.sign_in("customer")
    journey.go("/whats-new/")
    assert article.title in page.inner_text("main")
    assert "authority" not in page.inner_text("main").lower()
    both_sizes(journey, "customer whats new without the authority")
    journey.go("/notifications/")
    assert "authority" not in page.inner_text("main").lower()
    both_sizes(journey, "customer notifications without the authority")


def test_revert_to_before_a_fix_reopens_the_flag(demo, journey):
    page = journey.page
    owner, agent = User.objects.get(username="owner"), User.objects.get(username="contributor")
    article = Article.objects.get(slug="toy-set-missing-part")
    flag = raise_flag(by=agent, article=article, reason="outdated", comment="The second bag is not mentioned.")
    before = article.version
    article.edit(
        by=owner,
        base_version=article.version,
        changes={"resolution": article.resolution + "\n\nCheck the second bag of parts first."},
        note="Second bag",
    )
    resolve_flag(by=owner, flag=flag, note="Added the second bag.")

    journey.sign_in("owner")
    journey.go(f"/articles/{article.slug}/history/")
    number = page.locator("td:first-child", has_text=re.compile(rf"^\s*{before}\s*$"))
    page.locator("table.history tbody tr").filter(has=number).locator("button:has-text('Revert to this')").click()
    page.wait_for_load_state()
    message = page.locator("p.msg", has_text="this revert undid").inner_text()
    assert f"Flag #{flag.pk}" in message and "open again" in message
    flag.refresh_from_db()
    assert flag.state == "open" and "Reopened: the fix was reverted" in flag.reopened_note
    both_sizes(journey, "revert reopens the flag")
    page.click(f"p.msg a[href='/flags/{flag.pk}/']")
    page.wait_for_load_state()
    assert "Reopened: the fix was reverted" in page.inner_text("main")
    both_sizes(journey, "the reopened flag")
    assert Flag.objects.filter(pk=flag.pk, state="open").exists()
