"""Who may see cases, link them to articles and keep them in step with the ticketing tools.

Built on `articles.policy`; each function returns a Decision with the reason a user reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from articles import policy
from articles.choices import State
from articles.policy import ALLOW, Decision, is_coach, is_coach_or_kb_owner, is_kb_owner, is_staff, refuse

if TYPE_CHECKING:
    from articles.models import Article
    from articles.policy import Person

    from .models import Case, CaseLink


def can_see_cases(user: Person) -> Decision:
    # Cases carry customers' words, names and addresses: inside the support organisation only.
    if is_staff(user):
        return ALLOW
    return refuse(_("Only support staff can see cases."))


def can_see_drafts_queue(user: Person) -> Decision:
    # The most-used drafts queue is a list of articles to validate: for those who may validate
    # (contributors, publishers, coaches, KB owners). It names cases only as counts.
    if policy.may_validate_at_all(user):
        return ALLOW
    return refuse(_("The most-used drafts queue is for those who validate articles: contributors, coaches and KB owners."))


def can_link(user: Person, case: Case, article: Article) -> Decision:
    # Linking is part of every agent's work (KCS "reuse"), on any article they can read.
    seen = can_see_cases(user)
    if not seen:
        return seen
    seen = policy.can_view(user, article)
    if not seen:
        return seen
    # An archived article is no longer the answer; the case should point at what replaced it.
    if article.state == State.ARCHIVED:
        return refuse(_("This article is archived: link the article that replaced it."))
    return ALLOW


def can_unlink(user: Person, link: CaseLink) -> Decision:
    # The agent who linked corrects their own link; KB owners and coaches tidy anyone's.
    if not is_staff(user):
        return refuse(_("Only support staff can change links between cases and articles."))
    if link.unlinked_at is not None:
        return refuse(_("This link was already removed."))
    if link.linked_by_id == user.pk or is_kb_owner(user) or is_coach(user):
        return ALLOW
    return refuse(_("Only the agent who linked it, a coach or a KB owner can remove this link."))


def can_unlink_with_draft(user: Person, link: CaseLink, draft) -> Decision:
    # Dropping a draft written from a case for an existing article takes the draft's own
    # "created" link with it: whoever may edit the draft may remove that link, and only that one.
    from articles.policy import can_edit

    from .choices import LinkKind

    if link.unlinked_at is not None:
        return refuse(_("This link was already removed."))
    if link.kind != LinkKind.CREATED or link.article_id != draft.pk:
        return refuse(_("Only the link the draft was created from goes with the draft."))
    decision = can_edit(user, draft)
    return decision if not decision else ALLOW


def can_sync_cases(user: Person) -> Decision:
    # Integrations write cases with a token of an account given the "sync cases" permission;
    # agents read cases but never rewrite what the ticketing tool holds.
    if is_kb_owner(user) or (is_staff(user) and user.has_perm("cases.sync_cases")):
        return ALLOW
    return refuse(_("Only integrations (accounts with the “sync cases” permission) and KB owners can write cases."))


def can_see_outcomes(user: Person) -> Decision:
    # Link rate and known-vs-new per agent are coaching material: coaches and KB owners.
    if is_kb_owner(user) or is_coach(user):
        return ALLOW
    return refuse(_("Only coaches and KB owners can see case outcomes per agent and team."))


def can_manage_webhooks(user: Person) -> Decision:
    # Outbound webhooks send knowledge to other systems and decide which audience's view they get:
    # the KB owners' call, as widening an article's audience is a publisher's (and admins').
    if is_kb_owner(user):
        return ALLOW
    return refuse(_("Only KB owners can manage outbound webhooks."))


def can_review_adherence(user: Person, case: Case | None = None) -> Decision:
    # Process adherence reviews (KCS PAR) are coaching: coaches and KB owners review a sample of
    # other agents' cases. Nobody judges their own work: not a case assigned to them, nor one
    # where they linked an article (whether that link was accurate is the question).
    if not is_coach_or_kb_owner(user):
        return refuse(_("Only coaches and KB owners review process adherence on cases."))
    if case is not None and case.agent_id is not None and case.agent_id == user.pk:
        return refuse(_("This is your own case: another coach or KB owner reviews it."))
    if case is not None and case.links.filter(linked_by=user).exists():
        return refuse(_("You linked an article to this case: another coach or KB owner reviews it."))
    return ALLOW
