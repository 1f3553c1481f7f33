"""The self-service help centre: validated articles for customers, partners and anonymous visitors,
in the reader's language (kcs_site/locale.py: /help/ is the default language's, /help/de/ German)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from kcs_site.languages import content_language, current_content_language, interface_language_for
from kcs_site.locale import help_index_url, help_prefix_for, help_prefixes, help_url, split_help_path

from . import help_trail, policy, relations
from .merge_views import follows_merges
from .models import Article, Audience, Product
from .signals import article_viewed
from .views import query_param

# Fewer results than this is a "poor" search: the page offers to contact support (cases.handover).
POOR_RESULTS = 3


def help_articles(user):
    # Visibility decides what a reader may open; the help centre shows only validated
    # articles written for readers outside the company, so staff preview the same set.
    return Article.objects.visible_to(user).validated().exclude(audience=Audience.INTERNAL)


def in_language(visible, language: str):
    """The help centre's list in `language`, from the articles a reader may open (`visible`): those
    written in it, and of every other translation set the version readers fall back to — its
    source, or where the reader may not open the source, the translations they may open.
    A translation the reader may not open counts for nothing (its source is listed instead)."""
    version_in_language = visible.filter(language=language)
    source_without = Q(translation_of__isnull=True) & ~Exists(version_in_language.filter(translation_of=OuterRef("pk")))
    unlisted_source = (
        Q(translation_of__isnull=False)
        & ~Exists(visible.filter(pk=OuterRef("translation_of")))
        & ~Exists(version_in_language.filter(translation_of=OuterRef("translation_of")))
    )
    return visible.filter(Q(language=language) | source_without | unlisted_source)


def translation_set(user, article: Article) -> list[Article]:
    """The members of `article`'s translation set (itself included) the reader may open here."""
    source_id = article.translation_of_id or article.pk
    return list(help_articles(user).filter(Q(pk=source_id) | Q(translation_of_id=source_id)).order_by("language", "pk"))


