from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User

from . import policy, versions
from .forms import ArticleForm, RuleFormSet, TransitionForm, rules_from
from .models import (
    Article,
    ArticleEvent,
    Audience,
    AuthorityRule,
    Governance,
    InvalidChange,
    Product,
    Refused,
    StaleVersion,
    State,
    Tag,
)

# --- access helpers ----------------------------------------------------------------------


def _staff_required(request: HttpRequest) -> None:
    if not policy.is_staff(request.user):
        # Customers and partners have the help centre; the staff workspace does not exist for them.
        raise Http404("Not found")


def _article_for(request: HttpRequest, slug: str, *, detail: bool = False) -> Article:
    """The article `slug` if this user may see it, else 404 (never a hint that it exists)."""
    qs = Article.objects.visible_to(request.user).select_related("product", "owner", "created_by")
    if detail:
        qs = qs.select_related("escalation").prefetch_related(
            "tags", Prefetch("rules", queryset=AuthorityRule.objects.order_by("position", "id"))
        )
    return get_object_or_404(qs, slug=slug)


def _refuse(decision: policy.Decision) -> None:
    if not decision:
        raise PermissionDenied(decision.reason)


def _may_open_editor(user, article: Article) -> policy.Decision:
    # The editor opens for whoever may change the content or the authority; when neither,
    # the content reason is the one that tells the user what to do (not the authority one).
    content = policy.can_edit(user, article)
    return content if content else (policy.can_edit_authority(user, article) or content)


# --- pages ---------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    if policy.is_staff(request.user):
        return redirect("articles:dashboard")
    return redirect("help:index")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _staff_required(request)
    user = request.user
    base = Article.objects.for_list()
    context = {
        "my_drafts": base.drafts().filter(owner=user)[:10],
        "awaiting_review": base.awaiting_review_by(user)[:10],
        "recently_changed": base.visible_to(user).exclude(state=State.ARCHIVED).order_by("-updated_at")[:10],
        "due_for_review": base.due_for_review().filter(owner=user).order_by("review_by")[:10],
        "can_create": policy.can_create(user),
    }
    return render(request, "articles/dashboard.html", context)


LIST_FILTERS = ("state", "audience", "product", "tag", "owner")


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    _staff_required(request)
    qs = Article.objects.visible_to(request.user).for_list()
    chosen = {name: request.GET.get(name, "") for name in LIST_FILTERS}
    if chosen["state"] in State.values:
        qs = qs.filter(state=chosen["state"])
    elif not chosen["state"]:
        qs = qs.exclude(state=State.ARCHIVED)
    if chosen["audience"] in Audience.values:
        qs = qs.filter(audience=chosen["audience"])
    if chosen["product"]:
        qs = qs.filter(product__slug=chosen["product"])
    if chosen["tag"]:
        qs = qs.filter(tags__name=chosen["tag"])
    if chosen["owner"]:
        qs = qs.filter(owner__username=chosen["owner"])
    page = Paginator(qs.order_by("-updated_at", "-id"), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "chosen": chosen,
        "states": State.choices,
        "audiences": Audience.choices,
        "products": Product.objects.all(),
        # Plain lists, not "values in use": a DISTINCT over every article is too slow at 100k.
        "owners": User.objects.filter(kind="staff", is_active=True).order_by("username").only("username"),
        "tags": Tag.objects.order_by("name")[:300],
        "query": query.urlencode(),
    }
    return render(request, "articles/list.html", context)


@login_required
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    if not policy.is_staff(request.user):
        article = _article_for(request, slug)
        return redirect(article.get_help_url())
    article = _article_for(request, slug, detail=True)
    user = request.user
    context = {
        "article": article,
        "rules": list(article.rules.all()),
        "events": ArticleEvent.objects.filter(article=article).select_related("actor")[:8],
        "transitions": policy.available_transitions(user, article),
        "can_edit": _may_open_editor(user, article),
        "can_change_governance": policy.can_change_governance(user, article),
        "governance_target": Governance.EXPERIENCE if article.is_governed else Governance.GOVERNED,
    }
    return render(request, "articles/detail.html", context)


