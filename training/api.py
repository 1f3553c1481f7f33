"""Learning paths and acknowledgements under /api/v1/training/: the same services and policy
as the pages, and the core API's conventions (articles/api.py): a refusal is 403 with `detail`,
what the caller may not see is 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from articles.api_schema import answers, paginated
from articles.http import as_id
from articles.models import Article, require
from kcs_site.api import require_staff

from . import policy, services
from .models import Acknowledgement, Assignment, Attempt, LearningPath, Question

# --- serializers ---------------------------------------------------------------------------


class PathSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    product = serializers.CharField(source="product.slug", allow_null=True, default=None)
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    created_by = serializers.CharField(source="created_by.username")
    html_url = serializers.SerializerMethodField()

    def get_html_url(self, path: LearningPath) -> str:
        return self.context["request"].build_absolute_uri(path.get_absolute_url())


class ItemSerializer(serializers.Serializer):
    section = serializers.CharField(source="item.section.title")
    article = serializers.CharField(source="item.article.slug")
    title = serializers.CharField(source="item.article.title")
    note = serializers.CharField(source="item.note")
    required = serializers.BooleanField(source="item.required")
    current_version = serializers.IntegerField(source="item.article.version")
    acknowledged_version = serializers.SerializerMethodField()
    changed_since_read = serializers.BooleanField(source="changed")
    diff_url = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["done", "check", "reread", "unread"],
        help_text="done; check: read, the knowledge check not passed yet; reread: changed since read; unread.",
    )
    check = serializers.CharField(
        source="check_state", help_text="'' (none asked), passed, not_taken, failed, or older (taken on an earlier version)."
    )
    authority_changed = serializers.BooleanField(help_text="The decision authority changed since the version read.")

    def get_acknowledged_version(self, status) -> int | None:
        ack = status.acknowledged or status.stale
        return ack.article_version if ack else None


class ProgressSerializer(serializers.Serializer):
    assigned = serializers.BooleanField()
    due_date = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    required_done = serializers.IntegerField()
    required_total = serializers.IntegerField()
    next_article = serializers.CharField(allow_null=True)


class PathDetailSerializer(PathSerializer):
    items = ItemSerializer(many=True)
    my_progress = ProgressSerializer()


class AcknowledgementSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    user = serializers.CharField(source="user.username", read_only=True)
    article = serializers.CharField(source="article.slug", help_text="The article's slug.")
    article_version = serializers.IntegerField(read_only=True)
    path = serializers.IntegerField(source="path_id", required=False, allow_null=True)
    at = serializers.DateTimeField(read_only=True)
    stale = serializers.SerializerMethodField()
    stale_version = serializers.IntegerField(read_only=True, allow_null=True)

    def get_stale(self, ack: Acknowledgement) -> bool:
        return ack.stale_at is not None


# --- helpers ---------------------------------------------------------------------------------


def _records_of_user_param(request: Request, qs: QuerySet) -> QuerySet:
    """Training records (assignments, acknowledgements, attempts) as `?user=` asks: one person's
    when the caller may see them; without it, everyone's for coaches and KB owners and the
    caller's own for a trainee."""
    username = request.query_params.get("user", "")
    if username:
        person = User.objects.filter(username=username).first()
        if person is None:
            raise Http404("No such person.")
        require(policy.can_view_progress_of(request.user, person))
        return qs.filter(user=person)
    if policy.may_manage_paths(request.user):
        return qs
    return qs.filter(user=request.user)  # a trainee sees only their own


def _path(pk) -> LearningPath:
    path = (
        LearningPath.objects.select_related("product", "team", "created_by").filter(pk=as_id(pk)).first()
        if as_id(pk) is not None
        else None
    )
    if path is None:
        raise Http404("No learning path found.")
    return path


# --- paths -----------------------------------------------------------------------------------


@paginated
@extend_schema(responses=PathSerializer(many=True))
@api_view(["GET"])
def path_list(request: Request) -> Response:
    require_staff(request)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(LearningPath.objects.select_related("product", "team", "created_by"), request)
    return paginator.get_paginated_response(PathSerializer(page, many=True, context={"request": request}).data)