def index(request: HttpRequest, lang: str | None = None) -> HttpResponse:
    if lang is None and help_prefix_for(current_content_language()):
        # /help/ is the default language's: a reader who prefers another language (account,
        # switcher or browser) starts in theirs. Not permanent, and varies by who asks
        # (kcs_site.locale.AccountLanguageMiddleware adds Vary); /help/<lang>/ is never redirected.
        query = request.META.get("QUERY_STRING", "")
        url = help_index_url(current_content_language())
        return redirect(f"{url}?{query}" if query else url)
    language = lang or content_language(settings.LANGUAGE_CODE)
    listed = in_language(help_articles(request.user), language)
    qs = listed.select_related("product")
    product = query_param(request, "product")
    if product:
        qs = qs.filter(product__slug=product)
    q = query_param(request, "q").strip()
    if q:
        # A translation is found by its original's title too: a German reader who types the
        # English words of an article listed here in German still finds it.
        qs = qs.filter(Q(title__icontains=q) | Q(translation_of__title__icontains=q))
    page = Paginator(qs.order_by("-updated_at", "-id"), settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    page.object_list = list(page.object_list)
    for article in page.object_list:
        # In this language's pages even when written in another: the reader stays in their help
        # centre, and the page says the article is not (yet) in their language.
        article.listed_url = help_url(article.slug, language)
    # Only products with something to read here: naming the others would leak internal topics.
    products = Product.objects.filter(Exists(listed.filter(product=OuterRef("pk"))))
    poor = bool(q) and page.paginator.count < POOR_RESULTS
    context = {"page": page, "products": products, "product": product, "q": q, "offer_contact": poor}
    context.update(language=language, hreflang_alternates=_index_alternates(request))
    response = render(request, "help/index.html", context)
    if q:
        help_trail.record_search(request, response, q, page.paginator.count)
    return response


@follows_merges("help:detail", help_centre=True)
def detail(request: HttpRequest, slug: str, lang: str | None = None) -> HttpResponse:
    # `translated`: a source nobody translated for this reader needs no look at its translation set.
    translated = Exists(help_articles(request.user).filter(translation_of=OuterRef("pk")))
    found = help_articles(request.user).select_related("product", "template_version").annotate(translated=translated)
    article = found.filter(slug=slug).first()
    if article is None:
        replacement = relations.replacement_for(request.user, slug, help_articles(request.user))
        if replacement is None:
            raise Http404("No such article")
        # Not permanent: who replaces an article is a relation its editors may change.
        messages.info(request, _("The article at that address was replaced by this one."))
        return redirect(replacement.get_help_url())
    languages = ReadingLanguages.of(request, article, address_language=lang)
    if languages.go_to is not None:
        # /help/de/<an English article>/ with a German version the reader may open: that one.
        query = request.META.get("QUERY_STRING", "")
        url = languages.go_to.get_help_url()
        return redirect(f"{url}?{query}" if query else url)
    from kcs_site import pages  # composes panels from other apps (search's related articles)

    context = {"article": article, "panels": pages.help_article_panels(request, article), "languages": languages}
    context.update(page_lang=article.language, chrome_lang=languages.interface_attr, hreflang_alternates=languages.alternates)
    response = render(request, "help/detail.html", context)
    if help_trail.record_view(request, response, article.slug, article.title):
        # Counted for the measures (insights); a reload of the page just read is not a new view.
        article_viewed.send(sender=Article, article=article, reader=policy.reader_kind(request.user))
    return response


@dataclass
class ReadingLanguages:
    """What an article page says about languages, from the versions of it the reader may open:
    the version in the address's language to go to, the one in the reader's own language to offer,
    the page's language when no version is in it, the original of an out-of-date translation, and
    the hreflang alternates. Versions the reader may not open are never named."""

    article: Article
    members: list[Article]
    go_to: Article | None = None
    offer: Article | None = None
    offer_interface: str = ""  # the interface language the offer is written in (the offered one's)
    missing: str = ""  # the page's language (code) when no version of the article is in it
    original: Article | None = None  # the source an out-of-date translation lags behind
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (hreflang, address)
    interface_attr: str = ""  # the interface language, when the article is in another
    index_url: str = ""  # the help centre's index in the page's language

    @classmethod
    def of(cls, request: HttpRequest, article: Article, *, address_language: str | None) -> ReadingLanguages:
        alone = not article.is_translation and not getattr(article, "translated", True)
        members = [article] if alone else translation_set(request.user, article)
        by_language = {m.language: m for m in members if m.pk != article.pk}
        page_language = address_language or current_content_language()
        found = cls(article=article, members=members, index_url=help_index_url(page_language))
        if address_language and article.language != address_language:
            found.go_to = by_language.get(address_language)
        preferred = content_language(getattr(request, "reader_language", None) or translation.get_language())
        if preferred != article.language:
            found.offer = by_language.get(preferred)
            found.offer_interface = interface_language_for(preferred) or translation.get_language()
        if page_language != article.language and page_language not in by_language:
            found.missing = page_language
        if article.is_outdated_translation:
            found.original = next((m for m in members if m.pk == article.translation_of_id), None)
        if len(members) > 1:
            found.alternates = [(m.language, request.build_absolute_uri(m.get_help_url())) for m in members]
            source = next((m for m in members if not m.is_translation), None)
            if source is not None:
                found.alternates.append(("x-default", request.build_absolute_uri(source.get_help_url())))
        if current_content_language() != article.language:
            found.interface_attr = translation.get_language()
        return found

    @property
    def outdated(self) -> bool:
        return self.article.is_outdated_translation


def _index_alternates(request: HttpRequest) -> list[tuple[str, str]]:
    default = request.build_absolute_uri(help_index_url())
    others = [(code, request.build_absolute_uri(help_index_url(code))) for code in help_prefixes()]
    return [(content_language(settings.LANGUAGE_CODE), default), *others, ("x-default", default)]


def same_page_in(user, path: str, language: str) -> str | None:
    """The help-centre page at `path` in the pages of `language` (the language switcher's way
    back): the index in that language, or the reader's version of the article in it, else the
    same article under that language's prefix. None when `path` is no help-centre page of these."""
    parts = split_help_path(path)
    if parts is None:
        return None
    rest = parts[1]
    if rest == "":
        return help_index_url(language)
    slug = unquote(rest.removesuffix("/"))
    article = help_articles(user).filter(slug=slug).first() if rest.endswith("/") and "/" not in slug else None
    if article is None:
        return None  # another help page (the contact form), or nothing the reader may open
    version = next((m for m in translation_set(user, article) if m.language == language), None)
    return version.get_help_url() if version else help_url(article.slug, language)
