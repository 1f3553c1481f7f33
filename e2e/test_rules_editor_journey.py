"""The decision-authority editor in a real browser: a KB owner adds, removes and reorders rule
cards in place and the article shows the rules in that order; the same editor without
JavaScript adds a card through the server. Photographed at desktop and phone sizes for the KB
owner, and for an agent, who sees the rules read-only."""

from __future__ import annotations

import re

import pytest

from articles.models import Article

from .conftest import Journey

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "hotel-overbooked-on-arrival"  # experience-based, owned by `owner`, four rules
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def browse(chromium, live_server, request):
    """A journey in a browser context of its own: `browse(size, javascript=True)`."""
    contexts = []

    def open_journey(size: str = "desktop", *, javascript: bool = True, name: str = "") -> Journey:
        context = chromium.new_context(viewport=SIZES[size], java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return Journey(page, live_server.url, name or request.node.name)

    yield open_journey
    for context in contexts:
        context.close()


def card(page, n: int):
    """The n-th card a reader sees (1-based), skipping removed ones."""
    return page.locator("fieldset.rule-card:visible").nth(n - 1)


def rules_on_the_article(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("section.authority li.rule").all_inner_texts()]


def test_kb_owner_adds_removes_and_moves_rules_in_place(demo, browse):
    from playwright.sync_api import expect  # here: the module loads where Playwright is absent too

    journey = browse("desktop")
    page = journey.page
    article = Article.objects.get(slug=SLUG)
    before = [r.action for r in article.rules.all()]
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))

    journey.sign_in("owner")
    journey.go(f"/articles/{SLUG}/edit/")
    assert page.locator("fieldset.rule-card:visible").count() == len(before) + 1  # the rules and one empty card
    assert page.locator(".rule-delete:visible").count() == 0  # the script shows Remove buttons instead
    journey.shot("owner opens the editor")
    total = page.locator("input[name='rules-TOTAL_FORMS']")
    live = page.locator("[data-rules-live]")  # the editor's polite live region
    assert total.input_value() == str(len(before) + 1)

    # Two more rules through "Add another rule": each new card takes the focus.
    page.click("button[name='rules-add']")
    assert total.input_value() == str(len(before) + 2)
    voucher, upgrade = len(before) + 1, len(before) + 2  # the new cards' form numbers
    new_one = page.locator(f"fieldset.rule-card:has(textarea[name='rules-{voucher}-action'])")
    assert page.evaluate("document.activeElement.name") == f"rules-{voucher}-action"
    expect(live).to_have_text(re.compile("^Rule 6 added"))
    page.keyboard.type("offer a drink voucher while the guest waits")
    new_one.get_by_label("Up to").fill("10")
    new_one.get_by_label("Unit").fill("EUR")
    page.click("button[name='rules-add']")
    newer = page.locator(f"fieldset.rule-card:has(textarea[name='rules-{upgrade}-action'])")
    assert page.evaluate("document.activeElement.name") == f"rules-{upgrade}-action"
    page.keyboard.type("upgrade the replacement room")
    newer.get_by_label("Who decides").select_option("team_lead")
    expect(live).to_have_text(re.compile("^Rule 7 added"))
    journey.shot("two rules added")

    # Remove the drink voucher: the card goes, an undo takes the focus; undo, then remove again.
    new_one.locator("button.rule-remove").click()
    undo = page.locator(".rule-undo button")
    assert undo.count() == 1 and page.evaluate("document.activeElement.textContent") == "Undo"
    assert page.is_checked(f"input[name='rules-{voucher}-DELETE']") and new_one.is_hidden()
    undo.click()
    assert not page.is_checked(f"input[name='rules-{voucher}-DELETE']") and new_one.is_visible()
    assert page.evaluate("document.activeElement.name") == f"rules-{voucher}-action"
    new_one.locator("button.rule-remove").click()
    journey.shot("one rule removed with undo offered")

    # Move the upgrade rule up twice: above the removed card, then above the last demo rule.
    newer.locator("button.rule-move[data-direction=up]").click()
    assert page.evaluate("document.activeElement.dataset.direction") == "up"  # focus stays on the button
    newer.locator("button.rule-move[data-direction=up]").click()
    expect(live).to_have_text(re.compile(f"moved up: it is now rule {len(before)} of"))
    assert " ".join(newer.locator("legend").inner_text().split()) == f"Rule {len(before)}"
    journey.shot("the new rule moved up")

    page.fill("#id_note", "Room upgrade before the last escalation rule")
    page.click("form.article-form button.save")
    page.wait_for_url(f"**/articles/{SLUG}/")
    expected = before[:-1] + ["upgrade the replacement room", before[-1]]
    article.refresh_from_db()
    assert [r.action for r in article.rules.all()] == expected
    shown = rules_on_the_article(page)
    assert len(shown) == len(expected)
    assert "upgrade the replacement room" in shown[len(before) - 1]
    assert "drink voucher" not in " ".join(shown)
    journey.shot("the article shows the rules in the new order")
    assert [m for m in console if "Content Security Policy" in m or m.startswith("pageerror")] == []


