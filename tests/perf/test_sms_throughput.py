"""SMS under load: messages accepted per second through the API (a real gunicorn), and delivered per
second by real Celery workers through the sandbox carrier (dispatch, the carrier's delivery report, the
status update and its events), on PostgreSQL and Redis.

Run with ``./scripts/test tests/perf/test_sms_throughput.py -m perf -s`` (``PERF_SECONDS`` sets the time
of the sending phase). It prints, for the same server:

1. accepted/s for ``POST /api/v1/messages/send`` with 8 concurrent clients, p50/p95, versus the bare
   authenticated ``GET /api/v1/me``;
2. delivered/s: workers started on the backlog of phase 1 until every message is ``delivered``;
3. both at once: clients sending while the workers deliver; the backlog (messages accepted but not yet
   delivered) sampled twice a second, and how long after the last send the workers were done. Delivery
   keeps up when that backlog stays level instead of growing with time.

Figures measured here are kept in tests/perf/README.md.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.db import connection, transaction

from accounts.models import Account
from billing import ledger
from billing.models import LedgerEntry
from messaging.models import Message
from numbers_app.services import number_configure, number_provision, number_purchase
from tests.numbers.conftest import NL_MOBILE, stock  # noqa: F401 (the fixture, used below)
from tests.perf.test_search_throughput import ROOT, _database_url, _free_port, _load, _load_posts
from tests.portal.test_security_settings import demo_environment

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]

SECONDS = float(os.environ.get("PERF_SECONDS", "10"))
DESTINATIONS = [f"+3161{n:07d}" for n in range(2000000, 2000400)]


def _env(port_db: str) -> dict:
    return {
        **os.environ,
        **demo_environment(),  # plain HTTP on this machine (the settings' defaults redirect to HTTPS)
        "DATABASE_URL": port_db,
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SANDBOX_SMS_DELIVERY_SECONDS": "0.2",
        "SANDBOX_SMS_FAILURE_RATE": "0",
        "LOG_LEVEL": "WARNING",
    }


def _undelivered() -> int:
    return Message.objects.exclude(status=Message.Status.DELIVERED).count()


class _Backlog(threading.Thread):
    """Counts the messages not yet delivered every ``every`` seconds, on its own connection."""

    def __init__(self, every: float = 0.5):
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[int] = []
        self._done = threading.Event()

    def run(self):
        try:
            while not self._done.wait(self.every):
                self.samples.append(_undelivered())
        finally:
            connection.close()

    def finish(self) -> list[int]:
        self._done.set()
        self.join()
        return self.samples


def _counts() -> dict[str, int]:
    rows = Message.objects.values_list("status", flat=True)
    out: dict[str, int] = {}
    for status in rows.iterator():
        out[status] = out.get(status, 0) + 1
    return out


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer %(key)s"
wrk.headers["Content-Type"] = "application/json"
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"from": "%(sender)s", "to": "+3161%%07d", "body": "Your code is %%06d."}',
    2000000 + (counter %% 400), counter)
  return wrk.format(nil, "/api/v1/messages/send", nil, body)
end
"""


