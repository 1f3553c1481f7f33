"""Flag operations that also tell people: raising, resolving and dismissing flags, readers' votes.

Each checks `feedback.policy`, changes the rows inside one transaction and calls
`notifications.services.notify()` in that same transaction (nobody hears of a change that
rolled back). Refusals raise `articles.models.Refused`, bad input `InvalidChange`: the pages
show them as messages and the API as 403 / 400.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from articles.models import Article, EventKind, InvalidChange, require
from articles.policy import can_view, is_staff
from notifications.services import notify

from . import policy
from .models import READER_REASONS, Flag, FlagState, HelpfulVote, Reason, Source


class AlreadyClosed(InvalidChange):
    """Someone resolved or dismissed the flag first."""


class AlreadyFlagged(InvalidChange):
    """The person's flag on this article for this reason is still open: `flag` is that one."""

    def __init__(self, flag: Flag):
        self.flag = flag
        super().__init__(
            gettext("You already flagged this article for that reason, and your flag (#%(pk)s) is still open.") % {"pk": flag.pk}
        )


def raise_flag(*, by, article: Article, reason: str, comment: str = "", case_ref: str = "") -> Flag:
    if reason not in Reason.values:
        raise InvalidChange(
            gettext("Unknown reason '%(reason)s'. Choose one of: %(reasons)s.")
            % {"reason": reason, "reasons": ", ".join(Reason.values)}
        )
    require(policy.can_flag(by, article, reason))
    mine = Flag.objects.open().filter(article=article, created_by=by, reason=reason)
    if existing := mine.first():
        raise AlreadyFlagged(existing)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                article=article,
                created_by=by,
                reason=reason,
                comment=comment.strip(),
                case_ref=case_ref.strip(),
                article_version=article.version,
            )
            _tell_owner(flag, who=by.get_username())
    except IntegrityError:
        # The same person flagged it at the same moment elsewhere (a double click, two tabs):
        # the constraint kept one open flag, and this answer points to it.
        existing = mine.first()
        if existing is None:
            raise
        raise AlreadyFlagged(existing) from None
    return flag


def resolve_flag(*, by, flag: Flag, version: int | None = None, note: str = "") -> Flag:
    """Close `flag` as fixed by article `version` (default: the current version)."""
    with transaction.atomic():
        flag = _locked(flag)
        require(policy.can_close(by, flag))
        current = flag.article.version
        version = current if version is None else version
        if not flag.article_version <= version <= current:
            raise InvalidChange(
                gettext("Name the version that fixed it: between version %(flagged)s (flagged) and %(current)s (current).")
                % {"flagged": flag.article_version, "current": current}
            )
        _close(flag, by=by, state=FlagState.RESOLVED, version=version, note=note)
    return flag


def dismiss_flag(*, by, flag: Flag, reason: str) -> Flag:
    if not reason.strip():
        raise InvalidChange(gettext("Say why you dismiss this flag: the person who raised it will read it."))
    with transaction.atomic():
        flag = _locked(flag)
        require(policy.can_close(by, flag))
        _close(flag, by=by, state=FlagState.DISMISSED, note=reason)
    return flag


def resolve_addressed_by_edit(*, by, article: Article, flag_ids: list[int], version: int) -> tuple[list[Flag], list[Flag]]:
    """After a saved edit (`version`): resolve the open flags the editor ticked against it.

    Returns (resolved, left open). Flags the editor may not close this way (an authority flag
    for someone who may not change the authority) stay open.
    """
    flags = list(Flag.objects.open().filter(article=article, pk__in=flag_ids).select_related("created_by"))
    resolved, left = [], []
    with transaction.atomic():
        for flag in flags:
            flag.article = article  # the policy reads it; no query per flag
            if policy.can_resolve_by_edit(by, flag):
                _close(flag, by=by, state=FlagState.RESOLVED, version=version, note=f"Fixed in version {version}.")
                resolved.append(flag)
            else:
                left.append(flag)
    return resolved, left


def resolve_flags_of_change(sender, change, **kwargs) -> None:
    """articles.signals.article_changed: close the flags the editor said this version addresses."""
    if change.resolves:
        resolve_addressed_by_edit(by=change.actor, article=change.article, flag_ids=change.resolves, version=change.version)


