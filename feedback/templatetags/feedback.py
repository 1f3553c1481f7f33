"""What the edit page and the help centre show about flags and votes, each from one
`{% include %}` (the dashboard and the staff article page get theirs from `feedback.panels`)."""

from __future__ import annotations

from django import template

from articles.policy import is_staff

from .. import policy
from ..forms import VoteForm
from ..models import Flag, HelpfulVote

register = template.Library()


@register.simple_tag(takes_context=True)
def edit_flags(context, article) -> list:
    """Open flags on the edit page, each with whether this edit may resolve it ("fix it")."""
    request = context["request"]
    if article is None or not policy.can_see_flags(request.user):
        return []
    # A "Fix it" link opens the editor with its flag ticked (`?resolves=<flag id>`); after a
    # post, the boxes stay as the editor left them.
    posted = request.method == "POST"
    ticked = set(request.POST.getlist("addresses_flag") if posted else request.GET.getlist("resolves"))
    flags = list(Flag.objects.open().filter(article=article).select_related("created_by"))
    for flag in flags:
        flag.article = article
        flag.may_resolve = policy.can_resolve_by_edit(request.user, flag)
        flag.ticked = str(flag.pk) in ticked
    return flags


@register.simple_tag(takes_context=True)
def helpful_box(context, article) -> dict:
    """The "Was this helpful?" box on the help centre, for readers outside the company."""
    request = context["request"]
    user = request.user
    if not policy.can_vote(user, article):
        return {"staff": is_staff(user)}
    if user.is_authenticated:
        voted = HelpfulVote.objects.filter(article=article, user=user).first()
    else:
        voted = article.pk in request.session.get("helpful_voted", [])
    return {
        "show": True,
        "voted": voted,
        "form": VoteForm(),
        "may_comment": policy.may_comment_on_vote(user),
    }
