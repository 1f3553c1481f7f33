"""What a locked-out sign-in sees (django-axes calls `lockout_response`, settings.AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext


def client_address(request: HttpRequest) -> str:
    """The address sign-in attempts are counted by. Behind KCS_PROXY_COUNT proxies, each appending
    the address it saw to X-Forwarded-For, the client is that many entries from the right: anything
    further left was written by the client and could be anything."""
    count = settings.KCS_PROXY_COUNT
    if count:
        hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "")


def lockout_message() -> str:
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return ngettext(
        "Too many failed sign-in attempts. Signing in is paused for %(minutes)s minute (another attempt "
        "meanwhile starts the wait again). Forgot your password? Resetting it lifts the pause.",
        "Too many failed sign-in attempts. Signing in is paused for %(minutes)s minutes (another attempt "
        "meanwhile starts the wait again). Forgot your password? Resetting it lifts the pause.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """429 with a message: JSON for the API, the login page (not a bare text) for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(), "locked_out": True}, status=429)
    username = (credentials or {}).get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "locked_out": True, "lockout_message": lockout_message(), "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


def clear_failures_on_sign_in(sender, request, user, **kwargs) -> None:
    """A successful sign-in starts its username's count again (connected in apps.py), and only
    that one: the failures from the same address at other usernames still count towards the
    address's lockout (settings.AXES_RESET_ON_SUCCESS is off for this)."""
    if settings.AXES_ENABLED:
        axes_reset(username=user.get_username())
