"""Integrations in the admin: a secret is shown once, when it is made, and never again; links and
webhook deliveries are history, read-only."""

from __future__ import annotations

import pytest

from cases import services
from cases.models import CaseIntegration
from conftest import client_for, make_user

pytestmark = pytest.mark.django_db

ADD = "/admin/cases/caseintegration/add/"
LIST = "/admin/cases/caseintegration/"


@pytest.fixture
def admin_client(db):
    return client_for(make_user("root", superuser=True))


def new_integration(client, **fields):
    data = {"name": "Freshdesk relay", "slug": "freshdesk", "kind": "freshdesk", "source": "freshdesk", "replay_window": 300}
    data.update(active="on", **fields)
    return client.post(ADD, data)


def test_a_new_integration_shows_its_generated_secret_once_with_the_webhook_address(admin_client, settings):
    settings.KCS_SITE_URL = "https://kb.example.com"

    page = new_integration(admin_client)

    integration = CaseIntegration.objects.get()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    text = page.content.decode()
    assert integration.secret in text and len(integration.secret) == 64
    assert "https://kb.example.com/api/v1/hooks/cases/freshdesk/" in text
    change = admin_client.get(f"{LIST}{integration.pk}/change/").content.decode()
    assert integration.secret not in change
    assert "https://kb.example.com/api/v1/hooks/cases/freshdesk/" in change


def test_a_zendesk_integration_takes_the_secret_zendesk_made(admin_client):
    refused = new_integration(admin_client, kind="zendesk", source="zendesk", slug="zendesk")
    assert refused.status_code == 200 and "Paste the signing secret" in refused.content.decode()
    assert not CaseIntegration.objects.exists()

    saved = new_integration(
        admin_client, kind="zendesk", source="zendesk", slug="zendesk", new_secret="zendesk-made-this-secret=="
    )

    assert saved.status_code == 302  # the pasted secret is known already: nothing to show
    assert CaseIntegration.objects.get().secret == "zendesk-made-this-secret=="


def test_saving_an_integration_keeps_its_secret_unless_a_new_one_is_typed(admin_client):
    integration = CaseIntegration.objects.create(name="Generic", slug="generic", kind="generic", source="email")
    secret = integration.secret
    data = {"name": "Generic tool", "slug": "generic", "kind": "generic", "source": "email", "replay_window": 120, "active": "on"}

    admin_client.post(f"{LIST}{integration.pk}/change/", data)
    integration.refresh_from_db()
    assert (integration.name, integration.secret) == ("Generic tool", secret)

    admin_client.post(f"{LIST}{integration.pk}/change/", {**data, "new_secret": "a-rotated-secret-0123"})
    integration.refresh_from_db()
    assert integration.secret == "a-rotated-secret-0123"


def test_generating_a_new_secret_replaces_the_old_one_and_shows_it_once(admin_client):
    integration = CaseIntegration.objects.create(name="Generic", slug="generic", kind="generic", source="email")
    old = integration.secret

    page = admin_client.post(LIST, {"action": "generate_new_secret", "_selected_action": [integration.pk]})

    integration.refresh_from_db()
    assert integration.secret != old
    assert page.status_code == 200 and integration.secret in page.content.decode()


def test_links_and_deliveries_are_read_only_history(admin_client, contributor, article):
    case = services.upsert_case(source="email", external_id="M-1", data={"subject": "Lost key"}).case
    link, _ = services.link(case=case, article=article, kind="solved", by=contributor)

    assert admin_client.get(f"/admin/cases/case/{case.pk}/change/").status_code == 200
    assert admin_client.get("/admin/cases/case/?q=lost").status_code == 200
    assert admin_client.get("/admin/cases/caselink/").status_code == 200
    assert admin_client.get("/admin/cases/caselink/add/").status_code == 403
    assert admin_client.post(f"/admin/cases/caselink/{link.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/cases/caseevent/add/").status_code == 403
    assert admin_client.get("/admin/cases/case/add/").status_code == 403
