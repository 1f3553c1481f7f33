"""Reviews and content-standard checklist scores under /api/v1/: the same model operations
and policy as the pages, and the core API's conventions (articles/api.py): a refusal is 403
with `detail`, what the caller may not see is 404, a stale `version` is 409."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.choices import Kind
from accounts.models import User
from articles.api_schema import answers, paginated
from articles.models import Article, require
from kcs_site.api import require_staff

from . import policy
from .models import MAX_WEIGHT, MIN_WEIGHT, ChecklistCriterion, ChecklistScore, ReviewComment, ReviewRequest, Status

# --- serializers ---------------------------------------------------------------------------


class CommentSerializer(serializers.Serializer):
    author = serializers.CharField(source="author.username")
    kind = serializers.CharField()
    body = serializers.CharField()
    round = serializers.IntegerField()
    article_version = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    article = serializers.CharField(source="article.slug", help_text="The article's slug.")
    article_title = serializers.CharField(source="article.title", read_only=True)
    requester = serializers.CharField(source="requester.username", read_only=True)
    reviewer = serializers.CharField(source="reviewer.username", required=False, allow_null=True, allow_blank=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    round = serializers.IntegerField(read_only=True)
    submitted_version = serializers.IntegerField(read_only=True)
    approved_version = serializers.IntegerField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=2000)


class ReviewDetailSerializer(ReviewSerializer):
    comments = CommentSerializer(many=True, read_only=True)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    version = serializers.IntegerField(required=False, help_text="The article version you reviewed; a newer one gets 409.")


class ChangesSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, help_text="What the author should change.")


class AnswerSerializer(serializers.Serializer):
    criterion = serializers.CharField(
        source="criterion_id", max_length=32, help_text="The key of an active criterion (GET /api/v1/coaching/criteria/)."
    )
    label = serializers.CharField(read_only=True, help_text="The criterion's name when this score was given.")
    weight = serializers.IntegerField(read_only=True, help_text="The criterion's weight when this score was given.")
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    article = serializers.CharField(source="article.slug", help_text="The article's slug.")
    version = serializers.IntegerField(
        source="article_version", required=False, help_text="The version you scored; a newer one gets 409."
    )
    author = serializers.CharField(source="author.username", read_only=True)
    scorer = serializers.CharField(source="scorer.username", read_only=True)
    answers = AnswerSerializer(many=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    met = serializers.IntegerField(read_only=True, help_text="Criteria met.")
    total = serializers.IntegerField(read_only=True, help_text="Criteria answered.")
    weighted_met = serializers.IntegerField(read_only=True, help_text="Weight of the criteria met, as weighted when scored.")
    weighted_total = serializers.IntegerField(read_only=True)
    share = serializers.IntegerField(read_only=True, help_text="Percent of the weight met.")
    scored_at = serializers.DateTimeField(read_only=True)


# --- helpers ---------------------------------------------------------------------------------


def _article(request: Request, slug: str) -> Article:
    try:
        return Article.objects.visible_to(request.user).select_related("created_by").get(slug=str(slug))
    except Article.DoesNotExist:
        raise Http404("No article found.") from None


def _review_for(request: Request, pk: int) -> ReviewRequest:
    require_staff(request)
    try:
        review = ReviewRequest.objects.select_related("article", "requester", "reviewer").get(pk=pk)
    except ReviewRequest.DoesNotExist:
        raise Http404("No review found.") from None
    require(policy.can_see_review(request.user, review))
    return review


def _review_response(review: ReviewRequest, code: int = status.HTTP_200_OK) -> Response:
    review = ReviewRequest.objects.select_related("article", "requester", "reviewer").get(pk=review.pk)
    review.comments_list = ReviewComment.objects.filter(review=review).select_related("author")
    data = ReviewSerializer(review).data
    data["comments"] = CommentSerializer(review.comments_list, many=True).data
    return Response(data, status=code)


# --- reviews -------------------------------------------------------------------------------------

REVIEW_FILTERS = [
    OpenApiParameter("role", str, enum=["requested", "assigned"], description="Reviews I asked for, or assigned to me"),
    OpenApiParameter("status", str, enum=Status.values),
]


@paginated
@answers(404, methods=["POST"])  # the article named in the body
@extend_schema(methods=["GET"], parameters=REVIEW_FILTERS, responses=ReviewSerializer(many=True))
@extend_schema(methods=["POST"], request=ReviewSerializer, responses={201: ReviewDetailSerializer})
@api_view(["GET", "POST"])
def review_list(request: Request) -> Response:
    require_staff(request)
    if request.method == "POST":
        return _start_review(request)
    user = request.user
    role = request.query_params.get("role", "")
    qs = {"requested": ReviewRequest.objects.filter(requester=user), "assigned": ReviewRequest.objects.filter(reviewer=user)}.get(
        role, ReviewRequest.objects.involving(user)
    )
    wanted = request.query_params.get("status", "")
    if wanted in Status.values:
        qs = qs.filter(status=wanted)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(qs.for_list().order_by("-updated_at", "-id"), request)
    return paginator.get_paginated_response(ReviewSerializer(page, many=True).data)


def _start_review(request: Request) -> Response:
    serializer = ReviewSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    article = _article(request, data["article"]["slug"])
    reviewer = None
    name = (data.get("reviewer") or {}).get("username")
    if name:
        reviewer = User.objects.filter(username=name).first()
        if reviewer is None:
            return Response({"detail": f"No coach named '{name}'."}, status=status.HTTP_400_BAD_REQUEST)
    review = ReviewRequest.start(article=article, by=request.user, reviewer=reviewer, note=data.get("note", ""))
    return _review_response(review, status.HTTP_201_CREATED)


@answers(403)
@extend_schema(responses=ReviewDetailSerializer)
@api_view(["GET"])
def review_detail(request: Request, pk: int) -> Response:
    return _review_response(_review_for(request, pk))


@answers(409)
@extend_schema(request=DecisionSerializer, responses=ReviewDetailSerializer)
@api_view(["POST"])
def review_approve(request: Request, pk: int) -> Response:
    review = _review_for(request, pk)
    serializer = DecisionSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    review.approve(by=request.user, note=data["note"], base_version=data.get("version"))
    return _review_response(review)


@extend_schema(request=ChangesSerializer, responses=ReviewDetailSerializer)
@api_view(["POST"])
def review_request_changes(request: Request, pk: int) -> Response:
    review = _review_for(request, pk)
    serializer = ChangesSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    review.request_changes(by=request.user, comment=serializer.validated_data["comment"])
    return _review_response(review)


@extend_schema(request=DecisionSerializer, responses=ReviewDetailSerializer)
@api_view(["POST"])
def review_resubmit(request: Request, pk: int) -> Response:
    review = _review_for(request, pk)
    serializer = DecisionSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    review.resubmit(by=request.user, note=serializer.validated_data["note"])
    return _review_response(review)


@extend_schema(request=DecisionSerializer, responses=ReviewDetailSerializer)
@api_view(["POST"])
def review_withdraw(request: Request, pk: int) -> Response:
    review = _review_for(request, pk)
    serializer = DecisionSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    review.withdraw(by=request.user, note=serializer.validated_data["note"])
    return _review_response(review)


# --- checklist scores ------------------------------------------------------------------------------

SCORE_FILTERS = [
    OpenApiParameter("article", str, description="An article's slug"),
    OpenApiParameter("author", str, description="The username of the author the scores are about"),
]


@paginated
@answers(403, methods=["GET"])
@answers(404, 409, methods=["POST"])
@extend_schema(methods=["GET"], parameters=SCORE_FILTERS, responses=ScoreSerializer(many=True))
@extend_schema(methods=["POST"], request=ScoreSerializer, responses={201: ScoreSerializer})
@api_view(["GET", "POST"])
def score_list(request: Request) -> Response:
    require_staff(request)
    if request.method == "POST":
        return _create_score(request)
    user = request.user
    qs = ChecklistScore.objects.all()
    slug, username = request.query_params.get("article", ""), request.query_params.get("author", "")
    if slug:
        article = _article(request, slug)
        require(policy.can_view_article_scores(user, article))
        qs = qs.filter(article=article)
    if username:
        author = User.objects.filter(username=username, kind=Kind.STAFF).first()
        if author is None:
            raise Http404("No such author.")
        require(policy.can_view_scores_of(user, author))
        qs = qs.filter(author=author)
    if not (slug or username) and not policy.may_score_at_all(user):
        qs = qs.filter(author=user)  # everyone may read the scores about themselves
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(qs.for_list().order_by("-scored_at", "-id"), request)
    return paginator.get_paginated_response(ScoreSerializer(page, many=True).data)


def _create_score(request: Request) -> Response:
    serializer = ScoreSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    article = _article(request, data["article"]["slug"])
    answers = {}
    for answer in data["answers"]:
        key = answer["criterion_id"]
        if key in answers:
            return Response({"detail": f"'{key}' is answered twice."}, status=status.HTTP_400_BAD_REQUEST)
        answers[key] = (answer["passed"], answer["note"])
    score = ChecklistScore.record(
        article=article, by=request.user, answers=answers, comment=data["comment"], base_version=data.get("article_version")
    )
    score = ChecklistScore.objects.for_list().get(pk=score.pk)
    return Response(ScoreSerializer(score).data, status=status.HTTP_201_CREATED)


# --- the checklist's criteria -------------------------------------------------------------------


class CriterionSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True, help_text="What answers name the criterion by; never changes.")
    name = serializers.CharField(max_length=120)
    help_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    weight = serializers.IntegerField(required=False, default=1, min_value=MIN_WEIGHT, max_value=MAX_WEIGHT)
    active = serializers.BooleanField(read_only=True)
    position = serializers.IntegerField(read_only=True, help_text="Its place on the checklist, 1 first.")
    scores = serializers.IntegerField(read_only=True, help_text="How many checklist scores answered it.")
    updated_at = serializers.DateTimeField(read_only=True)
    updated_by = serializers.CharField(source="updated_by.username", read_only=True, allow_null=True, default=None)


class CriterionChangeSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=120)
    help_text = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    weight = serializers.IntegerField(required=False, min_value=MIN_WEIGHT, max_value=MAX_WEIGHT)
    active = serializers.BooleanField(required=False, help_text="False deactivates it: no longer asked, past answers kept.")
    position = serializers.IntegerField(required=False, min_value=1, help_text="Move it to this place, 1 first.")


def _criteria_answer(criterion: ChecklistCriterion | None = None, code: int = status.HTTP_200_OK) -> Response:
    rows = ChecklistCriterion.objects.in_order().with_use().select_related("updated_by")
    if criterion is None:
        return Response(CriterionSerializer(rows, many=True).data, status=code)
    return Response(CriterionSerializer(rows.get(pk=criterion.pk)).data, status=code)


def _criterion_for(request: Request, key: str) -> ChecklistCriterion:
    require_staff(request)
    try:
        return ChecklistCriterion.objects.get(key=str(key))
    except ChecklistCriterion.DoesNotExist:
        raise Http404("No such criterion.") from None


@extend_schema(methods=["GET"], responses=CriterionSerializer(many=True))
@extend_schema(methods=["POST"], request=CriterionSerializer, responses={201: CriterionSerializer})
@api_view(["GET", "POST"])
def criterion_list(request: Request) -> Response:
    """The checklist's criteria in order, inactive ones included (staff); KB owners add one."""
    require_staff(request)
    if request.method == "GET":
        return _criteria_answer()
    require(policy.can_manage_criteria(request.user))
    serializer = CriterionSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    criterion = ChecklistCriterion.add(by=request.user, **serializer.validated_data)
    return _criteria_answer(criterion, status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], responses=CriterionSerializer)
@extend_schema(methods=["PATCH"], request=CriterionChangeSerializer, responses=CriterionSerializer)
@extend_schema(methods=["DELETE"], request=None, responses={204: None})
@api_view(["GET", "PATCH", "DELETE"])
def criterion_detail(request: Request, key: str) -> Response:
    """One criterion (staff); KB owners change it, or delete it while no score has used it."""
    criterion = _criterion_for(request, key)
    if request.method == "GET":
        return _criteria_answer(criterion)
    require(policy.can_manage_criteria(request.user))
    if request.method == "DELETE":
        criterion.delete_unused(by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
    serializer = CriterionChangeSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    with transaction.atomic():
        if {"name", "help_text", "weight"} & set(data):
            criterion.change(
                by=request.user,
                name=data.get("name", criterion.name),
                help_text=data.get("help_text", criterion.help_text),
                weight=data.get("weight", criterion.weight),
            )
        if "active" in data and data["active"] != criterion.active:
            criterion.set_active(by=request.user, active=data["active"])
        if "position" in data:
            criterion.move(by=request.user, to=data["position"])
    return _criteria_answer(criterion)
