"""/healthz for load balancers and monitoring: can this server answer, and is background work keeping up?

Answered by a middleware that sits before CommonMiddleware, so a probe that sends the server's
IP as Host (not in ALLOWED_HOSTS) is not refused, and no session or sign-in is involved; the
HTTPS redirect skips it (SECURE_REDIRECT_EXEMPT). 200 when every check passes, 503 naming the
check that failed. The body holds check names, "ok" and counts only: no error text, host
names or settings (the error itself goes to the log).

`?check=database` (repeatable) runs only the checks named, for a probe that should take a
server out of rotation only for its own faults: a stopped email sender fails every server alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

log = logging.getLogger(__name__)
PATH = "/healthz"


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_search() -> str:
    from search.backends import get_backend
    from search.models import IndexTask

    # The backend opens its index (or queries its table) and answers, as for a reader typing.
    get_backend().suggest("health", AnonymousUser(), limit=1)
    minutes = settings.KCS_HEALTH_BACKLOG_MINUTES
    waiting = IndexTask.objects.filter(processed_at=None, created_at__lt=timezone.now() - timedelta(minutes=minutes))
    count = waiting.count()
    if count:
        failed = waiting.filter(attempts__gt=0).count()
        return f"{count} index updates waiting over {minutes} minutes ({failed} failed at least once)"
    return "ok"


def check_outbox() -> str:
    from notifications.models import OutgoingEmail

    minutes = settings.KCS_HEALTH_BACKLOG_MINUTES
    # Due and neither sent nor given up: the sender is stopped or the mail server refuses.
    count = OutgoingEmail.objects.filter(
        sent_at=None, failed_at=None, send_after__lt=timezone.now() - timedelta(minutes=minutes)
    ).count()
    return f"{count} emails due over {minutes} minutes ago and not sent" if count else "ok"


CHECKS: dict[str, Callable[[], str]] = {"database": check_database, "search": check_search, "outbox": check_outbox}


def healthz(request: HttpRequest) -> HttpResponse:
    # Each named once, however often it is repeated: the probe is open to anyone.
    names = list(dict.fromkeys(name for name in request.GET.getlist("check") if name in CHECKS)) or list(CHECKS)
    results = {}
    for name in names:
        try:
            results[name] = CHECKS[name]()
        except Exception:  # noqa: BLE001 — any failure is "unavailable"; the details go to the log only
            log.exception("Health check %r failed", name)
            results[name] = "unavailable"
    healthy = all(result == "ok" for result in results.values())
    if not healthy:
        log.warning("Health check failing: %s", {k: v for k, v in results.items() if v != "ok"})
    response = JsonResponse({"status": "ok" if healthy else "fail", "checks": results}, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)
