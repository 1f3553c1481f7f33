"""Telling people: the one function every feature calls to notify someone, and the fan-out
of material article updates to the people who care about them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from . import policy
from .models import ArticleUpdate, EmailChoice, Notification, OutgoingEmail, Preference, Subscription

REUSE_WINDOW_DAYS = 90  # everyone who used an article on a case this recently hears about its updates


def _translate(message, params: dict | None = None) -> str:
    text = gettext(message) if isinstance(message, str) else str(message)
    if not params:
        return text
    # Dates in the reader's format too (month names are translated).
    return text % {k: date_format(v, "DATE_FORMAT") if isinstance(v, datetime.date) else v for k, v in params.items()}


# Text read in the language active when it is turned into a string: `notify` does that once per
# recipient, in their language. The message is marked for the catalogue where it is written:
# `translated(gettext_noop("Updated: %(title)s"), {"title": …})`, or is lazy itself
# (`ngettext_lazy(…, count)`); dates among the values are formatted in that language.
translated = lazy(_translate, str)


def recipient_language(user) -> str:
    """The interface language to write to `user` in: their own choice, else the one they last read
    the site in (kcs_site.locale.remember_reading_language), else the site's default."""
    return getattr(user, "language", "") or getattr(user, "last_language", "") or settings.LANGUAGE_CODE


def email_choice(user) -> str:
    pref = Preference.objects.filter(user=user).values_list("email", flat=True).first()
    return pref or EmailChoice.IMMEDIATE


def notify(
    recipients: Iterable,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    article=None,
    exclude=None,
    authority_changed: bool = False,
) -> list[Notification]:
    """Create one in-app notification per active recipient (each at most once, `exclude` left
    out) and queue an email for those who want emails right away. Digest readers get theirs
    from `send_notifications --digest`. Runs in the caller's transaction: nothing is told about
    a change that rolled back. A fixed number of queries, however many recipients.
    `authority_changed`: the change altered the decision authority, said on the notification and
    in its email; only for staff recipients (callers pass it for them only).
    `title` and `body` may be lazy text (gettext_lazy, `translated`): each recipient's
    notification and email are written in that recipient's language."""
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
    notes, emails = [], []
    for user in people:
        immediate = choices.get(user.pk, EmailChoice.IMMEDIATE) == EmailChoice.IMMEDIATE and bool(user.email)
        with translation.override(recipient_language(user)):
            title_text, body_text = str(title), str(body)
            notes.append(
                Notification(
                    recipient=user,
                    kind=kind,
                    title=title_text[:300],
                    body=body_text,
                    url=url,
                    article=article,
                    emailed=immediate,
                    authority_changed=authority_changed,
                )
            )
            if immediate:
                emails.append(
                    OutgoingEmail(
                        recipient=user,
                        to=user.email,
                        subject=_email_subject(title_text, authority_changed=authority_changed),
                        body=_email_body(title_text, body_text, url, authority_changed=authority_changed),
                        send_after=now,
                    )
                )
    with transaction.atomic():
        created = Notification.objects.bulk_create(notes)
        OutgoingEmail.objects.bulk_create(emails)
    return created


AUTHORITY_CHANGED = gettext_lazy("Decision authority changed")
AUTHORITY_CHANGED_TEXT = gettext_lazy(
    "** Decision authority changed ** What agents may decide on their own, or whom they turn to beyond it, is different now."
)
HOW_NOTIFIED = gettext_lazy("You can change how you are notified on your notifications page.")


def _email_subject(title: str, *, authority_changed: bool = False) -> str:
    if authority_changed:
        title = gettext("%(change)s: %(title)s") % {"change": AUTHORITY_CHANGED, "title": title}
    return f"[KB] {title}"[:300]


def _email_body(title: str, body: str, url: str, *, authority_changed: bool = False) -> str:
    parts = [title, "", body] if body else [title]
    if authority_changed:
        parts[1:1] = ["", str(AUTHORITY_CHANGED_TEXT)]
    if url:
        parts += ["", absolute_url(url)]
    parts += ["", str(HOW_NOTIFIED)]
    return "\n".join(parts)


def absolute_url(path: str) -> str:
    return f"{getattr(settings, 'KCS_SITE_URL', '').rstrip('/')}{path}"


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at=None).count()


# --- material updates ----------------------------------------------------------------------


def record_update(
    *,
    article,
    version: int,
    note: str,
    editor,
    audience: str = "",
    reader_visible: bool = True,
    authority_changed: bool = False,
) -> ArticleUpdate | None:
    """Record a material update of `article` (as saved) and announce it; called once the edit committed."""
    update, created = ArticleUpdate.objects.get_or_create(
        article=article,
        version=version,
        defaults={
            "note": note,
            "editor": editor,
            "audience": audience,
            "reader_visible": reader_visible,
            "authority_changed": authority_changed,
        },
    )
    if not created:
        return None
    _announce(update)
    return update


def update_audience(article):
    """Active people who should hear about an update of `article`: subscribers of the article,
    its product or its tags, and recent reusers. One query; visibility is checked by the caller."""
    from cases.services import recent_reusers

    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(pk__in=Subscription.objects.for_article(article).values("user_id"))
            | Q(pk__in=recent_reusers(article, REUSE_WINDOW_DAYS).values("pk"))
        )
    )


def announce_update(update_id: int) -> list[Notification]:
    """Tell everyone who cares and may see the article about a material update (bulk: O(1) queries)."""
    update = ArticleUpdate.objects.select_related("article", "editor").filter(pk=update_id).first()
    return [] if update is None else _announce(update)


def _announce(update: ArticleUpdate) -> list[Notification]:
    article = update.article
    staff, readers = [], []
    for person in update_audience(article):
        if not policy.may_hear_about(person, article):
            continue
        (staff if policy.is_staff(person) else readers).append(person)
    title = translated(gettext_noop("Updated: %(title)s"), {"title": article.title})
    common = {"kind": "article_updated", "title": title, "article": article, "exclude": update.editor}
    # Staff get the change note and the diff of the two versions. Outside readers hear only of
    # changes to what they can read, without the note (staff text), and get the help-centre page.
    told = notify(staff, url=update.diff_url(), body=update.note, authority_changed=update.authority_changed, **common)
    if update.reader_visible:
        told += notify(readers, url=article.get_help_url(), body=gettext_lazy("The article has been updated."), **common)
    return told


def recent_updates(user, *, product: str = ""):
    qs = ArticleUpdate.objects.visible_to(user).for_list()
    if product:
        qs = qs.filter(article__product__slug=product)
    return qs.order_by("-at", "-id")