@extend_schema(responses=PathDetailSerializer)
@api_view(["GET"])
def path_detail(request: Request, pk: int) -> Response:
    require_staff(request)
    path = _path(pk)
    mine = services.progress(request.user, [path])[path.pk]
    assignment = Assignment.objects.filter(path=path, user=request.user).first()
    nxt = mine.next_item
    data = PathSerializer(path, context={"request": request}).data
    data["items"] = ItemSerializer(mine.items, many=True).data
    data["my_progress"] = ProgressSerializer(
        {
            "assigned": assignment is not None,
            "due_date": assignment.due_date if assignment else None,
            "overdue": bool(assignment and assignment.is_overdue() and not mine.complete),
            "required_done": mine.required_done,
            "required_total": mine.required_total,
            "next_article": nxt.item.article.slug if nxt else None,
        }
    ).data
    return Response(data)


# --- assignments -----------------------------------------------------------------------------


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    path = serializers.IntegerField(source="path_id")
    user = serializers.CharField(source="user.username", required=False)
    group = serializers.CharField(write_only=True, required=False, help_text="A group name: everyone in it")
    due_date = serializers.DateField(required=False, allow_null=True)
    assigned_by = serializers.CharField(source="assigned_by.username", read_only=True, default=None, allow_null=True)

    def validate(self, data):
        if not data.get("user") and not data.get("group"):
            raise serializers.ValidationError("Name a user or a group.")
        return data


ASSIGNMENT_FILTERS = [
    OpenApiParameter("user", str, description="A username (yours unless you are a coach or KB owner)"),
    OpenApiParameter("path", int, description="Only this path's assignments"),
]


@paginated
@answers(403, methods=["GET"])
@answers(404, methods=["POST"])  # the path, person or group named in the body
@extend_schema(methods=["GET"], parameters=ASSIGNMENT_FILTERS, responses=AssignmentSerializer(many=True))
@extend_schema(methods=["POST"], request=AssignmentSerializer, responses={201: AssignmentSerializer(many=True)})
@api_view(["GET", "POST"])
def assignment_list(request: Request) -> Response:
    """Learning-path assignments: a trainee sees their own; coaches and KB owners see and make them."""
    require_staff(request)
    if request.method == "POST":
        return _assign(request)
    qs = Assignment.objects.select_related("user", "assigned_by")
    qs = _records_of_user_param(request, qs)
    raw_path = request.query_params.get("path", "")
    if raw_path:
        qs = qs.filter(path=_path(raw_path))
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(qs.order_by("due_date", "id"), request)
    return paginator.get_paginated_response(AssignmentSerializer(page, many=True).data)


def _assign(request: Request) -> Response:
    from django.contrib.auth.models import Group

    serializer = AssignmentSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    path = _path(data["path_id"])
    if not policy.may_manage_paths(request.user):
        raise DrfPermissionDenied("Only KB owners and coaches can assign learning paths.")
    people = []
    if data.get("user"):
        person = User.objects.filter(username=data["user"]["username"]).first()
        if person is None:
            raise Http404("No such person.")
        people.append(person)
    if data.get("group"):
        group = Group.objects.filter(name=data["group"]).first()
        if group is None:
            raise Http404("No such group.")
        people += [p for p in services.group_members(group) if p not in people]
    if not people:
        raise serializers.ValidationError({"group": "That group has no active staff."})
    made = services.assign(by=request.user, path=path, people=people, due_date=data.get("due_date"))
    return Response(AssignmentSerializer(made, many=True).data, status=status.HTTP_201_CREATED)


# --- acknowledgements ------------------------------------------------------------------------

ACK_FILTERS = [
    OpenApiParameter("user", str, description="A username (yours unless you are a coach or KB owner)"),
    OpenApiParameter("path", int, description="Only acknowledgements of this path's articles"),
]


@paginated
@answers(403, methods=["GET"])
@answers(404, methods=["POST"])  # the article or path named in the body
@extend_schema(methods=["GET"], parameters=ACK_FILTERS, responses=AcknowledgementSerializer(many=True))
@extend_schema(methods=["POST"], request=AcknowledgementSerializer, responses={201: AcknowledgementSerializer})
@api_view(["GET", "POST"])
def acknowledgement_list(request: Request) -> Response:
    require_staff(request)
    if request.method == "POST":
        return _acknowledge(request)
    qs = _records_of_user_param(request, Acknowledgement.objects.all())
    raw_path = request.query_params.get("path", "")
    if raw_path:
        path = _path(raw_path)
        qs = qs.filter(article_id__in=path.items().values("article_id"))
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(qs.for_export().order_by("-at", "-id"), request)
    return paginator.get_paginated_response(AcknowledgementSerializer(page, many=True).data)


