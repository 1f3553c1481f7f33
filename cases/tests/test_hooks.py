"""Signed case webhooks: only a body signed with the integration's secret, recently, changes a case;
the same delivery twice changes nothing; older events and reopened closed cases change nothing;
Zendesk's and Freshdesk's payloads become cases."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from cases import hooks, signing
from cases.models import Case, CaseEvent, CaseIntegration
from conftest import unchanged_database

pytestmark = pytest.mark.django_db

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "s3cret-for-tests-only-0123456789abcdef"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def make_integration(kind: str = "generic", *, slug: str | None = None, source: str | None = None, **extra) -> CaseIntegration:
    source = source or {"generic": "servicenow"}.get(kind, kind)
    return CaseIntegration.objects.create(
        name=f"{kind} test", slug=slug or kind, kind=kind, source=source, secret=SECRET, **extra
    )


def body_of(data) -> bytes:
    return data if isinstance(data, bytes) else json.dumps(data).encode()


def post(integration: CaseIntegration, data, *, headers: dict | None = None, secret: str = SECRET, now=None, client=None):
    body = body_of(data)
    if headers is None:
        headers = signing.signed_headers(secret, body, now=now)
    return (client or Client()).post(
        f"/api/v1/hooks/cases/{integration.slug}/", body, content_type="application/json", headers=headers
    )


def zendesk_headers(body: bytes, *, secret: str = SECRET, at: datetime.datetime | None = None) -> dict:
    stamp = (at or timezone.now()).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {hooks.ZENDESK_TIMESTAMP: stamp, hooks.ZENDESK_SIGNATURE: signing.zendesk_signature(secret, stamp, body)}


# --- signed, once, recent ----------------------------------------------------------------------


def test_a_signed_event_creates_the_case_and_records_the_delivery(contributor, product):
    integration = make_integration()

    response = post(integration, payload("generic.json"), client=Client(enforce_csrf_checks=True))

    assert response.status_code == 201
    assert response.json() == {
        "result": "created",
        "case": {"source": "servicenow", "external_id": "INC-1042", "status": "open"},
    }
    case = Case.objects.get(source="servicenow", external_id="INC-1042")
    assert (case.subject, case.product, case.agent, case.team) == (
        "Room not ready at check-in",
        product,
        contributor,
        "Front office",
    )
    assert (case.requester_kind, case.requester_email) == ("partner", "desk@example.com")
    assert case.opened_at == datetime.datetime(2026, 5, 4, 15, 10, tzinfo=datetime.UTC)
    event = CaseEvent.objects.get()
    assert (event.case, event.result) == (case, "created")
    assert event.digest == hashlib.sha256(body_of(payload("generic.json"))).hexdigest()
    integration.refresh_from_db()
    assert integration.last_event_at == event.received_at


def test_the_same_delivery_again_changes_nothing_and_says_it_was_already_received(db):
    integration = make_integration()
    data = payload("generic.json")
    assert post(integration, data).status_code == 201
    case = Case.objects.get()

    with unchanged_database():
        again = post(integration, data)  # signed anew, as a tool's retry would be
        replayed = post(integration, data, now=time.time() - 60)  # or captured and sent again in the window

    assert again.status_code == replayed.status_code == 200
    assert again.json() == replayed.json() == {"result": "already received"}
    assert CaseEvent.objects.count() == 1
    assert Case.objects.get().updated_at == case.updated_at


def test_a_delivery_racing_its_twin_is_received_once(db, monkeypatch):
    integration = make_integration()
    data = payload("generic.json")
    assert post(integration, data).status_code == 201
    # The twin passed the "seen it?" check before the first was committed; the unique digest stops it.
    monkeypatch.setattr(
        hooks,
        "CaseEvent",
        SimpleNamespace(objects=SimpleNamespace(filter=lambda **kw: CaseEvent.objects.none(), create=CaseEvent.objects.create)),
    )

    response = post(integration, data)

    assert (response.status_code, response.json()) == (200, {"result": "already received"})
    assert CaseEvent.objects.count() == 1 and Case.objects.count() == 1


def test_a_request_without_a_signature_is_refused_with_the_reason(db):
    integration = make_integration()
    body = body_of(payload("generic.json"))
    signed = signing.signed_headers(SECRET, body)

    with unchanged_database():
        unsigned = post(integration, body, headers={})
        no_time = post(integration, body, headers={signing.SIGNATURE_HEADER: signed[signing.SIGNATURE_HEADER]})

    assert unsigned.status_code == no_time.status_code == 401
    assert "X-KCS-Timestamp and X-KCS-Signature" in unsigned.json()["detail"]
    assert "no timestamp" in no_time.json()["detail"]
    assert unsigned["WWW-Authenticate"]


def test_a_wrong_secret_or_a_changed_body_is_refused_alike(db):
    integration = make_integration()
    body = body_of(payload("generic.json"))
    changed = body.replace(b"Room not ready", b"Room on fire")

    with unchanged_database():
        wrong_secret = post(integration, body, secret="not-the-secret-at-all-0000")
        tampered = post(integration, changed, headers=signing.signed_headers(SECRET, body))
        garbage = post(integration, body, headers={**signing.signed_headers(SECRET, body), signing.SIGNATURE_HEADER: "sha256=00"})

    assert wrong_secret.status_code == tampered.status_code == garbage.status_code == 401
    # One answer for every mismatch: nothing tells a guesser how close the signature came.
    assert wrong_secret.json() == tampered.json() == garbage.json()
    assert "does not match" in wrong_secret.json()["detail"]
    assert SECRET not in wrong_secret.content.decode()


@pytest.mark.parametrize("offset, words", [(-301, "seconds old"), (301, "in the future")])
def test_a_timestamp_outside_the_replay_window_is_refused(db, offset, words):
    integration = make_integration()

    with unchanged_database():
        response = post(integration, payload("generic.json"), now=time.time() + offset)

    assert response.status_code == 401
    assert words in response.json()["detail"] and "300" in response.json()["detail"]


def test_each_integration_has_its_own_replay_window(db):
    strict = make_integration(replay_window=60)

    assert post(strict, payload("generic.json"), now=time.time() - 120).status_code == 401
    assert post(strict, payload("generic.json"), now=time.time() - 30).status_code == 201


def test_an_unparsable_timestamp_is_refused(db):
    integration = make_integration()
    body = body_of(payload("generic.json"))
    headers = {signing.TIMESTAMP_HEADER: "yesterday", signing.SIGNATURE_HEADER: signing.signature(SECRET, "yesterday", body)}

    response = post(integration, body, headers=headers)

    assert response.status_code == 401 and "ISO 8601" in response.json()["detail"]


def test_an_unknown_or_inactive_integration_is_not_found(db):
    make_integration(slug="paused", active=False)

    for slug in ("paused", "nobody"):
        response = post(SimpleNamespace(slug=slug), payload("generic.json"))
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"


def test_only_post_is_answered(db):
    make_integration()

    response = Client().get("/api/v1/hooks/cases/generic/")

    assert response.status_code == 405 and response["Allow"] == "POST"


def test_a_body_over_the_site_limit_is_refused_before_it_is_read(db, settings):
    integration = make_integration()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({**payload("generic.json"), "description": "x" * 2000}).encode()

    for content_type in ("application/json", "text/plain"):
        response = Client().post(
            f"/api/v1/hooks/cases/{integration.slug}/",
            body,
            content_type=content_type,
            headers=signing.signed_headers(SECRET, body),
        )
        assert response.status_code == 400, content_type
        assert "larger" in response.json()["detail"]
    assert not Case.objects.exists()


# --- what a payload says ---------------------------------------------------------------------


def test_a_body_that_is_not_a_case_is_refused_and_nothing_is_recorded(db):
    integration = make_integration("zendesk")
    event = payload("zendesk-ticket-event.json")
    user_event = {**event, "type": "zen:event-type:user.active_changed"}
    odd_status = {**event, "detail": {**event["detail"], "status": "ARCHIVED"}}

    with unchanged_database():
        answers = [post(integration, data) for data in (b"not json", [1, 2], {"hello": "world"}, user_event, odd_status)]

    assert [a.status_code for a in answers] == [400] * 5
    details = [a.json()["detail"] for a in answers]
    assert "not JSON" in details[0] and "JSON object" in details[1] and "Not a Zendesk ticket webhook" in details[2]
    assert "Only Zendesk ticket events" in details[3] and "Unknown ticket status “ARCHIVED”" in details[4]
    # Nothing was recorded, so the corrected delivery of the ticket is read.
    assert post(integration, event).status_code == 201


def test_a_generic_event_with_a_bad_value_is_refused_with_the_field(db):
    integration = make_integration()

    with unchanged_database():
        bad_status = post(integration, {**payload("generic.json"), "status": "pending"})
        bad_email = post(integration, {**payload("generic.json"), "requester_email": "desk at example"})
        bad_time = post(integration, {**payload("generic.json"), "updated_at": "last Tuesday"})
        no_id = post(integration, {"subject": "No id"})

    assert "status" in bad_status.json()["detail"]
    assert "requester_email" in bad_email.json()["detail"]
    assert "updated_at" in bad_time.json()["detail"]
    assert "external_id" in no_id.json()["detail"]
    assert {bad_status.status_code, bad_email.status_code, bad_time.status_code, no_id.status_code} == {400}


def test_a_zendesk_ticket_event_signed_the_zendesk_way_becomes_a_solved_case(db):
    integration = make_integration("zendesk")
    body = body_of(payload("zendesk-ticket-event.json"))
    headers = zendesk_headers(body)
    # Zendesk's scheme: base64 of the HMAC-SHA256 of the timestamp and the body, nothing between them.
    digest = hmac.new(SECRET.encode(), headers[hooks.ZENDESK_TIMESTAMP].encode() + body, hashlib.sha256).digest()
    assert headers[hooks.ZENDESK_SIGNATURE] == base64.b64encode(digest).decode()

    response = post(integration, body, headers=headers)

    assert response.status_code == 201
    case = Case.objects.get(source="zendesk", external_id="48213")
    assert case.subject == "Refund for my non-refundable booking"
    assert case.description.startswith("I booked a non-refundable room")
    assert case.status == "solved" and case.outcome == "none"
    assert case.opened_at == datetime.datetime(2026, 5, 4, 8, 15, 2, tzinfo=datetime.UTC)
    assert case.source_updated_at == datetime.datetime(2026, 5, 4, 9, 42, 10, tzinfo=datetime.UTC)


def test_zendesk_signatures_are_checked_like_ours(db):
    integration = make_integration("zendesk")
    body = body_of(payload("zendesk-ticket-event.json"))
    old = timezone.now() - datetime.timedelta(minutes=10)

    with unchanged_database():
        wrong = post(integration, body, headers=zendesk_headers(body, secret="another-secret-0123456789"))
        stale = post(integration, body, headers=zendesk_headers(body, at=old))

    assert wrong.status_code == stale.status_code == 401
    assert "does not match" in wrong.json()["detail"] and "seconds old" in stale.json()["detail"]


def test_zendesk_headers_do_not_sign_for_another_kind_of_integration(db):
    integration = make_integration("generic")
    body = body_of(payload("generic.json"))

    response = post(integration, body, headers=zendesk_headers(body))

    assert response.status_code == 401 and "not signed" in response.json()["detail"]


def test_a_zendesk_trigger_body_fills_the_agent_team_product_and_requester(contributor, product):
    contributor.email = "colin@example.com"
    contributor.save()
    integration = make_integration("zendesk")

    assert post(integration, payload("zendesk-trigger.json")).status_code == 201

    case = Case.objects.get(external_id="48214")
    assert (case.agent, case.team, case.product, case.status) == (contributor, "Billing", product, "open")
    assert (case.requester_name, case.requester_email) == ("Ada Lovelace", "ada@example.com")
    assert case.url == "https://northwind.zendesk.com/agent/tickets/48214"
    assert case.opened_at == datetime.datetime(2026, 5, 4, 10, 1, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "status, expected",
    [
        ("new", "open"),
        ("Open", "open"),
        ("pending", "open"),
        ("hold", "open"),
        ("On-hold", "open"),
        ("Solved", "solved"),
        ("CLOSED", "closed"),
    ],
)
def test_zendesk_statuses_map_to_open_solved_and_closed(db, status, expected):
    integration = make_integration("zendesk")
    data = payload("zendesk-trigger.json")
    data["ticket"]["status"] = status

    assert post(integration, data).status_code == 201
    assert Case.objects.get().status == expected


def test_a_freshdesk_automation_webhook_becomes_a_case_with_its_text_not_its_html(contributor, product):
    contributor.email = "colin@example.com"
    contributor.save()
    integration = make_integration("freshdesk")

    response = post(integration, payload("freshdesk-automation.json"))

    assert response.status_code == 201
    case = Case.objects.get(source="freshdesk", external_id="7310")
    assert case.description == "The website says date change not possible & shows no reason."
    assert (case.status, case.agent, case.team, case.product) == ("solved", contributor, "Bookings", product)
    assert (case.requester_name, case.requester_email) == ("Grace Hopper", "grace@example.com")
    assert case.url == "https://northwind.freshdesk.com/helpdesk/tickets/7310"


@pytest.mark.parametrize(
    "status, expected",
    [
        ("Open", "open"),
        ("Pending", "open"),
        ("Waiting on Customer", "open"),
        ("Resolved", "solved"),
        ("Closed", "closed"),
        (5, "closed"),
    ],
)
def test_freshdesk_statuses_map_to_open_solved_and_closed(db, status, expected):
    integration = make_integration("freshdesk")
    data = payload("freshdesk-automation.json")
    data["freshdesk_webhook"]["ticket_status"] = status

    assert post(integration, data).status_code == 201
    assert Case.objects.get().status == expected


def test_a_freshdesk_date_written_for_people_is_left_out_not_refused(db):
    integration = make_integration("freshdesk")
    data = payload("freshdesk-automation.json")
    data["freshdesk_webhook"]["ticket_updated_at"] = "Mon, 4 May 2026 at 9:30 AM"

    assert post(integration, data).status_code == 201
    assert Case.objects.get().source_updated_at is None


# --- order of events -------------------------------------------------------------------------


def zendesk_event(status: str, updated_at: str) -> dict:
    data = payload("zendesk-ticket-event.json")
    data["detail"].update(status=status, updated_at=updated_at)
    return data


def test_an_event_older_than_the_last_one_applied_changes_nothing(db):
    integration = make_integration("zendesk")
    assert post(integration, zendesk_event("SOLVED", "2026-05-04T09:42:10Z")).status_code == 201

    late = post(integration, zendesk_event("OPEN", "2026-05-04T09:30:00Z"))  # sent earlier, arrived later

    assert late.status_code == 200
    assert late.json()["result"].startswith("ignored")
    case = Case.objects.get()
    assert case.status == "solved" and case.source_updated_at.minute == 42
    assert CaseEvent.objects.count() == 2  # received once each, whatever they changed


def test_a_closed_case_stays_closed_whatever_comes_after(db):
    integration = make_integration("zendesk")
    assert post(integration, zendesk_event("CLOSED", "2026-05-04T10:00:00Z")).status_code == 201

    reopened = post(integration, zendesk_event("OPEN", "2026-05-04T11:00:00Z"))
    undated = post(integration, {"ticket": {"id": "48213", "status": "Open"}})

    assert reopened.status_code == undated.status_code == 200
    assert "a closed case stays closed" in reopened.json()["result"]
    case = Case.objects.get()
    assert case.status == "closed" and case.closed_at is not None


def test_a_solved_case_reopened_by_a_newer_event_is_open_again(db):
    integration = make_integration("zendesk")
    post(integration, zendesk_event("SOLVED", "2026-05-04T10:00:00Z"))

    post(integration, zendesk_event("OPEN", "2026-05-04T11:00:00Z"))

    case = Case.objects.get()
    assert (case.status, case.solved_at, case.outcome) == ("open", None, "")
