"""API tokens over the API: issue one for username + password (+ a code with two-factor on),
list yours, revoke one. Keys are shown only in the issuing answer."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from articles.api_schema import answers

from . import two_factor
from .lockout import lockout_message
from .models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "status"]


class IssueSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(required=False, allow_blank=True, help_text="The current code, with two-factor sign-in on.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=80)


ISSUED = inline_serializer(
    "IssuedToken",
    {
        "token": serializers.CharField(),
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "expires_at": serializers.DateTimeField(),
    },
)


@answers(429)  # sign-in throttling (django-axes)
@extend_schema(request=IssueSerializer, responses={200: ISSUED})
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def obtain_token(request: Request) -> Response:
    """A new token on every call (never the same key twice); it expires after KCS_API_TOKEN_DAYS."""
    data = IssueSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    # The Django request, so django-axes counts this attempt with the login page's.
    django_request = request._request
    user = authenticate(django_request, username=data.validated_data["username"], password=data.validated_data["password"])
    if getattr(django_request, "axes_locked_out", False):
        return Response({"detail": lockout_message(), "locked_out": True}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    if user is None:
        return Response({"detail": "Unable to log in with provided credentials."}, status=status.HTTP_400_BAD_REQUEST)
    refusal = _second_factor_refusal(user, data.validated_data.get("otp", ""))
    if refusal:
        return refusal
    token, key = ApiToken.issue(user=user, name=data.validated_data.get("name", ""))
    return Response({"token": key, "id": token.pk, "name": token.name, "expires_at": token.expires_at})


def _second_factor_refusal(user, code: str) -> Response | None:
    device = two_factor.confirmed_device(user)
    if device is None:
        if two_factor.needs_two_factor(user):
            detail = "Your role requires two-factor sign-in: set it up at /accounts/two-factor/ first."
            return Response({"detail": detail}, status=status.HTTP_403_FORBIDDEN)
        return None
    if not code:
        detail = "This account uses two-factor sign-in: send the current code from the authenticator app as `otp`."
        return Response({"detail": detail, "otp_required": True}, status=status.HTTP_400_BAD_REQUEST)
    problem = two_factor.code_problem(device, "".join(code.split()))
    if problem:
        return Response({"detail": problem, "otp_required": True}, status=status.HTTP_400_BAD_REQUEST)
    return None


@extend_schema(responses=ApiTokenSerializer(many=True))
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def token_list(request: Request) -> Response:
    """Your tokens (never their keys), newest first, with why each one stopped working."""
    mine = ApiToken.objects.filter(user=request.user).select_related("user")
    return Response(ApiTokenSerializer(mine, many=True).data)


@extend_schema(request=None, responses={204: None})
@api_view(["DELETE"])
@permission_classes([IsAuthenticated])
def token_detail(request: Request, pk: int) -> Response:
    """Revoke one of your tokens (the one making this call too, if you name it)."""
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404("No such token.")
    token.revoke()
    return Response(status=status.HTTP_204_NO_CONTENT)
