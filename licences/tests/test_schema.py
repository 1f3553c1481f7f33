from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_documents_the_licence_endpoints_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in (
        "/api/v1/licences/people/{username}/progress/",
        "/api/v1/licences/people/{username}/promote/",
        "/api/v1/licences/coach/trainees/",
    ):
        assert path in schema