@login_required
def create(request: HttpRequest) -> HttpResponse:
    _staff_required(request)
    _refuse(policy.can_create(request.user))
    initial = {"issue": request.GET.get("issue", ""), "title": request.GET.get("title", "")}
    form = ArticleForm(request.POST or None, user=request.user, initial=initial)
    rules = RuleFormSet(request.POST or None, prefix="rules")
    if request.method == "POST" and form.is_valid() and (not form.may_edit_authority or rules.is_valid()):
        data = form.cleaned_data
        try:
            article = Article.create(
                by=request.user,
                tags=data["tags"],
                rules=rules_from(rules) if form.may_edit_authority else [],
                state=data["state"],
                note=data["note"],
                **{k: v for k, v in form.changes().items() if k != "owner"},
            )
        except (Refused, InvalidChange) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Article created.")
            return redirect(article)
    return render(request, "articles/edit.html", {"form": form, "rules": rules, "article": None})


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    _staff_required(request)
    article = _article_for(request, slug, detail=True)
    _refuse(_may_open_editor(request.user, article))
    initial = ArticleForm.initial_for(article)
    form = ArticleForm(request.POST or None, user=request.user, article=article, initial=initial)
    rules = RuleFormSet(request.POST or None, prefix="rules", initial=article.rule_dicts())
    conflict = None
    if request.method == "POST" and form.is_valid() and (not form.may_edit_authority or rules.is_valid()):
        try:
            _save_edit(request, article, form, rules)
        except StaleVersion as exc:
            conflict = _conflict(exc.current, form, rules)
        except (Refused, InvalidChange) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(article)
    context = {"form": form, "rules": rules, "article": article, "conflict": conflict}
    return render(request, "articles/edit.html", context, status=409 if conflict else 200)


def _save_edit(request: HttpRequest, article: Article, form: ArticleForm, rules) -> None:
    data = form.cleaned_data
    article.edit(
        by=request.user,
        base_version=data["version"],
        changes=form.changes(),
        tags=data["tags"],
        rules=rules_from(rules) if form.may_edit_authority else None,
        note=data["note"],
        material=data["material"],
    )
    messages.success(request, f"Saved as version {article.version}.")


def _conflict(current: Article, form: ArticleForm, rules) -> dict:
    """What the editor needs to merge: the saved version, theirs, and the difference."""
    theirs = versions.snapshot_of_article(current)
    mine = dict(theirs)
    for name, value in form.changes().items():
        if name in ("product", "owner", "escalation"):
            continue
        mine[name] = "" if value is None else str(value)
    mine["tags"] = ", ".join(form.cleaned_data["tags"])
    opened = form.cleaned_data["version"]
    # The form now carries the saved version number, so saving again is a deliberate merge.
    form.data = form.data.copy()
    form.data["version"] = current.version
    return {"current": current, "opened": opened, "diff": versions.diff(theirs, mine)}


@login_required
@require_POST
def transition(request: HttpRequest, slug: str) -> HttpResponse:
    _staff_required(request)
    article = _article_for(request, slug)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid state.")
        return redirect(article)
    try:
        article.transition(by=request.user, to=form.cleaned_data["to"], note=form.cleaned_data["note"])
    except Refused as exc:
        raise PermissionDenied(str(exc)) from exc
    except InvalidChange as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Now {article.get_state_display().lower()}.")
    return redirect(article)


@login_required
@require_POST
def governance(request: HttpRequest, slug: str) -> HttpResponse:
    _staff_required(request)
    article = _article_for(request, slug)
    try:
        article.set_governance(by=request.user, to=request.POST.get("to", ""), note=request.POST.get("note", ""))
    except Refused as exc:
        raise PermissionDenied(str(exc)) from exc
    except InvalidChange as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Governance: {article.get_governance_display()}.")
    return redirect(article)


@login_required
def history(request: HttpRequest, slug: str) -> HttpResponse:
    _staff_required(request)
    article = _article_for(request, slug)
    items = versions.history(article)
    context = {
        "article": article,
        "versions": items,
        "events": ArticleEvent.objects.filter(article=article).select_related("actor"),
        "can_revert": policy.can_revert(request.user, article),
    }
    return render(request, "articles/history.html", context)


@login_required
def diff(request: HttpRequest, slug: str) -> HttpResponse:
    _staff_required(request)
    article = _article_for(request, slug)
    items = {v.number: v for v in versions.history(article)}
    try:
        newer = int(request.GET.get("to") or article.version)
        older = int(request.GET.get("from") or newer - 1)
    except ValueError:
        raise Http404("No such version") from None
    if older not in items or newer not in items:
        raise Http404("No such version")
    old = versions.snapshot_of_version(items[older].version)
    new = versions.snapshot_of_version(items[newer].version)
    context = {
        "article": article,
        "older": items[older],
        "newer": items[newer],
        "changes": versions.diff(old, new),
        "numbers": sorted(items),
        "can_revert": policy.can_revert(request.user, article) and older != article.version,
    }
    return render(request, "articles/diff.html", context)


@login_required
@require_POST
def revert(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    _staff_required(request)
    article = _article_for(request, slug)
    _refuse(policy.can_revert(request.user, article))
    try:
        base = int(request.POST.get("version", ""))
    except ValueError:
        base = -1
    try:
        versions.revert(article, to_number=number, by=request.user, base_version=base)
    except StaleVersion:
        messages.error(request, "The article changed while you were looking at it. Check the latest version, then revert again.")
        return redirect(reverse("articles:history", args=[slug]))
    except Refused as exc:
        raise PermissionDenied(str(exc)) from exc
    except InvalidChange as exc:
        messages.error(request, str(exc))
        return redirect(reverse("articles:history", args=[slug]))
    messages.success(request, f"Reverted to version {number}; saved as version {article.version}.")
    return redirect(article)
