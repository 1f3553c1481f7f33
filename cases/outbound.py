"""Webhooks out: events POSTed to the endpoints KB owners register (`Webhook`), through an outbox.

An event (an article validated, materially updated or archived, a case linked, a help-centre
hand-over) writes one `WebhookDelivery` row per active endpoint subscribed to it, with the payload
as that endpoint's audience may read it. The receivers run when the change has committed (the
signals are sent on commit), so a rolled-back change sends nothing. `send_notifications` (the
worker) POSTs due rows each round with `send_rows`, the email outbox's claim, backoff and give-up.

What an endpoint of each audience receives (never more than that reader may read):
- internal: the article as the staff API shows it (internal notes, authority, owner) with the
  change (who, note, fields); cases and links (`link.created`, `case.handed_over`) go only here.
- partner, customer, public: only articles that reader may open (validated, of their audience or
  wider), as the public API shows them (`:::internal` passages removed, no internal notes, no
  names); `article.updated` only when text they read changed (or the audience widened to them);
  `article.archived` only for an article they could read until then, and only its slug and title,
  so a mirror can remove it. Nothing about an internal or unvalidated article, no case data.

A request: POST of the JSON payload, `X-KCS-Event`, `X-KCS-Delivery` (the row's id: receivers
de-duplicate on it, as a retry after a lost answer sends a row again) and the signature headers
of `cases.signing`. A 2xx answer is delivered; anything else is retried with backoff and given up
after MAX_ATTEMPTS. Redirects are never followed (a 3xx is a failed attempt naming its Location):
the payload goes to the address a KB owner registered and nowhere else.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder

from accounts.choices import Kind
from articles import policy
from articles.choices import Audience, State
from notifications.outbox import AttemptFailed, send_rows
from notifications.services import absolute_url
from notifications.signals import touches_reader_text

from .models import STAFF_EVENTS, Webhook, WebhookDelivery, WebhookEvent, endpoint_problem
from .signing import signed_headers

log = logging.getLogger(__name__)

USER_AGENT = "KCS-Webhooks/1"
ARTICLE_EVENTS = (WebhookEvent.ARTICLE_VALIDATED, WebhookEvent.ARTICLE_UPDATED, WebhookEvent.ARTICLE_ARCHIVED)


# --- who reads what ------------------------------------------------------------------------------


def reader_for(audience: str):
    """The reader an endpoint of `audience` stands for, so `articles.policy` (the one place that
    decides who sees what) answers what the endpoint may receive. Never saved."""
    from accounts.models import User

    if audience == Audience.INTERNAL:
        return User(kind=Kind.STAFF, is_active=True)
    if audience in (Audience.PARTNER, Audience.CUSTOMER):
        return User(kind=audience, is_active=True)
    return AnonymousUser()


class _Site:
    """What the API serializers ask of a request: absolute addresses (on settings.KCS_SITE_URL)."""

    def build_absolute_uri(self, path: str) -> str:
        return absolute_url(path)


def _jsonable(data) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def staff_article(article) -> dict:
    from articles.api import ArticleSerializer

    return _jsonable(ArticleSerializer(article, context={"request": _Site()}).data)


def public_article(article) -> dict:
    # The public API's own serializer: the help centre's text, internal passages removed.
    from articles.api import PublicArticleSerializer

    return _jsonable(PublicArticleSerializer(article, context={"request": _Site()}).data)


# --- events --------------------------------------------------------------------------------------


def article_event(change) -> str | None:
    """The event an article's change record is, if any."""
    from articles.models import EventKind

    article = change.article
    if change.kind == EventKind.CREATED or "state" in (change.changed_fields or []):
        # A transition, or an article created (imported) or set in the admin straight into a state.
        return {State.VALIDATED: WebhookEvent.ARTICLE_VALIDATED, State.ARCHIVED: WebhookEvent.ARTICLE_ARCHIVED}.get(article.state)
    if article.state == State.VALIDATED and (change.material or "audience" in (change.changed_fields or [])):
        return WebhookEvent.ARTICLE_UPDATED
    return None


