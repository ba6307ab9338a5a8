"""Sweepers running at once on PostgreSQL never send a delivery twice, and fan-outs never duplicate one."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from portal import events
from portal.models import Event
from portal.webhooks import services
from portal.webhooks.models import WebhookAttempt, WebhookDelivery

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
