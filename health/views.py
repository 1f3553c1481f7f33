from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from articles.http import query_param, safe_next
from articles.models import Article, InvalidChange, Refused, StaleVersion
from kcs_site.decorators import staff_required

from . import policy, services
from .forms import ConfirmForm, ReuseForm, ReviewDateForm

# --- access helpers ----------------------------------------------------------------------


def _article_for(request: HttpRequest, slug: str) -> Article:
    return get_object_or_404(Article.objects.visible_to(request.user), slug=slug)


def _form_refused(request: HttpRequest, article: Article, form, *, heading: str, action: str, button: str) -> HttpResponse:
    """Bad input to one of the article page's small forms: a 400 page with the form as typed and what was wrong.

    (A redirect back to the article with a message would lose what was typed.)
    """
    context = {
        "article": article,
        "form": form,
        "heading": heading,
        "action": reverse(action, args=[article.slug]),
        "button": button,
        "next": safe_next(request, ""),
    }
    return render(request, "health/form_refused.html", context, status=400)


# --- reuse -----------------------------------------------------------------------------------


@staff_required(methods=["POST"])
def reuse(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug)
    form = ReuseForm(request.POST)
    if not form.is_valid():
        heading, button = _("Use not recorded"), _("Record use")
        return _form_refused(request, article, form, heading=heading, action="health:reuse", button=button)
    try:
        case = form.cleaned_data["case_ref"]
        services.record_reuse(article=article, by=request.user, case_ref=case, solved=form.solved_value())
    except (Refused, InvalidChange) as exc:
        messages.error(request, str(exc))
    else:
        if case:
            messages.success(request, _("Recorded: you used this article on case %(case)s.") % {"case": case})
        else:
            messages.success(request, _("Recorded: you used this article on a case."))
    return redirect(safe_next(request, article.get_absolute_url()))


@staff_required
def cases(request: HttpRequest) -> HttpResponse:
    case = query_param(request, "case").strip()
    uses, error = [], ""
    if case:
        try:
            uses = list(services.articles_used_on_case(request.user, case)[:200])
        except InvalidChange as exc:
            error = str(exc)
    return render(request, "health/cases.html", {"case": case, "uses": uses, "error": error})


# --- content health --------------------------------------------------------------------------


@staff_required(methods=["POST"])
def confirm(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        heading, button = _("Not confirmed"), _("Confirm still correct")
        return _form_refused(request, article, form, heading=heading, action="health:confirm", button=button)
    try:
        record = services.confirm_review(
            article=article, by=request.user, note=form.cleaned_data["note"], base_version=form.cleaned_data["version"]
        )
    except StaleVersion as exc:
        messages.error(request, _("%(problem)s Read it again before confirming it is correct.") % {"problem": exc})
        return redirect(article)
    except (Refused, InvalidChange) as exc:
        messages.error(request, str(exc))
    else:
        next_review = date_format(record.review_by, "DATE_FORMAT")
        messages.success(request, _("Confirmed still correct. Next review by %(date)s.") % {"date": next_review})
    return redirect(safe_next(request, article.get_absolute_url()))


@staff_required(methods=["POST"])
def review_date(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug)
    form = ReviewDateForm(request.POST)
    refused = {"heading": _("Review date not changed"), "action": "health:review_date", "button": _("Set review date")}
    if not form.is_valid():
        return _form_refused(request, article, form, **refused)
    try:
        record = services.change_review_date(
            article=article, by=request.user, to=form.cleaned_data["review_by"], note=form.cleaned_data["note"]
        )
    except InvalidChange as exc:
        form.add_error("review_by", str(exc))
        return _form_refused(request, article, form, **refused)
    except Refused as exc:
        messages.error(request, _("Review date not changed. %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("Review date set to %(date)s.") % {"date": date_format(record.review_by, "DATE_FORMAT")})
    return redirect(safe_next(request, article.get_absolute_url()))


@staff_required
def review_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    every = policy.sees_every_review(user)
    mine_only = not every or query_param(request, "scope") == "mine"
    qs = services.review_queue(user)
    if mine_only:
        qs = qs.filter(owner=user)
    page = Paginator(services.with_health(qs), settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    for article in page:
        article.may_confirm = policy.can_confirm_review(user, article)
    context = {"page": page, "every": every, "mine_only": mine_only}
    return render(request, "health/review_queue.html", context)