def article_payload(event: str, change, audience: str) -> dict | None:
    """What an endpoint of `audience` is sent about `change`, or None: nothing at all."""
    from articles.models import EventKind

    article = change.article
    reader = reader_for(audience)
    envelope = {"event": event, "audience": audience, "occurred_at": change.at.isoformat()}
    fields = set(change.changed_fields or [])
    if policy.is_staff(reader):
        if event == WebhookEvent.ARTICLE_UPDATED and not change.material:
            return None  # an audience or other minor change is not an update staff subscribed to
        what = {"version": change.version, "kind": change.kind, "material": change.material}
        what |= {"changed_fields": sorted(fields), "note": change.note, "by": change.actor.username}
        return {**envelope, "article": staff_article(article), "change": what}
    if event == WebhookEvent.ARTICLE_ARCHIVED:
        # Nobody outside reads an archived article. A reader who could read it until now is told
        # it is gone, by the names they already had, so their copy is removed.
        could_read = (
            change.kind == EventKind.STATE
            and change.from_value == State.VALIDATED
            and article.audience in policy.visible_audiences(reader)
        )
        return {**envelope, "article": {"slug": article.slug, "title": article.title}} if could_read else None
    if not policy.can_view(reader, article):
        return None
    if event == WebhookEvent.ARTICLE_UPDATED:
        # An edit of internal notes, `:::internal` passages or the authority changes nothing they read.
        text_changed = change.material and change.outside_changed and touches_reader_text(fields)
        if not (text_changed or "audience" in fields):
            return None
    return {**envelope, "article": public_article(article)}


def subscribed(event: str) -> list[Webhook]:
    # In Python, not `events__contains` (SQLite has no JSON containment); endpoints are few.
    hooks = [hook for hook in Webhook.objects.filter(active=True) if hook.wants(event)]
    if event in STAFF_EVENTS:
        hooks = [hook for hook in hooks if hook.audience == Audience.INTERNAL]  # the model refuses others too
    return hooks


def queue_article_change(change) -> list[WebhookDelivery]:
    event = article_event(change)
    hooks = subscribed(event) if event else []
    payloads: dict[str, dict | None] = {}
    rows = []
    for hook in hooks:
        if hook.audience not in payloads:
            payloads[hook.audience] = article_payload(event, change, hook.audience)
        if payloads[hook.audience] is not None:
            rows.append(
                WebhookDelivery(
                    webhook=hook, event=event, audience=hook.audience, article=change.article, payload=payloads[hook.audience]
                )
            )
    return WebhookDelivery.objects.bulk_create(rows)


def case_data(case) -> dict:
    """A case as staff see it: customers' words, names and addresses (internal endpoints only)."""
    return _jsonable(
        {
            "source": case.source,
            "external_id": case.external_id,
            "url": case.url,
            "subject": case.subject,
            "description": case.description,
            "product": case.product.slug if case.product_id else None,
            "product_name": case.product_name,
            "requester": {"kind": case.requester_kind, "name": case.requester_name, "email": case.requester_email},
            "agent": case.agent.username if case.agent_id else None,
            "team": case.team,
            "status": case.status,
            "opened_at": case.opened_at,
            "trail": case.trail,
        }
    )


def queue_link(link) -> list[WebhookDelivery]:
    event = WebhookEvent.LINK_CREATED
    hooks = subscribed(event)
    if not hooks:
        return []
    article = link.article
    payload = {
        "event": event,
        "audience": Audience.INTERNAL.value,
        "occurred_at": link.linked_at.isoformat(),
        "link": {
            "id": link.pk,
            "kind": link.kind,
            "article_version": link.article_version,
            "linked_by": link.linked_by.username,
            "searches": link.searches,
        },
        "case": case_data(link.case),
        "article": {
            "slug": article.slug,
            "title": article.title,
            "state": article.state,
            "audience": article.audience,
            "html_url": absolute_url(article.get_absolute_url()),
        },
    }
    rows = [
        WebhookDelivery(webhook=hook, event=event, audience=Audience.INTERNAL, article=article, payload=payload) for hook in hooks
    ]
    return WebhookDelivery.objects.bulk_create(rows)


