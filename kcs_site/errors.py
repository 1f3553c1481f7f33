"""The site's error responses (wired as handler400/403/404/500 in urls.py and CSRF_FAILURE_VIEW).

Pages get the site's own templates, which say what happened and what to do next and nothing
internal (no URL patterns, no traceback: those go to the log). Under /api/ the same errors
are JSON with a `detail`, like every other API error.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults

from articles.rendering import MAX_CHARS

TOO_BIG = gettext_lazy(
    "What you sent is larger than this site accepts in one request, so nothing was saved. "
    "Go back to keep what you typed, then shorten it or split it into smaller parts and send it again."
)
BAD_REQUEST = gettext_lazy("The request could not be understood, so nothing was changed. Go back and try again.")
CSRF_FAILED = gettext_lazy(
    "This form's security check failed, usually because the page was open for a long time or you "
    "signed in or out in another tab. Nothing was changed: go back, reload the page and send it again."
)
SERVER_ERROR = gettext_lazy("Something went wrong on our side. Nothing you saved was lost; please try again in a moment.")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    too_big = isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent)
    reason = str(TOO_BIG if too_big else BAD_REQUEST)
    if isinstance(exception, RequestDataTooBig):
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        reason += " " + _("At most %(limit)s are accepted; an article's text holds at most %(chars)s characters per field.") % {
            "limit": limit,
            "chars": f"{MAX_CHARS:,}",
        }
    if _is_api(request):
        return JsonResponse({"detail": reason}, status=400)
    # Rendered without the request: a 400 can happen before the session and user are known
    # (a disallowed Host header), so the page must not need them.
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"reason": reason}))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": str(exception) or _("You are not allowed to do that.")}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": str(SERVER_ERROR)}, status=500)
    # 500.html stands alone (no request, user or database): whatever broke may break it too.
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # Django's reason ("CSRF token missing") is for the log, not for the reader.
    return render(request, "403.html", {"exception": CSRF_FAILED}, status=403)
