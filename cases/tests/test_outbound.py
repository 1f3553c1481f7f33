"""Webhooks out: events queue signed deliveries for the endpoints subscribed to them, each with no
more than its audience may read, sent by the notifications worker with retries, once each."""

from __future__ import annotations

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Audience, State
from cases import outbound, signing
from cases.models import Case, Webhook, WebhookDelivery, WebhookEvent
from cases.services import link
from cases.signals import handover_created
from conftest import client_for, make_article
from notifications.outbox import MAX_ATTEMPTS, backoff

pytestmark = pytest.mark.django_db

ALL_ARTICLE_EVENTS = [WebhookEvent.ARTICLE_VALIDATED, WebhookEvent.ARTICLE_UPDATED, WebhookEvent.ARTICLE_ARCHIVED]
SECRET_NOTE = "Goodwill code GW-5521 for staff only"
SECRET_PASSAGE = "Refund override in the back office, staff only"


def hook(name="Mirror", *, audience=Audience.INTERNAL, events=None, **fields) -> Webhook:
    # Straight into the table: the fan-out must hold even for rows the admin form would refuse.
    return Webhook.objects.create(
        name=name,
        url=f"https://{name.lower()}.example.com/hook",
        audience=audience,
        events=events or ALL_ARTICLE_EVENTS,
        **fields,
    )


class FakeTransport:
    """Stands in for `outbound.post`: records each request and answers from a script."""

    def __init__(self, *answers):
        self.answers, self.requests = list(answers), []

    def __call__(self, url, body, headers, *, timeout):
        self.requests.append({"url": url, "body": body, "headers": headers, "timeout": timeout})
        answer = self.answers.pop(0) if self.answers else (200, "")
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def transport(monkeypatch):
    fake = FakeTransport()
    monkeypatch.setattr(outbound, "post", fake)
    return fake


@pytest.fixture
def draft(contributor, kb_owner, product):
    """A customer-audience article with internal notes and an internal passage, not yet validated."""
    article = make_article(
        author=contributor, product=product, audience=Audience.CUSTOMER, state=State.NOT_VALIDATED, kb_owner=kb_owner
    )
    return article.edit(
        by=kb_owner,
        base_version=article.version,
        changes={
            "internal_notes": SECRET_NOTE,
            "resolution": article.resolution + f"\n\n:::internal\n{SECRET_PASSAGE}\n:::\n\n3. Confirm by email.",
        },
        note="Staff guidance",
    )


def committed(callbacks, action):
    with callbacks(execute=True):
        return action()


def make_due():
    WebhookDelivery.objects.update(send_after=timezone.now() - datetime.timedelta(seconds=1))


def a_case(**fields) -> Case:
    defaults = {
        "source": "zendesk",
        "external_id": "4711",
        "subject": "Refund for my room",
        "description": "I booked the wrong dates.",
        "requester_name": "Dana Reyes",
        "requester_email": "dana@example.com",
    }
    return Case.objects.create(**(defaults | fields))


# --- events queue deliveries for the endpoints subscribed ------------------------------------------


def test_validating_queues_one_delivery_per_active_endpoint_subscribed_to_it(draft, kb_owner, django_capture_on_commit_callbacks):
    wanted = hook("Wanted", events=[WebhookEvent.ARTICLE_VALIDATED])
    hook("Archives", events=[WebhookEvent.ARTICLE_ARCHIVED])
    hook("Paused", events=[WebhookEvent.ARTICLE_VALIDATED], active=False)

    committed(django_capture_on_commit_callbacks, lambda: draft.validate(by=kb_owner))

    delivery = WebhookDelivery.objects.get()
    assert (delivery.webhook, delivery.event, delivery.article) == (wanted, "article.validated", draft)
    assert delivery.payload["article"]["slug"] == draft.slug and delivery.payload["article"]["state"] == "validated"


def test_material_updates_and_archiving_are_events_and_a_minor_edit_is_not(article, kb_owner, django_capture_on_commit_callbacks):
    staff = hook("Staff")
    committed(
        django_capture_on_commit_callbacks,
        lambda: article.edit(by=kb_owner, base_version=article.version, changes={"title": "Refunds: fix"}, material=False),
    )
    assert not WebhookDelivery.objects.exists()
    article.refresh_from_db()
    committed(
        django_capture_on_commit_callbacks,
        lambda: article.edit(by=kb_owner, base_version=article.version, changes={"cause": "A changed rate."}, note="New cause"),
    )
    article.refresh_from_db()
    committed(django_capture_on_commit_callbacks, lambda: article.archive(by=kb_owner, note="Replaced"))

    events = list(WebhookDelivery.objects.filter(webhook=staff).order_by("id").values_list("event", flat=True))
    assert events == ["article.updated", "article.archived"]
    update = WebhookDelivery.objects.get(event="article.updated")
    assert update.payload["change"] | {"version": 0} == {
        "version": 0,
        "kind": "edited",
        "material": True,
        "changed_fields": ["cause"],
        "note": "New cause",
        "by": kb_owner.username,
    }


