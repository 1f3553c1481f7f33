from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.choices import Kind
from accounts.models import User
from kcs_site import pages
from kcs_site.decorators import staff_required

from . import merging, policy, structure, translation_views, versions
from .choices import choice_label
from .forms import (
    ArticleForm,
    RuleFormSet,
    TransitionForm,
    as_int,
    merge_rules,
    opened_values,
    rules_from,
    saved_values,
    templates_for_create,
)
from .http import as_id, query_param
from .merge_views import follows_merges
from .models import (
    Article,
    ArticleEvent,
    Audience,
    AuthorityRule,
    Governance,
    InvalidChange,
    Product,
    ReasonNeeded,
    Refused,
    StaleVersion,
    State,
    Tag,
    plain_rule,
    require,
)
from .signals import article_viewed

# --- access helpers ----------------------------------------------------------------------


def _article_for(request: HttpRequest, slug: str, *, detail: bool = False) -> Article:
    """The article `slug` if this user may see it, else 404 (never a hint that it exists)."""
    qs = Article.objects.visible_to(request.user).select_related("product", "owner", "created_by")
    if detail:
        qs = qs.select_related("escalation", "template_version").prefetch_related(
            "tags", Prefetch("rules", queryset=AuthorityRule.objects.order_by("position", "id"))
        )
        qs = qs.annotate(has_merged_from=merging.has_merged_from())  # "Merged from …" costs a query only then
    return get_object_or_404(qs, slug=slug)


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


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    base = Article.objects.for_list()
    context = {
        "my_drafts": base.drafts().filter(owner=user)[:10],
        "awaiting_review": base.awaiting_review_by(user)[:10],
        "recently_changed": base.visible_to(user).exclude(state=State.ARCHIVED).order_by("-updated_at")[:10],
        "due_for_review": base.due_for_review().filter(owner=user).order_by("review_by")[:10],
        "can_create": policy.can_create(user),
        "outdated_translations": base.filter(owner=user, translation_outdated=True).exclude(state=State.ARCHIVED).count(),
        "panels": pages.dashboard_panels(request),
    }
    return render(request, "articles/dashboard.html", context)


LIST_FILTERS = ("state", "audience", "product", "tag", "owner")


def _list_filters(request: HttpRequest) -> dict[str, str]:
    chosen = {name: query_param(request, name) for name in LIST_FILTERS}
    # An unknown state or audience (a typo, an old bookmark) means "no choice": the default list,
    # which hides archived articles, never a list that quietly includes them.
    for name, values in (("state", State.values), ("audience", Audience.values)):
        if chosen[name] not in values:
            chosen[name] = ""
    return chosen