def reopen_flags_of_revert(sender, change, **kwargs) -> None:
    """articles.signals.article_changed: a revert to a version older than a flag's fix undoes it."""
    if change.kind == EventKind.REVERTED and change.to_value.isdigit():
        reopen_after_revert(by=change.actor, article=change.article, restored=int(change.to_value), version=change.version)


def reopen_after_revert(*, by, article: Article, restored: int, version: int) -> list[Flag]:
    """Version `version` brought back the content of version `restored`: every flag resolved by a
    later version lost its fix, so it opens again with a note saying so, and the article's owner
    and (staff) whoever raised it are told. A flag whose raiser has another open flag for the
    same reason stays resolved (one open flag per person and reason), with the note pointing
    to that one. Returns the flags reopened."""
    reopened = []
    with transaction.atomic():
        flags = (
            Flag.objects.select_for_update(of=("self",))
            .filter(article=article, state=FlagState.RESOLVED, resolved_version__gt=restored)
            .select_related("created_by", "closed_by")
        )
        for flag in flags:
            flag.article = article
            was = f"It had been resolved in version {flag.resolved_version}"
            if flag.closed_by:
                was += f" by {flag.closed_by.get_username()}"
            was += f": “{flag.outcome_note}”" if flag.outcome_note else "."
            flag.reopened_version = version
            flag.reopened_note = (
                f"Reopened: the fix was reverted in version {version} (back to version {restored}, by {by.get_username()}). {was}"
            )
            same = Flag.objects.open().filter(article=article, created_by=flag.created_by, reason=flag.reason)
            twin = same.first() if flag.created_by_id else None
            if twin is not None:
                flag.reopened_note += f" It stays resolved: flag #{twin.pk}, open, asks the same."
                flag.save(update_fields=["reopened_version", "reopened_note"])
                continue
            flag.state, flag.resolved_version, flag.outcome_note = FlagState.OPEN, None, ""
            flag.closed_by, flag.closed_at = None, None
            flag.save(
                update_fields=[
                    "state",
                    "resolved_version",
                    "outcome_note",
                    "closed_by",
                    "closed_at",
                    "reopened_version",
                    "reopened_note",
                ]
            )
            reopened.append(flag)
            _tell_reopened(flag, by=by)
    return reopened


def record_vote(*, user, session_key: str, article: Article, helpful: bool, reason: str = "", comment: str = "") -> HelpfulVote:
    """Record a reader's answer (replacing their earlier one); "not helpful" with a reason feeds the queue."""
    require(policy.can_vote(user, article))
    signed_in = user is not None and user.is_authenticated
    if helpful:
        reason, comment = "", ""
    if reason and reason not in dict(READER_REASONS):
        raise InvalidChange(gettext("Choose one of the reasons offered."))
    if not policy.may_comment_on_vote(user):
        comment = ""
    comment = comment.strip()[:2000]
    who = {"user": user} if signed_in else {"user": None, "session_key": session_key}
    with transaction.atomic():
        vote, _ = HelpfulVote.objects.update_or_create(
            article=article,
            **who,
            defaults={
                "helpful": helpful,
                "reason": reason,
                "comment": comment,
                "article_version": article.version,
                "at": timezone.now(),
            },
        )
        if not helpful and reason:
            _feed_queue(vote, signed_in=signed_in)
    return vote


