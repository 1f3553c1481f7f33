"""What each ticketing tool's webhook body says about a case, as the fields of `services.upsert_case`.

One documented shape per tool (README, "Connecting a ticketing tool"; examples the tests send
are in cases/tests/payloads/):

- Zendesk: a webhook subscribed to ticket events (`{"type": "zen:event-type:ticket.…",
  "detail": {"id", "subject", "description", "status", "created_at", "updated_at", …}}`), or a
  webhook connected to a trigger whose JSON body is `{"ticket": {…}}` with the placeholders
  listed in the README (the event shape names the agent and group only by Zendesk ids).
- Freshdesk: an automation rule's "Trigger webhook" with the simple JSON content,
  `{"freshdesk_webhook": {"ticket_id", "ticket_subject", "ticket_status", …}}`.
- generic: this site's own case fields, as `PUT /api/v1/cases/{source}/{external_id}/` takes them,
  plus `external_id`.

`read(kind, payload)` returns the case id and its fields, or raises `Unmappable` with the reason
the sender gets (a 400; nothing is recorded).
"""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.html import strip_tags

from .choices import Status


class Unmappable(ValueError):
    """The body is not a case in the shape this integration reads."""


@dataclass
class Mapped:
    external_id: str
    data: dict  # the fields upsert_case reads


ZENDESK_STATUS = {
    "new": Status.OPEN,
    "open": Status.OPEN,
    "pending": Status.OPEN,
    "hold": Status.OPEN,
    "on-hold": Status.OPEN,
    "solved": Status.SOLVED,
    "closed": Status.CLOSED,
}
# Freshdesk's final statuses are Resolved and Closed; every other one, its own (Open, Pending)
# and the custom ones ("Waiting on Customer"), is a ticket still being worked on. Its API and
# some rules send the numbers instead (2 open, 3 pending, 4 resolved, 5 closed).
FRESHDESK_FINAL = {"resolved": Status.SOLVED, "closed": Status.CLOSED, "4": Status.SOLVED, "5": Status.CLOSED}


def read(kind: str, payload) -> Mapped:
    if not isinstance(payload, dict):
        raise Unmappable("The body must be a JSON object.")
    reader = {"zendesk": _zendesk, "freshdesk": _freshdesk, "generic": _generic}.get(kind)
    if reader is None:
        raise Unmappable(f"This integration's kind “{kind}” has no payload reader.")
    return reader(payload)


# --- Zendesk ----------------------------------------------------------------------------------


def _zendesk(payload: dict) -> Mapped:
    if isinstance(payload.get("detail"), dict) and "type" in payload:
        return _zendesk_event(payload)
    if isinstance(payload.get("ticket"), dict):
        return _zendesk_trigger(payload["ticket"])
    raise Unmappable(
        'Not a Zendesk ticket webhook: expected a ticket event ({"type": "zen:event-type:ticket.…", '
        '"detail": {…}}) or a trigger body {"ticket": {…}} as the README shows.'
    )


def _zendesk_event(payload: dict) -> Mapped:
    kind = str(payload.get("type") or "")
    if not kind.startswith("zen:event-type:ticket."):
        raise Unmappable(f"Only Zendesk ticket events are read; this one is “{kind[:100]}”.")
    detail = payload["detail"]
    data = _text_fields(detail, {"subject": "subject", "description": "description"})
    data.update(_status(detail.get("status"), ZENDESK_STATUS, "detail.status"))
    data.update(_times(detail, opened="created_at", updated="updated_at", strict=True))
    return Mapped(_external_id(detail.get("id"), "detail.id"), data)


def _zendesk_trigger(ticket: dict) -> Mapped:
    data = _text_fields(
        ticket,
        {
            "subject": "subject",
            "description": "description",
            "url": "url",
            "requester_name": "requester_name",
            "team": "group",
            "product": "product",
            "agent": "agent_email",
        },
    )
    data.update(_email(ticket, "requester_email"))
    data.update(_status(ticket.get("status"), ZENDESK_STATUS, "ticket.status"))
    data.update(_times(ticket, opened="created_at", updated="updated_at", strict=True))
    return Mapped(_external_id(ticket.get("id"), "ticket.id"), data)


