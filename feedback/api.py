"""Flags in the HTTP API: the same services and policy as the pages, the core API's conventions.

403 with `detail` for a refusal, 404 for an article (or flag) the caller may not see, 400 for
bad input, 409 when the flag was already closed or the caller's flag for that reason is still open.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from articles.api_schema import answers, paginated
from articles.models import Article, require

from . import policy, services
from .models import Flag, FlagState, Reason, Source


class FlagSerializer(serializers.ModelSerializer):
    article = serializers.CharField(source="article.slug", read_only=True)
    article_title = serializers.CharField(source="article.title", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None, allow_null=True)
    closed_by = serializers.CharField(source="closed_by.username", read_only=True, default=None, allow_null=True)
    reason = serializers.ChoiceField(choices=Reason.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    case_ref = serializers.CharField(required=False, allow_blank=True, max_length=100)

    class Meta:
        model = Flag
        fields = [
            "id",
            "article",
            "article_title",
            "source",
            "reason",
            "comment",
            "case_ref",
            "created_by",
            "created_at",
            "article_version",
            "state",
            "resolved_version",
            "outcome_note",
            "closed_by",
            "closed_at",
            "reopened_version",
            "reopened_note",
        ]
        read_only_fields = [
            "source",
            "created_at",
            "article_version",
            "state",
            "resolved_version",
            "outcome_note",
            "closed_at",
            "reopened_version",
            "reopened_note",
        ]


class ResolveSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text="The version that fixed it; default current.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the flag is dismissed; the flagger reads it.")


STATE_PARAM = OpenApiParameter(
    "state", str, enum=[*FlagState.values, "all"], description="open (default), resolved, dismissed or all"
)


def _article_for(request: Request, slug: str) -> Article:
    try:
        return Article.objects.visible_to(request.user).select_related("owner").get(slug=slug)
    except Article.DoesNotExist:
        raise Http404("No article found.") from None


def _flag_for(request: Request, pk: int) -> Flag:
    # Customers and partners may not know flags exist at all: 404, as for an invisible article.
    if not policy.can_see_flags(request.user):
        raise Http404("No flag found.")
    try:
        return Flag.objects.for_list().filter(article__in=Article.objects.visible_to(request.user)).get(pk=pk)
    except Flag.DoesNotExist:
        raise Http404("No flag found.") from None


def _by_state(request: Request, qs):
    state = request.query_params.get("state", FlagState.OPEN)
    return qs if state == "all" else qs.filter(state=state if state in FlagState.values else FlagState.OPEN)


def _page(request: Request, qs) -> Response:
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(qs.order_by("-created_at", "-id"), request)
    return paginator.get_paginated_response(FlagSerializer(page, many=True).data)


@paginated
@answers(403, methods=["GET"])
@extend_schema(methods=["GET"], parameters=[STATE_PARAM], responses=FlagSerializer(many=True))
@extend_schema(
    methods=["POST"],
    request=FlagSerializer,
    responses={
        201: FlagSerializer,
        409: inline_serializer("FlagAlreadyOpen", {"detail": serializers.CharField(), "flag": FlagSerializer()}),
    },
)
@api_view(["GET", "POST"])
def article_flags(request: Request, slug: str) -> Response:
    article = _article_for(request, slug)
    if request.method == "POST":
        serializer = FlagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            flag = services.raise_flag(
                by=request.user,
                article=article,
                reason=data["reason"],
                comment=data.get("comment", ""),
                case_ref=data.get("case_ref", ""),
            )
        except services.AlreadyFlagged as exc:
            # 409 with the open flag, so a client that retried (or double-posted) finds it.
            existing = FlagSerializer(Flag.objects.for_list().get(pk=exc.flag.pk)).data
            return Response({"detail": str(exc), "flag": existing}, status=status.HTTP_409_CONFLICT)
        return Response(FlagSerializer(Flag.objects.for_list().get(pk=flag.pk)).data, status=status.HTTP_201_CREATED)
    require(policy.can_see_flags(request.user))
    return _page(request, _by_state(request, Flag.objects.for_list().filter(article=article)))


@paginated
@answers(403)
@extend_schema(
    operation_id="flags_queue",
    parameters=[STATE_PARAM, OpenApiParameter("mine", bool, description="Flags I raised instead of my queue")],
    responses=FlagSerializer(many=True),
)
@api_view(["GET"])
def flag_queue(request: Request) -> Response:
    require(policy.can_see_queue(request.user))
    qs = Flag.objects.for_list()
    qs = qs.filter(created_by=request.user) if request.query_params.get("mine") in ("1", "true") else qs.queue_for(request.user)
    source = request.query_params.get("source", "")
    if source in Source.values:
        qs = qs.filter(source=source)
    return _page(request, _by_state(request, qs))


@extend_schema(responses=FlagSerializer)
@api_view(["GET"])
def flag_detail(request: Request, pk: int) -> Response:
    return Response(FlagSerializer(_flag_for(request, pk)).data)


@answers(409)
@extend_schema(request=ResolveSerializer, responses=FlagSerializer)
@api_view(["POST"])
def flag_resolve(request: Request, pk: int) -> Response:
    flag = _flag_for(request, pk)
    serializer = ResolveSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return _closing(
        request,
        flag,
        services.resolve_flag,
        version=serializer.validated_data.get("version"),
        note=serializer.validated_data["note"],
    )


@answers(409)
@extend_schema(request=DismissSerializer, responses=FlagSerializer)
@api_view(["POST"])
def flag_dismiss(request: Request, pk: int) -> Response:
    flag = _flag_for(request, pk)
    serializer = DismissSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return _closing(request, flag, services.dismiss_flag, reason=serializer.validated_data["reason"])


def _closing(request: Request, flag: Flag, operation, **kwargs) -> Response:
    if not flag.is_open:
        return Response({"detail": f"This flag is already {flag.state}."}, status=status.HTTP_409_CONFLICT)
    try:
        operation(by=request.user, flag=flag, **kwargs)
    except services.AlreadyClosed as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    return Response(FlagSerializer(Flag.objects.for_list().get(pk=flag.pk)).data)
