"""The webhooks API: create (secret once), list, get, change, delete, rotate, test, deliveries and
redelivery, the event catalogue; isolation between accounts and clients; read-only keys."""

from __future__ import annotations

import pytest

from portal.webhooks.models import WebhookEndpoint
from tests.conftest import assert_error

from .conftest import emit, sweep

pytestmark = pytest.mark.django_db


def test_create_list_get_update_and_delete_an_endpoint(tenants, api_as):
    api = api_as(tenants.a.key)
    created = api.post(
        "/api/v1/webhooks",
        {"url": "https://hooks.example.com/a", "events": ["number.activated"], "description": "CRM"},
    )
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    assert data["secret"].startswith("whsec_") and data["uuid"].startswith("whk_")
    assert data["events"] == ["number.activated"] and data["enabled"] is True and data["client_id"] is None

    listed = api.get("/api/v1/webhooks").json()
    assert listed["meta"]["total"] == 1 and "secret" not in listed["data"][0]
    for ident in (data["id"], data["uuid"]):
        got = api.get(f"/api/v1/webhooks/{ident}").json()["data"]
        assert got["url"] == "https://hooks.example.com/a" and "secret" not in got

    changed = api.patch(f"/api/v1/webhooks/{data['uuid']}", {"events": ["*"], "enabled": False})
    assert changed.json()["data"]["events"] == ["*"] and changed.json()["data"]["enabled"] is False
    assert_error(api.patch(f"/api/v1/webhooks/{data['id']}", {"secret": "whsec_x"}), 422, "validation_error")
    assert_error(
        api.patch(f"/api/v1/webhooks/{data['id']}", {"events": ["number.teleported"]}), 422, "validation_error"
    )

    assert api.delete(f"/api/v1/webhooks/{data['id']}").status_code == 204
    assert_error(api.get(f"/api/v1/webhooks/{data['id']}"), 404, "not_found")