# --- Freshdesk --------------------------------------------------------------------------------


def _freshdesk(payload: dict) -> Mapped:
    ticket = payload.get("freshdesk_webhook")
    if not isinstance(ticket, dict):
        raise Unmappable('Not a Freshdesk automation webhook: expected {"freshdesk_webhook": {"ticket_id": …}}.')
    data = _text_fields(
        ticket,
        {
            "subject": "ticket_subject",
            "url": "ticket_url",
            "team": "ticket_group_name",
            "product": "ticket_product",
            "agent": "ticket_agent_email",
        },
    )
    if "ticket_description" in ticket:
        # Freshdesk sends the description as HTML: the case keeps the requester's words as text.
        data["description"] = html.unescape(strip_tags(str(ticket["ticket_description"] or "")))
    name = ticket.get("ticket_contact_name", ticket.get("ticket_requester_name"))
    if name is not None:
        data["requester_name"] = str(name)
    email = ticket.get("ticket_contact_email", ticket.get("ticket_requester_email"))
    if email is not None:
        data.update(_email({"ticket_contact_email": email}, "ticket_contact_email", to="requester_email"))
    status = ticket.get("ticket_status")
    if status is not None and str(status).strip():
        data["status"] = FRESHDESK_FINAL.get(str(status).strip().lower(), Status.OPEN)
    # Freshdesk writes its dates for people ("Mon, 4 May 2026 at 9:30 AM"): only ISO 8601 is read.
    data.update(_times(ticket, opened="ticket_created_at", updated="ticket_updated_at", strict=False))
    return Mapped(_external_id(ticket.get("ticket_id"), "freshdesk_webhook.ticket_id"), data)


# --- generic ----------------------------------------------------------------------------------

GENERIC_FIELDS = (
    "subject",
    "description",
    "url",
    "product",
    "requester_kind",
    "requester_name",
    "agent",
    "team",
    "status",
    "opened_at",
    "updated_at",
)


def _generic(payload: dict) -> Mapped:
    data = {name: payload[name] for name in GENERIC_FIELDS if name in payload}
    data.update(_email(payload, "requester_email"))
    if "status" in data and data["status"] not in Status.values:
        raise Unmappable(f"status is one of: {', '.join(Status.values)}.")
    return Mapped(_external_id(payload.get("external_id"), "external_id"), data)


# --- shared -----------------------------------------------------------------------------------


def _external_id(value, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise Unmappable(f"The ticket's id ({where}) is missing.")
    return str(value)


def _text_fields(source: dict, names: dict[str, str]) -> dict:
    """{case field: source key}: each key present is taken as text (an empty one clears the field)."""
    out = {}
    for field, key in names.items():
        if key in source:
            value = source[key]
            if isinstance(value, dict | list):
                raise Unmappable(f"{key} must be text.")
            out[field] = "" if value is None else str(value)
    return out


def _email(source: dict, key: str, *, to: str | None = None) -> dict:
    if key not in source:
        return {}
    value = str(source[key] or "").strip()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise Unmappable(f"{key} is not an email address.") from None
    return {to or key: value}


def _status(value, table: dict, where: str) -> dict:
    if value is None or not str(value).strip():
        return {}
    status = table.get(str(value).strip().lower())
    if status is None:
        raise Unmappable(f"Unknown ticket status “{str(value)[:50]}” in {where}; known: {', '.join(table)}.")
    return {"status": status}


def _times(source: dict, *, opened: str, updated: str, strict: bool) -> dict:
    out = {}
    for field, key in (("opened_at", opened), ("updated_at", updated)):
        value = source.get(key)
        if value in (None, ""):
            continue
        parsed = parse_time(value)
        if parsed is None:
            if strict:
                raise Unmappable(f"{key} is not an ISO 8601 date and time (such as 2026-05-04T09:30:00Z).")
            continue
        out[field] = parsed
    return out


def parse_time(value) -> datetime.datetime | None:
    """An ISO 8601 date and time (Zendesk's "2026-05-04T09:30Z" included), made aware in UTC; else None."""
    try:
        parsed = datetime.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
