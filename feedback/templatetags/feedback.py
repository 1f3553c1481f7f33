"""What the shared article pages show about flags and votes, each from one `{% include %}`.

The article views stay unaware of this app: each partial asks a tag here for its data.
"""

from __future__ import annotations

from django import template
from django.db.models import Count, Q

from articles.policy import is_staff

from .. import policy
from ..forms import FlagForm, VoteForm
from ..models import Flag, HelpfulVote, Source

register = template.Library()


@register.simple_tag(takes_context=True)
def flag_counts(context) -> dict:
    """Open flags in my queue (and how many are customer feedback), and my own still open."""
    user = context["request"].user
    if not is_staff(user):
        return {}
    waiting = (
        Flag.objects.open().queue_for(user).aggregate(total=Count("id"), customer=Count("id", filter=Q(source=Source.CUSTOMER)))
    )
    mine = Flag.objects.open().filter(created_by=user).count()
    return {"waiting": waiting["total"], "customer": waiting["customer"], "mine": mine}


@register.simple_tag(takes_context=True)
def article_flags(context, article) -> dict:
    """Open flags shown to staff on the article page, with what this user may do about them."""
    user = context["request"].user
    if not policy.can_see_flags(user):
        return {}
    flags = list(Flag.objects.open().filter(article=article).select_related("created_by"))
    for flag in flags:
        flag.article = article  # the policy reads it; no query per flag
        flag.may_close = policy.can_close(user, flag)
    may_flag = policy.can_flag(user, article)
    return {
        "flags": flags,
        "may_flag": may_flag,
        "form": FlagForm(user=user, article=article) if may_flag else None,
    }


@register.simple_tag(takes_context=True)
def edit_flags(context, article) -> list:
    """Open flags on the edit page, each with whether this edit may resolve it ("fix it")."""
    request = context["request"]
    if article is None or not policy.can_see_flags(request.user):
        return []
    ticked = set(request.POST.getlist("addresses_flag")) if request.method == "POST" else set()
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