def _wrk_sends(base: str, *, key: str, sender: str, seconds: float) -> float | None:
    """Sends a second with ``wrk`` (Debian's package), when it is installed: a load generator in C leaves
    the two cores to the server, where the Python clients above take a good share of them."""
    if shutil.which("wrk") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"key": key, "sender": sender})
    try:
        out = subprocess.run(
            ["wrk", "-t2", "-c8", f"-d{max(int(seconds), 1)}s", "-s", script.name, base + "/"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    assert "Non-2xx" not in out, out
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def test_sms_accepted_and_delivered_per_second(tenants, settings):
    assert settings.REDIS_URL, "this benchmark needs Redis (broker and rate limits)"
    settings.SANDBOX_PROVISION_SECONDS = 0
    account = tenants.a.account
    Account.objects.filter(pk=account.pk).update(sms_rate_limit=1_000_000, api_rate_limit=1_000_000)
    with transaction.atomic():
        ledger.credit(
            ledger.lock_wallet(account),
            amount=Decimal("100000"),
            kind=LedgerEntry.Kind.TOP_UP,
            description="benchmark funds",
            reference=None,
        )
    number = number_purchase(actor=tenants.a.owner_actor, numbers=[NL_MOBILE[0]]).numbers.get()
    number_provision(number_id=number.pk)
    number.refresh_from_db()
    number_configure(actor=tenants.a.owner_actor, number=number, capabilities=["voice", "sms"])

    db_url = _database_url()
    env = _env(db_url)
    port = _free_port()
    web = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "portal.wsgi", "-c", "python:portal.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    worker = None
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {tenants.a.key}", "Content-Type": "application/json"}
    try:
        for _ in range(100):
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still starting
                time.sleep(0.1)
        bodies = [
            {"from": number.e164, "to": to, "body": f"Your code is {index:06d}. It expires in 10 minutes."}
            for index, to in enumerate(DESTINATIONS)
        ]
        _load_posts(base + "/api/v1/messages/send", bodies[:20], headers, 1.5, expect=201)  # warm-up
        bare_rps, bare_p50, bare_p95, _ = _load([base + "/api/v1/me"], headers, SECONDS)
        rps, p50, p95, sent = _load_posts(base + "/api/v1/messages/send", bodies, headers, SECONDS, expect=201)
        wrk_rps = _wrk_sends(base, key=tenants.a.key, sender=number.e164, seconds=SECONDS)
        backlog = Message.objects.filter(status=Message.Status.QUEUED).count()

        # Phase 2: workers drain the backlog.
        worker = subprocess.Popen(
            [str(ROOT / ".venv/bin/celery"), "-A", "portal", "worker", "--concurrency", "2", "--loglevel", "WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"perf-{port}@%h"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        began = time.monotonic()
        total = Message.objects.count()
        while Message.objects.filter(status=Message.Status.DELIVERED).count() < total:
            assert time.monotonic() - began < 600, _counts()
            time.sleep(0.25)
        drain = time.monotonic() - began
        delivered_rps = backlog / drain

        # Phase 3: sending and delivering at once.
        before = Message.objects.filter(status=Message.Status.DELIVERED).count()
        backlog_sampler = _Backlog()
        start = time.monotonic()
        backlog_sampler.start()
        try:
            both_rps, _, both_p95, both_sent = _load_posts(
                base + "/api/v1/messages/send", bodies, headers, SECONDS, expect=201
            )
        finally:  # its connection is closed before the test database is dropped, whatever happened
            backlog_samples = backlog_sampler.finish()
        window = time.monotonic() - start
        delivered_during = Message.objects.filter(status=Message.Status.DELIVERED).count() - before
        left = _undelivered()
        while _undelivered():
            assert time.monotonic() - start < window + 120, _counts()
            time.sleep(0.05)
        caught_up = time.monotonic() - start - window
        wallet = ledger.wallet_for(account)
        assert wallet.balance == ledger.entries_total(wallet)
    finally:
        for process in (worker, web):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()

    print(f"\nSMS throughput on {os.cpu_count()} cores (8 clients, gunicorn 2×4, Celery prefork 2):", file=sys.stderr)
    print(f"  bare GET /me                 {bare_rps:7.0f} req/s  p50 {bare_p50:5.1f} ms  p95 {bare_p95:5.1f} ms")
    print(f"  POST messages/send accepted  {rps:7.0f} msg/s  p50 {p50:5.1f} ms  p95 {p95:5.1f} ms  ({sent} messages)"
          f"  {rps / bare_rps:.2f}× bare")  # fmt: skip
    if wrk_rps is not None:
        print(f"  the same with wrk (C, 8 connections): {wrk_rps:.0f} msg/s accepted")
    print(f"  workers, backlog of {backlog}: delivered {delivered_rps:7.0f} msg/s (drained in {drain:.1f} s)")
    during = delivered_during / window
    print(f"  both at once: accepted {both_rps:.0f} msg/s (p95 {both_p95:.1f} ms), delivered {during:.0f} msg/s,"
          f" {left} not yet delivered at the end ({both_sent} sent)")  # fmt: skip
    half = len(backlog_samples) // 2
    first, second = backlog_samples[:half] or [0], backlog_samples[half:] or [0]
    print(f"    backlog twice a second: {' '.join(map(str, backlog_samples))}")
    print(f"    mean backlog, first half {statistics.mean(first):.0f}, second half {statistics.mean(second):.0f};"
          f" all delivered {caught_up:.1f} s after the last send")  # fmt: skip
    assert rps > 0 and delivered_rps > 0
