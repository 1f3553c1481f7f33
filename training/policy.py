"""Who may do what with learning paths and acknowledgements. Builds on `articles.policy`;
every function returns a `Decision` (truthy when allowed, with the reason shown when refused).

Paths are staff material: customers and partners never learn they exist (views answer 404).
KB owners and coaches build paths and assign them; trainees acknowledge the articles of the
paths assigned to them and see only their own progress and acknowledgements.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from articles import policy as article_policy
from articles.policy import ALLOW, Decision, is_coach_or_kb_owner, is_staff, refuse

if TYPE_CHECKING:
    from accounts.models import User
    from articles.models import Article
    from articles.policy import Person

    from .models import LearningPath


def may_manage_paths(user: Person) -> bool:
    # KB owners and coaches build and assign learning paths (KB owners manage them; coaches
    # guide the people still learning).
    return is_coach_or_kb_owner(user)


def can_manage_path(user: Person, path: LearningPath | None = None) -> Decision:
    if may_manage_paths(user):
        return ALLOW
    return refuse(_("Only KB owners and coaches can build learning paths."))


def can_assign(user: Person, path: LearningPath, person: User) -> Decision:
    if not may_manage_paths(user):
        return refuse(_("Only KB owners and coaches can assign learning paths."))
    if not (is_staff(person) and person.is_active):
        return refuse(_("%(name)s is not an active member of staff.") % {"name": person.username})
    return ALLOW


def can_acknowledge(user: Person, article: Article, *, assigned: bool, in_path: bool) -> Decision:
    """Read and understood: a staff member, on an article they can see, from a path assigned to them."""
    if not is_staff(user):
        return refuse(_("Only staff acknowledge articles."))
    seen = article_policy.can_view(user, article)
    if not seen:
        return seen
    if not assigned:
        return refuse(_("This learning path is not assigned to you."))
    if not in_path:
        return refuse(_("This article is not part of that learning path."))
    return ALLOW


def can_view_progress_of(user: Person, person: User) -> Decision:
    """A person's progress and acknowledgements: their own, or anyone's for KB owners and coaches."""
    if not is_staff(user):
        return refuse(_("Training records are for staff."))
    if user.pk == person.pk or may_manage_paths(user):
        return ALLOW
    return refuse(_("Only KB owners, coaches and the person themselves can see their training records."))


def can_export_path(user: Person, path: LearningPath) -> Decision:
    if may_manage_paths(user):
        return ALLOW
    return refuse(_("Only KB owners and coaches can export a path's acknowledgements."))


# --- knowledge checks ------------------------------------------------------------------------


def can_manage_questions(user: Person, article: Article) -> Decision:
    """KB owners, coaches and the article's owner write its questions (they answer for what it teaches)."""
    if not is_staff(user):
        return refuse(_("Knowledge checks are for staff."))
    seen = article_policy.can_view(user, article)
    if not seen:
        return seen
    if may_manage_paths(user) or (article.owner_id is not None and article.owner_id == user.pk):
        return ALLOW
    return refuse(_("Only KB owners, coaches and the article's owner can write its questions."))


def can_take_check(user: Person, article: Article) -> Decision:
    """Any member of staff who can see the article may test themselves on it."""
    if not is_staff(user):
        return refuse(_("Knowledge checks are for staff."))
    return article_policy.can_view(user, article)


def can_see_answers(user: Person, article: Article) -> Decision:
    """The correct choices are shown only to those who write the questions (and after answering)."""
    return can_manage_questions(user, article)