def test_without_javascript_a_rule_is_added_through_the_server(demo, browse):
    journey = browse("desktop", javascript=False)
    page = journey.page
    article = Article.objects.get(slug=SLUG)
    before = [r.action for r in article.rules.all()]

    journey.sign_in("owner")
    journey.go(f"/articles/{SLUG}/edit/")
    assert page.locator(".rule-delete:visible").count() == len(before) + 1  # checkboxes, not script buttons
    page.fill("#id_cause", page.input_value("#id_cause") + " Typed before adding a rule.")
    page.fill(f"textarea[name='rules-{len(before)}-action']", "offer a drink voucher while the guest waits")
    page.click("button[name='rules-add']")
    page.wait_for_load_state()

    assert "Typed before adding a rule." in page.input_value("#id_cause")
    assert page.input_value(f"textarea[name='rules-{len(before)}-action']") == "offer a drink voucher while the guest waits"
    assert page.locator("fieldset.rule-card").count() == len(before) + 2
    assert page.evaluate("document.activeElement.name") == f"rules-{len(before) + 1}-action"  # autofocus
    assert "Nothing is saved until you save the article." in page.inner_text(".rules-notice")
    article.refresh_from_db()
    assert [r.action for r in article.rules.all()] == before  # nothing saved yet
    journey.shot("no javascript one more card")

    page.fill(f"textarea[name='rules-{len(before) + 1}-action']", "upgrade the replacement room")
    page.click(f"button[value='rules-{len(before) + 1}-up']")  # the server moves it above the voucher
    page.wait_for_load_state()
    assert page.input_value(f"textarea[name='rules-{len(before)}-action']") == "upgrade the replacement room"
    page.check("input[name='rules-0-DELETE']")
    page.fill("#id_note", "Two rules for relocated guests")
    page.click("form.article-form button.save")
    page.wait_for_url(f"**/articles/{SLUG}/")

    article.refresh_from_db()
    expected = before[1:] + ["upgrade the replacement room", "offer a drink voucher while the guest waits"]
    assert [r.action for r in article.rules.all()] == expected
    assert len(rules_on_the_article(page)) == len(expected)
    journey.shot("no javascript saved")


@pytest.mark.parametrize("size", SIZES)
def test_the_editor_at_desktop_and_phone_sizes(demo, browse, size):
    owner = browse(size, name=f"rules-editor-owner-{size}")
    owner.sign_in("owner")
    page = owner.go(f"/articles/{SLUG}/edit/")
    page.locator("#rules-editor").scroll_into_view_if_needed()
    page.click("button[name='rules-add']")
    page.keyboard.type("offer a drink voucher while the guest waits at the desk, up to the amount below")
    # Nothing is wider than the screen: no sideways scrolling of the page.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"]
    first = card(page, 1)
    for label in ("The agent may…", "Up to", "Unit", "Who decides", "Notes"):
        box = first.get_by_label(label).bounding_box()
        assert box and box["width"] > 60, label
    if size == "phone":  # the action and the decider at full width, the limit and its unit side by side
        assert first.get_by_label("The agent may…").bounding_box()["width"] > 300
        assert first.get_by_label("Who decides").bounding_box()["width"] > 300
        assert first.get_by_label("Unit").bounding_box()["width"] > 120
    owner.shot(f"owner editor {size}")
    page.locator("#rules-editor").screenshot(path=str(owner.folder / f"owner-rules-{size}.png"))

    agent = browse(size, name=f"rules-editor-agent-{size}")
    agent.sign_in("contributor")
    page = agent.go(f"/articles/{SLUG}/edit/")
    assert page.locator("fieldset.rule-card").count() == 0
    assert page.locator("fieldset.authority-edit section.authority li.rule").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    agent.shot(f"agent editor {size}")
