"""What a locked-out sign-in sees (django-axes calls `lockout_response`, settings.AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def lockout_message() -> str:
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return (
        f"Too many failed sign-in attempts. Signing in is paused for {minutes} minutes (another attempt "
        "meanwhile starts the wait again). Forgot your password? Resetting it lifts the pause."
    )


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """429 with a message: JSON for the API, the login page (not a bare text) for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message(), "locked_out": True}, status=429)
    username = (credentials or {}).get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "locked_out": True, "lockout_message": lockout_message(), "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)
