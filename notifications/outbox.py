"""Sending the outbox: each OutgoingEmail row is claimed before it is sent and marked after,
so two runs never send the same row; a failure releases the row for a later attempt with
backoff, and after too many attempts the row is given up (kept, with its last error).
`send_rows` is that loop for any outbox table: the outbound webhooks (`cases.outbound`) use it too."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from articles.policy import can_view

from .models import EmailChoice, Notification, OutgoingEmail
from .services import AUTHORITY_CHANGED_TEXT, HOW_NOTIFIED, absolute_url, recipient_language

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before the next attempt: 1, 2, 4, 8… minutes, at most six hours."""
    return datetime.timedelta(minutes=min(2 ** (attempts - 1), 360))


class AttemptFailed(Exception):
    """One delivery attempt failed. `fields` are stored on the row with the error (e.g. an HTTP
    status); `give_up` ends the row's attempts at once (retrying could never succeed)."""

    def __init__(self, message: str, *, give_up: bool = False, **fields):
        super().__init__(message)
        self.give_up = give_up
        self.fields = fields


def send_rows(model: type[models.Model], deliver: Callable[[Any], dict | None], *, done: str) -> tuple[int, int]:
    """Deliver each due row of an outbox table once. Returns (delivered, failed this time).

    An outbox table has `send_after`, `claimed_at`, `attempts`, `last_error`, `failed_at` and its
    `done` time (`sent_at`, `delivered_at`). `deliver(row)` raises on failure and may return more
    fields to store on success. Shared by the email outbox and the outbound webhooks
    (`cases.outbound`), so both claim, back off and give up the same way.
    """
    pending = {done: None, "failed_at": None, "claimed_at": None}
    due = list(
        model.objects.filter(**pending, send_after__lte=timezone.now())
        .order_by("send_after", "id")
        .values_list("pk", flat=True)[:500]
    )
    sent = failed = 0
    for pk in due:
        claim = timezone.now()
        # The claim: only one run's UPDATE matches an unclaimed row; the others skip it.
        if not model.objects.filter(pk=pk, **pending).update(claimed_at=claim):
            continue
        row = model.objects.get(pk=pk)
        attempts = row.attempts + 1
        try:
            stored = deliver(row) or {}
        except Exception as exc:  # any transport error: keep the row and try again later
            failed += 1
            now = timezone.now()
            fields = {"claimed_at": None, "attempts": attempts, "last_error": str(exc)[:2000] or type(exc).__name__}
            fields["send_after"] = now + backoff(attempts)
            if attempts >= MAX_ATTEMPTS or getattr(exc, "give_up", False):
                fields["failed_at"] = now
            fields.update(getattr(exc, "fields", {}))
            model.objects.filter(pk=pk, claimed_at=claim).update(**fields)
            log.warning("%s %s failed (attempt %s): %s", model._meta.verbose_name.capitalize(), pk, attempts, exc)
        else:
            sent += 1
            model.objects.filter(pk=pk, claimed_at=claim).update(
                **{done: timezone.now()}, attempts=attempts, last_error="", **stored
            )
    return sent, failed


def send_due() -> tuple[int, int]:
    """Send every due email once. Returns (sent, failed this time)."""
    return send_rows(OutgoingEmail, deliver, done="sent_at")


def deliver(email: OutgoingEmail) -> None:
    EmailMessage(subject=email.subject, body=email.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[email.to]).send()


def build_digests() -> int:
    """One digest email per digest reader with notifications not yet emailed; marks them emailed.

    The rows are locked while read (PostgreSQL), so two runs never put a notification in two digests.
    """
    with transaction.atomic():
        notes = list(
            Notification.objects.select_for_update(of=("self",))
            .filter(
                emailed=False,
                recipient__is_active=True,
                recipient__notification_preference__email=EmailChoice.DIGEST,
            )
            .exclude(recipient__email="")
            .select_related("recipient", "article")
            .order_by("recipient_id", "created_at", "id")
        )
        if not notes:
            return 0
        by_person = defaultdict(list)
        for note in notes:
            # An article may have become invisible to the reader since they were told: leave it out.
            if note.article is None or can_view(note.recipient, note.article):
                by_person[note.recipient].append(note)
        by_person = {person: items for person, items in by_person.items() if items}
        now = timezone.now()
        OutgoingEmail.objects.bulk_create(digest_email(person, items, now) for person, items in by_person.items())
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed=True)
    return len(by_person)


def digest_email(person, items: list[Notification], now: datetime.datetime) -> OutgoingEmail:
    """The digest, written in the person's language (each item's title and body already are)."""
    with translation.override(recipient_language(person)):
        count = len(items)
        subject = ngettext("Your daily digest: %(count)s update", "Your daily digest: %(count)s updates", count) % {
            "count": count
        }
        return OutgoingEmail(
            recipient=person, to=person.email, subject=f"[KB] {subject}", body=digest_body(items), send_after=now, is_digest=True
        )


def digest_body(notes: list[Notification]) -> str:
    lines = [gettext("What happened in the knowledge base since your last digest:"), ""]
    for note in notes:
        lines.append(f"* {note.title}")
        if note.authority_changed:
            lines.append(f"  {AUTHORITY_CHANGED_TEXT}")
        if note.body:
            lines.append(f"  {note.body}")
        if note.url:
            lines.append(f"  {absolute_url(note.url)}")
        lines.append("")
    lines.append(str(HOW_NOTIFIED))
    return "\n".join(lines)


def digest_due(now: datetime.datetime | None = None) -> bool:
    """For --loop: the daily digest is due once the digest hour has passed and none went out since."""
    now = timezone.localtime(now)
    start = now.replace(hour=settings.KCS_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if now < start:
        return False
    return not OutgoingEmail.objects.filter(is_digest=True, created_at__gte=start).exists()