def test_a_link_and_a_hand_over_reach_only_internal_endpoints_with_the_case(
    article, contributor, django_capture_on_commit_callbacks
):
    staff = hook("Staff", events=[WebhookEvent.LINK_CREATED, WebhookEvent.CASE_HANDED_OVER])
    hook("Customers", audience=Audience.CUSTOMER, events=[WebhookEvent.LINK_CREATED, WebhookEvent.CASE_HANDED_OVER])
    case = a_case()

    committed(django_capture_on_commit_callbacks, lambda: link(case=case, article=article, kind="solved", by=contributor))
    handover_created.send(sender=Case, case=case)

    deliveries = list(WebhookDelivery.objects.order_by("id"))
    assert [(d.webhook, d.event) for d in deliveries] == [(staff, "link.created"), (staff, "case.handed_over")]
    linked = deliveries[0].payload
    assert linked["link"]["kind"] == "solved" and linked["link"]["linked_by"] == contributor.username
    assert linked["case"]["requester"]["email"] == "dana@example.com" and linked["article"]["slug"] == article.slug


def test_an_endpoint_for_customers_may_not_subscribe_to_case_events(kb_owner):
    endpoint = Webhook(name="Help", url="https://help.example.com/", audience=Audience.CUSTOMER, events=["link.created"])
    with pytest.raises(Exception, match="staff data"):
        endpoint.full_clean()
    with pytest.raises(Exception, match="Unknown event"):
        Webhook(name="Help", url="https://help.example.com/", events=["article.deleted"]).full_clean()


def test_a_failure_to_queue_never_breaks_the_committed_change(draft, kb_owner, django_capture_on_commit_callbacks):
    hook()
    with mock.patch.object(outbound, "subscribed", side_effect=RuntimeError("database hiccup")):
        committed(django_capture_on_commit_callbacks, lambda: draft.validate(by=kb_owner))
    draft.refresh_from_db()
    assert draft.state == State.VALIDATED and not WebhookDelivery.objects.exists()


# --- audience: never more than that reader may read ------------------------------------------------


def test_a_customer_endpoint_never_receives_internal_notes_passages_unvalidated_articles_or_case_data(
    draft, contributor, kb_owner, product, django_capture_on_commit_callbacks
):
    customers = hook("Customers", audience=Audience.CUSTOMER, events=[*WebhookEvent.values])
    staff = hook("Staff", events=[*WebhookEvent.values])
    internal = make_article(author=contributor, product=product, state=State.NOT_VALIDATED, kb_owner=kb_owner, title="Internal")

    # Unvalidated: a material edit of the draft tells nobody; an internal article is never sent outside.
    committed(
        django_capture_on_commit_callbacks,
        lambda: draft.edit(by=kb_owner, base_version=draft.version, changes={"cause": "Rate rules."}),
    )
    assert not WebhookDelivery.objects.exists()
    committed(django_capture_on_commit_callbacks, lambda: internal.validate(by=kb_owner))
    assert not WebhookDelivery.objects.filter(webhook=customers).exists()

    # Validated for customers: the text they read, without the staff notes and passages.
    draft.refresh_from_db()
    committed(django_capture_on_commit_callbacks, lambda: draft.validate(by=kb_owner))
    sent = WebhookDelivery.objects.get(webhook=customers)
    body = json.dumps(sent.payload)
    assert "Confirm by email" in sent.payload["article"]["resolution"]
    staff_only = (SECRET_NOTE, SECRET_PASSAGE, "internal_notes", "authority", "owner", kb_owner.username, contributor.username)
    assert [text for text in staff_only if text in body] == []
    assert "change" not in sent.payload and set(sent.payload["article"]) == {
        "slug", "title", "issue", "environment", "resolution", "cause", "template", "sections", "product", "tags",
        "updated_at", "html_url",
    }  # fmt: skip
    assert SECRET_NOTE in json.dumps(WebhookDelivery.objects.get(webhook=staff, article=draft).payload)

    # An edit of the staff notes alone changes nothing customers read: staff hear of it, customers do not.
    draft.refresh_from_db()
    committed(
        django_capture_on_commit_callbacks,
        lambda: draft.edit(by=kb_owner, base_version=draft.version, changes={"internal_notes": "New goodwill code"}),
    )
    assert WebhookDelivery.objects.filter(webhook=staff, event="article.updated").count() == 1
    assert not WebhookDelivery.objects.filter(webhook=customers, event="article.updated").exists()

    # Cases and links are staff data, whatever the endpoint subscribed to.
    case = a_case()
    committed(django_capture_on_commit_callbacks, lambda: link(case=case, article=draft, kind="solved", by=contributor))
    handover_created.send(sender=Case, case=case)
    assert list(WebhookDelivery.objects.filter(webhook=customers).values_list("event", flat=True)) == ["article.validated"]


