"""The flag panels of the dashboard and the article page, composed by `kcs_site.pages`."""

from __future__ import annotations

from django.db.models import Count, Q

from articles.policy import is_staff

from . import policy
from .forms import FlagForm
from .models import Flag, Source


def dashboard_panel(user) -> dict:
    """Open flags in my queue (and how many are customer feedback), and my own still open."""
    if not is_staff(user):
        return {}
    waiting = (
        Flag.objects.open().queue_for(user).aggregate(total=Count("id"), customer=Count("id", filter=Q(source=Source.CUSTOMER)))
    )
    mine = Flag.objects.open().filter(created_by=user).count()
    return {"waiting": waiting["total"], "customer": waiting["customer"], "mine": mine}


def article_panel(user, article) -> dict:
    """Open flags shown to staff on the article page, with what this user may do about them."""
    if not policy.can_see_flags(user):
        return {}
    flags = list(Flag.objects.open().filter(article=article).select_related("created_by"))
    for flag in flags:
        flag.article = article  # the policy reads it; no query per flag
        flag.may_close = policy.can_close(user, flag)
        flag.may_fix = policy.can_resolve_by_edit(user, flag)
    may_flag = policy.can_flag(user, article)
    return {
        "flags": flags,
        "may_flag": may_flag,
        "form": FlagForm(user=user, article=article, auto_id="flag_%s") if may_flag else None,
    }
