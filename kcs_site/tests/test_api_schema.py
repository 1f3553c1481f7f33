"""What /api/v1/schema/ tells client generators: paged lists as their envelope, every error answer
an operation can give with its body, and request and answer shapes where they differ."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def answer(schema: dict, path: str, method: str, code: str) -> dict:
    response = schema["paths"][path][method]["responses"][code]
    return resolve(schema, response["content"]["application/json"]["schema"])


def codes(schema: dict, path: str, method: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"])


def test_the_article_list_documents_the_page_envelope_with_results(schema):
    page = answer(schema, "/api/v1/articles/", "get", "200")

    assert page["type"] == "object"
    assert {"count", "next", "previous", "results"} <= set(page["properties"])
    assert page["properties"]["results"]["type"] == "array"


def test_every_hand_paged_list_documents_the_page_envelope(schema):
    for path in (
        "/api/v1/reviews/",
        "/api/v1/checklist-scores/",
        "/api/v1/flags/",
        "/api/v1/articles/{slug}/flags/",
        "/api/v1/reuse/",
        "/api/v1/review-queue/",
        "/api/v1/notifications/",
        "/api/v1/subscriptions/",
        "/api/v1/training/paths/",
        "/api/v1/training/assignments/",
        "/api/v1/training/acknowledgements/",
        "/api/v1/training/attempts/",
    ):
        assert "results" in answer(schema, path, "get", "200")["properties"], path


def test_lists_that_are_not_paged_stay_arrays(schema):
    assert answer(schema, "/api/v1/articles/{slug}/versions/", "get", "200")["type"] == "array"
    assert answer(schema, "/api/v1/licences/coach/trainees/", "get", "200")["type"] == "array"
    # Assigning a path to a group answers the assignments made, all of them, not a page.
    assert answer(schema, "/api/v1/training/assignments/", "post", "201")["type"] == "array"


def test_an_update_with_a_version_check_documents_409_with_the_current_version(schema):
    assert "409" in codes(schema, "/api/v1/articles/{slug}/", "patch")
    conflict = answer(schema, "/api/v1/articles/{slug}/", "patch", "409")
    assert {"detail", "current_version"} <= set(conflict["properties"])
    for path in (
        "/api/v1/articles/{slug}/transition/",
        "/api/v1/articles/{slug}/confirm/",
        "/api/v1/reviews/{id}/approve/",
        "/api/v1/flags/{id}/resolve/",
    ):
        assert "409" in codes(schema, path, "post"), path


def test_409_is_documented_only_where_there_is_a_version_check(schema):
    assert "409" not in codes(schema, "/api/v1/articles/{slug}/", "get")
    assert "409" not in codes(schema, "/api/v1/articles/{slug}/governance/", "post")
    assert "409" not in codes(schema, "/api/v1/articles/", "post")


def test_every_operation_documents_401_and_every_change_documents_403_with_a_detail(schema):
    for path, operations in schema["paths"].items():
        for method in operations:
            if path == "/api/v1/auth/token/":
                # Signing in reads no token, so it never answers 401; a throttled sign-in is 429.
                assert "401" not in codes(schema, path, method) and "429" in codes(schema, path, method)
            else:
                assert "401" in codes(schema, path, method), (method, path)
            if method in ("post", "patch", "put", "delete"):
                assert "detail" in answer(schema, path, method, "403")["required"], (method, path)


def test_a_refusing_read_documents_403_and_a_plain_read_does_not(schema):
    assert "403" in codes(schema, "/api/v1/articles/{slug}/versions/", "get")
    assert "403" in codes(schema, "/api/v1/flags/", "get")
    assert "403" not in codes(schema, "/api/v1/articles/", "get")
    assert "403" not in codes(schema, "/api/v1/me/", "get")


def test_a_body_documents_400_with_field_messages(schema):
    invalid = answer(schema, "/api/v1/articles/", "post", "400")

    assert invalid["additionalProperties"] == {}  # one entry per refused field
    assert {"detail", "non_field_errors"} <= set(invalid["properties"])
    assert "400" in codes(schema, "/api/v1/search/", "get")  # `q` is required
    assert "400" not in codes(schema, "/api/v1/me/", "get")


def test_404_is_documented_for_objects_in_the_path_and_pages_that_do_not_exist(schema):
    assert "404" in codes(schema, "/api/v1/articles/{slug}/", "get")
    assert "404" in codes(schema, "/api/v1/articles/", "get")  # ?page=99
    assert "404" not in codes(schema, "/api/v1/me/", "get")


def test_the_escalation_contact_is_an_id_in_requests_and_the_contact_in_answers(schema):
    components = schema["components"]["schemas"]
    sent = components["PatchedArticleRequest"]["properties"]["authority"]
    sent = resolve(schema, sent.get("allOf", [sent])[0])["properties"]["escalation"]
    answered = resolve(schema, components["Article"]["properties"]["authority"])["properties"]["escalation"]

    assert sent["type"] == "integer"
    assert resolve(schema, answered["allOf"][0])["properties"]["team"]["type"] == "string"


def test_an_article_answer_is_the_staff_or_the_public_shape(schema):
    article = answer(schema, "/api/v1/articles/{slug}/", "get", "200")
    shapes = [resolve(schema, s) for s in article["oneOf"]]

    assert any("created_by" in s["properties"] for s in shapes)
    public = next(s for s in shapes if "created_by" not in s["properties"])
    assert public["additionalProperties"] is False  # so a staff answer matches only one shape


def test_search_documents_its_real_body(schema):
    body = answer(schema, "/api/v1/search/", "get", "200")

    assert {"count", "page", "pages", "results", "facets", "original", "corrected", "suggestion"} <= set(body["properties"])
    assert body["properties"]["corrected"]["nullable"] is True  # the corrected query, or null


def test_an_api_address_that_matches_nothing_answers_json_404(client):
    response = client.get("/api/v1/articles/not a slug!/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_address_that_matches_nothing_keeps_the_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_throttled_view_documents_429_and_a_marked_code_is_added():
    from django.urls import path
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.utils import extend_schema
    from rest_framework.decorators import api_view, throttle_classes
    from rest_framework.response import Response
    from rest_framework.throttling import AnonRateThrottle

    from articles.api_schema import answers

    @answers(409)
    @extend_schema(request=None, responses={200: None})
    @api_view(["GET"])
    @throttle_classes([AnonRateThrottle])
    def limited(request):
        return Response()

    generated = SchemaGenerator(patterns=[path("api/v1/limited/", limited)]).get_schema(request=None, public=True)

    assert set(generated["paths"]["/api/v1/limited/"]["get"]["responses"]) == {"200", "401", "409", "429"}


def test_fields_answered_as_null_are_documented_nullable(schema):
    components = schema["components"]["schemas"]

    assert components["Version"]["properties"]["user"]["nullable"] is True  # imported, no author
    assert components["Assignment"]["properties"]["assigned_by"]["nullable"] is True
    assert components["Flag"]["properties"]["closed_by"]["nullable"] is True
    assert components["Notification"]["properties"]["article"]["nullable"] is True