@staff_required
def article_list(request: HttpRequest) -> HttpResponse:
    qs = Article.objects.visible_to(request.user).for_list()
    chosen = _list_filters(request)
    qs = qs.filter(state=chosen["state"]) if chosen["state"] else qs.exclude(state=State.ARCHIVED)
    if chosen["audience"]:
        qs = qs.filter(audience=chosen["audience"])
    if chosen["product"]:
        qs = qs.filter(product__slug=chosen["product"])
    if chosen["tag"]:
        qs = qs.filter(tags__name=chosen["tag"])
    if chosen["owner"]:
        qs = qs.filter(owner__username=chosen["owner"])
    page = Paginator(qs.order_by("-updated_at", "-id"), settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    context = {
        "page": page,
        "chosen": chosen,
        "states": State.choices,
        "audiences": Audience.choices,
        "products": Product.objects.all(),
        # Plain lists, not "values in use": a DISTINCT over every article is too slow at 100k.
        "owners": User.objects.filter(kind=Kind.STAFF, is_active=True).order_by("username").only("username"),
        "tags": Tag.objects.order_by("name")[:300],
        "query": urlencode({name: value for name, value in chosen.items() if value}),
    }
    return render(request, "articles/list.html", context)


@login_required
@follows_merges("articles:detail")
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    if not policy.is_staff(request.user):
        article = _article_for(request, slug)
        return redirect(article.get_help_url())
    article = _article_for(request, slug, detail=True)
    if article.merged_into_id:
        raise Http404("Merged")  # follows_merges sends the reader to the article it was merged into
    user = request.user
    offered = policy.available_transitions(user, article)
    transitions = offered
    if not structure.has_resolution(article):
        # Both would be refused for want of a resolution: offer the hint instead of a failing button.
        transitions = [(to, label) for to, label in offered if to not in (State.NOT_VALIDATED, State.VALIDATED)]
    context = {
        "article": article,
        "rules": list(article.rules.all()),
        "events": ArticleEvent.objects.filter(article=article).select_related("actor")[:8],
        "transitions": transitions,
        "ask_reason": [to for to, _ in transitions if policy.transition_needs_reason(article.state, to)],
        "needs_resolution": len(transitions) < len(offered),
        "can_edit": _may_open_editor(user, article),
        "can_change_governance": policy.can_change_governance(user, article),
        "governance_target": Governance.EXPERIENCE if article.is_governed else Governance.GOVERNED,
        "panels": pages.article_panels(request, article),
        "translation": translation_views.panel(request, article),
        # Why an archived article was archived is the first thing a reader landing on it needs.
        "archived": (
            ArticleEvent.objects.filter(article=article, to_value=State.ARCHIVED).select_related("actor").first()
            if article.state == State.ARCHIVED
            else None
        ),
    }
    article_viewed.send(sender=Article, article=article, reader=policy.reader_kind(user))
    return render(request, "articles/detail.html", context)


@staff_required
def create(request: HttpRequest) -> HttpResponse:
    require(policy.can_create(request.user))
    initial = {"issue": query_param(request, "issue"), "title": query_param(request, "title")}
    shown, wanted = templates_for_create(request.POST if request.method == "POST" else request.GET)
    form = ArticleForm(request.POST or None, user=request.user, initial=initial, template_version=shown)
    rules = RuleFormSet(request.POST or None, prefix="rules")
    rearranged = _rearranged(request, form, rules, template_version=shown) or _retemplated(request, form, rules, wanted)
    if rearranged:
        form, rules = rearranged
    elif request.method == "POST" and form.is_valid() and (not form.may_edit_authority or rules.is_valid()):
        data = form.cleaned_data
        try:
            form.refuse_left_behind()
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
            messages.success(request, _("Article created."))
            _say_how_tags_were_read(request, form)
            return redirect(pages.after_article_created(request, article) or article)
    status = 400 if request.method == "POST" and not rearranged else 200  # a POST that got here was refused: say so
    context = {
        "form": form,
        "rules": rules,
        "article": None,
        "case_id": as_id(query_param(request, "case") or request.POST.get("case", "")),
    }
    return render(request, "articles/edit.html", context, status=status)


@staff_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug, detail=True)
    if article.is_translation:
        # A translation's words are edited beside its source; its structure is the source's.
        return redirect("articles:translation-edit", slug=article.slug)
    require(_may_open_editor(request.user, article))
    initial = ArticleForm.initial_for(article)
    shape = {"article": article, "template_version": structure.version_for_edit(article)}
    form = ArticleForm(request.POST or None, user=request.user, initial=initial, **shape)
    rules = RuleFormSet(request.POST or None, prefix="rules", initial=article.rule_dicts())
    conflict = None
    rearranged = _rearranged(request, form, rules, **shape) or _resectioned(request, form, rules, shape["template_version"])
    if rearranged:
        form, rules = rearranged
    elif request.method == "POST" and form.is_valid() and (not form.may_edit_authority or rules.is_valid()):
        try:
            _save_edit(request, article, form, rules)
        except StaleVersion as exc:
            conflict, rules = _conflict(exc.current, form, rules)
        except (Refused, InvalidChange) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(article)
    context = {"form": form, "rules": rules, "article": article, "conflict": conflict}
    status = 409 if conflict else 400 if request.method == "POST" and not rearranged else 200
    return render(request, "articles/edit.html", context, status=status)


def _rearranged(request: HttpRequest, form: ArticleForm, rules, **form_kwargs) -> tuple[ArticleForm, object] | None:
    """The authority editor's "Add another rule" and move buttons submit the whole form, so
    they work without JavaScript: the editor comes back with the rules rearranged and everything
    typed kept, unchecked (no errors yet) and unsaved. The typed `version` stays the one the
    editor opened, so a later save still meets the stale-version check."""
    asked = request.method == "POST" and ("rules-add" in request.POST or "rules-move" in request.POST)
    if not (asked and form.may_edit_authority):
        return None
    typed = {name: form[name].data for name, field in form.fields.items() if not field.disabled}
    shown = ArticleForm(user=request.user, initial={**form.initial, **typed}, **form_kwargs)
    return shown, rules.rearranged(add="rules-add" in request.POST, move=request.POST.get("rules-move", ""))


def _retemplated(request: HttpRequest, form: ArticleForm, rules, wanted) -> tuple[ArticleForm, object] | None:
    """The create page's "Use this template" (or a save whose chosen template is not the one
    the page shows): the form comes back with the wanted template's sections, everything typed
    kept (text of sections the new template lacks rides along hidden), nothing checked or saved."""
    if request.method != "POST" or wanted is None:
        return None
    if "template-change" not in request.POST and wanted.pk == form.template_version_pk():
        return None
    typed = {name: form[name].data for name, field in form.fields.items() if not field.disabled}
    typed.update({name: value for name, value in form.carried})
    typed = structure.carry_by_role(form.sections, structure.sections_of(wanted), typed)
    typed.update(template=wanted.template_id, shown_template=wanted.pk)
    shown = ArticleForm(user=request.user, initial={**form.initial, **typed}, template_version=wanted)
    shown.template_notice = _("The form now shows the sections of “%(template)s”. Nothing is saved yet.") % {
        "template": wanted.template.name
    }
    return shown, rules.rearranged()