def queue_handover(case) -> list[WebhookDelivery]:
    """To internal endpoints subscribed, and to settings.KCS_HANDOVER_URL when set (`webhook` None)."""
    event = WebhookEvent.CASE_HANDED_OVER
    targets: list[Webhook | None] = list(subscribed(event))
    if settings.KCS_HANDOVER_URL:
        targets.append(None)
    if not targets:
        return []
    payload = {
        "event": event,
        "audience": Audience.INTERNAL.value,
        "occurred_at": case.created_at.isoformat(),
        "case": case_data(case),
    }
    rows = [WebhookDelivery(webhook=hook, event=event, audience=Audience.INTERNAL, payload=payload) for hook in targets]
    return WebhookDelivery.objects.bulk_create(rows)


# --- receivers (connected in cases.apps.CasesConfig.ready) -------------------------------------------


def _safely(queue: Callable, subject) -> None:
    # The signals are sent after the change committed: a failure to queue is logged and never
    # turns a saved change into an error page (the change cannot be undone any more).
    try:
        queue(subject)
    except Exception:
        log.exception("Outbound webhooks: %s failed", queue.__name__)


def on_article_changed(sender, change, **kwargs) -> None:
    _safely(queue_article_change, change)


def on_link_created(sender, link, **kwargs) -> None:
    _safely(queue_link, link)


def on_handover_created(sender, case, **kwargs) -> None:
    _safely(queue_handover, case)


# --- sending -----------------------------------------------------------------------------------------


def send_due() -> tuple[int, int]:
    """POST every due delivery once. Returns (delivered, failed this time)."""
    return send_rows(WebhookDelivery, deliver, done="delivered_at")


def deliver(delivery: WebhookDelivery) -> dict:
    url, secret = target(delivery)
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-KCS-Event": delivery.event,
        "X-KCS-Delivery": str(delivery.pk),
    }
    if secret:
        headers |= signed_headers(secret, body)
    status, detail = post(url, body, headers, timeout=settings.KCS_WEBHOOK_TIMEOUT)
    if 200 <= status < 300:
        return {"last_status": status}
    raise AttemptFailed(f"HTTP {status}" + (f": {detail}" if detail else ""), last_status=status)


def target(delivery: WebhookDelivery) -> tuple[str, str]:
    """Where `delivery` goes and the secret it is signed with, checked again at sending time: what
    changed since the event was queued may forbid sending it at all (then it is given up)."""
    hook = delivery.webhook
    if hook is None:
        if not settings.KCS_HANDOVER_URL:
            raise AttemptFailed("KCS_HANDOVER_URL is no longer set.", give_up=True)
        url, secret = settings.KCS_HANDOVER_URL, settings.KCS_HANDOVER_SECRET
    else:
        if not hook.active:
            raise AttemptFailed("The endpoint was deactivated.", give_up=True)
        if hook.audience != delivery.audience:
            raise AttemptFailed("The endpoint's audience changed since this event: not sent.", give_up=True)
        url, secret = hook.url, hook.secret
    problem = endpoint_problem(url)
    if problem:
        raise AttemptFailed(problem, give_up=True)
    if delivery.audience != Audience.INTERNAL and delivery.event != WebhookEvent.ARTICLE_ARCHIVED:
        article = delivery.article
        if article is None or not policy.can_view(reader_for(delivery.audience), article):
            raise AttemptFailed("The article is no longer visible to this endpoint's audience: not sent.", give_up=True)
    return url, secret


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx comes back as an HTTPError: a failed attempt


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> tuple[int, str]:
    """POST `body`; the answer's status and a short reason. Raises OSError when no answer came
    (refused, timed out, TLS, DNS). Tests replace this function: no network in the suite."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.build_opener(_NoRedirects).open(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        with exc:
            location = exc.headers.get("Location") if exc.headers else None
            if 300 <= exc.code < 400:
                return exc.code, f"redirected to {location or 'elsewhere'} (not followed: register the final address)"
            return exc.code, str(exc.reason)[:200]