def test_each_audience_receives_the_articles_it_may_read(contributor, kb_owner, product, django_capture_on_commit_callbacks):
    partners = hook("Partners", audience=Audience.PARTNER)
    customers = hook("Customers", audience=Audience.CUSTOMER)
    public = hook("Public", audience=Audience.PUBLIC)
    article = make_article(
        author=contributor, product=product, audience=Audience.PARTNER, state=State.NOT_VALIDATED, kb_owner=kb_owner
    )
    committed(django_capture_on_commit_callbacks, lambda: article.validate(by=kb_owner))
    assert list(WebhookDelivery.objects.values_list("webhook", flat=True)) == [partners.pk]

    # Widened to customers: news for the customer endpoint, not for the public one.
    article.refresh_from_db()
    committed(
        django_capture_on_commit_callbacks,
        lambda: article.edit(by=kb_owner, base_version=article.version, changes={"audience": Audience.CUSTOMER}, material=False),
    )
    widened = WebhookDelivery.objects.filter(event="article.updated")
    assert set(widened.values_list("webhook", flat=True)) == {partners.pk, customers.pk}
    assert public.deliveries.count() == 0


def test_an_archived_article_is_named_to_the_readers_who_could_read_it_and_no_more(
    draft, kb_owner, django_capture_on_commit_callbacks
):
    customers = hook("Customers", audience=Audience.CUSTOMER)
    public = hook("Public", audience=Audience.PUBLIC)
    committed(django_capture_on_commit_callbacks, lambda: draft.validate(by=kb_owner))
    draft.refresh_from_db()
    committed(django_capture_on_commit_callbacks, lambda: draft.archive(by=kb_owner, note="Replaced"))

    gone = WebhookDelivery.objects.get(webhook=customers, event="article.archived")
    assert gone.payload["article"] == {"slug": draft.slug, "title": draft.title}
    assert not public.deliveries.exists()  # never could read it


def test_a_delivery_is_not_sent_when_the_article_stopped_being_visible_to_its_audience(
    draft, kb_owner, transport, django_capture_on_commit_callbacks
):
    hook("Customers", audience=Audience.CUSTOMER)
    committed(django_capture_on_commit_callbacks, lambda: draft.validate(by=kb_owner))
    draft.refresh_from_db()
    draft.edit(by=kb_owner, base_version=draft.version, changes={"audience": Audience.INTERNAL}, material=False)

    assert outbound.send_due() == (0, 1)
    delivery = WebhookDelivery.objects.get()
    assert delivery.failed_at is not None and "no longer visible" in delivery.last_error
    assert transport.requests == []


# --- sending: signed, retried, given up, once ------------------------------------------------------


@pytest.fixture
def queued(article, kb_owner, django_capture_on_commit_callbacks) -> WebhookDelivery:
    hook("Staff", events=[WebhookEvent.ARTICLE_UPDATED])
    committed(
        django_capture_on_commit_callbacks,
        lambda: article.edit(by=kb_owner, base_version=article.version, changes={"cause": "Rate rules."}),
    )
    return WebhookDelivery.objects.get()


def test_the_worker_posts_a_signed_body_the_receiver_can_verify(queued, transport):
    call_command("send_notifications", "--once", stdout=mock.Mock())

    (request,) = transport.requests
    headers, body = request["headers"], request["body"]
    assert request["url"] == "https://staff.example.com/hook" and request["timeout"] > 0
    assert headers["X-KCS-Event"] == "article.updated" and headers["X-KCS-Delivery"] == str(queued.pk)
    timestamp = headers[signing.TIMESTAMP_HEADER]
    assert signing.matches(signing.signature(queued.webhook.secret, timestamp, body), headers[signing.SIGNATURE_HEADER])
    assert not signing.matches(signing.signature("another secret", timestamp, body), headers[signing.SIGNATURE_HEADER])
    assert json.loads(body) == queued.payload
    queued.refresh_from_db()
    assert queued.delivered_at is not None and queued.last_status == 200 and queued.attempts == 1


