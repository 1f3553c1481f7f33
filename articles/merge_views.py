"""Pages for merging duplicate articles (articles/merging.py): the side-by-side merge, its start
from an article page, the undo, and `follows_merges`, which sends a merged article's addresses on."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from kcs_site.decorators import staff_required

from . import merging, policy, relations
from .http import query_param
from .merge_forms import MergeForm
from .models import Article, InvalidChange, Refused, StaleVersion, require

REDIRECT_MAX_AGE = 3600  # seconds a merged article's redirect may be kept: the merge can be undone


def follows_merges(url_name: str, *, help_centre: bool = False):
    """For a view of an article by `slug`: when it finds nothing to show (404) and `slug` names a
    merged article, answer a GET with a permanent redirect to the same page of the article it was
    merged into, for a reader who may follow it (`merging.follow`); else the 404 stands.

    The query string goes along. A merge can be undone, so browsers and caches keep the redirect
    an hour at most (`REDIRECT_MAX_AGE`), and only the reader's own browser when signed in."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, slug: str, *args, **kwargs):
            try:
                return view(request, slug, *args, **kwargs)
            except Http404:
                reading = request.method in ("GET", "HEAD")
                target = merging.follow(request.user, slug, help_centre=help_centre) if reading else None
                if target is None:
                    raise
                # The same page of the target: same URL arguments (a help page's language) but the slug.
                url = reverse(url_name, kwargs={**kwargs, "slug": target.slug})
                query = request.META.get("QUERY_STRING", "")
                response = HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
                signed_in = request.user.is_authenticated
                patch_cache_control(response, max_age=REDIRECT_MAX_AGE, **({"private": True} if signed_in else {"public": True}))
                patch_vary_headers(response, ["Cookie"])
                return response

        return wrapped

    return decorate


def _article(slug: str) -> Article:
    # Staff pages only (staff_required): staff may see every article.
    return get_object_or_404(Article.objects.select_related("product", "owner", "escalation"), slug=slug)


@staff_required
def start(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Merge another article into this one": the other article's address or slug, from A's page."""
    target = _article(slug)
    source = relations.find_article(request.user, query_param(request, "other"))
    if source is None:
        messages.error(request, _("No article has that address. Paste the other article's address or its slug."))
        return redirect(target)
    return redirect("articles:merge", target=target.slug, source=source.slug)


@staff_required
def merge(request: HttpRequest, target: str, source: str) -> HttpResponse:
    a, b = _article(target), _article(source)
    problem = merging.problem(source=b, target=a)
    if not problem:  # else the page says why no merge can be (archived, merged already...)
        require(policy.can_merge(request.user, b, a))
    form = MergeForm(request.POST or None, user=request.user, target=a, source=b)
    if request.method != "POST":
        return _page(request, form)
    use = request.POST.get("use", "")
    if use and not problem:
        return _page(request, form.used(use, user=request.user) or form)  # a "Use B's" button: nothing saved
    if problem or not form.is_valid():
        return _page(request, form, status=400)
    return _merge(request, form)


def _merge(request: HttpRequest, form: MergeForm) -> HttpResponse:
    a, b, data = form.target, form.source, form.cleaned_data
    opened = (data["target_version"], data["source_version"])
    try:
        record = merging.merge(source=b, target=a, by=request.user, base_versions=opened, **form.merged())
    except StaleVersion as exc:
        return _stale(request, form, exc.current, opened=data)
    except (Refused, InvalidChange) as exc:
        form.add_error(None, str(exc))
        return _page(request, form, status=400)
    messages.success(
        request,
        _("“%(title)s” is merged into this article (saved as version %(version)s).")
        % {"title": b.title, "version": record.target_version},
    )
    return redirect(a)


def _stale(request: HttpRequest, form: MergeForm, current: Article, *, opened: dict) -> HttpResponse:
    """Someone saved A or B since the page opened: nothing is merged; the page shows both as they
    are now, keeps the merged text as typed, and carries the new version numbers."""
    a, b = _article(form.target.slug), _article(form.source.slug)
    data = form.data.copy()
    data["target_version"], data["source_version"] = a.version, b.version
    shown = MergeForm(initial={**MergeForm.initial_for(a, b), **data.dict()}, user=request.user, target=a, source=b)
    was = opened["target_version"] if current.pk == a.pk else opened["source_version"]
    shown.changed_since = {"article": current, "from": was, "url": current.get_diff_url(was, current.version)}
    return _page(request, shown, status=409)


def _page(request: HttpRequest, form: MergeForm, *, status: int = 200) -> HttpResponse:
    a, b = form.target, form.source
    rows = [
        {
            "field": form[row.name],
            "label": row.label,
            "a": row.a,
            "b": row.b,
            "markdown": row.markdown,
            "a_prefix": f"a-{row.name}",
            "b_prefix": f"b-{row.name}",
        }
        for row in form.rows
    ]
    context = {
        "form": form,
        "a": a,
        "b": b,
        "rows": rows,
        "a_rules": list(a.rules.all()),
        "b_rules": list(b.rules.all()),
        "b_sections": form.leftover,
        "plan": merging.plan(source=b, target=a),
        "problem": merging.problem(source=b, target=a),
        "stale": getattr(form, "changed_since", None),
        "outside_loss": policy.merge_hides_from_outside_readers(b, a),
    }
    return render(request, "articles/merge.html", context, status=status)


@staff_required(methods=["POST"])
def unmerge(request: HttpRequest, slug: str) -> HttpResponse:
    b = _article(slug)
    record = merging.live_merge_of(b)
    if record is None:
        raise Http404("Not merged")
    require(policy.can_unmerge(request.user, b))
    try:
        back = merging.unmerge(merge=record, by=request.user)
    except InvalidChange as exc:
        messages.error(request, str(exc))
        return redirect("articles:history", slug=b.slug)
    b.refresh_from_db()
    moved = ", ".join(f"{name}: {n}" for name, n in back.items()) or _("nothing to move back")
    messages.success(
        request,
        _("Merge undone: “%(title)s” is %(state)s again (%(moved)s).")
        % {"title": b.title, "state": b.get_state_display().lower(), "moved": moved},
    )
    return redirect(b)
