"""Who may record reuse, search cases and look after an article's review date.

Built on `articles.policy` (seeing and editing articles); each function returns a Decision
with the reason shown to the user when refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from articles import policy
from articles.choices import State
from articles.policy import ALLOW, Decision, is_kb_owner, is_publisher, is_staff, refuse

if TYPE_CHECKING:
    from articles.models import Article
    from articles.policy import Person


def can_record_reuse(user: Person, article: Article) -> Decision:
    # Reuse is an agent using an article on a case; customers' "helpful" votes are kept apart.
    if not is_staff(user):
        return refuse(_("Only staff record the use of an article on a case."))
    seen = policy.can_view(user, article)
    if not seen:
        return seen
    if article.state == State.ARCHIVED:
        # Archived knowledge is out of use: counting it would push it back up in search.
        return refuse(_("This article is archived: it should not be used on cases."))
    return ALLOW


def can_see_reuse(user: Person) -> Decision:
    # Case references and who used what are internal records, never shown outside the company.
    if is_staff(user):
        return ALLOW
    return refuse(_("Only staff can see how articles were used on cases."))


def can_see_review_queue(user: Person) -> Decision:
    if is_staff(user):
        return ALLOW
    return refuse(_("Only staff have a review queue."))


def sees_every_review(user: Person) -> bool:
    """KB owners watch the health of the whole KB; everyone else sees the articles they own."""
    return is_kb_owner(user)


def can_confirm_review(user: Person, article: Article) -> Decision:
    """Confirm a validated article is still correct, which moves its review-by date on."""
    if not is_staff(user):
        return refuse(_("Only staff can confirm an article is still correct."))
    if article.state != State.VALIDATED:
        return refuse(_("Only a validated article has a review date to confirm."))
    edit = policy.can_edit(user, article)
    if not edit:
        # Vouching for content you could not correct would be an empty promise.
        return edit
    if article.owner_id == user.pk or sees_every_review(user) or is_publisher(user):
        return ALLOW
    return refuse(
        _("Only the article's owner, a KB owner or a publisher can confirm it is still correct. Flag it if it is wrong.")
    )


def can_change_review_date(user: Person, article: Article) -> Decision:
    # The same rule as the article editor and the API apply (articles.policy).
    return policy.can_change_review_date(user, article)
