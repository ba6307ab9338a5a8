"""Sweepers running at once on PostgreSQL never send a delivery twice, fan-outs never duplicate one, and
creates at once never pass the endpoint limit."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from portal import events
from portal.errors import ValidationFailed
from portal.models import Event
from portal.webhooks import services
from portal.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(target, n: int) -> list:
    """``target`` in ``n`` threads released together; each closes its own database connection."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def record_many(account, n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            events.record("number.activated", account=account, data={"i": i})


def test_two_sweepers_at_once_never_send_a_delivery_twice(tenants, receiver):
    services.webhook_create(actor=tenants.a.owner_actor, url=receiver.url, events=["*"])
    services.webhook_create(actor=tenants.a.owner_actor, url=receiver.url + "?second", events=["*"])
    record_many(tenants.a.account, 150)

    sent = run_at_once(lambda: services.webhooks_sweep(batch=40, time_budget=30), 2)

    assert sum(sent) == 300
    assert WebhookDelivery.objects.count() == 300
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    per_destination = Counter((r.headers["webhook-id"], r.path) for r in receiver.requests)
    assert len(per_destination) == 300 and set(per_destination.values()) == {1}
    assert WebhookAttempt.objects.count() == 300


def test_concurrent_fan_outs_create_each_delivery_once(tenants, receiver):
    services.webhook_create(actor=tenants.a.owner_actor, url=receiver.url, events=["*"])
    record_many(tenants.a.account, 200)

    handled = run_at_once(lambda: services.events_fan_out(limit=60), 4)
    while services.events_fan_out():
        pass

    assert sum(handled) <= 200
    assert WebhookDelivery.objects.count() == 200
    assert not Event.objects.filter(fanned_out_at__isnull=True).exists()


def create_or_refuse(actor, url: str):
    """``webhook_create``, answering "refused" where the service refuses (the limit)."""

    def create():
        try:
            return services.webhook_create(actor=actor, url=url, events=["*"]).endpoint.pk
        except ValidationFailed:
            return "refused"

    return create


def test_creates_at_once_never_pass_the_endpoint_limit(tenants, receiver):
    actor = tenants.a.owner_actor
    for i in range(services.MAX_ENDPOINTS - 2):
        services.webhook_create(actor=actor, url=f"{receiver.url}?n={i}", events=["*"])

    results = run_at_once(create_or_refuse(actor, receiver.url + "?racing"), 6)

    assert Counter(r == "refused" for r in results) == {True: 4, False: 2}
    assert WebhookEndpoint.objects.filter(account=tenants.a.account, kind="endpoint").count() == services.MAX_ENDPOINTS
    # Another account's endpoints are counted apart.
    services.webhook_create(actor=tenants.b.owner_actor, url=receiver.url, events=["*"])


def test_the_first_creates_at_once_are_counted_too(tenants, receiver, monkeypatch):
    monkeypatch.setattr(services, "MAX_ENDPOINTS", 1)

    results = run_at_once(create_or_refuse(tenants.a.owner_actor, receiver.url), 4)

    assert sorted(r == "refused" for r in results) == [False, True, True, True]
    assert WebhookEndpoint.objects.filter(account=tenants.a.account).count() == 1