def test_a_500_or_a_timeout_is_retried_with_backoff_then_delivered_once(queued, transport):
    transport.answers = [(500, "Internal Server Error"), TimeoutError("timed out"), (204, "")]
    assert outbound.send_due() == (0, 1)
    queued.refresh_from_db()
    assert (queued.attempts, queued.last_status, queued.last_error) == (1, 500, "HTTP 500: Internal Server Error")
    assert queued.send_after > timezone.now() + backoff(1) - datetime.timedelta(seconds=5)
    assert outbound.send_due() == (0, 0)  # not due before its backoff

    make_due()
    assert outbound.send_due() == (0, 1)
    queued.refresh_from_db()
    assert (queued.attempts, queued.last_error) == (2, "timed out")
    assert queued.send_after > timezone.now() + backoff(2) - datetime.timedelta(seconds=5)

    make_due()
    assert outbound.send_due() == (1, 0)
    make_due()
    assert outbound.send_due() == (0, 0)
    queued.refresh_from_db()
    assert (queued.attempts, queued.last_status, queued.last_error) == (3, 204, "")
    assert len(transport.requests) == 3


def test_a_delivery_that_keeps_failing_is_given_up_kept_and_can_be_retried_from_the_admin(queued, transport, kb_owner):
    transport.answers = [(503, "Service Unavailable")] * MAX_ATTEMPTS
    for _ in range(MAX_ATTEMPTS):
        make_due()
        outbound.send_due()
    queued.refresh_from_db()
    assert queued.failed_at is not None and queued.attempts == MAX_ATTEMPTS and queued.last_status == 503
    make_due()
    assert outbound.send_due() == (0, 0)

    response = client_for(kb_owner).post(
        "/admin/cases/webhookdelivery/", {"action": "retry_now", "_selected_action": [queued.pk]}
    )
    assert response.status_code == 302
    assert outbound.send_due() == (1, 0)
    queued.refresh_from_db()
    assert queued.delivered_at is not None and queued.failed_at is None


def test_two_workers_never_send_the_same_delivery(queued, article, kb_owner, transport, django_capture_on_commit_callbacks):
    hook("Second", events=[WebhookEvent.ARTICLE_UPDATED])
    article.refresh_from_db()
    committed(
        django_capture_on_commit_callbacks,
        lambda: article.edit(by=kb_owner, base_version=article.version, changes={"cause": "Again."}),
    )
    assert WebhookDelivery.objects.count() == 3
    runs = []

    def post_while_another_worker_runs(url, body, headers, *, timeout):
        transport.requests.append(headers["X-KCS-Delivery"])
        if not runs:
            runs.append("started")
            runs.append(outbound.send_due())  # a second worker starts while the first is sending
        return 200, ""

    with mock.patch.object(outbound, "post", side_effect=post_while_another_worker_runs):
        first = outbound.send_due()
    assert sorted(transport.requests) == sorted(str(pk) for pk in WebhookDelivery.objects.values_list("pk", flat=True))
    assert first == (1, 0) and runs[1] == (2, 0)  # each skipped the rows the other had claimed


def test_a_deactivated_endpoint_or_one_now_for_another_audience_is_sent_nothing_more(queued, transport):
    Webhook.objects.update(active=False)
    assert outbound.send_due() == (0, 1)
    queued.refresh_from_db()
    assert queued.failed_at is not None and queued.last_error == "The endpoint was deactivated."

    WebhookDelivery.objects.update(failed_at=None, attempts=0, send_after=timezone.now())
    Webhook.objects.update(active=True, audience=Audience.PUBLIC)
    assert outbound.send_due() == (0, 1)
    queued.refresh_from_db()
    assert "audience changed" in queued.last_error and transport.requests == []


