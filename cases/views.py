"""Case pages for staff: the list of cases, one case with its links and their history, and the
process adherence reviews (PAR) coaches give on a sample of decided cases."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from articles.choices import State
from articles.http import as_id, query_param
from articles.models import Article, InvalidChange, Refused, require
from kcs_site.decorators import staff_required

from . import adherence, drafts_queue, policy, services
from .choices import LinkKind, Outcome, Source, Status
from .forms import AdherenceForm, LinkForm, UnlinkForm
from .models import AdherenceReview, Case, CaseLink

# --- access helpers ----------------------------------------------------------------------


def _cases_for(request: HttpRequest):
    require(policy.can_see_cases(request.user))
    return Case.objects.visible_to(request.user)


def _case_for(request: HttpRequest, source: str, external_id: str) -> Case:
    return get_object_or_404(_cases_for(request).select_related("agent", "product"), source=source, external_id=external_id)


def case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.source, case.external_id])


# --- the list --------------------------------------------------------------------------------

FILTERS = ("status", "source", "outcome", "agent", "q", "article")


@staff_required
def case_list(request: HttpRequest) -> HttpResponse:
    if "case" in request.GET and not request.GET.keys() - {"case"}:
        # The address "which articles were used on case X" had before case pages existed.
        return redirect(reverse("health:cases") + "?" + urlencode({"case": query_param(request, "case")}))
    chosen = {name: query_param(request, name).strip() for name in FILTERS}
    qs, article = _filtered(_cases_for(request), chosen, request.user)
    qs = qs.select_related("agent", "product").with_live_links()
    qs = qs.order_by("-opened_at", "-id")  # the model's order, read through case_opened_idx
    page = Paginator(qs, settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    context = {
        "page": page,
        "chosen": chosen,
        "article": article,
        "filters": urlencode({k: v for k, v in chosen.items() if v}),
        "statuses": Status.choices,
        "sources": Source.choices,
        "outcomes": Outcome.choices,
    }
    return render(request, "cases/list.html", context)


@staff_required
def most_used_drafts(request: HttpRequest) -> HttpResponse:
    """Drafts linked to the most cases, to validate first (cases/drafts_queue.py)."""
    require(policy.can_see_drafts_queue(request.user))
    state = State.WIP if query_param(request, "state") == State.WIP else State.NOT_VALIDATED
    page = Paginator(drafts_queue.drafts(state), settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    context = {
        "page": page,
        "entries": drafts_queue.entries(page.object_list, request.user),
        "state": state,
        "min_cases": settings.KCS_QUEUE_MIN_CASES,
    }
    return render(request, "cases/most_used_drafts.html", context)


def _filtered(qs, chosen: dict, user):
    """The cases matching the filters; an unknown value filters nothing (it is not offered)."""
    if chosen["status"] in Status.values:
        qs = qs.filter(status=chosen["status"])
    if chosen["source"] in Source.values:
        qs = qs.filter(source=chosen["source"])
    if chosen["outcome"] in Outcome.values:
        qs = qs.filter(outcome=chosen["outcome"])
    elif chosen["outcome"] == "undecided":
        qs = qs.filter(outcome="")
    if chosen["agent"] == "mine":
        qs = qs.filter(agent=user)
    qs = qs.matching(chosen["q"])
    article = None
    if chosen["article"]:
        article = Article.objects.visible_to(user).filter(slug=chosen["article"]).first()
        live = CaseLink.objects.live().filter(article=article)
        qs = qs.filter(pk__in=live.values("case")) if article else qs.none()
    return qs, article


# --- one case --------------------------------------------------------------------------------


@staff_required
def case_detail(request: HttpRequest, source: str, external_id: str) -> HttpResponse:
    return _case_page(request, _case_for(request, source, external_id))


def _case_page(request: HttpRequest, case: Case, *, link_form=None, refused_unlink=None, status=200) -> HttpResponse:
    """The case page; a refused form is shown again as typed, with what was wrong (status 400)."""
    user = request.user
    links = list(case.links.select_related("article", "linked_by", "unlinked_by"))
    live = [link for link in links if link.is_live]
    for link in live:
        link.may_unlink = policy.can_unlink(user, link)
        if link.may_unlink:
            given = refused_unlink if refused_unlink is not None and refused_unlink.link_id == link.pk else None
            link.unlink_form = given or UnlinkForm(link_id=link.pk)
    removed = sorted((link for link in links if not link.is_live), key=lambda link: link.unlinked_at, reverse=True)
    context = {
        "case": case,
        "system_url": case.url if case.url.lower().startswith(("https://", "http://")) else "",
        "trail": services.requester_trail(case, user),
        "live": live,
        "removed": removed,
        "link_form": link_form or LinkForm(user=user),
        "created_searches": [link for link in live if link.kind == LinkKind.CREATED and link.searches],
        # PAR reviews: the agent reads those of their own cases, coaches and KB owners all.
        "adherence_reviews": AdherenceReview.objects.visible_to(user).filter(case=case).for_list(),
        "may_review_adherence": bool(policy.can_review_adherence(user, case)) and not adherence.unreviewable(case),
    }
    return render(request, "cases/detail.html", context, status=status)


@staff_required(methods=["POST"])
def link_article(request: HttpRequest, source: str, external_id: str) -> HttpResponse:
    case = _case_for(request, source, external_id)
    form = LinkForm(request.POST, user=request.user)
    if form.is_valid():
        article, kind = form.cleaned_data["article"], form.cleaned_data["kind"]
        try:
            made, created = services.link(case=case, article=article, kind=kind, by=request.user)
        except (Refused, InvalidChange) as exc:
            form.add_error("article", str(exc))
        else:
            if created:
                text = _("Linked “%(title)s” to this case: %(kind)s.")
                messages.success(request, text % {"title": article.title, "kind": made.get_kind_display()})
            else:
                text = _("“%(title)s” was already linked to this case (%(kind)s).")
                messages.info(request, text % {"title": article.title, "kind": made.get_kind_display()})
            return redirect(case_url(case))
    return _case_page(request, case, link_form=form, status=400)


@staff_required(methods=["POST"])
def unlink(request: HttpRequest, pk: int) -> HttpResponse:
    require(policy.can_see_cases(request.user))
    link = get_object_or_404(CaseLink.objects.select_related("case", "article"), pk=as_id(pk))
    form = UnlinkForm(request.POST, link_id=link.pk)
    if form.is_valid():
        try:
            services.unlink(link=link, by=request.user, reason=form.cleaned_data["reason"])
        except InvalidChange as exc:
            form.add_error("reason", str(exc))
        except Refused as exc:  # already removed, or someone else's link: nothing typed is lost
            messages.error(request, _("Link not removed. %(reason)s") % {"reason": exc})
            return redirect(case_url(link.case))
        else:
            text = _("Removed the link to “%(title)s”. The case's history keeps it.")
            messages.success(request, text % {"title": link.article.title})
            return redirect(case_url(link.case))
    case = _case_for(request, link.case.source, link.case.external_id)
    return _case_page(request, case, refused_unlink=form, status=400)


# --- process adherence reviews (PAR) ------------------------------------------------------------

SAMPLE_MAX = 10
SUMMARY_DAYS = 90  # the per-agent summary on the PAR page


@staff_required
def adherence_home(request: HttpRequest) -> HttpResponse:
    """A coach's sample of cases to review this week, the reviews they gave and a per-agent summary;
    for everyone, the reviews of their own cases."""
    user = request.user
    require(policy.can_see_cases(user))
    mine = AdherenceReview.objects.filter(agent=user)
    context = {"mine": mine.for_list()[:20], "my_rates": adherence.adherence_rates(mine), "may_review": False}
    if policy.can_review_adherence(user):
        per_agent = max(1, min(SAMPLE_MAX, as_id(query_param(request, "n")) or 3))
        seed, digest = adherence.week_seed(user, query_param(request, "seed"))
        recent = AdherenceReview.objects.visible_to(user).since(timezone.now() - datetime.timedelta(days=SUMMARY_DAYS))
        context |= {
            "may_review": True,
            "groups": adherence.sample_cases(user, per_agent=per_agent, seed=digest),
            "per_agent": per_agent,
            "seed": seed,
            "next_seed": digest[:8],
            "given": AdherenceReview.objects.filter(reviewer=user).for_list()[:20],
            "by_agent": adherence.adherence_summary(recent, by="agent"),
            "summary_days": SUMMARY_DAYS,
            "recent_days": adherence.RECENT_DAYS,
            "reviewed_days": adherence.REVIEWED_RECENTLY_DAYS,
        }
    return render(request, "cases/adherence.html", context)


@staff_required(methods=["GET", "POST"])
def adherence_review(request: HttpRequest, source: str, external_id: str) -> HttpResponse:
    case = _case_for(request, source, external_id)
    require(policy.can_review_adherence(request.user, case))
    found = adherence.evidence(case, request.user)
    mine = AdherenceReview.objects.filter(case=case, reviewer=request.user).first()
    if request.method != "POST":
        return _adherence_page(request, found, mine, AdherenceForm(initial=_adherence_initial(found, mine)))
    form = AdherenceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            review, created = adherence.review_case(
                case=case, by=request.user, revision=data["revision"], links_seen=data["links_seen"], **form.answers()
            )
        except adherence.StaleReview as exc:
            # The coach's answers stay in the form; it now carries what is current, so saving again replaces.
            form.add_error(None, str(exc))
            form.data = form.data.copy()
            form.data["revision"], form.data["links_seen"] = (exc.current.revision if exc.current else 0), found.fingerprint
            return _adherence_page(request, found, exc.current, form, status=409)
        except InvalidChange as exc:
            form.add_error(None, str(exc))
        else:
            values = {"case": case.label, "agent": review.agent.username, "revision": review.revision}
            if created:
                text = _("Saved your review of %(case)s. %(agent)s can read it on the case page.")
            else:
                text = _("Updated your review (revision %(revision)s) of %(case)s. %(agent)s can read it on the case page.")
            messages.success(request, text % values)
            return redirect("cases:adherence")
    return _adherence_page(request, found, mine, form, status=400)


def _adherence_initial(found: adherence.Evidence, mine: AdherenceReview | None) -> dict:
    seen = {"revision": mine.revision if mine else 0, "links_seen": found.fingerprint}
    if mine is not None:
        return {
            **mine.answers(),
            "linked": "yes" if mine.linked else "no",
            "capture_loss": "yes" if mine.capture_loss else "no",
        } | seen
    # What the case itself shows: linked when it has a live link; "not applicable" accuracy without one.
    return {"linked": "yes" if found.live else "no", **({} if found.live else {"link_accurate": "na"})} | seen


def _adherence_page(request, found: adherence.Evidence, mine, form: AdherenceForm, *, status: int = 200) -> HttpResponse:
    context = {
        "case": found.case,
        "evidence": found,
        "mine": mine,
        "form": form,
        "problem": adherence.unreviewable(found.case),
        "others": AdherenceReview.objects.filter(case=found.case).exclude(reviewer=request.user).for_list(),
    }
    return render(request, "cases/adherence_form.html", context, status=status)
