"""Guards every API view of the knowledge base shares: staff only, and policy decisions as 403s."""

from __future__ import annotations

from django.http import Http404
from rest_framework.exceptions import NotAuthenticated
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.request import Request

from . import policy


def require_staff(request: Request) -> None:
    """Anonymous callers must sign in (401); readers outside the company find nothing here (404)."""
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    if not policy.is_staff(request.user):
        raise Http404("Not found.")


def check(decision) -> None:
    """A refused policy decision is a 403 whose `detail` is the reason."""
    if not decision:
        raise DrfPermissionDenied(decision.reason)
