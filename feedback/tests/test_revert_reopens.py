"""A revert to a version from before a flag's fix undoes the fix: the flag opens again with a note
saying so, the reverter is told on the page, and the article's owner and the flag's raiser are notified."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse

from articles.models import ArticleEvent, EventKind
from conftest import client_for, make_customer
from feedback.choices import FlagState, Reason
from feedback.models import Flag
from feedback.services import raise_flag, resolve_flag
from notifications.models import Notification

# The flags are reopened by a receiver that runs when the revert commits: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def fix(article, by, text="1. Check the booking.\n2. Offer a voucher first."):
    with TestCase.captureOnCommitCallbacks(execute=True):
        article.edit(by=by, base_version=article.version, changes={"resolution": text}, note="Fixed the steps")
    article.refresh_from_db()


@pytest.fixture
def fixed_flag(article, candidate, contributor):
    """A flag raised on the current version, resolved by the contributor's next version."""
    flag = raise_flag(by=candidate, article=article, reason=Reason.OUTDATED, comment="Vouchers come first now")
    before = article.version
    fix(article, contributor)
    resolve_flag(by=contributor, flag=flag, version=article.version, note="Voucher step added")
    flag.refresh_from_db()
    assert (flag.state, flag.resolved_version) == (FlagState.RESOLVED, before + 1)
    return flag


def revert(client, article, number):
    return client.post(reverse("articles:revert", args=[article.slug, number]), {"version": article.version}, follow=True)


def test_reverting_to_before_the_fix_reopens_the_flag_with_a_note(fixed_flag, article, contributor, candidate):
    before_fix = fixed_flag.resolved_version - 1
    response = revert(client_for(contributor), article, before_fix)
    article.refresh_from_db()
    fixed_flag.refresh_from_db()
    assert fixed_flag.state == FlagState.OPEN
    assert fixed_flag.resolved_version is None and fixed_flag.closed_by is None
    assert fixed_flag.reopened_version == article.version
    assert f"Reopened: the fix was reverted in version {article.version}" in fixed_flag.reopened_note
    assert "It had been resolved in version" in fixed_flag.reopened_note and "Voucher step added" in fixed_flag.reopened_note
    page = response.content.decode()
    assert f"Flag #{fixed_flag.pk}</a> (outdated) was fixed in a version this revert undid; it is open again." in page
    assert f'href="{reverse("feedback:flag", args=[fixed_flag.pk])}"' in page
    # Its raiser hears of it (the reverter does not notify themself).
    told = Notification.objects.get(kind="flag_reopened", recipient=candidate)
    assert told.url == reverse("feedback:flag", args=[fixed_flag.pk])
    assert not Notification.objects.filter(kind="flag_reopened", recipient=contributor).exists()
    # The change record names the version brought back; the history page says it in words.
    event = ArticleEvent.objects.filter(article=article, kind=EventKind.REVERTED).latest("id")
    assert event.to_value == str(before_fix)
    history = client_for(contributor).get(reverse("articles:history", args=[article.slug])).content.decode()
    assert f"Reverted to version {before_fix}" in history


def test_flag_page_and_queue_show_that_it_was_reopened(fixed_flag, article, contributor, kb_owner):
    revert(client_for(contributor), article, fixed_flag.resolved_version - 1)
    page = client_for(kb_owner).get(reverse("feedback:flag", args=[fixed_flag.pk])).content.decode()
    assert "Reopened: the fix was reverted in version" in page
    queue = client_for(kb_owner).get(reverse("feedback:queue")).content.decode()
    assert "Reopened: fix reverted in v" in queue


def test_reverting_to_the_fix_or_later_leaves_the_flag_resolved(fixed_flag, article, contributor):
    fix(article, contributor, text="1. Check the booking.\n2. Offer a voucher first.\n3. Then a refund.")
    response = revert(client_for(contributor), article, fixed_flag.resolved_version)
    fixed_flag.refresh_from_db()
    assert fixed_flag.state == FlagState.RESOLVED and fixed_flag.reopened_version is None
    assert "this revert undid" not in response.content.decode()


def test_dismissed_flags_stay_dismissed(article, candidate, contributor, kb_owner):
    from feedback.services import dismiss_flag

    flag = raise_flag(by=candidate, article=article, reason=Reason.OUTDATED)
    before = article.version
    fix(article, contributor)
    dismiss_flag(by=kb_owner, flag=flag, reason="Not an issue")
    revert(client_for(contributor), article, before)
    flag.refresh_from_db()
    assert flag.state == FlagState.DISMISSED


def test_a_flag_whose_raiser_has_an_open_twin_stays_resolved_and_says_why(fixed_flag, article, contributor, candidate):
    twin = raise_flag(by=candidate, article=article, reason=Reason.OUTDATED, comment="Again")
    response = revert(client_for(contributor), article, fixed_flag.resolved_version - 1)
    fixed_flag.refresh_from_db()
    assert fixed_flag.state == FlagState.RESOLVED
    assert f"flag #{twin.pk}, open, asks the same" in fixed_flag.reopened_note
    assert "it stays resolved" in response.content.decode()


def test_customer_feedback_reopens_without_telling_the_customer(article, contributor, kb_owner, settings):
    customer = make_customer("cleo")
    flag = Flag.objects.create(
        article=article, created_by=customer, source="customer", reason="unclear", article_version=article.version
    )
    before = article.version
    fix(article, contributor)
    resolve_flag(by=kb_owner, flag=flag)
    revert(client_for(kb_owner), article, before)
    flag.refresh_from_db()
    assert flag.state == FlagState.OPEN
    assert not Notification.objects.filter(kind="flag_reopened", recipient=customer).exists()
    assert Notification.objects.filter(kind="flag_reopened", recipient=article.owner).exists()
