"""Operations on reuse and review dates: each checks the policy, then changes what it must.

None of them is an edit of the article: `Article.version` stays, no revision is written
(reuse_count is excluded from versions, review_by moves by a queryset update), so an agent
recording reuse can never cause a 409 for someone editing the article.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext_lazy

from articles.models import Article, InvalidChange, Reuse, StaleVersion, check_review_date, next_review_date, require
from notifications.services import notify, translated

from . import policy
from .models import ReviewConfirmation, ReviewKind, ReviewReminder

if TYPE_CHECKING:
    from accounts.models import User

CASE_REF_MAX = 100


def clean_case_ref(text: str | None) -> str:
    ref = " ".join((text or "").replace("\x00", "").split())
    if len(ref) > CASE_REF_MAX:
        raise InvalidChange(_("A case reference has at most %(max)s characters.") % {"max": CASE_REF_MAX})
    return ref


def record_reuse(*, article: Article, by: User, case_ref: str = "", solved: bool | None = None):
    """`by` used `article` on a case.

    With a case reference this is a link to that case (`cases.services.link`: the same case
    and article twice is one link, never two reuses); without one, a Reuse row (reuse without a
    case). Either way `reuse_count` is recounted from the rows.
    """
    from cases import services as cases

    require(policy.can_record_reuse(by, article))
    case_ref = clean_case_ref(case_ref)
    if case_ref:
        made, created = cases.link(
            case=cases.manual_case(case_ref), article=article, kind="solved" if solved else "reference", by=by
        )
        made.created_now = created  # the API answers 201 for a new record, 200 for the link it already had
        article.refresh_from_db(fields=["reuse_count"])
        return made
    with transaction.atomic():
        reuse = Reuse.objects.create(article=article, user=by, case_ref="", solved=solved, article_version=article.version)
        cases.recount_reuse([article.pk])
    reuse.created_now = True
    article.refresh_from_db(fields=["reuse_count"])
    return reuse


def articles_used_on_case(user, case_ref: str):
    """Live links of the case `case_ref` (any source), newest first, on articles `user` may see."""
    from cases.services import links_on_case_ref

    require(policy.can_see_reuse(user))
    return links_on_case_ref(user, clean_case_ref(case_ref))


def confirm_review(*, article: Article, by: User, note: str = "", base_version: int | None = None) -> ReviewConfirmation:
    """`by` vouches that `article` is still correct: the review date moves on, the content does not."""
    return _move_review_date(article, by, next_review_date(), ReviewKind.CONFIRMED, note, base_version)


def change_review_date(*, article: Article, by: User, to: datetime.date, note: str = "") -> ReviewConfirmation:
    check_review_date(to)  # the dates the editor and the API accept too
    return _move_review_date(article, by, to, ReviewKind.RESCHEDULED, note, None)


def _move_review_date(article, by: User, to, kind, note, base_version) -> ReviewConfirmation:
    check = policy.can_confirm_review if kind == ReviewKind.CONFIRMED else policy.can_change_review_date
    with transaction.atomic():
        current = Article.objects.select_for_update().get(pk=article.pk)
        require(check(by, current))
        if base_version is not None and current.version != base_version:
            # Confirming text the person has not seen would vouch for someone else's change.
            raise StaleVersion(current)
        record = ReviewConfirmation.objects.create(
            article=current,
            by=by,
            kind=kind,
            previous_review_by=current.review_by,
            review_by=to,
            article_version=current.version,
            note=(note or "").strip()[:500],
        )
        # update(), not save(): no new version, no revision, updated_at untouched (not a content change).
        Article.objects.filter(pk=current.pk).update(review_by=to)
    article.refresh_from_db(fields=["review_by"])
    return record


def last_use(article: Article):
    """The latest use of `article` on a case: a live reuse link or a reuse without a case."""
    from cases.models import CaseLink

    link = CaseLink.objects.live().reuse().filter(article=article).select_related("linked_by", "case").first()
    plain = Reuse.objects.filter(article=article).select_related("user").first()
    found = [use for use in (link, plain) if use is not None]
    return max(found, key=lambda use: use.at) if found else None


def last_confirmation(article: Article) -> ReviewConfirmation | None:
    return ReviewConfirmation.objects.filter(article=article).select_related("by").first()


def review_queue(user):
    """Validated articles due for review that `user` looks after, most overdue first."""
    require(policy.can_see_review_queue(user))
    qs = Article.objects.for_list().due_for_review()
    if not policy.sees_every_review(user):
        qs = qs.filter(owner=user)
    return qs.order_by("review_by", "id")


def with_health(qs):
    """Annotate a list of articles with when each was last used and last confirmed (no N+1)."""
    latest = ReviewConfirmation.objects.filter(article=OuterRef("pk")).order_by("-at", "-id")
    from cases.models import CaseLink

    used = Reuse.objects.filter(article=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    linked = CaseLink.objects.live().reuse().filter(article=OuterRef("pk")).order_by("-linked_at", "-id").values("linked_at")[:1]
    # The later of the two (SQLite's MAX() of a NULL is NULL, hence the Coalesce on both sides).
    return qs.annotate(
        last_used=Greatest(Coalesce(Subquery(used), Subquery(linked)), Coalesce(Subquery(linked), Subquery(used))),
        last_confirmed_at=Subquery(latest.values("at")[:1]),
        last_confirmed_by=Subquery(latest.values("by__username")[:1]),
    )


def send_review_reminders(today: datetime.date | None = None) -> int:
    """Tell each owner about each of their articles that is due, once per due date. Returns reminders sent."""
    today = today or timezone.localdate()
    due = Article.objects.due_for_review(today).select_related("owner").only("pk", "slug", "title", "review_by", "owner")
    sent = _sent_reminders(today)
    count = 0
    for article in due.order_by("review_by", "id").iterator(chunk_size=500):
        if (article.pk, article.owner_id, article.review_by) in sent:
            continue
        try:
            with transaction.atomic():
                # The row first: if another run got here first, the constraint stops a second notice.
                ReviewReminder.objects.create(article=article, recipient=article.owner, review_by=article.review_by)
                _remind(article, today)
        except IntegrityError:
            continue
        count += 1
    return count


def _sent_reminders(today: datetime.date) -> set[tuple[int, int, datetime.date]]:
    """(article, recipient, due date) of reminders already sent for dates up to today."""
    due = Article.objects.due_for_review(today).values("pk")
    return set(ReviewReminder.objects.filter(article__in=due).values_list("article_id", "recipient_id", "review_by"))


def _remind(article: Article, today: datetime.date) -> None:
    overdue = (today - article.review_by).days
    if overdue == 0:
        body = gettext_noop(
            "“%(title)s” was due for review today (%(date)s). Check it is still correct, then confirm it or update it."
        )
    else:
        body = ngettext_lazy(
            "“%(title)s” was due for review %(days)s day ago (%(date)s). "
            "Check it is still correct, then confirm it or update it.",
            "“%(title)s” was due for review %(days)s days ago (%(date)s). "
            "Check it is still correct, then confirm it or update it.",
            overdue,
        )
    # Written in the owner's language (notify reads lazy text once per recipient).
    notify(
        [article.owner],
        kind="review_due",
        title=translated(gettext_noop("Due for review: %(title)s"), {"title": article.title}),
        body=translated(body, {"title": article.title, "days": overdue, "date": article.review_by}),
        url=reverse("articles:detail", args=[article.slug]),
        article=article,
    )
