"""Project-wide request plumbing that every page and API call shares."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import Refused

from . import errors
from .jsoninput import TOO_DEEP, json_depth_exceeds

NUL = "\x00"
NUL_MESSAGE = gettext_lazy("The request contains a NUL character (%00), which no address, search or form field may hold.")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 that says what was wrong: `{"detail": …}` under /api/, a short page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(message)}, status=400)
    # This runs before the locale middleware: the page speaks the language the browser asks for.
    language = translation.get_language_from_request(request)
    with translation.override(language):
        title = _("Bad request")
        page = f'<!doctype html><html lang="{language}"><title>{title}</title><h1>{title}</h1><p>{escape(message)}</p></html>'
    return HttpResponseBadRequest(page)


class RefuseBadInputMiddleware:
    """Refuse with a 400, before any view runs, input that no view can handle safely.

    - NUL characters in the path, the query string or posted form fields. PostgreSQL cannot
      store or compare text holding NUL: a username, slug or filter value with one raised a
      ValueError deep in the ORM (a 500) wherever a view forgot to strip it. No legitimate
      address or form value holds one. Uploaded files are left alone; JSON strings are
      checked by the API's parser (kcs_site.parsers), which knows "\\u0000" from text.
    - Form bodies larger than DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields): the site's
      400 page, which tells the reader to go back to their text, never a debug traceback.
    - JSON bodies nested deeper than jsoninput.MAX_JSON_DEPTH, whichever view (or parser a
      view chose itself, like DRF's token view) would read them: Python's decoder recursed
      until RecursionError.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            holds_nul = self._holds_nul(request)
        except (RequestDataTooBig, TooManyFieldsSent) as exc:
            # A form body over DATA_UPLOAD_MAX_MEMORY_SIZE: the site's own 400 page, saying what to
            # do, whatever DEBUG says (Django's debug page for it is a traceback, and the text is lost).
            _discard_body(request)
            return errors.bad_request(request, exc)
        if holds_nul:
            return bad_request(request, NUL_MESSAGE)
        if self._is_json(request):
            try:
                body = request.body  # views and DRF read it from here afterwards
            except RequestDataTooBig:
                _discard_body(request)
                limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                return bad_request(
                    request, _("The JSON body is larger than the %(limit)s bytes accepted.") % {"limit": f"{limit:,}"}
                )
            if json_depth_exceeds(body.decode(request.encoding or "utf-8", errors="replace")):
                return bad_request(request, TOO_DEEP)
        return self.get_response(request)

    @staticmethod
    def _is_json(request: HttpRequest) -> bool:
        return request.content_type == "application/json" or request.content_type.endswith("+json")

    @staticmethod
    def _holds_nul(request: HttpRequest) -> bool:
        if NUL in request.path_info:
            return True
        if any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists()):
            return True
        if request.method == "POST" and request.content_type in FORM_TYPES:
            return any(NUL in key or any(NUL in v for v in values) for key, values in request.POST.lists())
        return False


class RefusedMiddleware:
    """A policy refusal (articles.models.Refused) a page view lets through is a 403 with the reason.

    Views call `articles.models.require(policy.can_…(user, …))` or a model verb that refuses,
    and need no `except Refused` of their own: the site's 403 page (a `{"detail": …}` under
    /api/) shows the reason, as for any PermissionDenied. A view that answers a refusal
    differently (a message on the form it re-renders) still catches it itself. DRF views never
    get here: their exceptions go to kcs_site.api.exception_handler.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Refused):
            return errors.permission_denied(request, PermissionDenied(str(exception)))
        return None


# How much of a refused body is read and thrown away so the browser gets the answer.
DISCARD_AT_MOST = 64 * 1024 * 1024


def _discard_body(request: HttpRequest) -> None:
    """Read the rest of a refused body without keeping it.

    Django refuses an over-large body from its Content-Length, before reading it. A server that then
    answers and closes the connection with the body still unread resets it, and the browser shows a
    connection error (or sends the post again) instead of the page that says what happened. Bodies
    beyond DISCARD_AT_MOST are left to that reset: reading them would cost more than it helps."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > DISCARD_AT_MOST:
        return
    try:
        while request.read(64 * 1024):
            pass
    except Exception:  # noqa: BLE001 — the client went away or the stream was read already: nothing to keep
        return
