"""Signatures as receivers check them: the README's code, and the Standard Webhooks library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
import standardwebhooks

from portal.webhooks import services, signing
from portal.webhooks.models import WebhookAttempt

from .conftest import emit, readme_verification_code, sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(tenants, receiver):
    issued = services.webhook_create(actor=tenants.a.owner_actor, url=receiver.url, events=["*"])
    receiver.secrets = [issued.secret]
    return issued


def test_a_secret_is_whsec_and_32_random_bytes_in_base64():
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert signing.new_secret() != secret


def test_every_request_carries_both_signatures_and_the_readme_code_accepts_them(tenants, receiver, endpoint):
    event = emit(tenants.a.account, "number.activated")
    assert sweep() == 1

    [got] = receiver.requests
    assert got.verified is True
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["User-Agent"] == "DIDfarm-Webhooks/1"
    assert got.headers["webhook-id"] == event.public_id
    assert got.json == event.as_payload()
    assert set(got.json) == {"id", "event", "timestamp", "data"}
    t = int(got.headers["webhook-timestamp"])
    assert abs(t - time.time()) < 5
    assert got.headers["X-DIDfarm-Signature"].startswith(f"t={t},v1=")


def test_a_receiver_keying_the_hmac_with_the_secret_exactly_as_shown_verifies_the_didfarm_signature(
    tenants, receiver, endpoint
):
    emit(tenants.a.account, "number.activated")
    sweep()

    [got] = receiver.requests
    fields = dict(part.split("=", 1) for part in got.headers["X-DIDfarm-Signature"].split(","))
    key = endpoint.secret.encode()  # the whole string the portal showed, "whsec_" included
    expected = hmac.new(key, fields["t"].encode() + b"." + got.body, hashlib.sha256).hexdigest()
    assert endpoint.secret.startswith("whsec_") and hmac.compare_digest(fields["v1"], expected)


def test_the_standard_webhooks_library_verifies_our_headers_with_the_secret_we_gave(tenants, receiver, endpoint):
    emit(tenants.a.account, "number.released")
    sweep()

    [got] = receiver.requests
    payload = standardwebhooks.Webhook(endpoint.secret).verify(got.body, got.headers)
    assert payload["event"] == "number.released"
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(signing.new_secret()).verify(got.body, got.headers)


def test_changing_one_byte_of_body_id_or_timestamp_fails_the_check(tenants, receiver, endpoint):
    emit(tenants.a.account, "number.activated")
    sweep()
    [got] = receiver.requests
    verify = readme_verification_code()["verify_didfarm_signature"]
    header = got.headers["X-DIDfarm-Signature"]
    library = standardwebhooks.Webhook(endpoint.secret)

    assert verify(endpoint.secret, got.body, header)
    tampered = bytearray(got.body)
    tampered[len(tampered) // 2] ^= 0x01
    assert not verify(endpoint.secret, bytes(tampered), header)
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        library.verify(bytes(tampered), got.headers)

    t = got.headers["webhook-timestamp"]
    later = str(int(t) + 1)
    assert not verify(endpoint.secret, got.body, header.replace(f"t={t}", f"t={later}"))
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        library.verify(got.body, {**got.headers, "webhook-timestamp": later})

    other_id = got.headers["webhook-id"][:-1] + ("0" if got.headers["webhook-id"][-1] != "0" else "1")
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        library.verify(got.body, {**got.headers, "webhook-id": other_id})
    assert not verify(signing.new_secret(), got.body, header)


def test_the_documented_check_rejects_a_timestamp_older_than_five_minutes():
    verify = readme_verification_code()["verify_didfarm_signature"]
    secret = signing.new_secret()
    body = b'{"id":"evt_1","event":"webhook.test","timestamp":"2026-01-01T00:00:00Z","data":{}}'

    def header(t: int) -> str:
        return signing.signature_headers(secrets_=[secret], event_id="evt_1", timestamp=t, body=body)[
            "X-DIDfarm-Signature"
        ]

    now = int(time.time())
    assert verify(secret, body, header(now))
    assert verify(secret, body, header(now - 290))
    assert not verify(secret, body, header(now - 310))
    assert not verify(secret, body, header(now + 310))
    assert not verify(secret, body, "v1=abc")  # no timestamp
    assert not verify(secret, body, f"t={now},t={now},v1=x")


def test_headers_sent_are_logged_with_the_attempt(tenants, receiver, endpoint):
    emit(tenants.a.account, "number.activated")
    sweep()
    attempt = WebhookAttempt.objects.get()
    assert attempt.request_headers["X-DIDfarm-Signature"] == receiver.requests[0].headers["X-DIDfarm-Signature"]
    assert attempt.status_code == 200 and attempt.succeeded and attempt.response_excerpt == "ok"
