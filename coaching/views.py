from __future__ import annotations

import hashlib
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Kind
from accounts.models import User
from articles import policy as article_policy
from articles import versions
from articles.http import query_param
from articles.models import Article, InvalidChange, StaleVersion, require
from kcs_site.decorators import staff_required

from . import policy
from .forms import ChecklistForm, CriterionForm, DecisionForm, PositionForm, RequestReviewForm
from .models import (
    RECENT_DAYS,
    SCORED_RECENTLY_DAYS,
    ChecklistCriterion,
    ChecklistScore,
    ReviewComment,
    ReviewRequest,
    active_criteria,
    criterion_rates,
    eligible_coaches,
    sample,
)

# --- access helpers ----------------------------------------------------------------------


def _article_for(request: HttpRequest, slug: str) -> Article:
    return get_object_or_404(Article.objects.visible_to(request.user).select_related("product", "owner", "created_by"), slug=slug)


def _review_for(request: HttpRequest, pk: int) -> ReviewRequest:
    review = get_object_or_404(ReviewRequest.objects.select_related("article", "requester", "reviewer"), pk=pk)
    require(policy.can_see_review(request.user, review))
    return review


def _run(request: HttpRequest, review: ReviewRequest, operation, success: str) -> HttpResponse:
    """Run a review operation from a form post: refusals are 403, mistakes a message."""
    try:
        operation()
    except StaleVersion as exc:
        messages.error(request, _("%(error)s Read the latest version, then decide again.") % {"error": exc})
    except InvalidChange as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(review)


# --- reviews -------------------------------------------------------------------------------


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    reviews = ReviewRequest.objects.for_list()
    context = {
        "assigned": reviews.filter(reviewer=user).open().order_by("updated_at")[:50],
        "mine": reviews.filter(requester=user).order_by("-updated_at")[:50],
        "may_score": policy.may_score_at_all(user),
        "may_manage_criteria": policy.can_manage_criteria(user),
    }
    return render(request, "coaching/home.html", context)


@staff_required(methods=["POST"])
def request_review(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug)
    require(policy.can_request_review(request.user, article))
    form = RequestReviewForm(request.POST, coaches=eligible_coaches(article))
    if not form.is_valid():
        messages.error(request, _("Choose one of the coaches offered, or let the coach be picked for you."))
        return redirect(article)
    try:
        review = ReviewRequest.start(
            article=article, by=request.user, reviewer=form.cleaned_data["reviewer"], note=form.cleaned_data["note"]
        )
    except InvalidChange as exc:
        messages.error(request, str(exc))
        return redirect(article)
    messages.success(request, _("Sent to %(coach)s for review.") % {"coach": review.reviewer.username})
    return redirect(review)


@staff_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_for(request, pk)
    user = request.user
    context = {
        "review": review,
        "article": review.article,
        "comments": ReviewComment.objects.filter(review=review).select_related("author"),
        "can_decide": policy.can_decide_review(user, review),
        "can_resubmit": policy.can_resubmit(user, review),
        "can_withdraw": policy.can_withdraw(user, review),
        "can_edit": article_policy.can_edit(user, review.article),
        **_reviewed_version(review),
    }
    return render(request, "coaching/review.html", context)


def _reviewed_version(review: ReviewRequest) -> dict:
    """The article as the coach is asked to read it (the submitted or approved version), and
    what changed since the coach last decided on it (the previous round, or an earlier review)."""
    article = review.article
    number = review.approved_version or review.submitted_version
    shown = versions.version_by_number(article, number)
    if shown is None:
        return {}
    reviewed, rules = versions.article_as_of(shown.version)
    earlier = review.last_decision_before(number)
    changes = None
    if earlier is not None and (before := versions.version_by_number(article, earlier.article_version)):
        changes = versions.diff(versions.snapshot_of_version(before.version), versions.snapshot_of_version(shown.version))
    return {"reviewed": reviewed, "reviewed_rules": rules, "shown": shown, "earlier": earlier, "changes": changes}


def _decision(request: HttpRequest) -> DecisionForm:
    form = DecisionForm(request.POST)
    form.is_valid()  # every field is optional; bad values simply drop out of cleaned_data
    return form


@staff_required(methods=["POST"])
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_for(request, pk)
    data = _decision(request).cleaned_data
    op = partial(review.approve, by=request.user, note=data.get("note", ""), base_version=data.get("version"))
    return _run(request, review, op, _("Approved: the article is validated."))


@staff_required(methods=["POST"])
def request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_for(request, pk)
    data = _decision(request).cleaned_data
    return _run(
        request, review, partial(review.request_changes, by=request.user, comment=data.get("note", "")), _("Changes requested.")
    )


@staff_required(methods=["POST"])
def resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_for(request, pk)
    data = _decision(request).cleaned_data
    return _run(
        request, review, partial(review.resubmit, by=request.user, note=data.get("note", "")), _("Sent back to the coach.")
    )


