"""The search API (GET /api/v1/search/): the same search as the results page, as JSON."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from articles import policy

from .backends.base import SearchResults
from .service import FILTER_NAMES, LANGUAGE, NO_CORRECTION, SORTS, facets_for, request_from, search


class SearchHitSerializer(serializers.Serializer):
    slug = serializers.CharField()
    external_id = serializers.CharField()
    title = serializers.CharField()
    score = serializers.FloatField()
    snippet = serializers.CharField(help_text="HTML: escaped text with <mark> around matches")
    product = serializers.CharField()
    html_url = serializers.CharField()
    state = serializers.CharField(required=False, help_text="Staff only")
    audience = serializers.CharField(required=False, help_text="Staff only")
    language = serializers.CharField(help_text="The article's content language (ISO 639-1)")
    also_in = serializers.ListField(
        child=serializers.DictField(),
        help_text="The same article in other languages that this search found too: {language, slug, html_url}",
    )


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class SearchResponseSerializer(serializers.Serializer):
    """The body of `_api_payload`: one page of hits with facets and the spelling correction."""

    count = serializers.IntegerField(help_text="Hits in all pages")
    count_estimated = serializers.BooleanField(
        help_text="`count` and the facet counts are estimates, from part of a very large match set (PostgreSQL search)"
    )
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = SearchHitSerializer(many=True)
    facets = serializers.DictField(child=FacetValueSerializer(many=True), help_text="Per filter name, its values and counts")
    original = serializers.CharField(help_text="The query as typed")
    corrected = serializers.CharField(
        allow_null=True,
        help_text="The query searched instead of `original` when a spelling correction was applied (the hits are "
        "for it: `original` found next to nothing); null when the hits are for `original`. Ask again with "
        "`nocorrect=1` to search `original` as typed",
    )
    language = serializers.CharField(allow_blank=True, help_text="The content language searched (empty: every language)")
    fallback_language = serializers.CharField(
        allow_blank=True,
        help_text="Set when `language` found too few articles: the language whose hits follow its own (the source "
        "language, English); empty otherwise",
    )
    suggestion = serializers.CharField(
        allow_blank=True,
        help_text="A spelling correction offered but not applied (Did you mean …?; the hits are for `original`); "
        "empty when none, and when `corrected` is set",
    )


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, required=True),
        *[OpenApiParameter(name, str) for name in FILTER_NAMES],
        OpenApiParameter(
            LANGUAGE,
            str,
            description="Content language to search (en, de, …; `all`: every language). Default: the interface "
            "language's. When it finds fewer than three articles, English ones follow (`fallback_language`)",
        ),
        OpenApiParameter("page", int),
        OpenApiParameter("sort", str, enum=list(SORTS)),
        OpenApiParameter(
            NO_CORRECTION, str, enum=["1"], description="1: search exactly what was typed (no correction made or offered)"
        ),
    ],
    responses=SearchResponseSerializer,
)
@api_view(["GET"])
def api_search(request: Request) -> Response:
    search_request = request_from(request)
    if not search_request.text:
        return Response({"detail": "Give a query with ?q=…"}, status=400)
    results = search(search_request, log=True)
    return Response(_api_payload(request, results, search_request.text, search_request.language))


def _api_payload(request, results: SearchResults, request_text: str, language: str = "") -> dict:
    staff = policy.is_staff(request.user)
    hits = []
    for hit in results.hits:
        url = reverse("articles:detail" if staff else "help:detail", args=[hit.slug])
        row = {
            "slug": hit.slug,
            "external_id": hit.external_id,
            "title": hit.title,
            "score": round(hit.score, 4),
            "snippet": hit.snippet,
            "product": hit.product,
            "html_url": request.build_absolute_uri(url),
            "language": hit.language,
            "also_in": [
                {
                    "language": code,
                    "slug": slug,
                    "html_url": request.build_absolute_uri(reverse("articles:detail" if staff else "help:detail", args=[slug])),
                }
                for code, slug, _title in hit.also_in
            ],
        }
        if staff:
            row.update(state=hit.state, audience=hit.audience)
        hits.append(row)
    return {
        "count": results.total,
        "count_estimated": results.estimated,
        "page": results.page,
        "pages": results.pages,
        "results": hits,
        "facets": {
            name: [{"value": v, "count": c} for v, c in values] for name, values in facets_for(request.user, results).items()
        },
        "original": request_text,
        "corrected": results.corrected_to or None,
        "suggestion": results.suggestion,
        "language": language,
        "fallback_language": results.fallback_to,
    }
