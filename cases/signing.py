"""HMAC-SHA256 signatures of webhook bodies, the same scheme both ways (in: case webhooks; out: events).

Headers: `X-KCS-Timestamp` (Unix seconds) and `X-KCS-Signature: sha256=<hex>`, the HMAC of
`<timestamp>.<raw body>` with the shared secret. Signing the timestamp with the body lets the
receiver refuse an old request replayed later (a replay window), not just a changed one.
Zendesk signs its own way (base64 HMAC of timestamp + body): `zendesk_signature`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-KCS-Timestamp"
SIGNATURE_HEADER = "X-KCS-Signature"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()).decode()


def matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), (given or "").strip().encode())
