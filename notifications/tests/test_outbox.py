"""Emails are sent by `send_notifications`: once, retried on failure, digests for digest readers."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications import outbox
from notifications.models import EmailChoice, Notification, OutgoingEmail, Preference
from notifications.services import notify

from .conftest import person

pytestmark = pytest.mark.django_db


def test_each_email_is_sent_once_however_many_times_the_command_runs():
    ann, bob = person("ann"), person("bob")
    notify([ann, bob], kind="article_updated", title="Refunds changed", body="New limit.", url="/articles/x/diff/")
    call_command("send_notifications", stdout=mock.Mock())
    call_command("send_notifications", stdout=mock.Mock())
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "bob@example.com"]
    assert "New limit." in mail.outbox[0].body and "/articles/x/diff/" in mail.outbox[0].body
    assert OutgoingEmail.objects.filter(sent_at=None).count() == 0


def test_a_second_run_while_the_first_is_sending_skips_the_claimed_email():
    ann, bob = person("ann"), person("bob")
    notify([ann, bob], kind="k", title="Refunds changed")
    real_deliver, runs = outbox.deliver, []

    def deliver_and_start_another_run(email):
        if not runs:
            runs.append("started")
            runs.append(outbox.send_due())  # a second sender starts while the first is sending
        real_deliver(email)

    with mock.patch.object(outbox, "deliver", side_effect=deliver_and_start_another_run):
        first = outbox.send_due()
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "bob@example.com"]
    assert first == (1, 0) and runs[1] == (1, 0)  # each sent one: the row the other had claimed was skipped


def test_a_failed_email_is_retried_later_and_then_sent_once():
    notify([person("ann")], kind="k", title="Refunds changed")
    with mock.patch.object(outbox, "deliver", side_effect=OSError("mail server down")):
        assert outbox.send_due() == (0, 1)
    email = OutgoingEmail.objects.get()
    assert (email.attempts, email.sent_at, email.claimed_at, email.last_error) == (1, None, None, "mail server down")
    assert email.send_after > timezone.now()  # backoff: not retried at once
    assert outbox.send_due() == (0, 0)

    OutgoingEmail.objects.update(send_after=timezone.now() - datetime.timedelta(seconds=1))
    assert outbox.send_due() == (1, 0)
    assert outbox.send_due() == (0, 0)
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 2


def test_an_email_that_keeps_failing_is_given_up_and_kept():
    notify([person("ann")], kind="k", title="Refunds changed")
    with mock.patch.object(outbox, "deliver", side_effect=OSError("no such mailbox")):
        for _ in range(outbox.MAX_ATTEMPTS):
            OutgoingEmail.objects.update(send_after=timezone.now() - datetime.timedelta(seconds=1))
            outbox.send_due()
    email = OutgoingEmail.objects.get()
    assert email.failed_at is not None and email.attempts == outbox.MAX_ATTEMPTS
    OutgoingEmail.objects.update(send_after=timezone.now() - datetime.timedelta(seconds=1))
    assert outbox.send_due() == (0, 0)


def test_backoff_doubles_and_is_capped():
    assert [outbox.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert outbox.backoff(30) == datetime.timedelta(hours=6)


def test_the_digest_gathers_each_readers_notifications_into_one_email_once():
    ann, bob, now_person = person("ann"), person("bob"), person("nowp")
    for user in (ann, bob):
        Preference.objects.create(user=user, email=EmailChoice.DIGEST)
    notify([ann, bob, now_person], kind="k", title="Refunds changed", body="Voucher first", url="/articles/a/diff/")
    notify([ann], kind="k", title="Hotels changed", url="/articles/b/diff/")
    assert OutgoingEmail.objects.count() == 1  # only the person who wants emails right away

    call_command("send_notifications", "--digest", stdout=mock.Mock())
    call_command("send_notifications", "--digest", stdout=mock.Mock())

    digests = {m.to[0]: m for m in mail.outbox if "digest" in m.subject}
    assert set(digests) == {"ann@example.com", "bob@example.com"}
    assert "Refunds changed" in digests["ann@example.com"].body and "Hotels changed" in digests["ann@example.com"].body
    assert "Voucher first" in digests["bob@example.com"].body
    assert len(mail.outbox) == 3
    assert not Notification.objects.filter(emailed=False).exists()


def test_no_email_at_all_for_people_who_chose_none():
    ann = person("ann")
    Preference.objects.create(user=ann, email=EmailChoice.NONE)
    notify([ann], kind="k", title="Refunds changed")
    call_command("send_notifications", "--digest", stdout=mock.Mock())
    assert mail.outbox == [] and Notification.objects.filter(recipient=ann).count() == 1


def test_the_loop_builds_the_digest_once_a_day_after_the_digest_hour(settings):
    settings.KCS_DIGEST_HOUR = 0
    ann = person("ann")
    Preference.objects.create(user=ann, email=EmailChoice.DIGEST)
    notify([ann], kind="k", title="Refunds changed")
    assert outbox.digest_due()
    outbox.build_digests()
    assert not outbox.digest_due()


def test_the_digest_leaves_out_articles_the_reader_can_no_longer_open(public_article, kb_owner):
    from accounts.models import Kind
    from articles.models import Audience

    reader = person("cleo", kind=Kind.CUSTOMER)
    Preference.objects.create(user=reader, email=EmailChoice.DIGEST)
    notify([reader], kind="article_updated", title=f"Updated: {public_article.title}", article=public_article)
    notify([reader], kind="k", title="Your email preferences changed")
    public_article.edit(by=kb_owner, base_version=public_article.version, changes={"audience": Audience.INTERNAL}, note="x")
    call_command("send_notifications", "--digest", stdout=mock.Mock())
    (digest,) = [m for m in mail.outbox if "digest" in m.subject]
    assert public_article.title not in digest.body and "preferences changed" in digest.body
