"""Check that a webhook request came from DIDfarm.

The portal signs every delivery twice, with the endpoint's secret (``whsec_…``):

- ``X-DIDfarm-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``, keyed with the whole secret
  as shown (its UTF-8 bytes, ``whsec_`` included);
- the Standard Webhooks headers ``webhook-id``, ``webhook-timestamp`` and
  ``webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<timestamp>.<body>">``, keyed with the bytes
  the base64 after ``whsec_`` decodes to.

While a rotated secret's old value still signs (24 hours), each header carries one signature per secret.
:func:`verify` accepts a request only when every signature header present is valid and fresh, and at least
one is; give it the raw body exactly as received (not re-serialised JSON).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

from ._errors import DidfarmError
from ._objects import DidfarmObject, convert

DEFAULT_TOLERANCE = 300

# The events a delivery's ``event`` may name (``GET /webhooks/event-types`` describes each).
EVENT_TYPES = (
    "number.provisioned",
    "number.activated",
    "number.released",
    "number.expiring",
    "number.suspended",
    "number.ported",
    "number.test_call_failed",
    "number.test_call_recovered",
    "payment.succeeded",
    "payment.failed",
    "regulatory.approved",
    "regulatory.rejected",
    "trunk.registered",
    "trunk.offline",
    "call.received",
    "call.completed",
    "message.received",
    "message.status",
    "client.created",
    "client.updated",
    "wallet.credited",
    "wallet.debited",
    "wallet.low_balance",
)
PREFIX = "whsec_"


class WebhookVerificationError(DidfarmError):
    """The request is not a genuine, fresh DIDfarm delivery."""


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def _fresh(timestamp: str, tolerance: int, now: float) -> bool:
    return timestamp.isdigit() and abs(now - int(timestamp)) <= tolerance


def _check_didfarm(secrets: list[str], body: bytes, header: str, tolerance: int, now: float) -> None:
    pairs = [part.strip().split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for name, value in pairs if name == "t"]
    if len(stamps) != 1 or not _fresh(stamps[0], tolerance, now):
        raise WebhookVerificationError("X-DIDfarm-Signature has no valid, recent timestamp", code="timestamp")
    signed = stamps[0].encode() + b"." + body
    given = [value for name, value in pairs if name == "v1"]
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, value) for value in given):
            return
    raise WebhookVerificationError("X-DIDfarm-Signature does not match this body and secret", code="signature")


def _standard_key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("The secret is not a whsec_ secret", code="secret") from None


def _check_standard(
    secrets: list[str], body: bytes, webhook_id: str, stamp: str, header: str, tolerance: int, now: float
) -> None:
    if not _fresh(stamp, tolerance, now):
        raise WebhookVerificationError("webhook-timestamp is missing or not recent", code="timestamp")
    signed = f"{webhook_id}.{stamp}.".encode() + body
    given = [part.split(",", 1)[1] for part in header.split() if part.startswith("v1,")]
    for secret in secrets:
        expected = base64.b64encode(hmac.new(_standard_key(secret), signed, hashlib.sha256).digest()).decode()
        if any(hmac.compare_digest(expected, value) for value in given):
            return
    raise WebhookVerificationError("webhook-signature does not match this body and secret", code="signature")


def verify(
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str | Iterable[str],
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> DidfarmObject:
    """Verify a delivery and return its event (``event.id``, ``event.event``, ``event.data``).

    ``secret`` may be a list (while you move to a rotated secret). Raises
    :class:`WebhookVerificationError` unless every signature header present matches the body and is at
    most ``tolerance`` seconds old, and at least one is there."""
    raw = body.encode() if isinstance(body, str) else bytes(body)
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets or not all(isinstance(s, str) and s for s in secrets):
        raise WebhookVerificationError("No webhook secret given", code="secret")
    clock = time.time() if now is None else now
    didfarm = _header(headers, "X-DIDfarm-Signature")
    standard = _header(headers, "webhook-signature")
    if not didfarm and not standard:
        raise WebhookVerificationError("The request carries no DIDfarm signature", code="missing_signature")
    if didfarm:
        _check_didfarm(secrets, raw, didfarm, tolerance, clock)
    if standard:
        webhook_id = _header(headers, "webhook-id") or ""
        stamp = _header(headers, "webhook-timestamp") or ""
        _check_standard(secrets, raw, webhook_id, stamp, standard, tolerance, clock)
    try:
        event: Any = convert(json.loads(raw))
    except ValueError:
        raise WebhookVerificationError("The body is not JSON", code="body") from None
    if not isinstance(event, DidfarmObject):
        raise WebhookVerificationError("The body is not an event", code="body")
    return event


__all__ = ["WebhookVerificationError", "verify"]
