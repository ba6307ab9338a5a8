"""Webhook delivery throughput (run with ``./scripts/test tests/perf -m perf -s``): events recorded in the
outbox, fanned out and delivered to a local receiver by the sweeper — claim, sign, POST over pooled
connections from the sending threads, record attempts — until every delivery has succeeded.

The receiver runs in its own process (a threaded keep-alive HTTP server) so it does not share the
sweeper's interpreter lock; it shares the machine's two cores with PostgreSQL and the sweeper.
``PERF_WEBHOOK_EVENTS`` sets the number of events (default 3000)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest
from django.db import connection, transaction

from portal import events
from portal.webhooks import delivery, services
from portal.webhooks.models import WebhookAttempt, WebhookDelivery

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

RECEIVER = textwrap.dedent(
    """
    import sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # as production servers do: no 40 ms delayed-ACK stalls

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    server.serve_forever()
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def receiver_url():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/hooks"
    proc.terminate()
    proc.wait(5)


def _record(account, n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            events.record(
                "number.activated",
                account=account,
                subject_type="number",
                subject_id=f"num_{i}",
                data={"id": f"num_{i}", "number": f"+312070{i:05d}", "status": "active"},
            )


def test_webhook_deliveries_per_second_to_a_local_receiver(tenants, receiver_url):
    n = int(os.environ.get("PERF_WEBHOOK_EVENTS", "3000"))
    services.webhook_create(actor=tenants.a.owner_actor, url=receiver_url, events=["*"])

    # Warm-up: the sending threads open their connections.
    _record(tenants.a.account, 200)
    services.webhooks_sweep(time_budget=60)
    WebhookAttempt.objects.all().delete()
    WebhookDelivery.objects.all().delete()

    _record(tenants.a.account, n)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_event; ANALYZE portal_webhookdelivery")

    started = time.perf_counter()
    fanned = 0
    while (handled := services.events_fan_out()) > 0:
        fanned += handled
    fan_out_seconds = time.perf_counter() - started
    assert fanned == n and WebhookDelivery.objects.count() == n

    send_started = time.perf_counter()
    sent = 0
    while sent < n:
        sent += services.webhooks_sweep(time_budget=120)
    send_seconds = time.perf_counter() - send_started
    total = time.perf_counter() - started

    assert WebhookDelivery.objects.filter(status="succeeded").count() == n
    assert WebhookAttempt.objects.count() == n
    latencies = sorted(WebhookAttempt.objects.values_list("latency_ms", flat=True))
    rate = n / total
    print(f"\n{n} events, one endpoint, {delivery._threads()} sending threads, batches of {delivery.BATCH}")
    print(f"fan-out: {fan_out_seconds:.2f} s ({n / fan_out_seconds:.0f} events/s)")
    print(f"send + record: {send_seconds:.2f} s ({n / send_seconds:.0f} deliveries/s)")
    print(f"end to end: {total:.2f} s = {rate:.0f} deliveries/s")
    print(f"request latency p50 {latencies[len(latencies) // 2]} ms, p95 {latencies[int(len(latencies) * 0.95)]} ms")
    assert rate >= 300, f"{rate:.0f} deliveries/s is below the 300/s target"
