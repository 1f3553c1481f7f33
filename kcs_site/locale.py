"""The reader's language: which interface language a request is answered in, the switcher that
changes it, and the help centre's language-prefixed addresses (/help/de/…).

The interface language of a request, first match wins:
1. the language a help-centre address names (/help/de/…): a link someone shares reads the same
   for everyone;
2. the signed-in account's choice (User.language), on every device it signs in from;
3. the `kcs_language` cookie the switcher sets (LocaleMiddleware reads it);
4. the browser's Accept-Language (LocaleMiddleware);
5. settings.LANGUAGE_CODE.

The default interface language has no prefix: /help/ and /help/<slug>/ are its addresses (and the
addresses every link made before languages arrived points to). Every other interface language
gets one, named by the content language it speaks (/help/de/), as in Article.language and hreflang.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .languages import content_language


def interface_language(code: str | None) -> str | None:
    """The code in settings.LANGUAGES that `code` names ("de-AT" -> "de"), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


@functools.cache
def help_prefixes() -> dict[str, str]:
    """The help centre's address prefixes (content language codes) and the interface language each
    stands for: every interface language but the default."""
    return {
        content_language(code): code
        for code, _name in settings.LANGUAGES
        if content_language(code) != content_language(settings.LANGUAGE_CODE)
    }


def help_prefix_for(content_code: str) -> str | None:
    """The prefix of help-centre pages in `content_code`, or None for the default language's
    unprefixed addresses (and for languages the interface does not speak)."""
    return content_code if content_code in help_prefixes() else None


def help_index_url(content_code: str | None = None) -> str:
    prefix = help_prefix_for(content_code or "")
    return reverse("help:index", kwargs={"lang": prefix}) if prefix else reverse("help:index")


def help_url(slug: str, content_code: str | None = None) -> str:
    """The help-centre address of the article `slug` in the pages of `content_code`."""
    prefix = help_prefix_for(content_code or "")
    if prefix:
        return reverse("help:detail", kwargs={"lang": prefix, "slug": slug})
    return reverse("help:detail", kwargs={"slug": slug})


def split_help_path(path: str) -> tuple[str | None, str] | None:
    """For a help-centre path, its language prefix (None: unprefixed) and the rest after it
    ("/help/de/refunds/" -> ("de", "refunds/")); None for any other path."""
    root = reverse("help:index")
    if not path.startswith(root):
        return None
    rest = path[len(root) :]
    head, _slash, tail = rest.partition("/")
    if _slash and head in help_prefixes():
        return head, tail
    return None, rest


def help_url_language(path: str) -> str | None:
    """The interface language a help-centre address names (/help/de/… -> "de"), if any."""
    parts = split_help_path(path)
    return help_prefixes()[parts[0]] if parts and parts[0] else None


def account_language(user) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return interface_language(getattr(user, "language", ""))


class AccountLanguageMiddleware:
    """Puts a help-centre address's language, then the account's, before what LocaleMiddleware
    chose (cookie, Accept-Language, default). After AuthenticationMiddleware: it reads the user.

    `request.reader_language` keeps the reader's own preference (without the address), for pages
    that offer an article in the reader's language while showing another."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        preferred = account_language(request.user) or translation.get_language() or settings.LANGUAGE_CODE
        request.reader_language = preferred
        remember_reading_language(request.user, preferred)
        language = help_url_language(request.path_info) or preferred
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        # The same address answers in another language for another account, cookie or browser
        # (LocaleMiddleware adds Accept-Language too, but only Cookie covers the switcher's cookie
        # and the session that names the account).
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


def remember_reading_language(user, language: str) -> None:
    """Keep the language a signed-in person without a chosen one reads in (User.last_language), so
    emails written to them later are in it; one UPDATE, only when it changed."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "language", ""):
        return
    if language not in dict(settings.LANGUAGES) or language == (user.last_language or settings.LANGUAGE_CODE):
        return
    get_user_model().objects.filter(pk=user.pk).update(last_language=language)
    user.last_language = language


def reader_content_language(request: HttpRequest) -> str:
    """The content language (kcs_site.languages) this request reads in, for search and lists: an
    explicit `language` parameter naming a content language (the help centre's search box sends
    its page's), else the interface language of the request (a /help/<lang>/ address's included)."""
    asked = (request.GET.get("language") or "").strip().lower()
    if asked and content_language(asked) == asked:
        return asked
    return content_language(getattr(request, "LANGUAGE_CODE", None) or translation.get_language())


def switcher(request: HttpRequest) -> dict:
    """Context processor: the address the header's switcher returns to, this page's, less a
    `next` parameter naming another site (a page never carries a foreign `next` into its forms)."""
    from articles.http import safe_next

    query = request.GET.copy()
    if "next" in query and not safe_next(request, ""):
        del query["next"]
    encoded = query.urlencode()
    return {"language_switch_next": f"{request.path}?{encoded}" if encoded else request.path}


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's set_language (a cookie, back to `next`), limited to the
    interface languages, which also saves a signed-in account's choice and sends a help-centre
    page on to the same page in the chosen language."""
    language = interface_language(request.POST.get("language", ""))  # one of LANGUAGES, or None
    next_url = _safe_next(request)
    if language is not None:
        next_url = _same_page_in(request, next_url, language)
    response = HttpResponseRedirect(next_url)
    if language is None:
        return response
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _safe_next(request: HttpRequest) -> str:
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return "/"


def _same_page_in(request: HttpRequest, url: str, language: str) -> str:
    parts = urlsplit(url)  # a path, or a Referer's absolute address on this host
    from articles.help_views import same_page_in  # the help centre knows its pages

    path = same_page_in(request.user, parts.path, content_language(language))
    return urlunsplit(parts._replace(path=path)) if path else url