def test_hand_overs_also_go_to_the_configured_address_signed_with_its_secret(settings, transport):
    settings.KCS_HANDOVER_URL = "https://tickets.example.com/intake"
    settings.KCS_HANDOVER_SECRET = "handover-secret"
    handover_created.send(sender=Case, case=a_case(source="help-centre", trail={"searches": ["refund"], "viewed": []}))

    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook is None and delivery.event == "case.handed_over"
    assert outbound.send_due() == (1, 0)
    (request,) = transport.requests
    assert request["url"] == "https://tickets.example.com/intake"
    headers = request["headers"]
    expected = signing.signature("handover-secret", headers[signing.TIMESTAMP_HEADER], request["body"])
    assert signing.matches(expected, headers[signing.SIGNATURE_HEADER])
    assert json.loads(request["body"])["case"]["trail"] == {"searches": ["refund"], "viewed": []}


def test_without_a_configured_address_a_hand_over_goes_nowhere(settings):
    settings.KCS_HANDOVER_URL = ""
    handover_created.send(sender=Case, case=a_case(source="help-centre"))
    assert not WebhookDelivery.objects.exists()


class Receiver(BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.seen.append((self.path, dict(self.headers), body))
        if self.path == "/moved":
            self.send_response(307)
            self.send_header("Location", "https://elsewhere.example.net/steal")
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_real_transport_posts_and_never_follows_a_redirect(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert outbound.post(f"{base}/hook", b'{"a":1}', {"X-KCS-Event": "e"}, timeout=5) == (204, "")
        status, detail = outbound.post(f"{base}/moved", b"{}", {}, timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert status == 307 and "elsewhere.example.net" in detail and "not followed" in detail
    assert [path for path, _, _ in Receiver.seen] == ["/hook", "/moved"]  # nothing sent to the other host
    assert Receiver.seen[0][1]["X-Kcs-Event"] == "e" and Receiver.seen[0][2] == b'{"a":1}'


def test_plain_http_is_refused_outside_development(settings):
    endpoint = Webhook(name="Dev", url="http://localhost:9000/hook", events=["article.validated"])
    settings.DEBUG = False
    with pytest.raises(Exception, match="https"):
        endpoint.full_clean()
    settings.DEBUG = True
    endpoint.full_clean()
    with pytest.raises(Exception, match="https"):
        Webhook(name="Ftp", url="ftp://example.com/hook", events=["article.validated"]).full_clean()


# --- the admin: KB owners register endpoints, nobody else ------------------------------------------


def test_a_kb_owner_adds_a_webhook_in_the_admin_and_sees_its_secret(kb_owner):
    client = client_for(kb_owner)
    response = client.post(
        "/admin/cases/webhook/add/",
        {
            "name": "Partner portal",
            "url": "https://portal.example.com/kcs",
            "audience": "partner",
            "events": ["article.validated", "article.updated"],
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = Webhook.objects.get()
    assert endpoint.created_by == kb_owner and endpoint.events == ["article.validated", "article.updated"]
    assert len(endpoint.secret) == 64
    assert endpoint.secret in client.get(f"/admin/cases/webhook/{endpoint.pk}/change/").content.decode()


def test_the_admin_refuses_case_events_for_an_outside_audience(kb_owner):
    response = client_for(kb_owner).post(
        "/admin/cases/webhook/add/",
        {"name": "Help", "url": "https://help.example.com/", "audience": "customer", "events": ["link.created"]},
    )
    assert response.status_code == 200 and "staff data" in response.content.decode()
    assert not Webhook.objects.exists()


def test_an_agent_cannot_add_a_webhook_and_a_kb_owner_sees_no_other_admin(contributor, kb_owner, customer):
    for person in (contributor, customer):
        client = client_for(person)
        assert client.get("/admin/cases/webhook/add/", follow=True).status_code == 403
        client.post("/admin/cases/webhook/add/", {"name": "x", "url": "https://x.example.com/", "events": ["article.validated"]})
    assert not Webhook.objects.exists()
    owner = client_for(kb_owner)
    assert owner.get("/admin/").status_code == 200
    assert owner.get("/admin/articles/article/").status_code == 403
    assert owner.get("/admin/accounts/user/").status_code == 403


def test_the_delivery_log_lists_any_number_of_deliveries_in_a_fixed_number_of_queries(kb_owner, django_assert_max_num_queries):
    endpoints = [hook(f"Hook{n}") for n in range(3)]
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=endpoints[n % 3], event="article.updated", audience="internal", payload={"n": n})
        for n in range(30)
    )
    client = client_for(kb_owner)
    with django_assert_max_num_queries(12):
        response = client.get("/admin/cases/webhookdelivery/")
    assert response.status_code == 200 and "Hook2" in response.content.decode()
