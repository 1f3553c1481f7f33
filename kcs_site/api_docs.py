"""The API's front door: `/api/v1/` lists every endpoint, `/api/v1/docs/` documents them.

The documentation is Swagger UI served from this site (drf-spectacular-sidecar's files, no CDN)
reading the OpenAPI schema at /api/v1/schema/. It follows the site's Content-Security-Policy: the
page has no inline script or style; kcs/api-docs.js starts Swagger UI. Like the schema, both are
public: they describe what exists, and every endpoint still checks who may see or change what.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from drf_spectacular.generators import EndpointEnumerator
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

SKIPPED_METHODS = {"HEAD", "OPTIONS"}

INDEX = inline_serializer(
    "ApiIndex",
    {
        "title": serializers.CharField(),
        "version": serializers.CharField(),
        "docs": serializers.URLField(help_text="This API's documentation, for people (Swagger UI)."),
        "schema": serializers.URLField(help_text="The OpenAPI 3 schema (YAML; `?format=json` for JSON)."),
        "endpoints": inline_serializer(
            "ApiEndpoint",
            {
                "path": serializers.CharField(help_text="With {placeholders} for the parts named in the schema."),
                "methods": serializers.ListField(child=serializers.CharField()),
            },
            many=True,
        ),
    },
)


@lru_cache(maxsize=1)
def endpoints() -> tuple[dict, ...]:
    """Every path of the schema with its methods, in the schema's order (read once per process)."""
    methods: dict[str, list[str]] = defaultdict(list)
    for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints():
        if method not in SKIPPED_METHODS and method not in methods[path]:
            methods[path].append(method)
    return tuple({"path": path, "methods": verbs} for path, verbs in methods.items())


@extend_schema(
    operation_id="api_index", responses=INDEX, summary="List the API's endpoints, with links to its documentation and schema"
)
@api_view(["GET"])
def api_index(request: Request) -> Response:
    return Response(
        {
            "title": settings.SPECTACULAR_SETTINGS["TITLE"],
            "version": settings.SPECTACULAR_SETTINGS["VERSION"],
            "docs": request.build_absolute_uri(reverse("api-docs")),
            "schema": request.build_absolute_uri(reverse("api:schema")),
            "endpoints": [dict(e, methods=list(e["methods"])) for e in endpoints()],
        }
    )


def docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI for the schema; without JavaScript, links to the schema and the index."""
    return render(request, "api/docs.html", {"schema_url": reverse("api:schema"), "index_url": reverse("api-index")})
