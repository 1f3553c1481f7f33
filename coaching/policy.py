"""Who may do what in reviews and coaching. Builds on `articles.policy`; every function
returns a `Decision` (truthy when allowed, with the reason shown when refused).

Reviews: the author of an unvalidated article asks a coach to review it; the coach
approves (which validates the article through the normal workflow, so `articles.policy`
still decides whether that coach may validate *this* article) or asks for changes.
Nobody reviews their own article.

Content-standard checklist: coaches and KB owners score other people's articles; the
scores are coaching material, seen by the scorers and by the author they are about.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from articles import policy as article_policy
from articles import structure
from articles.choices import State
from articles.policy import ALLOW, Decision, is_coach, is_coach_or_kb_owner, is_kb_owner, is_staff, refuse

from .choices import OPEN, Status

if TYPE_CHECKING:
    from accounts.models import User
    from articles.models import Article
    from articles.policy import Person

    from .models import ReviewRequest


def is_author(user: Person, article: Article) -> bool:
    """Whoever wrote the article or owns it: both count as "their own" article."""
    return user is not None and user.pk is not None and user.pk in (article.created_by_id, article.owner_id)


# --- reviews ---------------------------------------------------------------------------------


def can_request_review(user: Person, article: Article) -> Decision:
    if not is_staff(user):
        return refuse(_("Only staff can ask for a review."))
    if not is_author(user, article):
        # A review is coaching for the person who wrote the article, asked by them.
        return refuse(_("Only the article's author or owner can ask for a review of it."))
    if article.state not in (State.WIP, State.NOT_VALIDATED):
        return refuse(_("Only an unvalidated article can go to review."))
    if not structure.has_resolution(article):
        return refuse(_("Write a resolution before asking for a review."))
    return ALLOW


def can_be_reviewer(coach: User, article: Article) -> Decision:
    """May `coach` be the reviewer of `article` (picked automatically or chosen)?"""
    if not (is_coach(coach) and coach.is_active):
        return refuse(_("%(name)s is not a coach.") % {"name": coach.username})
    if is_author(coach, article):
        return refuse(_("Nobody reviews their own article."))
    # Approving validates the article: only a coach the workflow lets validate it may review it
    # (e.g. a governed article needs a coach who is also a KB owner).
    validate = article_policy.can_validate(coach, article)  # (a draft is submitted as the review starts)
    if not validate:
        return refuse(
            _("%(name)s cannot validate this article: %(reason)s") % {"name": coach.username, "reason": validate.reason}
        )
    return ALLOW


def can_see_review(user: Person, review: ReviewRequest) -> Decision:
    if not is_staff(user):
        return refuse(_("Reviews are for staff."))
    if user.pk in (review.requester_id, review.reviewer_id) or is_coach_or_kb_owner(user):
        return ALLOW
    return refuse(_("Only the author, their reviewer, coaches and KB owners can read this review."))


def can_decide_review(user: Person, review: ReviewRequest) -> Decision:
    """Approve, or ask for changes: the assigned reviewer, while it waits for them."""
    if not is_staff(user):
        return refuse(_("Only staff can review articles."))
    if user.pk != review.reviewer_id:
        return refuse(_("Only the coach this review is assigned to can approve it or ask for changes."))
    if is_author(user, review.article):
        return refuse(_("Nobody reviews their own article."))
    if review.status != Status.PENDING:
        return refuse(
            _("This review is %(status)s: there is nothing to decide now.") % {"status": review.get_status_display().lower()}
        )
    return ALLOW


def can_resubmit(user: Person, review: ReviewRequest) -> Decision:
    if not is_staff(user) or user.pk != review.requester_id:
        return refuse(_("Only the author who asked for this review can send it back to the coach."))
    if review.status != Status.CHANGES_REQUESTED:
        return refuse(_("The coach has not asked for changes: the review is not waiting for you."))
    if not structure.has_resolution(review.article):
        return refuse(_("Write a resolution before sending the article back."))
    return ALLOW


def can_withdraw(user: Person, review: ReviewRequest) -> Decision:
    if not is_staff(user) or user.pk != review.requester_id:
        return refuse(_("Only the author who asked for this review can withdraw it."))
    if review.status not in OPEN:
        return refuse(_("This review is closed."))
    return ALLOW


# --- content-standard checklist -----------------------------------------------------------------


def may_score_at_all(user: Person) -> bool:
    # Coaches and KB owners run the content-standard checklist (formerly AQI).
    return is_coach_or_kb_owner(user)


def can_score(user: Person, article: Article) -> Decision:
    if not may_score_at_all(user):
        return refuse(_("Only coaches and KB owners score articles against the content standard."))
    if is_author(user, article):
        return refuse(_("Nobody scores their own article."))
    if article.state not in (State.NOT_VALIDATED, State.VALIDATED):
        return refuse(_("Only articles with a resolution (not validated or validated) are scored."))
    return ALLOW


def can_view_scores_of(user: Person, author: User) -> Decision:
    """Checklist scores about `author`: for the scorers, and for the author themselves."""
    if not is_staff(user):
        return refuse(_("Checklist scores are for staff."))
    if may_score_at_all(user) or user.pk == author.pk:
        return ALLOW
    return refuse(_("Only coaches, KB owners and the author can see an author's checklist scores."))


def can_view_article_scores(user: Person, article: Article) -> Decision:
    if not is_staff(user):
        return refuse(_("Checklist scores are for staff."))
    # The scores are about the article's author (who wrote it), not whoever owns it now.
    if may_score_at_all(user) or (user.pk is not None and user.pk == article.created_by_id):
        return ALLOW
    return refuse(_("Only coaches, KB owners and the article's author can see its checklist scores."))


def can_manage_criteria(user: Person) -> Decision:
    # The content standard is the knowledge base's: its owners decide what the checklist asks
    # and how much each criterion weighs (coaches score with it; they do not change it).
    if is_kb_owner(user):
        return ALLOW
    return refuse(_("Only KB owners change the content-standard criteria."))
