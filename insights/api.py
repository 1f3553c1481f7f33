"""The KCS measures under /api/v1/insights/: the same tables as the pages, with the same filters
(`period`, `start`, `end`, `person`, `team`, `product`, `audience`, `bucket`) and permissions.
`?format=csv` on a table answers the CSV the page exports."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, renderer_classes
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from articles.api_schema import answers
from articles.models import require
from kcs_site.api import require_staff

from . import measures, panels, policy
from .filters import FilterForm, filters_from
from .measures import VIEWS
from .views import csv_response


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, str | bytes) else ""


FILTER_PARAMETERS = [
    OpenApiParameter(
        "period",
        str,
        enum=[value for value, _ in FilterForm.base_fields["period"].choices],
        description="Days back from today, or custom (start and end). Default 90.",
    ),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (with period=custom)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, included (with period=custom)."),
    OpenApiParameter("person", str, description="A staff member's username."),
    OpenApiParameter("team", int, description="A team (group) id."),
    OpenApiParameter("product", str, description="A product slug."),
    OpenApiParameter("audience", str, description="internal, partner, customer or public."),
    OpenApiParameter("bucket", str, enum=["week", "month"], description="Group over time by week (default) or month."),
]


class TableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField(help_text="How the figures are worked out.")
    columns = serializers.ListField(child=serializers.DictField(), help_text="key, label and kind of each column.")
    rows = serializers.ListField(child=serializers.DictField(), help_text="One object a row, keyed by column.")


def _filters(request: Request):
    require_staff(request)
    require(policy.can_see_insights(request.user))
    filters, form = filters_from(request.query_params)
    if filters is None:
        raise ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    return filters


def _described(filters) -> dict:
    return {"filters": filters.as_query(), "described": filters.describe()}


@answers(403)
@extend_schema(
    responses=inline_serializer(
        "InsightsIndex",
        {"views": serializers.ListField(child=serializers.DictField())},
    ),
    operation_id="insights_index",
    description="The views of the KCS measures (coaches and KB owners).",
)
@api_view(["GET"])
def index(request: Request) -> Response:
    require_staff(request)
    require(policy.can_see_insights(request.user))
    return Response({"views": [{"slug": v.slug, "title": v.title, "summary": v.summary} for v in VIEWS.values()]})


@answers(400, 403, 404)
@extend_schema(
    parameters=[p for p in FILTER_PARAMETERS if p.name not in ("team", "product", "audience", "bucket")],
    responses=inline_serializer(
        "InsightsMe",
        {
            "person": serializers.CharField(),
            "start": serializers.DateField(),
            "end": serializers.DateField(),
            "decided_cases": serializers.IntegerField(),
            "known": serializers.IntegerField(),
            "new": serializers.IntegerField(),
            "no_link": serializers.IntegerField(),
            "link_rate": serializers.FloatField(allow_null=True, help_text="Percent; null without decided cases."),
            "link_rate_average": serializers.FloatField(allow_null=True),
            "reuse_share": serializers.FloatField(allow_null=True, help_text="Known out of linked cases, percent."),
            "reuse_share_average": serializers.FloatField(allow_null=True),
            "citations": serializers.IntegerField(help_text="Reuse of their articles by others."),
            "articles_cited": serializers.IntegerField(),
            "content_standard": serializers.FloatField(allow_null=True),
            "content_scores": serializers.IntegerField(),
            "content_standard_average": serializers.FloatField(allow_null=True),
            "links_reviewed": serializers.IntegerField(allow_null=True),
            "link_accuracy": serializers.FloatField(allow_null=True),
            "link_accuracy_average": serializers.FloatField(allow_null=True),
        },
    ),
    operation_id="insights_me",
    description="Your own KCS figures (any staff; default the last 90 days), with everyone's average. "
    "Coaches and KB owners may ask for someone else's with `person`.",
)
@api_view(["GET"])
def me(request: Request) -> Response:
    require_staff(request)
    params = request.query_params.copy()
    params.setdefault("period", str(panels.DAYS))
    filters, form = filters_from(params)
    if filters is None:
        raise ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
    person = filters.person or request.user
    require(policy.can_see_person(request.user, person))
    return Response(panels.my_figures(person, filters))


@answers(400, 403, 404)
@extend_schema(
    parameters=FILTER_PARAMETERS,
    responses=inline_serializer(
        "InsightsView",
        {
            "view": serializers.CharField(),
            "title": serializers.CharField(),
            "filters": serializers.DictField(),
            "described": serializers.CharField(),
            "tables": TableSerializer(many=True),
        },
    ),
    operation_id="insights_view",
    description="Every table of one view of the KCS measures, for the filters given.",
)
@api_view(["GET"])
def view_tables(request: Request, view: str) -> Response:
    filters = _filters(request)
    found = measures.find(view)
    tables = [t.as_json() for t in measures.tables(view, filters)]
    return Response({"view": found.slug, "title": found.title, **_described(filters), "tables": tables})


@answers(400, 403, 404)
@extend_schema(
    parameters=FILTER_PARAMETERS,
    responses={(200, "application/json"): TableSerializer, (200, "text/csv"): OpenApiTypes.STR},
    operation_id="insights_table",
    description="One table of a view, as JSON or (format=csv) as the CSV file the page exports.",
)
@api_view(["GET"])
@renderer_classes([JSONRenderer, CSVRenderer])
def table(request: Request, view: str, table: str):
    filters = _filters(request)
    found = measures.table(view, table, filters)
    if request.accepted_renderer.format == "csv":
        return csv_response(found, view, filters)
    return Response({**found.as_json(), **_described(filters)})
