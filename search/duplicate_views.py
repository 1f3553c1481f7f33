"""Duplicates while capturing (similar articles, use this instead, not a duplicate) and the KB
owner's list of probable duplicate pairs. The logic is search.duplicates'."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from articles import policy, structure
from articles.http import as_id, query_param
from articles.models import Article, InvalidChange, State, require
from kcs_site.decorators import staff_required

from . import duplicates
from .models import DuplicatePair


def _visible(request: HttpRequest, slug: str) -> Article:
    return get_object_or_404(Article.objects.visible_to(request.user).select_related("product"), slug=slug)


def _draft(request: HttpRequest, value: str) -> Article | None:
    """The saved draft named in the request (its slug), if any: one the user may edit, else 404/403."""
    if not value:
        return None
    draft = _visible(request, value)
    require(policy.can_edit(request.user, draft))
    return draft


def _case(request: HttpRequest, value: str):
    """The case a capture came from (`case=<id>`), if the user may see cases; else None."""
    from cases import policy as case_policy
    from cases.models import Case

    pk = as_id(value)
    if pk is None or not case_policy.can_see_cases(request.user):
        return None
    return Case.objects.filter(pk=pk).first()


def _ids(value: str) -> set[int]:
    return {pk for pk in (as_id(part) for part in (value or "").split(",")[:50]) if pk is not None}


def suggestions_for(request: HttpRequest, params, *, draft: Article | None = None) -> list:
    """Suggestions for the draft described by `params` (a QueryDict: title, issue, environment,
    product, dismissed), or for the saved `draft`."""
    dismissed = _ids(params.get("dismissed", ""))
    if draft is not None:
        dismissed |= duplicates.dismissed_with(draft.pk)
        # A template's own sections count where their role puts them (articles/structure.py).
        roles = structure.role_texts(structure.sections_of(draft), draft.sections or {}, public=False)
        fields = {
            "title": draft.title,
            "issue": "\n".join(p for p in (draft.issue, roles.get("issue", "")) if p),
            "environment": "\n".join(p for p in (draft.environment, roles.get("environment", "")) if p),
            "product_id": draft.product_id,
        }
        fields["exclude_id"] = draft.pk
    else:
        fields = {name: (params.get(name) or "")[:4000] for name in ("title", "issue", "environment")}
        fields["product_id"] = as_id(params.get("product", ""))
        exclude = as_id(params.get("exclude", ""))
        if exclude is not None:
            dismissed |= duplicates.dismissed_with(exclude)
            fields["exclude_id"] = exclude
    return duplicates.similar_to_draft(request.user, dismissed=dismissed, **fields)


@staff_required
def similar(request: HttpRequest) -> HttpResponse:
    """Similar articles for a draft being written (GET title, issue, environment, product,
    exclude: the saved draft's id, dismissed: ids): an HTML fragment, or JSON with `format=json`.
    Not logged as a search: nobody searched."""
    require(policy.can_check_duplicates(request.user))
    found = suggestions_for(request, request.GET)
    if query_param(request, "format") == "json":
        return JsonResponse(
            {
                "results": [
                    {
                        "id": s.article.pk,
                        "slug": s.article.slug,
                        "title": s.article.title,
                        "url": s.article.get_absolute_url(),
                        "state": s.article.state,
                        "score": s.score,
                        "reasons": s.reasons,
                    }
                    for s in found
                ]
            }
        )
    exclude = as_id(query_param(request, "exclude"))
    draft = Article.objects.visible_to(request.user).filter(pk=exclude).only("slug").first() if exclude else None
    context = {"suggestions": found, "draft": draft, "case_id": as_id(query_param(request, "case")), "live": True}
    return render(request, "search/_similar_articles.html", context)


@staff_required(methods=["POST"])
def use_instead(request: HttpRequest, slug: str) -> HttpResponse:
    chosen = _visible(request, slug)
    if chosen.state == State.ARCHIVED or chosen.merged_into_id:
        messages.error(request, _("That article is archived: it cannot be used instead."))
        return redirect(chosen)
    draft = _draft(request, request.POST.get("draft", ""))
    if draft is not None and draft.pk == chosen.pk:
        raise Http404("An article cannot be used instead of itself")
    case = _case(request, request.POST.get("case", ""))
    try:
        said = duplicates.use_instead(
            by=request.user, chosen=chosen, draft=draft, case=case, keep_draft=request.POST.get("keep") == "1"
        )
    except InvalidChange as exc:
        return HttpResponseBadRequest(render_to_string("400.html", {"reason": str(exc)}, request=request))
    messages.success(request, _("Using this article instead. %(said)s") % {"said": said})
    return redirect(chosen)


@staff_required(methods=["POST"])
def not_duplicate(request: HttpRequest, slug: str) -> HttpResponse:
    """The saved draft `draft` is not a duplicate of article `slug`: remembered for the pair."""
    other = _visible(request, slug)
    draft = _draft(request, request.POST.get("draft", ""))
    if draft is None or draft.pk == other.pk:
        raise Http404("No draft named")
    duplicates.dismiss(by=request.user, article=draft, other=other)
    if request.headers.get("x-requested-with") == "fetch":
        return JsonResponse({"dismissed": other.pk})
    messages.success(request, _("Noted: “%(title)s” is not a duplicate of this article.") % {"title": other.title})
    return redirect(draft)


def article_panel(request: HttpRequest, article: Article) -> dict:
    """On the page a new article lands on (`?similar=1`, set by `after_create`): the probable
    duplicates its author did not dismiss, with the same actions. Nothing otherwise (no search
    on an ordinary page view)."""
    if request.GET.get("similar") != "1" or not policy.can_edit(request.user, article):
        return {}
    found = suggestions_for(request, {}, draft=article)
    return {"suggestions": found, "draft": article} if found else {}


def after_create(request: HttpRequest, article: Article) -> str | None:
    """After a new article is saved from the editor: remember what its author marked "Not a
    duplicate", carry out "Use it and keep my draft", or send the author to the article with its
    probable duplicates listed. Returns where to go instead of the article page, or None."""
    for other in Article.objects.visible_to(request.user).filter(pk__in=_ids(request.POST.get("not_duplicate", ""))):
        if other.pk != article.pk:
            duplicates.dismiss(by=request.user, article=article, other=other)
    chosen_id = as_id(request.POST.get("use_instead", ""))
    if chosen_id is not None:
        chosen = Article.objects.visible_to(request.user).exclude(state=State.ARCHIVED).filter(pk=chosen_id).first()
        if chosen is not None and chosen.pk != article.pk:
            case = _case(request, request.POST.get("case", ""))
            try:
                said = duplicates.use_instead(by=request.user, chosen=chosen, draft=article, case=case, keep_draft=True)
            except InvalidChange as exc:  # saved as more than a draft: it stays as saved
                messages.error(request, str(exc))
                return None
            messages.success(request, _("Using this article instead. %(said)s") % {"said": said})
            return chosen.get_absolute_url()
    if suggestions_for(request, {}, draft=article):
        messages.info(request, _("Some articles may describe the same issue: check them below."))
        return f"{article.get_absolute_url()}?similar=1#similar-articles"
    return None


# --- KB owners: probable duplicate pairs across the KB -------------------------------------------


STATE_RANK = {State.VALIDATED: 3, State.NOT_VALIDATED: 2, State.WIP: 1}


def _target_and_source(pair: DuplicatePair) -> tuple[Article, Article]:
    """The article to keep (validated before drafts, then the more reused, then the older) and the one merged into it."""
    a, b = pair.first, pair.second
    rank = lambda x: (STATE_RANK.get(x.state, 0), x.reuse_count, -x.pk)  # noqa: E731
    return (a, b) if rank(a) >= rank(b) else (b, a)


@staff_required
def pairs(request: HttpRequest) -> HttpResponse:
    require(policy.can_review_duplicates(request.user))
    page = Paginator(duplicates.open_pairs(), settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    rows = []
    for pair in page:
        target, source = _target_and_source(pair)
        rows.append({"pair": pair, "target": target, "source": source})
    return render(request, "search/duplicates.html", {"page": page, "rows": rows})


@staff_required(methods=["POST"])
def dismiss_pair(request: HttpRequest, pk: int) -> HttpResponse:
    require(policy.can_review_duplicates(request.user))
    pair = get_object_or_404(DuplicatePair.objects.select_related("first", "second"), pk=pk)
    duplicates.dismiss(by=request.user, article=pair.first, other=pair.second)
    messages.success(
        request,
        _("“%(first)s” and “%(second)s” are no longer listed as duplicates.")
        % {"first": pair.first.title, "second": pair.second.title},
    )
    page = as_id(request.POST.get("page", ""))
    return redirect(reverse("duplicates:pairs") + (f"?page={page}" if page and page > 1 else ""))
