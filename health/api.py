"""Reuse and review endpoints under /api/v1/, with the conventions of articles.api:
a refused action is 403 with `detail`, an article the caller may not see is 404, a stale
`version` is 409 (kcs_site.api.exception_handler turns the model's exceptions into these)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from articles.api_schema import answers, paginated
from articles.models import Article, Reuse, require

from . import policy, services
from .models import ReviewConfirmation


class ReuseSerializer(serializers.ModelSerializer):
    article = serializers.CharField(source="article.slug", read_only=True)
    title = serializers.CharField(source="article.title", read_only=True)
    user = serializers.CharField(source="user.username", read_only=True)
    case_ref = serializers.CharField(max_length=services.CASE_REF_MAX, required=False, allow_blank=True, default="")
    solved = serializers.BooleanField(
        allow_null=True, required=False, default=None, help_text="true, false, or null (not yet known)"
    )
    reuse_count = serializers.IntegerField(source="article.reuse_count", read_only=True)

    class Meta:
        model = Reuse
        fields = ["id", "article", "title", "user", "at", "case_ref", "solved", "article_version", "reuse_count"]
        read_only_fields = ["id", "at", "article_version"]


class ConfirmSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, help_text="The version you reviewed; a newer one gets 409.")


class ConfirmationSerializer(serializers.ModelSerializer):
    article = serializers.CharField(source="article.slug", read_only=True)
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = ReviewConfirmation
        fields = ["article", "kind", "by", "at", "previous_review_by", "review_by", "article_version", "note"]


class QueueItemSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    product = serializers.CharField(source="product.slug")
    owner = serializers.CharField(source="owner.username")
    review_by = serializers.DateField()
    reuse_count = serializers.IntegerField()
    last_used = serializers.DateTimeField(allow_null=True)
    last_confirmed_at = serializers.DateTimeField(allow_null=True)
    last_confirmed_by = serializers.CharField(allow_null=True)


def _article_for(request: Request, slug: str) -> Article:
    try:
        return Article.objects.visible_to(request.user).get(slug=slug)
    except Article.DoesNotExist:
        raise Http404("No article found.") from None


@extend_schema(request=ReuseSerializer, responses={201: ReuseSerializer, 200: ReuseSerializer})
@api_view(["POST"])
def article_reuse(request: Request, slug: str) -> Response:
    article = _article_for(request, slug)
    require(policy.can_record_reuse(request.user, article))
    serializer = ReuseSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    reuse = services.record_reuse(article=article, by=request.user, case_ref=data["case_ref"], solved=data["solved"])
    reuse.article = article
    # The same case and article again is the link already there (200), never a second use.
    return Response(ReuseSerializer(reuse).data, status=status.HTTP_201_CREATED if reuse.created_now else status.HTTP_200_OK)


CASE_PARAM = OpenApiParameter("case", str, required=True, description="Case reference")


@paginated
@answers(403)
@extend_schema(parameters=[CASE_PARAM], responses=ReuseSerializer(many=True))
@api_view(["GET"])
def reuse_list(request: Request) -> Response:
    require(policy.can_see_reuse(request.user))
    case = request.query_params.get("case", "").strip()
    if not case:
        return Response({"detail": "Give a case reference: ?case=…"}, status=status.HTTP_400_BAD_REQUEST)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(services.articles_used_on_case(request.user, case), request)
    return paginator.get_paginated_response(ReuseSerializer(page, many=True).data)


@answers(409)
@extend_schema(request=ConfirmSerializer, responses=ConfirmationSerializer)
@api_view(["POST"])
def article_confirm(request: Request, slug: str) -> Response:
    article = _article_for(request, slug)
    serializer = ConfirmSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    record = services.confirm_review(article=article, by=request.user, note=data["note"], base_version=data.get("version"))
    return Response(ConfirmationSerializer(record).data)


@paginated
@answers(403)
@extend_schema(
    parameters=[OpenApiParameter("scope", str, enum=["all", "mine"], description="KB owners see all by default")],
    responses=QueueItemSerializer(many=True),
)
@api_view(["GET"])
def review_queue(request: Request) -> Response:
    require(policy.can_see_review_queue(request.user))
    qs = services.review_queue(request.user)
    if request.query_params.get("scope") == "mine":
        qs = qs.filter(owner=request.user)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(services.with_health(qs), request)
    return paginator.get_paginated_response(QueueItemSerializer(page, many=True).data)