def _acknowledge(request: Request) -> Response:
    serializer = AcknowledgementSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    article = Article.objects.visible_to(request.user).filter(slug=str(data["article"]["slug"])).first()
    if article is None:
        raise Http404("No article found.")
    path = _path(data["path_id"]) if data.get("path_id") is not None else None
    ack = services.acknowledge(user=request.user, article=article, path=path)
    ack = Acknowledgement.objects.for_export().get(pk=ack.pk)
    return Response(AcknowledgementSerializer(ack).data, status=status.HTTP_201_CREATED)


# --- knowledge checks ------------------------------------------------------------------------


class ChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class ChoiceWithAnswerSerializer(ChoiceSerializer):
    correct = serializers.BooleanField()


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    choices = ChoiceSerializer(many=True, source="choices.all")


class QuestionWithAnswersSerializer(QuestionSerializer):
    """For those who write the questions: the right choices, explanation, rule and review flag."""

    choices = ChoiceWithAnswerSerializer(many=True, source="choices.all")
    explanation = serializers.CharField()
    rule = serializers.IntegerField(source="rule_id", allow_null=True)
    needs_review = serializers.BooleanField()


class AttemptRequestSerializer(serializers.Serializer):
    article = serializers.CharField(help_text="The article's slug.")
    path = serializers.IntegerField(required=False, allow_null=True)
    answers = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()), help_text="{question id: [chosen choice ids]}"
    )


class MarkedSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question.pk")
    correct = serializers.BooleanField()
    explanation = serializers.SerializerMethodField()
    rule_url = serializers.SerializerMethodField()

    def get_explanation(self, marked) -> str | None:
        return None if marked.correct else marked.question.explanation

    def get_rule_url(self, marked) -> str | None:
        q = marked.question
        if marked.correct or q.rule_id is None:
            return None
        url = self.context["article"].get_absolute_url() + f"#rule-{q.rule_id}"
        return self.context["request"].build_absolute_uri(url)


class AttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    article = serializers.CharField(source="article.slug")
    article_version = serializers.IntegerField()
    path = serializers.IntegerField(source="path_id", allow_null=True)
    score = serializers.IntegerField()
    passed = serializers.BooleanField()
    at = serializers.DateTimeField()


class AttemptResultSerializer(AttemptSerializer):
    results = MarkedSerializer(many=True)


def _visible_article(request: Request, slug: str) -> Article:
    article = Article.objects.visible_to(request.user).filter(slug=str(slug)).first()
    if article is None:
        raise Http404("No article found.")
    return article


@extend_schema(responses=QuestionSerializer(many=True))
@api_view(["GET"])
def question_list(request: Request, slug: str) -> Response:
    """An article's questions; the right answers only for those who may write them."""
    require_staff(request)
    article = _visible_article(request, slug)
    questions = Question.objects.filter(article=article).for_check()
    serializer = QuestionWithAnswersSerializer if policy.can_see_answers(request.user, article) else QuestionSerializer
    return Response(serializer(questions, many=True).data)


ATTEMPT_FILTERS = [OpenApiParameter("user", str, description="A username (yours unless you are a coach or KB owner)")]


@paginated
@answers(403, methods=["GET"])
@answers(404, methods=["POST"])  # the article or path named in the body
@extend_schema(methods=["GET"], parameters=ATTEMPT_FILTERS, responses=AttemptSerializer(many=True))
@extend_schema(methods=["POST"], request=AttemptRequestSerializer, responses={201: AttemptResultSerializer})
@api_view(["GET", "POST"])
def attempt_list(request: Request) -> Response:
    require_staff(request)
    if request.method == "POST":
        return _attempt(request)
    qs = Attempt.objects.select_related("user", "article").order_by("-at", "-id")
    qs = _records_of_user_param(request, qs)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(qs, request)
    return paginator.get_paginated_response(AttemptSerializer(page, many=True).data)


def _attempt(request: Request) -> Response:
    serializer = AttemptRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    article = _visible_article(request, data["article"])
    path = _path(data["path"]) if data.get("path") is not None else None
    answers = {as_id(k): v for k, v in data["answers"].items() if as_id(k) is not None}
    attempt, marked = services.submit_attempt(user=request.user, article=article, path=path, answers=answers)
    body = AttemptSerializer(attempt).data
    body["results"] = MarkedSerializer(marked, many=True, context={"request": request, "article": article}).data
    return Response(body, status=status.HTTP_201_CREATED)
