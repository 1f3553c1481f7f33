"""`Authorization: Token <key>` against expiring, revocable, hashed API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from . import two_factor
from .models import ApiToken

# last_used_at is written at most this often per token, so busy integrations do not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's header format (the stable interface), our token model and rules."""

    model = ApiToken

    def authenticate_credentials(self, key: str):
        token = ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token.status != "active":
            raise exceptions.AuthenticationFailed(ApiToken.PROBLEMS[token.status])
        if two_factor.needs_two_factor(token.user) and two_factor.confirmed_device(token.user) is None:
            # Issued before two-factor sign-in was required of this role: not until it is set up.
            raise exceptions.AuthenticationFailed(
                "Your role requires two-factor sign-in: set it up at /accounts/two-factor/, then request a new token."
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