def test_validation_errors_name_their_fields(tenants, api_as, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    api = api_as(tenants.a.key)
    error = assert_error(
        api.post("/api/v1/webhooks", {"url": "http://10.0.0.1/hook", "events": []}), 422, "validation_error"
    )
    assert set(error["fields"]) == {"url", "events"}
    error = assert_error(api.post("/api/v1/webhooks", {"events": ["*"]}), 422, "validation_error")
    assert "url" in error["fields"]


def test_rotation_returns_a_new_secret_and_reports_when_the_old_one_stops(tenants, api_as):
    api = api_as(tenants.a.key)
    data = api.post("/api/v1/webhooks", {"url": "https://hooks.example.com/a", "events": ["*"]}).json()["data"]
    rotated = api.post(f"/api/v1/webhooks/{data['id']}/rotate-secret").json()["data"]
    assert rotated["secret"] != data["secret"] and rotated["previous_secret_expires_at"]
    assert api.get(f"/api/v1/webhooks/{data['id']}").json()["data"]["previous_secret_expires_at"]


def test_test_event_deliveries_attempts_and_redelivery(tenants, api_as, receiver):
    api = api_as(tenants.a.key)
    data = api.post("/api/v1/webhooks", {"url": receiver.url, "events": ["*"]}).json()["data"]
    queued = api.post(f"/api/v1/webhooks/{data['uuid']}/test")
    assert queued.status_code == 202 and queued.json()["data"]["event"] == "webhook.test"
    receiver.answer(503)
    sweep()

    deliveries = api.get(f"/api/v1/webhooks/{data['id']}/deliveries").json()
    assert deliveries["meta"]["total"] == 1
    [row] = deliveries["data"]
    assert row["status"] == "failed" and row["last_status_code"] == 503 and row["attempts"] == 1
    detail = api.get(f"/api/v1/webhooks/{data['id']}/deliveries/{row['uuid']}").json()["data"]
    assert detail["payload"]["event"] == "webhook.test" and detail["payload"]["id"] == row["event_id"]
    [attempt] = detail["attempt_log"]
    assert attempt["status_code"] == 503 and attempt["latency_ms"] >= 0 and attempt["response_excerpt"] == "ok"

    redelivered = api.post(f"/api/v1/webhooks/{data['id']}/deliveries/{row['id']}/redeliver")
    assert redelivered.status_code == 202
    sweep()
    detail = api.get(f"/api/v1/webhooks/{data['id']}/deliveries/{row['id']}").json()["data"]
    assert detail["status"] == "succeeded" and [a["status_code"] for a in detail["attempt_log"]] == [503, 200]
    assert receiver.ids() == [row["event_id"]] * 2
    assert api.get(f"/api/v1/webhooks/{data['id']}/deliveries?status=failed").json()["meta"]["total"] == 0
    # a test event is not a business event
    assert api.get("/api/v1/events").json()["meta"]["total"] == 0 or all(
        e["event"] != "webhook.test" for e in api.get("/api/v1/events").json()["data"]
    )


def test_the_event_catalogue_lists_every_event_with_an_example(tenants, api_as):
    rows = api_as(tenants.a.read_only_key).get("/api/v1/webhooks/event-types").json()["data"]
    names = [r["name"] for r in rows]
    assert (
        len(names) == 19
        and "message.received" in names
        and {"call.received", "call.completed"} <= set(names)
        and {"number.test_call_failed", "number.test_call_recovered"} <= set(names)
        and "wallet.low_balance" in names
        and "webhook.test" not in names
    )
    received = next(r for r in rows if r["name"] == "message.received")
    assert received["aliases"] == ["sms.received"]
    assert set(received["example"]) == {"id", "event", "timestamp", "data"}


def test_accounts_and_clients_see_only_their_own_endpoints_and_events(tenants, api_as, receiver):
    a = api_as(tenants.a.key)
    a.post("/api/v1/webhooks", {"url": receiver.url, "events": ["*"]})
    a.post("/api/v1/webhooks", {"url": receiver.url + "?y", "events": ["*"], "client_id": tenants.y.pk})
    b_data = api_as(tenants.b.key).post("/api/v1/webhooks", {"url": receiver.url + "?b", "events": ["*"]}).json()
    x = api_as(tenants.x_key)
    x_data = x.post("/api/v1/webhooks", {"url": receiver.url + "?x", "events": ["*"]}).json()["data"]
    assert x_data["client_id"] == tenants.x.pk
    assert_error(
        x.post("/api/v1/webhooks", {"url": receiver.url, "events": ["*"], "client_id": tenants.y.pk}), 404, "not_found"
    )

    assert [w["url"] for w in x.get("/api/v1/webhooks").json()["data"]] == [receiver.url + "?x"]
    assert a.get("/api/v1/webhooks").json()["meta"]["total"] == 3
    assert_error(a.get(f"/api/v1/webhooks/{b_data['data']['id']}"), 404, "not_found")

    emit(tenants.a.account, "number.activated", client=tenants.x)
    sweep()
    assert sorted(r.path for r in receiver.requests) == ["/hooks/didfarm", "/hooks/didfarm?x"]


def test_a_read_only_key_reads_but_cannot_write(tenants, api_as):
    full = api_as(tenants.a.key)
    data = full.post("/api/v1/webhooks", {"url": "https://hooks.example.com/a", "events": ["*"]}).json()["data"]
    ro = api_as(tenants.a.read_only_key)
    assert ro.get("/api/v1/webhooks").status_code == 200
    assert_error(ro.post("/api/v1/webhooks", {"url": "https://hooks.example.com/b", "events": ["*"]}), 403, "forbidden")
    assert_error(ro.post(f"/api/v1/webhooks/{data['id']}/rotate-secret"), 403, "forbidden")
    assert_error(ro.delete(f"/api/v1/webhooks/{data['id']}"), 403, "forbidden")
    assert WebhookEndpoint.objects.count() == 1
