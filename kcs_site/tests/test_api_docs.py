"""/api/v1/ answers with the list of endpoints and /api/v1/docs/ documents them for people, from
this site's own files, under the site's Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from conftest import client_for

SWAGGER_FILES = ("swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui.css")


def test_the_api_root_lists_its_endpoints_with_links_to_the_docs_and_schema(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    index = response.json()
    assert index["docs"] == "http://testserver/api/v1/docs/" and index["schema"] == "http://testserver/api/v1/schema/"
    listed = {e["path"]: e["methods"] for e in index["endpoints"]}
    assert listed["/api/v1/articles/"] == ["GET", "POST"]
    assert listed["/api/v1/articles/{slug}/"] == ["GET", "PATCH"]
    assert "/api/v1/search/" in listed and "/api/v1/" in listed


def test_a_browser_at_the_api_root_gets_a_page_with_the_links(kb_owner):
    page = client_for(kb_owner).get("/api/v1/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert "http://testserver/api/v1/docs/" in page.content.decode()


@pytest.mark.parametrize("user", [None, "kb_owner"])
def test_the_docs_page_serves_swagger_ui_from_this_site_without_inline_script(user, request):
    client = client_for(request.getfixturevalue(user) if user else None)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", page)
    # No inline script, no CDN: the site's static files and its own catalogue of the scripts' text.
    assert scripts and all('src="/static/' in attributes or 'src="/jsi18n/' in attributes for attributes in scripts)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "/static/kcs/api-docs.js" in page
    assert 'data-schema-url="/api/v1/schema/?format=json"' in page
    assert "<noscript>" in page and 'href="/api/v1/schema/"' in page  # readable without JavaScript
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in [directive.strip() for directive in policy.split(";")]
    assert "unsafe" not in policy


def test_swagger_ui_files_ship_with_the_site():
    for name in (*(f"drf_spectacular_sidecar/{name}" for name in SWAGGER_FILES), "kcs/api-docs.js"):
        assert finders.find(name), name


def test_the_schema_the_docs_read_is_json_and_documents_the_index(client):
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    assert schema.json()["paths"]["/api/v1/"]["get"]["operationId"] == "api_index"