def _resectioned(request: HttpRequest, form: ArticleForm, rules, current) -> tuple[ArticleForm, object] | None:
    """An edit page opened before the article's template changed: saving it would file the text
    under sections the author did not see. It comes back with the current sections, all typed
    text kept, nothing saved."""
    posted = as_int(request.POST.get("shown_template")) if request.method == "POST" else None
    if posted is None or posted == getattr(current, "pk", None):
        return None
    typed = {name: form[name].data for name, field in form.fields.items() if not field.disabled}
    typed.update({name: value for name, value in form.carried})
    typed.update(shown_template=getattr(current, "pk", None))
    shown = ArticleForm(user=request.user, initial={**form.initial, **typed}, article=form.article, template_version=current)
    shown.template_notice = _(
        "The article's template changed since this page was opened: the form now shows its current "
        "sections. Nothing is saved yet."
    )
    return shown, rules.rearranged()


def _save_edit(request: HttpRequest, article: Article, form: ArticleForm, rules) -> None:
    data = form.cleaned_data
    ticked = [pk for pk in map(as_id, request.POST.getlist("addresses_flag")) if pk is not None]
    article.edit(
        by=request.user,
        base_version=data["version"],
        changes=form.changes(),
        tags=data["tags"],
        rules=rules_from(rules) if form.may_edit_authority else None,
        note=data["note"],
        material=data["material"],
        resolves=ticked,
    )
    messages.success(request, _("Saved as version %(version)s.") % {"version": article.version})
    _say_how_tags_were_read(request, form)
    if ticked:
        _say_what_became_of_flags(request, article, ticked, saved=article.version != data["version"])


def _say_how_tags_were_read(request: HttpRequest, form: ArticleForm) -> None:
    if form.tag_changes:
        messages.info(request, form.tag_changes)


def _say_what_became_of_flags(request: HttpRequest, article: Article, ticked: list[int], *, saved: bool) -> None:
    # The feedback app closed the ticked flags it may when the edit committed (its receiver of
    # articles.signals.article_changed, run before `edit` returns); this tells the editor how that went.
    flags = article.flags.filter(pk__in=ticked)
    left = flags.filter(state="open").count()
    resolved = flags.filter(state="resolved", resolved_version=article.version).count() if saved else 0
    if resolved:
        messages.success(
            request,
            ngettext(
                "%(count)s flag(s) resolved by this edit; whoever raised them has been told.",
                "%(count)s flag(s) resolved by this edit; whoever raised them has been told.",
                resolved,
            )
            % {"count": resolved},
        )
    if left and not saved:
        messages.warning(request, _("Nothing changed, so the flags you ticked stay open."))
    elif left:
        said = ngettext(
            "%(count)s flag(s) about the decision authority stay open for a KB owner.",
            "%(count)s flag(s) about the decision authority stay open for a KB owner.",
            left,
        )
        messages.warning(request, said % {"count": left})


def _conflict(current: Article, form: ArticleForm, rules) -> tuple[dict, object]:
    """Merge what was saved since the editor opened the form into it, and say what happened.

    The base is the version the editor opened (the form's `version`): a field only the other
    person changed takes their value, a field only this editor changed keeps theirs, and a
    field both changed keeps this editor's text and is shown as a diff against the saved one.
    """
    opened_number = form.cleaned_data["version"]
    opened = versions.version_by_number(current, opened_number)
    content = versions.content_of_version(opened.version) if opened else None
    base = opened_values(content, opened.version.field_dict) if opened else None
    outcomes = form.merge_saved(opened=base, saved=saved_values(current))
    if form.may_edit_authority:
        rules, outcomes["rules"] = merge_rules(rules, opened=content and content["rules"], saved=current.rule_dicts())
    labels = dict(versions.SNAPSHOT_FIELDS)
    both = [name for name, outcome in outcomes.items() if outcome == "both"]
    theirs = versions.snapshot_of_article(current)
    mine = dict(theirs, **{name: _readable(form, rules, name) for name in both})
    conflict = {
        "current": current,
        "opened": opened_number,
        "taken": [labels[name] for name in labels if outcomes.get(name) == "taken"],
        "kept": [labels[name] for name in labels if outcomes.get(name) == "kept"],
        "diff": versions.diff(theirs, mine),
    }
    return conflict, rules


