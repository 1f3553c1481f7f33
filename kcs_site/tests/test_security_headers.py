"""Security headers on pages and the API; a page the agent panel's origins may frame."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

CSP = "Content-Security-Policy"


def directives(response) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in response[CSP].split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/help/", "/api/v1/articles/", "/accounts/login/"])
def test_pages_and_api_send_the_security_headers(url):
    response = Client().get(url)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert "'unsafe-inline'" not in response[CSP]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.urls("kcs_site.tests.urls")
def test_panel_view_refuses_framing_when_no_origins_are_configured(settings):
    settings.KCS_PANEL_FRAME_ANCESTORS = []
    response = Client().get("/test-panel/")
    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@pytest.mark.urls("kcs_site.tests.urls")
def test_panel_view_may_be_framed_by_the_configured_origins_only(settings):
    settings.KCS_PANEL_FRAME_ANCESTORS = ["https://support.example.com", "https://desk.example.org"]
    response = Client().get("/test-panel/")
    policy = directives(response)
    assert policy["frame-ancestors"] == ["https://support.example.com", "https://desk.example.org"]
    assert policy["script-src"] == ["'self'"]  # the rest of the policy is unchanged
    assert "X-Frame-Options" not in response  # it cannot name origins; frame-ancestors decides
    # Every other page still refuses framing.
    other = Client().get("/help/")
    assert directives(other)["frame-ancestors"] == ["'none'"]
    assert other["X-Frame-Options"] == "DENY"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"href=[\"']?javascript:", re.I)


def test_templates_have_no_inline_script_style_or_handlers():
    # The CSP allows neither; an inline one would silently not run (a console error only).
    root = Path(settings.BASE_DIR)
    templates = [p for p in root.glob("*/templates/**/*.html") if ".venv" not in p.parts]
    assert len(templates) > 20
    offenders = [
        f"{path.relative_to(root)}: {pattern.pattern}"
        for path in templates
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER, JS_URL)
        if pattern.search(path.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
def test_browsable_api_pages_alone_may_use_drf_inline_styles():
    html = Client().get("/api/v1/articles/", HTTP_ACCEPT="text/html")
    assert html["Content-Type"].startswith("text/html")
    assert directives(html)["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives(html)["script-src"] == ["'self'"]
    json = Client().get("/api/v1/articles/")
    assert directives(json)["style-src"] == ["'self'"]
