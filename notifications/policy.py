"""Who may subscribe to what, and who hears about what; builds on articles.policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from articles import policy as article_policy
from articles.policy import ALLOW, Decision, is_staff, refuse

if TYPE_CHECKING:
    from articles.models import Article, Product, Tag
    from articles.policy import Person

__all__ = ["is_staff", "may_hear_about", "can_subscribe", "can_subscribe_to_topic", "can_read_notifications"]


def can_read_notifications(user: Person) -> Decision:
    if user is not None and user.is_authenticated and user.is_active:
        return ALLOW
    return refuse(_("Log in to see your notifications."))


def may_hear_about(user: Person, article: Article) -> Decision:
    # Nobody is told about an article they could not open: that would leak internal work.
    return article_policy.can_view(user, article)


def can_subscribe(user: Person, article: Article) -> Decision:
    # Anyone signed in who can read the article may follow it.
    signed_in = can_read_notifications(user)
    if not signed_in:
        return refuse(_("Log in to subscribe to updates."))
    return article_policy.can_view(user, article)


def can_subscribe_to_topic(user: Person, *, product: Product | None = None, tag: Tag | None = None) -> Decision:
    """A product or tag: staff any; outside readers only one with something they may read
    (naming the others would reveal internal topics)."""
    if not can_read_notifications(user):
        return refuse(_("Log in to subscribe to updates."))
    if is_staff(user):
        return ALLOW
    from articles.models import Article

    visible = Article.objects.visible_to(user)
    visible = visible.filter(product=product) if product is not None else visible.filter(tags=tag)
    if visible.exists():
        return ALLOW
    return refuse(_("There is nothing here you could be told about."))
