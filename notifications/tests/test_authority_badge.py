"""A change to an article's decision authority is called out to staff wherever they hear of it
(notifications, What's new, emails, the digest), and never mentioned to outside readers."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse

from accounts.models import Kind
from conftest import REFUND_RULES, client_for
from notifications.models import ArticleUpdate, EmailChoice, Notification, OutgoingEmail, Preference, Subscription
from notifications.outbox import build_digests

from .conftest import material_edit, person

pytestmark = pytest.mark.django_db

BADGE = "Decision authority changed"


def authority_and_content_edit(article, by):
    """A material edit of both the resolution and the rules, committed."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        article.edit(
            by=by,
            base_version=article.version,
            changes={"resolution": article.resolution + "\n3. Offer a voucher."},
            rules=[dict(REFUND_RULES[0], limit_amount="80"), REFUND_RULES[1]],
            note="Agents may refund up to 80 EUR",
        )


def test_staff_notification_and_email_call_out_an_authority_change(article, kb_owner):
    agent = person("agent")
    Subscription.objects.create(user=agent, article=article)
    authority_and_content_edit(article, kb_owner)
    note = Notification.objects.get(recipient=agent)
    assert note.authority_changed
    email = OutgoingEmail.objects.get(to="agent@example.com")
    assert email.subject.startswith(f"[KB] {BADGE}: Updated:")
    assert BADGE in email.body and "Agents may refund up to 80 EUR" in email.body
    page = client_for(agent).get(reverse("notifications:index")).content.decode()
    assert f'badge authority-changed">{BADGE}' in page
    api = client_for(agent).get("/api/v1/notifications/").json()
    assert api["results"][0]["authority_changed"] is True


def test_escalation_or_note_change_counts_as_an_authority_change(article, kb_owner):
    agent = person("agent")
    Subscription.objects.create(user=agent, article=article)
    material_edit(article, kb_owner, note="Ask billing first", authority_note="Ask the billing desk before anything else.")
    assert Notification.objects.get(recipient=agent).authority_changed
    assert ArticleUpdate.objects.get(article=article, version=article.version).authority_changed


def test_a_content_change_carries_no_badge(article, kb_owner):
    agent = person("agent")
    Subscription.objects.create(user=agent, article=article)
    material_edit(article, kb_owner)
    assert not Notification.objects.get(recipient=agent).authority_changed
    assert BADGE not in OutgoingEmail.objects.get(to="agent@example.com").body
    assert BADGE not in client_for(agent).get(reverse("notifications:index")).content.decode()


def test_whats_new_shows_the_badge_to_staff_only(public_article, kb_owner, contributor):
    authority_and_content_edit(public_article, kb_owner)
    staff_page = client_for(contributor).get(reverse("notifications:whats_new")).content.decode()
    assert BADGE in staff_page
    customer = person("cust", kind=Kind.CUSTOMER)
    for reader in (customer, None):
        page = client_for(reader).get(reverse("notifications:whats_new")).content.decode()
        assert public_article.title in page, "the content change is news for readers"
        assert BADGE not in page and "authority" not in page.lower()


def test_outside_readers_are_told_of_the_content_change_without_the_authority(public_article, kb_owner):
    customer = person("cust", kind=Kind.CUSTOMER)
    Subscription.objects.create(user=customer, article=public_article)
    authority_and_content_edit(public_article, kb_owner)
    note = Notification.objects.get(recipient=customer)
    assert not note.authority_changed
    email = OutgoingEmail.objects.get(to="cust@example.com")
    assert "authority" not in (email.subject + email.body).lower()
    assert BADGE not in client_for(customer).get(reverse("notifications:index")).content.decode()


def test_digest_calls_out_the_authority_change(article, kb_owner):
    agent = person("agent")
    Preference.objects.create(user=agent, email=EmailChoice.DIGEST)
    Subscription.objects.create(user=agent, article=article)
    authority_and_content_edit(article, kb_owner)
    assert build_digests() == 1
    assert BADGE in OutgoingEmail.objects.get(to="agent@example.com", is_digest=True).body


def test_trainees_asked_to_read_again_hear_that_the_authority_changed(article, kb_owner, coach):
    from training.models import Acknowledgement

    trainee = person("tina", licence="candidate")
    Acknowledgement.objects.create(user=trainee, article=article, article_version=article.version)
    authority_and_content_edit(article, kb_owner)
    note = Notification.objects.get(recipient=trainee, kind="training_reread")
    assert note.authority_changed
    assert BADGE in OutgoingEmail.objects.get(to="tina@example.com", subject__contains="read again").body
