"""Staff pages for translations: the side-by-side editor, "Confirm still correct", the
translators' queue, and the translation panel of the article page (articles/translations.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kcs_site.decorators import staff_required
from kcs_site.languages import CONTENT_LANGUAGES, content_language, language_name

from . import policy, translations, versions
from .http import query_param
from .models import Article, AuthorityRule, InvalidChange, Refused, StaleVersion, require
from .translation_forms import TranslationForm


def _article(request: HttpRequest, slug: str) -> Article:
    qs = Article.objects.visible_to(request.user).select_related("translation_of", "template_version", "escalation")
    return get_object_or_404(qs, slug=slug)


def _with_rules(article: Article) -> Article:
    """The source as the editor shows it: its rules in order and its contact in one go."""
    rules = Prefetch("rules", queryset=AuthorityRule.objects.order_by("position", "id"))
    qs = Article.objects.select_related("escalation", "template_version", "product").prefetch_related("tags", rules)
    return qs.get(pk=article.pk)


@staff_required
def translate(request: HttpRequest, slug: str) -> HttpResponse:
    """Start a translation of the article's source into a language its set lacks."""
    source = _with_rules(_article(request, slug).source)
    require(policy.can_translate(request.user, source))
    initial = {"language": query_param(request, "language")}
    form = TranslationForm(request.POST or None, user=request.user, source=source, initial=initial)
    if not form.fields["language"].choices:  # the form asked which languages the set lacks
        messages.info(request, _("This article is translated into every content language already."))
        return redirect(source)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = translations.create(
                source,
                by=request.user,
                language=data["language"],
                title=data["title"],
                texts=form.texts(),
                rule_words=form.rule_words(),
                audience=data["audience"],
                seen_version=data["seen_version"],
                note=data["note"],
            )
        except (Refused, InvalidChange) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Translation created as work in progress."))
            return redirect(created)
    status = 400 if request.method == "POST" else 200
    return render(request, "articles/translate.html", _editor(form, source, None), status=status)


@staff_required
def translation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    translation = _article(request, slug)
    if not translation.is_translation:
        raise Http404("Not a translation")
    require(policy.can_edit(request.user, translation))
    source = _with_rules(translation.translation_of)
    form = TranslationForm(request.POST or None, user=request.user, source=source, translation=translation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            translation.edit(
                by=request.user,
                base_version=data["version"],
                changes={"title": data["title"], "audience": data["audience"], **form.texts()},
                rules=form.rules(),
                note=data["note"],
                material=data["material"],
            )
        except (StaleVersion, Refused, InvalidChange) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved as version %(version)s.") % {"version": translation.version})
            return redirect(translation)
    status = 400 if request.method == "POST" else 200
    return render(request, "articles/translate.html", _editor(form, source, translation), status=status)


def _editor(form: TranslationForm, source: Article, translation: Article | None) -> dict:
    return {
        "form": form,
        "source": source,
        "rules": list(source.rules.all()),
        "translation": translation,
        "outdated": outdated_changes(translation) if translation and translation.translation_outdated else None,
    }


@staff_required(methods=["POST"])
def confirm(request: HttpRequest, slug: str) -> HttpResponse:
    translation = _article(request, slug)
    translations.confirm(translation, by=request.user, note=request.POST.get("note", "")[:500])
    messages.success(request, _("Confirmed against version %(version)s of the source.") % {"version": translation.source_version})
    return redirect(translation)


# --- the article page's panel ---------------------------------------------------------------------


def panel(request: HttpRequest, article: Article) -> dict:
    """What the article page shows about its translation set: the set as the reader may see it,
    whether they may translate it, and, on an out-of-date translation, what changed since."""
    user = request.user
    source = article.source
    found = translations.translation_set(article, user)
    # Staff see the whole set (the panel is on staff pages only): its languages are the ones taken.
    taken = {a.language for a in found} if policy.is_staff(user) else None
    may_translate = policy.can_translate(user, source)
    return {
        "set": found,
        "language": language_name(article.language),
        "can_translate": may_translate and bool(translations.missing_languages(source, taken=taken)),
        "outdated": outdated_changes(article) if article.is_outdated_translation else None,
        "can_confirm": article.is_translation and policy.can_confirm_translation(user, article),
    }


def outdated_changes(translation: Article) -> dict | None:
    """The source's changes since the version the translation was made from or confirmed against."""
    source = translation.translation_of
    stored = versions.history(source)
    items = {v.number: v for v in stored}
    older = translation.source_version
    if older not in items or source.version not in items or older == source.version:
        return {"source": source, "from": older, "to": source.version, "changes": [], "url": ""}
    old = versions.snapshot_of_version(items[older].version)
    new = versions.snapshot_of_version(items[source.version].version)
    return {
        "source": source,
        "from": older,
        "to": source.version,
        "changes": versions.diff(old, new),
        "url": source.get_diff_url(older, source.version),
    }


# --- the translators' queue ------------------------------------------------------------------------


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """Per language: translations out of date, then validated sources not yet translated into it,
    each most reused first (there is no view count per article to weigh them by)."""
    require(policy.can_view_translation_queue(request.user))
    languages = queue_languages()
    chosen = query_param(request, "language")
    if chosen not in languages:
        chosen = next((code for code in languages if code != content_language(settings.LANGUAGE_CODE)), languages[0])
    outdated = translations.outdated_in(chosen)
    sees_all = policy.is_kb_owner(request.user)
    if not sees_all:
        outdated = outdated.filter(owner=request.user)
    size = settings.KCS_PAGE_SIZE
    context = {
        "languages": [(code, language_name(code)) for code in languages],
        "chosen": chosen,
        "chosen_name": language_name(chosen),
        "sees_all": sees_all,
        "outdated": Paginator(outdated, size).get_page(query_param(request, "opage")),
        "missing": Paginator(translations.missing_in(chosen), size).get_page(query_param(request, "page")),
    }
    return render(request, "articles/translation_queue.html", context)


def queue_languages() -> list[str]:
    """The content languages articles are written in, and those the interface speaks, in the
    content languages' order."""
    used = set(Article.objects.order_by().values_list("language", flat=True).distinct())
    used |= {content_language(code) for code, _name in settings.LANGUAGES}
    return [code for code in CONTENT_LANGUAGES if code in used]
