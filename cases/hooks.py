"""Signed case webhooks from the ticketing tools: `POST /api/v1/hooks/cases/<integration slug>/`.

A plain Django view, not DRF: the signature covers the raw bytes of the body, so nothing may
parse or re-encode them first, and the caller is a tool, not a signed-in user (no session, no
CSRF token; the signature is its credential). In order:

1. the integration (active) named in the address, else 404;
2. the body as sent, up to the site's request limit (KCS_MAX_REQUEST_BYTES);
3. the signature with the integration's secret: `X-KCS-Timestamp` + `X-KCS-Signature`
   (cases/signing.py) or, for a Zendesk integration, Zendesk's own headers; then the timestamp
   within the integration's replay window, either way (a clock far ahead is refused as well),
   else 401 with the reason;
4. the delivery once: the SHA-256 of the body, unique per integration (`CaseEvent`), so the same
   delivery again (a tool's retry, or a replay inside the window) changes nothing;
5. the payload read for the tool (cases/payloads.py) and the case upserted
   (`services.upsert_case`: older events and reopening a closed case change nothing).
"""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from articles.models import InvalidChange
from kcs_site.jsoninput import loads

from . import payloads, services, signing
from .models import CaseEvent, CaseIntegration, IntegrationKind

logger = logging.getLogger(__name__)

ZENDESK_SIGNATURE = "X-Zendesk-Webhook-Signature"
ZENDESK_TIMESTAMP = "X-Zendesk-Webhook-Signature-Timestamp"
ALREADY = "already received"


class Unsigned(Exception):
    """The request is not signed as the integration's secret would sign it (a 401)."""


def _json(body: dict, status: int = 200, **headers) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@csrf_exempt
def case_webhook(request: HttpRequest, integration_slug: str) -> JsonResponse:
    if request.method != "POST":
        return _json({"detail": "Send case events with POST."}, 405, Allow="POST")
    integration = CaseIntegration.objects.filter(slug=integration_slug, active=True).first()
    if integration is None:
        return _json({"detail": "No active case integration at this address."}, 404)
    try:
        body = request.body
    except RequestDataTooBig:
        return _json({"detail": "The body is larger than this site accepts in one request."}, 400)
    try:
        _verify(request, integration, body)
    except Unsigned as refused:
        return _json({"detail": str(refused)}, 401, WWW_Authenticate='HMAC realm="case webhooks"')
    return _receive(integration, body)


def _verify(request: HttpRequest, integration: CaseIntegration, body: bytes) -> None:
    headers = request.headers
    if headers.get(signing.SIGNATURE_HEADER) is not None:
        sent_at, given = headers.get(signing.TIMESTAMP_HEADER), headers[signing.SIGNATURE_HEADER]
        names = (signing.TIMESTAMP_HEADER, signing.SIGNATURE_HEADER)
        expected = signing.signature
    elif integration.kind == IntegrationKind.ZENDESK and headers.get(ZENDESK_SIGNATURE) is not None:
        sent_at, given = headers.get(ZENDESK_TIMESTAMP), headers[ZENDESK_SIGNATURE]
        names = (ZENDESK_TIMESTAMP, ZENDESK_SIGNATURE)
        expected = signing.zendesk_signature
    else:
        also = f" (or Zendesk's {ZENDESK_TIMESTAMP} and {ZENDESK_SIGNATURE})" if integration.kind == "zendesk" else ""
        raise Unsigned(f"The request is not signed: send {signing.TIMESTAMP_HEADER} and {signing.SIGNATURE_HEADER}{also}.")
    if not (sent_at or "").strip():
        raise Unsigned(f"The request has no timestamp: send {names[0]} with {names[1]}.")
    when = _timestamp(sent_at)
    if when is None:
        raise Unsigned(f"{names[0]} is neither Unix seconds nor an ISO 8601 date and time.")
    # The secret's check comes before the clock's: a caller without it learns nothing more.
    if not signing.matches(expected(integration.secret, sent_at.strip(), body), given):
        raise Unsigned(
            "The signature does not match this body and timestamp. Sign the raw body exactly as sent, "
            "with the secret set for this integration."
        )
    skew = (timezone.now() - when).total_seconds()
    window = integration.replay_window
    if skew > window:
        raise Unsigned(f"The timestamp is {int(skew)} seconds old; this integration accepts at most {window} (replay window).")
    if -skew > window:
        raise Unsigned(
            f"The timestamp is {int(-skew)} seconds in the future; this integration accepts at most {window}. "
            "Check the sender's clock."
        )


def _timestamp(value: str) -> datetime.datetime | None:
    value = value.strip()
    if value.isdigit():  # Unix seconds (ours); Zendesk sends ISO 8601
        try:
            return datetime.datetime.fromtimestamp(int(value), tz=datetime.UTC)
        except (ValueError, OverflowError, OSError):  # beyond the year 9999
            return None
    return payloads.parse_time(value)


def _receive(integration: CaseIntegration, body: bytes) -> JsonResponse:
    digest = hashlib.sha256(body).hexdigest()
    if CaseEvent.objects.filter(integration=integration, digest=digest).exists():
        return _json({"result": ALREADY})
    try:
        payload = loads(body.decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError included
        return _json({"detail": f"The body is not JSON: {exc}"}, 400)
    try:
        mapped = payloads.read(integration.kind, payload)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    event = CaseEvent.objects.create(integration=integration, digest=digest, result="received")
            except IntegrityError:  # the same delivery, arrived at the same moment, won the race
                return _json({"result": ALREADY})
            upsert = services.upsert_case(source=integration.source, external_id=mapped.external_id, data=mapped.data)
            event.case, event.result = upsert.case, upsert.result[:200]
            event.save(update_fields=["case", "result"])
            CaseIntegration.objects.filter(pk=integration.pk).update(last_event_at=event.received_at)
    except (payloads.Unmappable, InvalidChange) as exc:
        # Nothing recorded: a corrected delivery of the same ticket is read afresh.
        return _json({"detail": str(exc)}, 400)
    case = upsert.case
    logger.info("case webhook %s: %s %s", integration.slug, case, upsert.result)
    return _json(
        {"result": upsert.result, "case": {"source": case.source, "external_id": case.external_id, "status": case.status}},
        201 if upsert.created else 200,
    )
