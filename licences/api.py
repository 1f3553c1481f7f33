"""Licence progress, promotions and the coach's trainees under /api/v1/licences/: the same
services and policy as the pages, and the core API's conventions (articles/api.py): a refusal
is 403 with `detail`, what the caller may not see is 404, a mistake is 400 with `detail`."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.choices import Kind
from accounts.models import User
from articles.api_schema import answers
from articles.models import require
from kcs_site.api import require_staff

from . import policy, services
from .models import PROMOTABLE

# --- serializers ---------------------------------------------------------------------------


class LicenceCriterionSerializer(serializers.Serializer):
    label = serializers.CharField()
    required = serializers.IntegerField()
    value = serializers.IntegerField(allow_null=True)
    unit = serializers.CharField()
    met = serializers.BooleanField()
    detail = serializers.CharField(help_text="What the value stands on, e.g. how many reviews it counts.")


class LicenceLevelSerializer(serializers.Serializer):
    level = serializers.CharField()
    label = serializers.CharField()
    configured = serializers.SerializerMethodField()
    met = serializers.BooleanField()
    note = serializers.SerializerMethodField()
    criteria = LicenceCriterionSerializer(source="rows", many=True)

    def get_configured(self, level) -> bool:
        return level.criteria is not None

    def get_note(self, level) -> str:
        return level.criteria.note if level.criteria else ""


class LicenceProgressSerializer(serializers.Serializer):
    username = serializers.CharField(source="person.username")
    licence = serializers.CharField(source="person.licence")
    next_level = serializers.CharField(allow_null=True)
    levels = LicenceLevelSerializer(many=True)


class PromoteRequestSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=PROMOTABLE)
    note = serializers.CharField(max_length=5000)
    override = serializers.BooleanField(required=False, default=False, help_text="Promote although criteria are unmet.")


class PromotionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    from_level = serializers.CharField()
    to_level = serializers.CharField()
    by = serializers.CharField(source="by.username")
    note = serializers.CharField()
    override = serializers.BooleanField()
    unmet = serializers.CharField()
    at = serializers.DateTimeField()


class TraineePathSerializer(serializers.Serializer):
    """One (assignment, progress) pair of a trainee."""

    path = serializers.IntegerField()
    title = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    required_done = serializers.IntegerField()
    required_total = serializers.IntegerField()
    complete = serializers.BooleanField()

    def to_representation(self, row) -> dict:
        assignment, progress = row
        return {
            "path": assignment.path_id,
            "title": assignment.path.title,
            "due_date": assignment.due_date,
            "overdue": assignment.is_overdue() and not progress.complete,
            "required_done": progress.required_done,
            "required_total": progress.required_total,
            "complete": progress.complete,
        }


class TraineeSerializer(serializers.Serializer):
    username = serializers.CharField(source="person.username")
    licence = serializers.CharField(source="person.licence")
    why = serializers.ListField(child=serializers.CharField())
    paths = TraineePathSerializer(many=True)
    reviews = serializers.SerializerMethodField()
    latest_scores = serializers.SerializerMethodField()
    next_level = serializers.SerializerMethodField()

    def get_reviews(self, t) -> list[dict]:
        return [{"id": r.pk, "article": r.article.slug, "status": r.status, "reviewer": r.reviewer.username} for r in t.reviews]

    def get_latest_scores(self, t) -> list[dict]:
        return [{"article": s.article.slug, "met": s.met, "total": s.total, "scored_at": s.scored_at} for s in t.scores]

    def get_next_level(self, t) -> dict | None:
        return LicenceLevelSerializer(t.next_level).data if t.next_level else None


# --- helpers ---------------------------------------------------------------------------------


def _person(request: Request, username: str) -> User:
    require_staff(request)
    person = User.objects.filter(username=username, kind=Kind.STAFF).first()
    if person is None:
        raise Http404("No such person.")
    require(policy.can_view_progress(request.user, person))
    return person


def _progress(person: User) -> dict:
    data = {"person": person, "next_level": policy.next_level(person), "levels": services.licence_progress(person)}
    return LicenceProgressSerializer(data).data


# --- endpoints --------------------------------------------------------------------------------


@answers(403)
@extend_schema(responses=LicenceProgressSerializer)
@api_view(["GET"])
def person_progress(request: Request, username: str) -> Response:
    return Response(_progress(_person(request, username)))


@extend_schema(request=PromoteRequestSerializer, responses={201: PromotionSerializer})
@api_view(["POST"])
def person_promote(request: Request, username: str) -> Response:
    person = _person(request, username)
    serializer = PromoteRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    # Refused -> 403 and InvalidChange (unmet criteria without override, no note) -> 400,
    # through kcs_site.api.exception_handler.
    promotion = services.promote(person=person, to=data["to"], by=request.user, note=data["note"], override=data["override"])
    return Response(PromotionSerializer(promotion).data, status=status.HTTP_201_CREATED)


@answers(403, 404)  # 404: outside the staff, there are no trainees to see
@extend_schema(responses=TraineeSerializer(many=True))
@api_view(["GET"])
def coach_trainees(request: Request) -> Response:
    require_staff(request)
    require(policy.can_view_coach_dashboard(request.user))
    return Response(TraineeSerializer(services.trainees(request.user), many=True).data)
