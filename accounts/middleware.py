"""Keeps people who must use two-factor sign-in (KCS_2FA_REQUIRED) out until their session is verified."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .two_factor import needs_two_factor


class TwoFactorGate:
    """A KB owner or admin whose session is not OTP-verified reaches only the pages that get them
    verified (enrol, enter a code), signing out and static files; everything else — staff pages,
    the admin, session API calls — sends them to the two-factor page. Token API calls do not
    pass here as a user (DRF authenticates them later): the token endpoint asks for a code instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_two_factor(request.user) and not request.user.is_verified() and not request.path.startswith(self._open_paths()):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _open_paths() -> tuple[str, ...]:
        # The scripts' interface text too: a page on the way to the code step still loads it.
        return (
            reverse("accounts:two_factor"),
            reverse("logout"),
            reverse("javascript-catalog"),
            "/" + settings.STATIC_URL.lstrip("/"),
        )

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        message = _("Your role requires two-factor sign-in: set it up (or enter your code) at /accounts/two-factor/.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        return redirect(reverse("accounts:two_factor") + "?" + urlencode({"next": request.get_full_path()}))
