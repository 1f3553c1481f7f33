"""Telling people: the one function every feature calls to notify someone."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import EmailChoice, Notification, OutgoingEmail, Preference


def email_choice(user) -> str:
    pref = Preference.objects.filter(user=user).values_list("email", flat=True).first()
    return pref or EmailChoice.IMMEDIATE


def notify(
    recipients: Iterable, *, kind: str, title: str, body: str = "", url: str = "", article=None, exclude=None
) -> list[Notification]:
    """Create one in-app notification per active recipient (each at most once, `exclude` left
    out) and queue an email for those who want emails right away. Digest readers get theirs
    from `send_notifications --digest`. Runs in the caller's transaction: nothing is told about
    a change that rolled back."""
    seen, people = set(), []
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        people.append(user)
    if not people:
        return []
    choices = dict(Preference.objects.filter(user__in=people).values_list("user_id", "email"))
    now = timezone.now()
    created = []
    with transaction.atomic():
        for user in people:
            choice = choices.get(user.pk, EmailChoice.IMMEDIATE)
            immediate = choice == EmailChoice.IMMEDIATE and bool(user.email)
            created.append(
                Notification.objects.create(
                    recipient=user, kind=kind, title=title[:300], body=body, url=url, article=article, emailed=immediate
                )
            )
            if immediate:
                OutgoingEmail.objects.create(
                    recipient=user,
                    to=user.email,
                    subject=f"[KB] {title}"[:300],
                    body=_email_body(title, body, url),
                    send_after=now,
                )
    return created


def _email_body(title: str, body: str, url: str) -> str:
    site = getattr(settings, "KCS_SITE_URL", "").rstrip("/")
    parts = [title, "", body] if body else [title]
    if url:
        parts += ["", f"{site}{url}"]
    parts += ["", "You can change how you are notified on your notifications page."]
    return "\n".join(parts)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at=None).count()
