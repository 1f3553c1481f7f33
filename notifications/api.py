"""Notifications and subscriptions over the API, with the pages' rules and the core API's
conventions (401 when not signed in, 403 with `detail` when refused, 404 for what you may not see)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from articles.api_schema import answers, paginated
from articles.models import Article, Product, Tag, require

from . import policy
from .models import Notification, Subscription


class NotificationSerializer(serializers.ModelSerializer):
    article = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "article", "created_at", "read_at", "read", "authority_changed"]

    def get_read(self, note: Notification) -> bool:
        return note.read_at is not None


class SubscriptionSerializer(serializers.ModelSerializer):
    """Exactly one of `article` (slug), `product` (slug) or `tag` (name)."""

    article = serializers.CharField(source="article.slug", required=False)
    product = serializers.CharField(source="product.slug", required=False)
    tag = serializers.CharField(source="tag.name", required=False)
    kind = serializers.CharField(read_only=True)

    class Meta:
        model = Subscription
        fields = ["id", "kind", "article", "product", "tag", "created_at"]


def _fields(request: Request) -> Mapping:
    """The body's named fields; a JSON list or a bare value is a 400, not a 500 on `.get`."""
    if not isinstance(request.data, Mapping):
        raise serializers.ValidationError({"detail": "Send an object with named fields."})
    return request.data


def _target(request: Request) -> dict:
    """The subscription target named in the request, checked against what the caller may see."""
    given = {name: str(_fields(request).get(name) or "").strip() for name in ("article", "product", "tag")}
    named = {name: value for name, value in given.items() if value}
    if len(named) != 1:
        raise serializers.ValidationError({"detail": "Name exactly one of `article` (slug), `product` (slug) or `tag`."})
    (kind, value), user = next(iter(named.items())), request.user
    if kind == "article":
        article = Article.objects.visible_to(user).filter(slug=value).first()
        if article is None:
            raise Http404("No article found.")
        decision = policy.can_subscribe(user, article)
        target = article
    else:
        model, field = (Product, "slug") if kind == "product" else (Tag, "name")
        target = model.objects.filter(**{field: value}).first()
        decision = policy.can_subscribe_to_topic(user, **{kind: target}) if target else None
        if not decision:
            # Unknown, or nothing in it for this reader: the same answer, so nothing is revealed.
            raise Http404(f"No {kind} found.")
    require(decision)
    return {kind: target}


@paginated
@extend_schema(responses=NotificationSerializer(many=True))
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def notification_list(request: Request) -> Response:
    qs = (
        Notification.objects.filter(recipient=request.user)
        .select_related("article")
        .only("id", "kind", "title", "body", "url", "created_at", "read_at", "article__slug")
    )
    if request.query_params.get("unread") in ("1", "true"):
        qs = qs.filter(read_at=None)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(qs, request)
    return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


@extend_schema(request=None, responses=NotificationSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def notification_read(request: Request, pk: int) -> Response:
    note = Notification.objects.filter(pk=pk, recipient=request.user).first()
    if note is None:
        raise Http404("No notification found.")
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return Response(NotificationSerializer(note).data)


@extend_schema(request=None, responses=inline_serializer("ReadAll", {"marked": serializers.IntegerField()}))
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def notification_read_all(request: Request) -> Response:
    marked = Notification.objects.filter(recipient=request.user, read_at=None).update(read_at=timezone.now())
    return Response({"marked": marked})


@paginated
@answers(404, methods=["POST", "DELETE"])  # the article, product or tag named in the body
@extend_schema(methods=["GET"], responses=SubscriptionSerializer(many=True))
@extend_schema(methods=["POST"], request=SubscriptionSerializer, responses={201: SubscriptionSerializer})
@extend_schema(
    methods=["DELETE"], request=SubscriptionSerializer, responses={204: None}, operation_id="subscriptions_destroy_by_target"
)
@api_view(["GET", "POST", "DELETE"])
@permission_classes([IsAuthenticated])
def subscription_list(request: Request) -> Response:
    mine = Subscription.objects.filter(user=request.user).select_related("article", "product", "tag")
    if request.method == "GET":
        paginator = PageNumberPagination()
        visible = Subscription.objects.visible_to(request.user).select_related("article", "product", "tag")
        page = paginator.paginate_queryset(visible.order_by("pk"), request)
        return paginator.get_paginated_response(SubscriptionSerializer(page, many=True).data)
    if request.method == "DELETE":
        if _fields(request).get("id") not in (None, ""):
            deleted, _ = mine.filter(pk=_int(request.data["id"])).delete()
        else:
            deleted, _ = mine.filter(**_target(request)).delete()
        if not deleted:
            raise Http404("No such subscription.")
        return Response(status=status.HTTP_204_NO_CONTENT)
    target = _target(request)
    try:
        with transaction.atomic():
            sub, created = Subscription.objects.get_or_create(user=request.user, **target)
    except IntegrityError:
        sub, created = Subscription.objects.get(user=request.user, **target), False
    return Response(SubscriptionSerializer(sub).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(request=None, responses={204: None})
@api_view(["DELETE"])
@permission_classes([IsAuthenticated])
def subscription_detail(request: Request, pk: int) -> Response:
    deleted, _ = Subscription.objects.filter(pk=pk, user=request.user).delete()
    if not deleted:
        raise Http404("No such subscription.")
    return Response(status=status.HTTP_204_NO_CONTENT)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise serializers.ValidationError({"detail": "`id` must be a number."}) from None
