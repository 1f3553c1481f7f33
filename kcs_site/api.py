"""What every API view shares: who may call the staff API, and how a refusal becomes a response.

Views raise the model's own exceptions (`articles.models.require` raises Refused with the
policy's reason); `exception_handler` (REST_FRAMEWORK's EXCEPTION_HANDLER) turns them into
the documented answers: 403 with the reason, 400 for a broken content rule, 409 with the
`current_version` for a stale `version`. `articles.api_schema` documents these bodies.
"""

from __future__ import annotations

from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from articles import policy
from articles.models import InvalidChange, Refused, StaleVersion


def require_staff(request: Request) -> None:
    """Anonymous callers must sign in (401); readers outside the company find nothing here (404)."""
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    if not policy.is_staff(request.user):
        raise Http404("Not found.")


def exception_handler(exc, context):
    """DRF's handler, plus the model's own refusals turned into 403/400/409."""
    if isinstance(exc, Refused):
        exc = DrfPermissionDenied(str(exc))
    elif isinstance(exc, InvalidChange):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, StaleVersion):
        return Response({"detail": str(exc), "current_version": exc.current.version}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)
