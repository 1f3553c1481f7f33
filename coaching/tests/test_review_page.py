"""The coach's review page shows the article as submitted, with its decision authority, and
what changed since the coach's last decision."""

from __future__ import annotations

import pytest

from coaching.models import ReviewRequest
from conftest import client_for
from feedback.tests.helpers import text_of

pytestmark = pytest.mark.django_db


def test_the_review_page_shows_the_submitted_article_with_its_authority(candidate, coach, draft, kb_owner, contact):
    draft.edit(
        by=kb_owner,
        base_version=draft.version,
        changes={"escalation": contact, "authority_note": "Ask IT Escalations.", "cause": "<script>alert(1)</script>"},
        rules=[{"action": "send a replacement cable", "limit_amount": "1", "limit_unit": "cable", "decider": "agent"}],
        note="Authority",
    )
    review = ReviewRequest.start(article=draft, by=candidate, reviewer=coach)
    page = client_for(coach).get(review.get_absolute_url())
    text = text_of(page)
    assert f"The article as submitted: version {review.submitted_version}" in text
    assert "Restart the print spooler." in text and "Office printers after the March update." in text
    assert "You may send a replacement cable up to 1 cable without approval." in text
    assert "Ask Billing Escalations" in text  # the escalation contact of that version
    assert "First review of this article" in text
    assert "<script>alert(1)" not in page.content.decode()  # Markdown stays sanitized


def test_the_article_is_shown_as_submitted_not_as_edited_since(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate, reviewer=coach)
    draft.edit(by=candidate, base_version=draft.version, changes={"resolution": "Reinstall the driver."}, note="Other idea")
    text = text_of(client_for(coach).get(review.get_absolute_url()))
    assert "Restart the print spooler." in text
    assert "it changed since version" in text


def test_a_second_round_shows_the_diff_since_the_coach_asked_for_changes(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate, reviewer=coach)
    asked_on = draft.version
    review.request_changes(by=coach, comment="Say which spooler service.")
    draft.edit(
        by=candidate,
        base_version=draft.version,
        changes={"resolution": "Restart the Print Spooler service in services.msc."},
        note="Named the service",
    )
    review.resubmit(by=candidate, note="Done")
    text = text_of(client_for(coach).get(review.get_absolute_url()))
    assert "What changed since the last round" in text
    assert f"asked for changes on version {asked_on} (round 1" in text
    assert "Resolution" in text and "Print Spooler service in services.msc." in text
    page = client_for(coach).get(review.get_absolute_url()).content.decode()
    assert "<del>" in page and "<ins>" in page


def test_the_author_sees_the_same_page_but_no_decision(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate, reviewer=coach)
    text = text_of(client_for(candidate).get(review.get_absolute_url()))
    assert "The article as submitted" in text and "Approve and validate" not in text


def test_the_review_page_costs_a_bounded_number_of_queries(candidate, coach, draft, django_assert_max_num_queries):
    review = ReviewRequest.start(article=draft, by=candidate, reviewer=coach)
    review.request_changes(by=coach, comment="More detail.")
    draft.edit(by=candidate, base_version=draft.version, changes={"resolution": "More detail."}, note="More")
    review.resubmit(by=candidate)
    client = client_for(coach)
    with django_assert_max_num_queries(40):
        assert client.get(review.get_absolute_url()).status_code == 200
