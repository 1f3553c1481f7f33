"""The reuse-and-review panel of the article page, composed by `kcs_site.pages`."""

from __future__ import annotations

from articles.models import Reuse

from . import policy
from .forms import ConfirmForm, ReuseForm, ReviewDateForm
from .services import last_confirmation


def article_panel(user, article) -> dict:
    """What the article page shows staff about reuse and review (two small queries)."""
    if not policy.can_see_reuse(user):
        return {}
    return {
        "last_reuse": Reuse.objects.filter(article=article).select_related("user").first(),
        "last_confirmation": last_confirmation(article),
        "can_reuse": policy.can_record_reuse(user, article),
        "can_confirm": policy.can_confirm_review(user, article),
        "can_change_date": policy.can_change_review_date(user, article),
        "reuse_form": ReuseForm(),
        "confirm_form": ConfirmForm(initial={"version": article.version}),
        "date_form": ReviewDateForm(initial={"review_by": article.review_by}),
    }
