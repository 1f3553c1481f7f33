"""The reuse-and-review panel of the article page, composed by `kcs_site.pages`."""

from __future__ import annotations

from . import policy
from .forms import ConfirmForm, ReuseForm, ReviewDateForm
from .services import last_confirmation, last_use


def article_panel(user, article) -> dict:
    """What the article page shows staff about reuse and review (two small queries)."""
    if not policy.can_see_reuse(user):
        return {}
    return {
        "last_reuse": last_use(article),
        "last_confirmation": last_confirmation(article),
        "can_reuse": policy.can_record_reuse(user, article),
        "can_confirm": policy.can_confirm_review(user, article),
        "can_change_date": policy.can_change_review_date(user, article),
        # Three apps' forms share the article page: each gets its own ids (a case reference is
        # asked by both the reuse and the flag form, a note by the review date and review request).
        "reuse_form": ReuseForm(auto_id="reuse_%s"),
        "confirm_form": ConfirmForm(initial={"version": article.version}, auto_id="confirm_%s"),
        "date_form": ReviewDateForm(initial={"review_by": article.review_by}, auto_id="review_date_%s"),
    }