@staff_required(methods=["POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_for(request, pk)
    data = _decision(request).cleaned_data
    return _run(request, review, partial(review.withdraw, by=request.user, note=data.get("note", "")), _("Review withdrawn."))


# --- content-standard checklist ---------------------------------------------------------------


@staff_required
def score(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug)
    require(policy.can_score(request.user, article))
    form = ChecklistForm(request.POST or None, initial={"version": article.version}, criteria=active_criteria())
    if request.method == "POST" and form.is_valid():
        try:
            ChecklistScore.record(
                article=article,
                by=request.user,
                answers=form.answers(),
                comment=form.cleaned_data["comment"],
                base_version=form.cleaned_data["version"],
            )
        except StaleVersion as exc:
            form.add_error(None, _("%(error)s Read it again before scoring: your answers are kept below.") % {"error": exc})
            form.data = form.data.copy()
            form.data["version"] = exc.current.version
        except InvalidChange as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Checklist saved."))
            return redirect(article)
    context = {"article": article, "form": form, "may_manage_criteria": policy.can_manage_criteria(request.user)}
    return render(request, "coaching/score.html", context)


@staff_required
def author_scores(request: HttpRequest, username: str) -> HttpResponse:
    author = get_object_or_404(User, username=username, kind=Kind.STAFF)
    require(policy.can_view_scores_of(request.user, author))
    scores = ChecklistScore.objects.filter(author=author)
    page = Paginator(scores.for_list(), settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    context = {
        "author": author,
        "months": scores.monthly(),
        "criteria": criterion_rates(scores),
        "page": page,
    }
    return render(request, "coaching/author.html", context)


SAMPLE_MAX = 10


@staff_required
def sample_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not policy.may_score_at_all(user):
        raise PermissionDenied(_("Only coaches and KB owners score articles against the content standard."))
    try:
        per_person = max(1, min(SAMPLE_MAX, int(query_param(request, "n") or 3)))
    except ValueError:
        per_person = 3
    # Stable for a reviewer within a week (reloads show the same sample); "seed" draws another.
    year, week, _weekday = timezone.localdate().isocalendar()
    seed = query_param(request, "seed")[:40] or f"{year}-W{week:02d}"
    digest = hashlib.sha256(f"{user.pk}:{seed}".encode()).hexdigest()
    context = {
        "groups": sample(user, per_person=per_person, seed=digest),
        "per_person": per_person,
        "seed": seed,
        "next_seed": hashlib.sha256(digest.encode()).hexdigest()[:8],
        "recent_days": RECENT_DAYS,
        "scored_days": SCORED_RECENTLY_DAYS,
    }
    return render(request, "coaching/sample.html", context)


# --- the checklist's criteria (KB owners) --------------------------------------------------------


def _criterion_for(request: HttpRequest, key: str) -> ChecklistCriterion:
    require(policy.can_manage_criteria(request.user))
    return get_object_or_404(ChecklistCriterion, key=key)


def _criteria_page(request: HttpRequest, form: CriterionForm, status: int = 200) -> HttpResponse:
    criteria = list(ChecklistCriterion.objects.in_order().with_use().select_related("updated_by"))
    context = {"criteria": criteria, "form": form, "active_count": sum(c.active for c in criteria)}
    return render(request, "coaching/criteria.html", context, status=status)


@staff_required
def criteria(request: HttpRequest) -> HttpResponse:
    require(policy.can_manage_criteria(request.user))
    return _criteria_page(request, CriterionForm(auto_id="new_%s"))


@staff_required(methods=["POST"])
def add_criterion(request: HttpRequest) -> HttpResponse:
    require(policy.can_manage_criteria(request.user))
    form = CriterionForm(request.POST, auto_id="new_%s")
    if form.is_valid():
        try:
            criterion = ChecklistCriterion.add(by=request.user, **form.cleaned_data)
        except InvalidChange as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Added “%(name)s”: the checklist asks it from the next score on.") % {"name": criterion.name}
            )
            return redirect("coaching:criteria")
    return _criteria_page(request, form, status=400)


@staff_required
def edit_criterion(request: HttpRequest, key: str) -> HttpResponse:
    criterion = _criterion_for(request, key)
    initial = {"name": criterion.name, "help_text": criterion.help_text, "weight": criterion.weight}
    form = CriterionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            criterion.change(by=request.user, **form.cleaned_data)
        except InvalidChange as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Saved “%(name)s”. Scores given before keep the name and weight they had.") % {"name": criterion.name},
            )
            return redirect("coaching:criteria")
    context = {
        "criterion": criterion,
        "form": form,
        "position_form": PositionForm(initial={"position": criterion.rank()}),
        "used": criterion.answers.count(),
        "changes": criterion.changes.select_related("by")[:50],
    }
    return render(request, "coaching/criterion_edit.html", context, status=400 if form.errors else 200)


@staff_required(methods=["POST"])
def move_criterion(request: HttpRequest, key: str) -> HttpResponse:
    """Up or down one place (`direction`), or to a `position`."""
    criterion = _criterion_for(request, key)
    direction = request.POST.get("direction", "")
    if direction in ("up", "down"):
        criterion.move(by=request.user, to=criterion.rank() + (-1 if direction == "up" else 1))
    else:
        form = PositionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the position as a whole number: 1 is the first criterion on the checklist."))
            return redirect("coaching:edit-criterion", key=criterion.key)
        criterion.move(by=request.user, to=form.cleaned_data["position"])
    messages.success(
        request, _("“%(name)s” is now number %(rank)s on the checklist.") % {"name": criterion.name, "rank": criterion.rank()}
    )
    return redirect("coaching:criteria")


@staff_required(methods=["POST"])
def set_criterion_active(request: HttpRequest, key: str, active: bool) -> HttpResponse:
    criterion = _criterion_for(request, key)
    try:
        criterion.set_active(by=request.user, active=active)
    except InvalidChange as exc:
        messages.error(request, str(exc))
    else:
        if active:
            messages.success(
                request, _("“%(name)s” is on the checklist again, from the next score on.") % {"name": criterion.name}
            )
        else:
            messages.success(
                request,
                _("“%(name)s” is no longer asked. Scores that answered it keep their answers.") % {"name": criterion.name},
            )
    return redirect("coaching:criteria")


@staff_required(methods=["POST"])
def delete_criterion(request: HttpRequest, key: str) -> HttpResponse:
    criterion = _criterion_for(request, key)
    try:
        criterion.delete_unused(by=request.user)
    except InvalidChange as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Deleted “%(name)s”.") % {"name": criterion.name})
    return redirect("coaching:criteria")
