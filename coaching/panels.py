"""The coaching panels of the article page and the dashboard: what each shows, queried here and
composed by `kcs_site.pages`, so a page's cost is visible from its view."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from articles import policy as article_policy

from . import policy
from .forms import RequestReviewForm
from .models import OPEN, ChecklistScore, ReviewComment, ReviewRequest, eligible_coaches


def article_panel(user, article) -> dict:
    """The latest review of the article, its comments and scores, and the request form."""
    if not article_policy.is_staff(user):
        return {"show": False}
    review = ReviewRequest.objects.filter(article=article).select_related("requester", "reviewer").order_by("-id").first()
    can_see = bool(review and policy.can_see_review(user, review))
    ask = policy.can_request_review(user, article) and not (review and review.is_open)
    may_see_scores = policy.can_view_article_scores(user, article)
    request_form = RequestReviewForm(coaches=eligible_coaches(article), auto_id="review_%s") if ask else None
    can_score = policy.can_score(user, article)
    scores = list(ChecklistScore.objects.filter(article=article).for_list()[:5]) if may_see_scores else None
    return {
        # A panel with nothing in it would be a lone "Review and coaching" heading: leave it out.
        "show": bool(review or request_form or can_score or scores),
        "article": article,
        "review": review,
        "can_see_review": can_see,
        "comments": list(ReviewComment.objects.filter(review=review).select_related("author")) if can_see else [],
        "request_form": request_form,
        "can_score": can_score,
        "scores": scores,
    }


def dashboard_panel(user) -> dict:
    """My review requests (open, or closed in the last two weeks) and the reviews assigned to me."""
    if not article_policy.is_staff(user):
        return {"show": False}
    recent = timezone.now() - datetime.timedelta(days=14)
    reviews = ReviewRequest.objects.for_list()
    # Open reviews, and closed ones for two weeks so the author sees the outcome.
    mine = reviews.filter(requester=user).filter(Q(status__in=OPEN) | Q(updated_at__gte=recent))
    return {
        "show": True,
        "user": user,
        "mine": list(mine.with_feedback()[:10]),
        "assigned": list(reviews.filter(reviewer=user).open().order_by("updated_at")[:10]),
        "is_coach": policy.is_coach(user),
        "may_score": policy.may_score_at_all(user),
    }
