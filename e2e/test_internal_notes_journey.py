"""Internal notes in a real browser: a customer reads the help-centre article and meets none of
the agents' procedure, while an agent reading the same article sees it in marked boxes; at desktop
and phone sizes, with a screenshot of each."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "toy-set-missing-part"  # its goodwill rule is in the internal notes, tool and code in a passage
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
AGENT_ONLY = ("MP-01", "Replacement parts", "minifigure", "Internal", "staff only", ":::")


@pytest.mark.parametrize("size", SIZES)
def test_customer_never_sees_internal_notes_and_the_agent_sees_them_marked(demo, journey, size):
    page = journey.page
    page.set_viewport_size(SIZES[size])

    journey.sign_in("customer")
    journey.go(f"/help/{SLUG}/")
    main = page.inner_text("main")
    assert "We send the missing part free of charge" in main
    for words in AGENT_ONLY:
        assert words not in main, words
    assert page.locator(".internal-box").count() == 0
    journey.shot(f"customer reads the help centre article ({size})")

    # The customer's search shows no agent text in its snippets and offers no workflow filter.
    journey.go("/search/?q=missing+part")
    main = page.inner_text("main")
    assert "A piece is missing" in main
    for words in AGENT_ONLY:
        assert words not in main, words
    assert "Validated" not in main and "Audience" not in main
    journey.shot(f"customer searches ({size})")

    # What's new names updates without KCS workflow words (no version numbers).
    journey.go("/whats-new/")
    assert "version" not in page.inner_text("main").lower()
    journey.shot(f"customer reads what's new ({size})")

    journey.sign_in("contributor")
    journey.go(f"/articles/{SLUG}/")
    boxes = page.locator(".internal-box")
    assert boxes.count() == 3  # a passage in the issue and one in the resolution, and the internal notes
    # inner_text is what a reader sees: the labels are set in capitals by the stylesheet.
    passage = page.locator(".internal-box:has-text('MP-01')").first.inner_text()
    assert "MP-01" in passage and "internal — staff only" in passage.lower()
    notes = page.locator("section.internal-notes").inner_text()
    assert "minifigure" in notes and "internal notes — staff only" in notes.lower()
    journey.shot(f"agent reads the article ({size})")
    page.locator("section.internal-notes").scroll_into_view_if_needed()
    journey.shot(f"agent sees the internal notes marked ({size})")

    # The editor has the notes field, labelled as staff only, holding the saved notes.
    journey.go(f"/articles/{SLUG}/edit/")
    assert "minifigure" in page.input_value("#id_internal_notes")
    assert "staff only" in page.inner_text("label[for=id_internal_notes]").lower()
    page.locator("#id_internal_notes").scroll_into_view_if_needed()
    journey.shot(f"agent edits the internal notes ({size})")
