"""Deliveries from the live portal to a local receiver, verified by didfarm.webhooks.verify."""

from __future__ import annotations

import json
import time

import didfarm
import pytest
from didfarm import webhooks


@pytest.fixture
def hooks(client):
    """Creates webhook endpoints for a test and deletes them afterwards (an account may have 20)."""
    made = []

    def create(**fields):
        endpoint = client.webhooks.create(**fields)
        made.append(endpoint.id)
        return endpoint

    yield create
    for endpoint_id in made:
        client.webhooks.delete(endpoint_id)


def test_a_real_delivery_verifies_with_both_signatures(client, receiver, hooks):
    endpoint = hooks(url=receiver.url, events=["*"], description="SDK test")
    assert endpoint.secret.startswith("whsec_")
    client.webhooks.test(endpoint.id)

    headers, body = receiver.wait_for(lambda event: event["event"] == "webhook.test")

    assert "X-DIDfarm-Signature" in headers and "webhook-signature" in headers
    event = webhooks.verify(body, headers, endpoint.secret)
    assert event.event == "webhook.test" and event.id == headers["webhook-id"]

    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(body.replace(b"webhook.test", b"webhook.tost"), headers, endpoint.secret)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(body, headers, "whsec_" + "A" * 43 + "=")
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(body, headers, endpoint.secret, now=time.time() + 3600)  # replayed an hour later
    for name in ("X-DIDfarm-Signature", "webhook-signature"):  # each header is checked on its own too
        alone = {k: v for k, v in headers.items() if k != name}
        assert webhooks.verify(body, alone, endpoint.secret).event == "webhook.test"
        forged = {**headers, name: headers[name].replace("v1", "v0")}
        with pytest.raises(webhooks.WebhookVerificationError):
            webhooks.verify(body, forged, endpoint.secret)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(body, {"Content-Type": "application/json"}, endpoint.secret)


def test_a_number_event_arrives_signed_after_an_order(client, receiver, hooks):
    endpoint = hooks(url=receiver.url, events=["number.provisioned", "number.activated"])
    candidate = client.numbers.search(country_code="NL", number_type="local", limit=1)[0]
    number = client.numbers.order(number=candidate.number)

    headers, body = receiver.wait_for(
        lambda event: event["event"].startswith("number.") and event["data"].get("id") == number.id
    )

    event = webhooks.verify(body, headers, endpoint.secret)
    assert event.data.number == candidate.number and event.data.did_number_id == number.did_number_id


def test_after_rotation_both_secrets_verify_while_the_old_one_still_signs(client, receiver, hooks):
    endpoint = hooks(url=receiver.url, events=["*"])
    rotated = client.webhooks.rotate_secret(endpoint.id)
    assert rotated.secret != endpoint.secret
    client.webhooks.test(endpoint.id)
    headers, body = receiver.wait_for(lambda event: event["event"] == "webhook.test")
    assert webhooks.verify(body, headers, rotated.secret).event == "webhook.test"
    assert webhooks.verify(body, headers, endpoint.secret).event == "webhook.test"
    assert webhooks.verify(body, headers, [endpoint.secret, rotated.secret]).event == "webhook.test"
    deliveries = client.webhooks.deliveries(endpoint.id)
    assert deliveries and deliveries[0].event == "webhook.test"
    assert json.loads(body)["id"] == headers["webhook-id"]


def test_verify_refuses_an_empty_secret():
    with pytest.raises(didfarm.DidfarmError):
        webhooks.verify(b"{}", {"X-DIDfarm-Signature": "t=1,v1=00"}, "")
