from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from articles import policy as article_policy
from articles import versions
from articles.http import query_param, safe_next
from articles.models import Article, InvalidChange, Refused, require
from kcs_site.decorators import staff_required

from . import policy, services
from .forms import DismissForm, FlagForm, ResolveForm, VoteForm
from .models import QUEUE_SORTS, REASON_WEIGHTS, Flag, FlagState, Reason, Source

# "Was this helpful?" answers one browser session may give per hour (anonymous visitors included).
VOTES_PER_HOUR = 20

# --- access helpers --------------------------------------------------------------------------


def _article_for(request: HttpRequest, slug: str) -> Article:
    return get_object_or_404(Article.objects.visible_to(request.user).select_related("owner", "product"), slug=slug)


def _flag_for(request: HttpRequest, pk: int) -> Flag:
    return get_object_or_404(Flag.objects.for_list().filter(article__in=Article.objects.visible_to(request.user)), pk=pk)


# --- flags -----------------------------------------------------------------------------------


@staff_required
def flag_article(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug)
    allowed = policy.can_flag(request.user, article)
    form = FlagForm(request.POST or None, user=request.user, article=article)
    open_flag = None
    if request.method == "POST":
        require(allowed)
        if form.is_valid():
            try:
                services.raise_flag(by=request.user, article=article, **form.cleaned_data)
            except services.AlreadyFlagged as exc:
                form.add_error(None, str(exc))
                open_flag = exc.flag
            except (Refused, InvalidChange) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Thanks: the article is flagged. Its owner will see it in their queue."))
                return redirect(article)
    status = 200 if request.method == "GET" else 400
    context = {"article": article, "form": form, "allowed": allowed, "open_flag": open_flag}
    return render(request, "feedback/flag_form.html", context, status=status)


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    state = query_param(request, "state") or FlagState.OPEN
    qs = Flag.objects.queue_for(request.user).for_list()
    if state in FlagState.values:
        qs = qs.filter(state=state)
    source = query_param(request, "source")
    if source in Source.values:
        qs = qs.filter(source=source)
    reason = query_param(request, "reason")
    if reason in Reason.values:
        qs = qs.filter(reason=reason)
    sort = query_param(request, "sort")
    sort = sort if sort in dict(QUEUE_SORTS) else "priority"
    page = Paginator(qs.sorted_by(sort), settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    for flag in page.object_list:
        flag.may_fix = policy.can_resolve_by_edit(request.user, flag)
        flag.may_close = policy.can_close(request.user, flag)
    raised = Flag.objects.for_list().filter(created_by=request.user).order_by("-created_at", "-id")[:10]
    filters = {"state": state, "source": source, "reason": reason, "sort": sort}
    context = {
        "page": page,
        "raised": raised,
        **filters,
        # The queue as shown (filters, sort, page): where the flag page sends the user back to.
        "here": request.get_full_path(),
        "filters": urlencode(filters),
        "states": FlagState.choices,
        "sources": Source.choices,
        "reasons": Reason.choices,
        "sorts": QUEUE_SORTS,
        "weights": [(Reason(r).label, w) for r, w in REASON_WEIGHTS.items()],
        "is_kb_owner": article_policy.is_kb_owner(request.user),
    }
    return render(request, "feedback/queue.html", context)


@staff_required
def flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_for(request, pk)
    return _render_flag(request, flag)


def _resolve_form(request: HttpRequest, flag: Flag) -> ResolveForm:
    choices = versions.history_since(flag.article, flag.article_version)
    return ResolveForm(request.POST if request.method == "POST" else None, flag=flag, choices=choices)


def _render_flag(request, flag: Flag, *, resolve_form=None, dismiss_form=None, status: int = 200) -> HttpResponse:
    can_close = policy.can_close(request.user, flag)
    context = {
        "flag": flag,
        "can_close": can_close,
        "may_fix": policy.can_resolve_by_edit(request.user, flag),
        "resolve_form": resolve_form or (_resolve_form(request, flag) if can_close else None),
        "dismiss_form": dismiss_form or DismissForm(),
        "votes": flag.votes.count() if flag.is_customer_feedback else 0,
        "next": safe_next(request, ""),
    }
    return render(request, "feedback/flag.html", context, status=status)


def _back(request: HttpRequest) -> HttpResponse:
    """Where the user came from (the queue as they left it, or the article), else the queue."""
    return redirect(safe_next(request, reverse("feedback:queue")))


@staff_required(methods=["POST"])
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_for(request, pk)
    form = _resolve_form(request, flag)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["dismiss"]:
                services.dismiss_flag(by=request.user, flag=flag, reason=f"No change needed: {data['note'].strip()}")
            else:
                services.resolve_flag(by=request.user, flag=flag, version=data["version"], note=data["note"])
        except services.AlreadyClosed as exc:
            messages.error(request, str(exc))
            return redirect("feedback:flag", pk=flag.pk)
        except InvalidChange as exc:
            form.add_error(None, str(exc))
        else:
            if data["dismiss"]:
                text = _("Flag on “%(title)s” dismissed (no change needed); whoever raised it has been told.")
            else:
                text = _("Flag on “%(title)s” resolved by version %(version)s; whoever raised it has been told.")
            messages.success(request, text % {"title": flag.article.title, "version": data["version"]})
            return _back(request)
    flag.refresh_from_db()
    return _render_flag(request, flag, resolve_form=form, status=400)


@staff_required(methods=["POST"])
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_for(request, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.dismiss_flag(by=request.user, flag=flag, reason=form.cleaned_data["reason"])
        except services.AlreadyClosed as exc:
            messages.error(request, str(exc))
            return redirect("feedback:flag", pk=flag.pk)
        except InvalidChange as exc:
            form.add_error(None, str(exc))
        else:
            text = _("Flag on “%(title)s” dismissed; whoever raised it has been told why.")
            messages.success(request, text % {"title": flag.article.title})
            return _back(request)
    flag.refresh_from_db()
    return _render_flag(request, flag, dismiss_form=form, status=400)


# --- "Was this helpful?" ----------------------------------------------------------------------------


@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.visible_to(request.user).validated(), slug=slug)
    allowed = policy.can_vote(request.user, article)
    if not allowed and article_policy.is_staff(request.user):
        raise PermissionDenied(allowed.reason)
    if not allowed:
        raise Http404("Not found")  # not a help-centre article for this reader
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose “Yes” or “No”."))
        return redirect(article.get_help_url())
    if not _take_vote_allowance(request):
        messages.error(request, _("You have sent a lot of answers just now. Please try again in an hour."))
        return redirect(article.get_help_url())
    if not request.session.session_key:
        request.session.save()
    try:
        services.record_vote(user=request.user, session_key=request.session.session_key, article=article, **form.cleaned_data)
    except InvalidChange as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you for your feedback."))
        request.session.setdefault("helpful_voted", [])
        if article.pk not in request.session["helpful_voted"]:
            request.session["helpful_voted"] = [*request.session["helpful_voted"][-199:], article.pk]
    return redirect(article.get_help_url())


def _take_vote_allowance(request: HttpRequest) -> bool:
    now = time.time()
    recent = [t for t in request.session.get("helpful_vote_times", []) if now - t < 3600]
    if len(recent) >= VOTES_PER_HOUR:
        return False
    request.session["helpful_vote_times"] = [*recent, now]
    return True