def _feed_queue(vote: HelpfulVote, *, signed_in: bool) -> None:
    open_flag = vote.flag if vote.flag_id and vote.flag.state == FlagState.OPEN else None
    if signed_in and open_flag is not None:
        # The reader changed their answer while their feedback is still open: keep one item.
        Flag.objects.filter(pk=open_flag.pk).update(reason=vote.reason, comment=vote.comment)
        return
    if not signed_in:
        # Anonymous answers are grouped per article and reason, so visitors cannot flood the queue.
        open_flag = (
            Flag.objects.open().filter(article=vote.article, source=Source.CUSTOMER, created_by=None, reason=vote.reason).first()
        )
        if open_flag is not None:
            vote.flag = open_flag
            vote.save(update_fields=["flag"])
            return
    try:
        with transaction.atomic():
            vote.flag = Flag.objects.create(
                article=vote.article,
                created_by=vote.user,
                source=Source.CUSTOMER,
                reason=vote.reason,
                comment=vote.comment,
                article_version=vote.article_version,
            )
    except IntegrityError:
        # This reader's open feedback for this reason already exists (one open flag per
        # person and reason): the vote feeds that one instead of a copy.
        vote.flag = Flag.objects.open().get(article=vote.article, created_by=vote.user, reason=vote.reason)
        vote.save(update_fields=["flag"])
        return
    vote.save(update_fields=["flag"])
    with translation.override(settings.LANGUAGE_CODE):  # a notification is stored: the site's language
        who = f"{vote.user.get_username()} ({vote.user.get_kind_display().lower()})" if signed_in else "An anonymous visitor"
        _tell_owner(vote.flag, who=who)


# --- helpers ---------------------------------------------------------------------------


def _locked(flag: Flag) -> Flag:
    locked = Flag.objects.select_for_update(of=("self",)).select_related("article", "created_by").get(pk=flag.pk)
    if locked.state != FlagState.OPEN:
        if locked.state == FlagState.DISMISSED:
            raise AlreadyClosed(gettext("This flag is already dismissed: nothing was changed."))
        raise AlreadyClosed(gettext("This flag is already resolved: nothing was changed."))
    return locked


def _close(flag: Flag, *, by, state: str, version: int | None = None, note: str = "") -> None:
    flag.state = state
    flag.resolved_version = version
    flag.outcome_note = note.strip()
    flag.closed_by = by
    flag.closed_at = timezone.now()
    flag.save(update_fields=["state", "resolved_version", "outcome_note", "closed_by", "closed_at"])
    _tell_outcome(flag, by=by)


def _tell_owner(flag: Flag, *, who: str) -> None:
    article = flag.article
    kind = "Customer feedback" if flag.is_customer_feedback else "Flag"
    with translation.override(settings.LANGUAGE_CODE):  # stored: the site's language
        reason = flag.get_reason_display().lower()
    notify(
        [article.owner],
        kind="flag_raised",
        title=f"{kind} on “{article.title}”: {reason}",
        body=f"{who}: {flag.comment}" if flag.comment else who,
        url=reverse("feedback:flag", args=[flag.pk]),
        article=article,
        exclude=flag.created_by,
    )


def _tell_reopened(flag: Flag, *, by) -> None:
    """The article's owner (whose queue it is back in) and a staff raiser hear that the fix was undone."""
    raiser, article = flag.created_by, flag.article
    people = [article.owner] + ([raiser] if raiser is not None and is_staff(raiser) else [])
    notify(
        people,
        kind="flag_reopened",
        title=f"Flag reopened on “{article.title}”: the fix was reverted in version {flag.reopened_version}",
        body=flag.reopened_note,
        url=reverse("feedback:flag", args=[flag.pk]),
        article=article,
        exclude=by,
    )


def _tell_outcome(flag: Flag, *, by) -> None:
    """The person who raised the flag hears what became of it."""
    raiser, article = flag.created_by, flag.article
    if raiser is None:
        return
    if flag.is_customer_feedback:
        # Readers outside the company hear only that the article improved, never staff notes.
        if flag.state == FlagState.RESOLVED and can_view(raiser, article):
            notify(
                [raiser],
                kind="feedback_resolved",
                title=f"Thanks to your feedback, “{article.title}” has been updated",
                url=article.get_help_url(),
                article=article,
                exclude=by,
            )
        return
    if flag.state == FlagState.RESOLVED:
        title = f"Your flag on “{article.title}” was resolved in version {flag.resolved_version}"
        url = article.get_absolute_url()
        if flag.resolved_version and flag.resolved_version > flag.article_version:
            url = article.get_diff_url(flag.article_version, flag.resolved_version)
    else:
        title = f"Your flag on “{article.title}” was dismissed"
        url = reverse("feedback:flag", args=[flag.pk])
    body = f"{by.get_username()}: {flag.outcome_note}" if flag.outcome_note else f"By {by.get_username()}."
    notify([raiser], kind=f"flag_{flag.state}", title=title, body=body, url=url, article=article, exclude=by)
