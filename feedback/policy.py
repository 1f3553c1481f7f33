"""Who may flag, see, resolve and dismiss flags, and vote on help-centre articles.

Built on `articles.policy` (seeing and editing articles); each function returns a Decision
that is truthy when allowed and carries the reason shown when refused. Views, templates and
the API all ask here.

Queues are product-agnostic for now: `articles.Product` has no owners, so every KB owner
sees the flags of every product, and an article's owner sees the flags on their articles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from articles.choices import Audience, Governance, State
from articles.policy import (
    ALLOW,
    Decision,
    can_edit,
    can_edit_authority,
    can_view,
    is_kb_owner,
    is_publisher,
    is_staff,
    refuse,
)

from .choices import FlagState, Reason

if TYPE_CHECKING:
    from articles.models import Article
    from articles.policy import Person

    from .models import Flag


def already_closed(flag: Flag) -> str:
    """Why a closed flag cannot be closed again, in the reader's language."""
    if flag.state == FlagState.DISMISSED:
        return _("This flag is already dismissed.")
    if flag.state == FlagState.RESOLVED:
        return _("This flag is already resolved.")
    return _("This flag is already %(state)s.") % {"state": flag.state}


def can_see_flags(user: Person) -> Decision:
    # Flags are staff working notes (they may quote cases and internal policy): customers and
    # partners never see them, not even the ones their own feedback created.
    if is_staff(user):
        return ALLOW
    return refuse(_("Only staff can see flags."))


def can_flag(user: Person, article: Article, reason: str | None = None) -> Decision:
    """Raise a flag on `article`; with `reason`, a flag for that reason."""
    if not is_staff(user):
        return refuse(_("Only staff can flag articles. Use “Was this helpful?” on the help centre instead."))
    if not can_view(user, article):
        return can_view(user, article)
    if article.state == State.ARCHIVED:
        return refuse(_("This article is archived and no longer in use: there is nothing to flag."))
    if article.governance == Governance.GOVERNED and can_edit(user, article):
        # Governed content is flagged by those who may not change it; who may, fixes it.
        return refuse(_("You can change this governed article yourself: edit it instead of flagging it."))
    if reason == Reason.AUTHORITY_UNCLEAR and can_edit_authority(user, article):
        # The decision-authority section is governed: whoever may change it fixes it.
        return refuse(_("You can change the decision authority yourself: edit it instead of flagging it."))
    return ALLOW


def flag_reasons_for(user: Person, article: Article) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Reason.choices if can_flag(user, article, value)]


def can_see_queue(user: Person) -> Decision:
    if is_staff(user):
        return ALLOW
    return refuse(_("Only staff have a flag queue."))


def queue_q(user: Person) -> Q:
    """The flags waiting for `user`: every one for a KB owner, those on their own articles for an owner."""
    if is_kb_owner(user):
        return Q()
    if is_staff(user):
        return Q(article__owner=user)
    return Q(pk__in=[])


def can_close(user: Person, flag: Flag) -> Decision:
    """Resolve or dismiss `flag` from the queue (the owner, a KB owner, or a publisher who may edit)."""
    article = flag.article
    if not is_staff(user):
        return refuse(_("Only staff can resolve or dismiss flags."))
    if not flag.is_open:
        return refuse(already_closed(flag))
    if flag.reason == Reason.AUTHORITY_UNCLEAR:
        # Whether decision authority is right is the KB owner's call (it is always governed).
        decision = can_edit_authority(user, article)
        if not decision:
            return refuse(_("Only someone who may change the decision authority (a KB owner) can close this flag."))
        return ALLOW
    if is_kb_owner(user) or article.owner_id == user.pk:
        return ALLOW
    if is_publisher(user) and can_edit(user, article):
        return ALLOW
    return refuse(_("Only the article's owner, a KB owner or a publisher who may edit it can resolve or dismiss its flags."))


def can_resolve_by_edit(user: Person, flag: Flag) -> Decision:
    """Close `flag` by saving an edit that addresses it ("fix it")."""
    if not flag.is_open:
        return refuse(already_closed(flag))
    decision = can_edit(user, flag.article)
    if not decision:
        return decision
    if flag.reason == Reason.AUTHORITY_UNCLEAR and not can_edit_authority(user, flag.article):
        return refuse(_("This flag is about the decision authority, which only a KB owner may change: it stays open for them."))
    return ALLOW


def can_vote(user: Person, article: Article) -> Decision:
    """Answer "Was this helpful?" on a help-centre article."""
    if is_staff(user):
        return refuse(_("Staff flag articles from the article page instead."))
    if not can_view(user, article) or article.state != State.VALIDATED or article.audience == Audience.INTERNAL:
        return refuse(_("This article does not exist or is not available to you."))
    return ALLOW


def may_comment_on_vote(user: Person) -> bool:
    # Anonymous visitors give a reason but no free text: a comment box open to anyone would
    # carry spam into the owners' queue.
    return bool(user is not None and user.is_authenticated)
