"""Webhook secrets and the two signature headers every request carries.

A secret is ``whsec_`` followed by the base64 of 32 random bytes (the Standard Webhooks form, so their
libraries accept it as given). Both signatures use those 32 decoded bytes as the HMAC-SHA256 key:

- ``X-DIDfarm-Signature: t=<unix time>,v1=<hex HMAC of "<t>.<body>">``
- ``webhook-id`` (the event id), ``webhook-timestamp`` (unix time) and
  ``webhook-signature: v1,<base64 HMAC of "<webhook-id>.<timestamp>.<body>">``

During the 24 hours after a rotation each header carries one signature per valid secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
USER_AGENT = "DIDfarm-Webhooks/1"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def key_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature_headers(*, secrets_: list[str], event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The signature headers for one request; ``body`` is exactly the bytes sent."""
    keys = [key_bytes(secret) for secret in secrets_]
    didfarm = [hmac.new(key, b"%d." % timestamp + body, hashlib.sha256).hexdigest() for key in keys]
    signed = f"{event_id}.{timestamp}.".encode() + body
    standard = [base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode() for key in keys]
    return {
        "X-DIDfarm-Signature": ",".join([f"t={timestamp}", *(f"v1={sig}" for sig in didfarm)]),
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(f"v1,{sig}" for sig in standard),
    }
