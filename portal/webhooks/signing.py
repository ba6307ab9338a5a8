"""Webhook secrets and the two signature headers every request carries.

A secret is ``whsec_`` followed by the base64 of 32 random bytes (the Standard Webhooks form, so their
libraries accept it as given). Each signature is an HMAC-SHA256, keyed as its own convention says:

- ``X-DIDfarm-Signature: t=<unix time>,v1=<hex HMAC of "<t>.<body>">``, keyed with the whole secret as
  shown to people (its UTF-8 bytes, ``whsec_`` included): a receiver uses the secret as it was given;
- ``webhook-id`` (the event id), ``webhook-timestamp`` (unix time) and
  ``webhook-signature: v1,<base64 HMAC of "<webhook-id>.<timestamp>.<body>">``, keyed with the 32 bytes
  the base64 after ``whsec_`` decodes to (the Standard Webhooks specification's rule).

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


def didfarm_key(secret: str) -> bytes:
    """The key of ``X-DIDfarm-Signature``: the secret exactly as shown."""
    return secret.encode()


def standard_key(secret: str) -> bytes:
    """The key of ``webhook-signature``: the bytes the secret's base64 part decodes to."""
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature_headers(*, secrets_: list[str], event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The signature headers for one request; ``body`` is exactly the bytes sent."""
    stamped = b"%d." % timestamp + body
    didfarm = [hmac.new(didfarm_key(secret), stamped, hashlib.sha256).hexdigest() for secret in secrets_]
    signed = f"{event_id}.{timestamp}.".encode() + body
    standard = [
        base64.b64encode(hmac.new(standard_key(secret), signed, hashlib.sha256).digest()).decode()
        for secret in secrets_
    ]
    return {
        "X-DIDfarm-Signature": ",".join([f"t={timestamp}", *(f"v1={sig}" for sig in didfarm)]),
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(f"v1,{sig}" for sig in standard),
    }