def _readable(form: ArticleForm, rules, name: str) -> str:
    """This editor's value of `name` in the words a version snapshot uses, for the conflict diff."""
    if name == "rules":
        return "\n".join(f"{i}. {plain_rule(rule)}" for i, rule in enumerate(rules_from(rules), 1))
    value = form.cleaned_data[name]
    if name == "tags":
        return ", ".join(value)
    if value is None:
        return ""
    if name == "product":
        return value.name
    if name == "owner":
        return value.username
    if name == "escalation":
        return value.plain_words()
    if name == "review_by":
        return value.isoformat()
    return choice_label(str(value))  # a diff is read by people: workflow values in words


@staff_required(methods=["POST"])
def transition(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        if form.has_error("to"):
            messages.error(request, _("Choose a valid state."))
            return redirect(article)
        return _confirm_page(request, article, form, status=400)
    try:
        article.transition(by=request.user, to=form.cleaned_data["to"], note=form.cleaned_data["note"])
    except ReasonNeeded as exc:
        form.add_error("note", str(exc))
        return _confirm_page(request, article, form, status=400)
    except InvalidChange as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Now %(state)s.") % {"state": article.get_state_display().lower()})
    return redirect(article)


@staff_required
def confirm_transition(request: HttpRequest, slug: str) -> HttpResponse:
    """Archive or reopen: a small form that asks why, posted to `transition`."""
    article = _article_for(request, slug)
    to = query_param(request, "to")
    if to not in State.values or not policy.transition_needs_reason(article.state, to):
        return redirect(article)
    require(policy.can_transition(request.user, article, to))
    return _confirm_page(request, article, TransitionForm(initial={"to": to}))


def _confirm_page(request: HttpRequest, article: Article, form: TransitionForm, *, status: int = 200) -> HttpResponse:
    to = form["to"].value()
    label = dict(policy.available_transitions(request.user, article)).get(to) or State(to).label
    context = {"article": article, "form": form, "to": to, "label": label}
    return render(request, "articles/confirm_transition.html", context, status=status)


@staff_required(methods=["POST"])
def governance(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug)
    try:
        article.set_governance(by=request.user, to=request.POST.get("to", ""), note=request.POST.get("note", ""))
    except InvalidChange as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Governance: %(governance)s.") % {"governance": article.get_governance_display()})
    return redirect(article)


@staff_required
def history(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug)
    items = versions.history(article)
    context = {
        "article": article,
        "versions": items,
        "events": ArticleEvent.objects.filter(article=article).select_related("actor"),
        "can_revert": policy.can_revert(request.user, article),
    }
    return render(request, "articles/history.html", context)


@staff_required
def version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The article as it read at one stored version (e.g. the version a case was solved with)."""
    article = _article_for(request, slug)
    shown = versions.version_by_number(article, number)
    if shown is None:
        raise Http404("No such version")
    past, rules = versions.article_as_of(shown.version)
    context = {"article": article, "shown": shown, "past": past, "rules": rules}
    return render(request, "articles/version.html", context)


@staff_required
def diff(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug)
    stored = versions.history(article)
    items = {v.number: v for v in stored}
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
        "range": versions.changes_between(article, older, newer, stored),
        "numbers": sorted(items),
        "can_revert": policy.can_revert(request.user, article) and older != article.version,
    }
    return render(request, "articles/diff.html", context)


@staff_required(methods=["POST"])
def revert(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    article = _article_for(request, slug)
    if versions.version_by_number(article, number) is None:
        raise Http404("No such version")
    require(policy.can_revert(request.user, article))
    try:
        base = int(request.POST.get("version", ""))
    except ValueError:
        base = -1
    try:
        article.revert(to_number=number, by=request.user, base_version=base)
    except StaleVersion:
        messages.error(
            request, _("The article changed while you were looking at it. Check the latest version, then revert again.")
        )
        return redirect(reverse("articles:history", args=[slug]))
    except InvalidChange as exc:
        messages.error(request, str(exc))
        return redirect(reverse("articles:history", args=[slug]))
    messages.success(
        request,
        _("Reverted to version %(number)s; saved as version %(version)s.") % {"number": number, "version": article.version},
    )
    _say_which_flags_reopened(request, article)
    return redirect(article)


def _say_which_flags_reopened(request: HttpRequest, article: Article) -> None:
    # The feedback app reopened the flags whose fix the revert undid (its receiver of
    # articles.signals.article_changed, run before `revert` returns); this tells the reverter.
    for flag in article.flags.filter(reopened_version=article.version):
        if flag.is_open:
            said = _('<a href="{url}">Flag #{number}</a> ({reason}) was fixed in a version this revert undid; it is open again.')
        else:
            said = _(
                '<a href="{url}">Flag #{number}</a> ({reason}) was fixed in a version this revert undid; '
                "it stays resolved: the same person has an open flag for it."
            )
        url = reverse("feedback:flag", args=[flag.pk])
        messages.warning(request, format_html(said, url=url, number=flag.pk, reason=flag.get_reason_display().lower()))
