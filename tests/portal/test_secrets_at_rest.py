"""A database dump holds no readable secret: webhook signing secrets (current and previous) and port-in
PINs and account numbers, each created through the real services, are absent from ``pg_dump``'s output,
while the portal still signs with both webhook secrets and still reads what the losing carrier needs."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from django.db import connection

from numbers_app.regulatory.models import PortRequest
from portal.webhooks import services
from portal.webhooks.models import WebhookEndpoint
from tests.numbers.regulatory_fixtures import make_port
from tests.portal.webhooks.conftest import emit, receiver, sweep  # noqa: F401 (receiver: a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

PIN = "PIN-Qzx7Kv"
ACCOUNT_NUMBER = "ACCT-Wrenfield-55318"


def pg_dump() -> str:
    """The whole test database as ``pg_dump`` writes it (committed data, seen from another connection)."""
    db = connection.settings_dict
    if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
        pytest.skip("needs PostgreSQL and pg_dump")
    command = ["pg_dump", "--no-owner", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
    command += ["-U", db["USER"] or "postgres", db["NAME"]]
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=120).stdout


def test_a_dump_holds_no_webhook_secret_pin_or_account_number_while_the_portal_still_uses_them(
    tenants,
    receiver,  # noqa: F811
):
    actor = tenants.a.owner_actor
    first = services.webhook_create(actor=actor, url=receiver.url, events=["*"])
    rotated = services.webhook_rotate_secret(actor=actor, endpoint=first.endpoint)  # the first stays previous
    make_port(actor, account_number=ACCOUNT_NUMBER, pin=PIN)

    dump = pg_dump()
    assert "portal_webhookendpoint" in dump and "numbers_portrequest" in dump  # the tables are in it
    for plaintext in (first.secret, rotated.secret, PIN, ACCOUNT_NUMBER):
        assert plaintext not in dump
    # Not even the base64 part of a secret (the Standard Webhooks key material).
    assert first.secret.removeprefix("whsec_") not in dump and rotated.secret.removeprefix("whsec_") not in dump

    # The portal still signs with both secrets: a delivery verifies with each, as receivers check it.
    emit(tenants.a.account)
    sweep()
    [request] = receiver.requests
    signature = request.headers["X-DIDfarm-Signature"]
    assert receiver.verify(rotated.secret, request.body, signature)
    assert receiver.verify(first.secret, request.body, signature)
    assert WebhookEndpoint.objects.get(pk=first.endpoint.pk).signing_secrets() == [rotated.secret, first.secret]

    # What the losing carrier needs is readable to the portal (and shown to staff); people see it masked.
    port = PortRequest.objects.get()
    assert (port.pin, port.account_number) == (PIN, ACCOUNT_NUMBER)
    assert port.account_number_masked == "*" * (len(ACCOUNT_NUMBER) - 4) + "5318"
