"""Where agents and readers meet search: results page, suggestions, the report (the API is search.api)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Greatest, Least, Lower
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from articles import help_trail, policy
from articles.help_views import POOR_RESULTS
from articles.http import as_id
from articles.models import Article, Audience, Product, State, require
from kcs_site.languages import CONTENT_LANGUAGES, DEFAULT_CONTENT_LANGUAGE, current_content_language, language_name

from . import mining, service
from . import report as gaps
from .models import SearchLog, Synonym
from .query import customer_words
from .service import search

OPEN_SALT = "search.open-result"
OPEN_MAX_AGE = 24 * 3600  # a results page left open for a day still records its clicks


def _searcher(request) -> str:
    """Who searched: the signed-in user, else the browser's session (none for a first visit)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"session:{request.session.session_key or ''}"


def open_token(request, log_id: int) -> str:
    """The result links' token: the SearchLog row, bound to the searcher and signed, so that only
    the person who searched can record which result they opened (and no one can name another row)."""
    return signing.dumps([log_id, _searcher(request)], salt=OPEN_SALT)


def _opened_log_id(request, token: str) -> int | None:
    try:
        log_id, searcher = signing.loads(token, salt=OPEN_SALT, max_age=OPEN_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return log_id if searcher == _searcher(request) else None


def open_url(token: str, hit) -> str:
    """A result's link: through `open_result`, which records the click and its position."""
    return reverse("search:open", args=[token, hit.slug]) + f"?at={hit.position}"


def _position(request) -> int | None:
    """The `at` parameter as a position (at least 1), or None when missing or not a number."""
    position = as_id(request.GET.get("at", ""))
    return None if position is None else max(1, position)


# The "Search instead" and "Did you mean" links carry the signed token of the search they were
# shown on (open_token), so that the search they lead to records, on that earlier row, what the
# person did with the correction.
FROM = "from"


def _record_followed(request, search_request) -> None:
    """Mark the search this one came from: its correction undone, or its suggestion taken.

    Only with a token that names a row of this searcher's, and only if this search is what that
    row's link asked for (the query as typed without correction, or the suggestion): a forged,
    stale or re-used token changes nothing. (Visitors with no session share one identity: a shared
    link followed by another of them records that same choice, made by someone else.)"""
    log_id = _opened_log_id(request, service.param(request, FROM))
    if log_id is None:
        return
    rows = SearchLog.objects.filter(pk=log_id)
    if not search_request.autocorrect:
        rows.filter(query=search_request.text).exclude(corrected_to="").update(correction_undone=True)
    else:
        rows.filter(suggestion=search_request.text).exclude(suggestion="").update(suggestion_taken=True)


def _spelling_link(request, results) -> str:
    """The query string of "Search instead for <as typed>" (no correction) or "Did you mean <suggestion>"
    (other filters and the sort kept), with this search's token."""
    query = request.GET.copy()
    query.pop("page", None)
    query[FROM] = results.log_token
    if results.corrected:
        query[service.NO_CORRECTION] = "1"
    else:
        query["q"] = results.suggestion
        query.pop(service.NO_CORRECTION, None)
    return query.urlencode()


def results_page(request: HttpRequest) -> HttpResponse:
    search_request = service.request_from(request)
    results = search(search_request, log=True) if search_request.text else None
    if results is not None:
        _record_followed(request, search_request)
        results.log_token = open_token(request, results.log_id)
        results.facets = service.facets_for(request.user, results)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop(FROM, None)
    context = {
        "spelling_link": _spelling_link(request, results) if results and (results.corrected or results.suggestion) else "",
        "q": search_request.text,
        "results": results,
        "chosen": search_request.filters,
        "sort": search_request.sort,
        "query": query.urlencode(),
        "facet_labels": _facet_labels(),
        "facet_names": FACET_NAMES,
        "sort_options": SORT_OPTIONS,
        # "Start a new article" only with words to start it from (not for a query like `*"():-`).
        "capture_words": customer_words(search_request.text) if policy.can_create(request.user) else "",
        "is_staff": policy.is_staff(request.user),
        **_language_context(request, search_request, results),
    }
    # Help-centre readers (not staff, whose results include internal articles): the search joins
    # the visit's trail, and a search that found little offers to contact support.
    reader = results is not None and not context["is_staff"]
    context["offer_contact"] = reader and results.total < POOR_RESULTS
    response = render(request, "search/results.html", context)
    if reader:
        help_trail.record_search(request, response, search_request.text, results.total)
    return response


SORT_OPTIONS = [("relevance", gettext_lazy("Best match")), ("recent", gettext_lazy("Recently updated"))]
# The facets' headings; a facet not named here shows its own name.
FACET_NAMES = {
    "state": gettext_lazy("State"),
    "audience": gettext_lazy("Audience"),
    "product": gettext_lazy("Product"),
    "tags": gettext_lazy("Tags"),
    "language": gettext_lazy("Language"),
}


def language_label(code: str) -> str:
    """A content language's name in the interface language ("German", "Deutsch")."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return language_name(code)


def _language_context(request, search_request, results) -> dict:
    """The language note (the reader's language found too little) and, for staff, the language filter."""
    context = {
        "language_names": {code: language_label(code) for code in CONTENT_LANGUAGES},
        "language_choice": service.param(request, service.LANGUAGE).lower(),
    }
    if results is not None and results.fallback_from:
        own = sum(1 for hit in results.hits if hit.language == results.fallback_from) if results.page == 1 else 0
        context["fallback"] = {
            "language": language_label(results.fallback_from),
            "source": language_label(results.fallback_to),
            "own": own,
        }
    if results is not None and policy.is_staff(request.user):
        # The languages articles are written in (the index on language answers it without the rows).
        present = set(Article.objects.order_by().values_list("language", flat=True).distinct())
        context["language_facet"] = {
            "current": search_request.language,
            "all": service.ALL_LANGUAGES,
            "values": [(code, language_label(code)) for code in CONTENT_LANGUAGES if code in present],
        }
    return context


def _facet_labels() -> dict[str, dict[str, str]]:
    return {
        "state": dict(State.choices),
        "audience": dict(Audience.choices),
        "product": dict(Product.objects.values_list("slug", "name")),
    }


@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    """Suggestions as you type: titles the caller may open (`results`) and popular past searches
    that found something for callers who see no more than they do (`queries`)."""
    text = service.param(request, "q")
    items = service.suggest(text, request.user, limit=8) if len(text) >= 2 else []
    queries = service.suggest_queries(text, request.user, limit=5) if len(text) >= 2 else []
    staff = policy.is_staff(request.user)
    results_url = reverse("search:results")
    return JsonResponse(
        {
            "results": [
                {
                    "slug": slug,
                    "title": title,
                    "url": reverse("articles:detail" if staff else "help:detail", args=[slug]),
                }
                for slug, title in items
            ],
            "queries": [{"text": q, "url": f"{results_url}?{urlencode({'q': q})}"} for q in queries],
        }
    )


@require_GET
def open_result(request: HttpRequest, token: str, slug: str) -> HttpResponse:
    """Record which result a search led to, then open it (only if the caller may see it).

    A plain link, so it works without script; the signed token records the click only for the
    person who searched (anyone else is just sent on to the article, and changes nothing)."""
    article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug)
    log_id = _opened_log_id(request, token)
    if log_id is not None:
        # The first result opened is the one recorded. Its position is clamped to the results the
        # search found: a hand-edited link cannot record a place that did not exist.
        position = _position(request)
        opened = {"opened_slug": article.slug[:200]}
        if position is not None:
            opened["opened_position"] = Least(Value(position), Greatest(F("result_count"), Value(1)))
        SearchLog.objects.filter(pk=log_id, opened_slug="").update(**opened)
    if policy.is_staff(request.user):
        return redirect(article)
    if article.audience == Audience.INTERNAL:
        raise Http404("Not found")
    return redirect(article.get_help_url())


@login_required
def report(request: HttpRequest) -> HttpResponse:
    require(policy.can_view_search_report(request.user))
    try:
        days = max(1, min(365, int(request.GET.get("days", "30"))))
    except ValueError:
        days = 30
    since = timezone.now() - datetime.timedelta(days=days)
    logs = SearchLog.objects.filter(created_at__gte=since).annotate(q=Lower("query"))
    grouped = logs.values("q").annotate(
        searches=Count("id"),
        opened=Count("id", filter=~Q(opened_slug="")),
        zero=Count("id", filter=Q(result_count=0)),
    )
    nothing, elsewhere = gaps.knowledge_gaps(logs, request.user)
    context = {
        "days": days,
        "total": logs.count(),
        "top": grouped.order_by("-searches", "q")[:25],
        "zero_results": nothing,
        "not_for_them": elsewhere,
        "never_opened": grouped.filter(opened=0, zero=0).order_by("-searches", "q")[:25],
        "undone": gaps.undone_corrections(logs),
    }
    return render(request, "search/report.html", context)


@login_required
def synonyms(request: HttpRequest) -> HttpResponse:
    require(policy.can_manage_synonyms(request.user))
    if request.method == "POST":
        terms = ", ".join(t.strip().lower() for t in request.POST.get("terms", "").split(",") if t.strip())
        language = request.POST.get("language", DEFAULT_CONTENT_LANGUAGE)
        language = language if language in CONTENT_LANGUAGES else DEFAULT_CONTENT_LANGUAGE
        if terms.count(",") < 1:
            messages.error(request, _("Give at least two words or phrases, separated by commas."))
        elif Synonym.objects.filter(terms=terms, language=language).exists():
            messages.error(request, _("That synonym group already exists."))
        else:
            Synonym.objects.create(terms=terms[:500], language=language)
            messages.success(request, _("Added: %(terms)s. Searches use it right away.") % {"terms": terms})
        return redirect("search:synonyms")
    context = {
        "synonyms": Synonym.objects.all(),
        "candidates": mining.candidates(),
        "window": mining.WINDOW_DAYS,
        "languages": [(code, language_label(code)) for code in CONTENT_LANGUAGES],
        "language_names": {code: language_label(code) for code in CONTENT_LANGUAGES},
        "default_language": current_content_language(),
    }
    return render(request, "search/synonyms.html", context)


@login_required
@require_POST
def synonym_candidate(request: HttpRequest, action: str) -> HttpResponse:
    """Add a mined candidate as synonyms, or dismiss it so that it is not offered again."""
    require(policy.can_manage_synonyms(request.user))
    terms = request.POST.getlist("terms")
    try:
        if action == "add":
            synonym = mining.add(terms)
            messages.success(request, _("Synonyms now: %(terms)s. Searches use them right away.") % {"terms": synonym.terms})
        else:
            mining.dismiss(terms, by=request.user)
            messages.success(request, _("Dismissed: %(terms)s. It will not be suggested again.") % {"terms": " ~ ".join(terms)})
    except mining.CandidateError as error:
        messages.error(request, str(error))
    return redirect("search:synonyms")


@login_required
@require_POST
def delete_synonym(request: HttpRequest, pk: int) -> HttpResponse:
    require(policy.can_manage_synonyms(request.user))
    Synonym.objects.filter(pk=pk).delete()
    messages.success(request, _("Synonym group removed."))
    return redirect("search:synonyms")
