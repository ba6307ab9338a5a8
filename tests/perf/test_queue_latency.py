"""SMS delivery reports during a purchase burst: separate queues (one worker per queue, as the README's
production section runs them) versus every task on one queue, with real Celery worker processes on the
Redis broker and PostgreSQL.

Each scenario starts its workers, waits until they are ready, then publishes a burst of ``PERF_CARRIER_TASKS``
(300) provisioning tasks (the sandbox carrier taking ``PERF_PROVISION_SECONDS``, 2 s by default, per number,
as it does out of the box) and, from the same moment, one delivery report every 0.5 s for
``PERF_STREAM_SECONDS`` (30 s). The latency of a report is from its publication to its message's
``delivered_at``. Both scenarios run 10 worker processes in all:

- separate queues: ``carrier`` 6, ``sms`` 2, ``webhooks`` 1, ``periodic,default`` 1 (routing as in
  production: ``TASK_QUEUES``);
- one queue: one worker of 10 processes, every task of the run published to ``default``.

Run with ``./scripts/test tests/perf/test_queue_latency.py -m perf -s``; figures in tests/perf/README.md.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from billing import ledger
from billing.models import LedgerEntry
from messaging.models import Message
from messaging.tasks import sandbox_delivery_report_task
from numbers_app.models import AvailableNumber, Country, Number, NumberGroup
from numbers_app.services import MAX_ITEMS_PER_ORDER, number_purchase, stock_counts_refresh
from numbers_app.tasks import number_provision_task
from portal.celery import app
from tests.perf.test_search_throughput import ROOT, _database_url

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

CARRIER_TASKS = int(os.environ.get("PERF_CARRIER_TASKS", "300"))
PROVISION_SECONDS = os.environ.get("PERF_PROVISION_SECONDS", "2")
STREAM_SECONDS = float(os.environ.get("PERF_STREAM_SECONDS", "30"))
REPORT_EVERY = 0.5

SEPARATE = {"carrier": 6, "sms": 2, "webhooks": 1, "periodic,default": 1}
ONE_QUEUE = {"default": 10}


def _start_workers(workers: dict[str, int], logs: Path) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SANDBOX_PROVISION_SECONDS": PROVISION_SECONDS,
        "SANDBOX_FAILURE_RATE": "0",
        "LOG_LEVEL": "WARNING",
    }
    processes = []
    for queues, concurrency in workers.items():
        name = queues.split(",")[0]
        log = logs / f"{name}.log"
        processes.append(
            subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/celery"),
                    "-A",
                    "portal",
                    "worker",
                    "-Q",
                    queues,
                    "--concurrency",
                    str(concurrency),
                    "--loglevel",
                    "INFO",
                    "-n",
                    f"{name}@bench",
                    "--without-gossip",
                    "--without-mingle",
                    "--logfile",
                    str(log),
                ],
                cwd=ROOT,
                env=env,
            )  # fmt: skip
        )
    deadline = time.monotonic() + 120
    for queues in workers:
        log = logs / f"{queues.split(',')[0]}.log"
        while not (log.exists() and "ready." in log.read_text()):
            assert time.monotonic() < deadline, f"worker {queues} did not start"
            time.sleep(0.2)
    return processes


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _scenario(label, workers, *, queue, numbers, sender, account, tmp_path) -> dict:
    """One run; ``queue`` forces every task onto one queue (None: the production routing)."""
    app.control.purge()
    Number.objects.filter(pk__in=numbers).update(
        status=Number.Status.PROVISIONING, carrier_ref="", provision_claimed_at=None, provision_attempts=0
    )
    refs = [f"bench_{label}_{n}" for n in range(int(STREAM_SECONDS / REPORT_EVERY))]
    now = timezone.now()
    Message.objects.bulk_create(
        Message(account=account, number=sender, direction="outbound", from_e164=sender.e164, to_e164="+31612000000",
                remote_e164="+31612000000", body="Your code is 123456", encoding="gsm7", segments=1,
                status=Message.Status.SENT, carrier="sandbox", carrier_ref=ref, sent_at=now, sending_at=now)
        for ref in refs
    )  # fmt: skip
    logs = tmp_path / label
    logs.mkdir()
    processes = _start_workers(workers, logs)
    options = {"queue": queue} if queue else {}
    try:
        started = time.time()
        for number_id in numbers:
            number_provision_task.apply_async((number_id,), **options)
        published = {}
        for n, ref in enumerate(refs):
            time.sleep(max(0, started + n * REPORT_EVERY - time.time()))
            published[ref] = time.time()
            report = {"carrier_ref": ref, "delivered": True, "error_code": "", "error_message": ""}
            sandbox_delivery_report_task.apply_async(kwargs=report, **options)
        deadline = time.monotonic() + 900
        pending = Message.objects.filter(carrier_ref__in=refs).exclude(status=Message.Status.DELIVERED)
        while pending.exists():
            assert time.monotonic() < deadline, "reports not processed within 15 minutes"
            time.sleep(0.5)
        while Number.objects.filter(pk__in=numbers, status=Number.Status.PROVISIONING).exists():
            assert time.monotonic() < deadline, "provisioning not done within 15 minutes"
            time.sleep(0.5)
        drained = time.time() - started
    finally:
        _stop(processes)
    delivered = dict(Message.objects.filter(carrier_ref__in=refs).values_list("carrier_ref", "delivered_at"))
    latencies = sorted(delivered[ref].timestamp() - published[ref] for ref in refs)
    return {
        "mean": statistics.fmean(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
        "max": latencies[-1],
        "reports": len(latencies),
        "drained": drained,
    }


def test_delivery_reports_during_a_purchase_burst_separate_queues_versus_one(tenants, tmp_path):
    assert settings.REDIS_URL, "this benchmark needs the Redis broker"
    account = tenants.a.account
    Account.objects.filter(pk=account.pk).update(sms_rate_limit=1_000_000)
    with transaction.atomic():
        ledger.credit(ledger.lock_wallet(account), amount=Decimal("100000"), kind=LedgerEntry.Kind.TOP_UP,
                      description="benchmark funds", reference=None)  # fmt: skip
    nl = Country.objects.create(code="NL", name="Netherlands", dial_code="+31")
    group = NumberGroup.objects.create(country=nl, type="mobile", has_sms=True, monthly_price=Decimal("1.00"))
    e164s = [f"+3165{n:07d}" for n in range(1000000, 1000000 + CARRIER_TASKS + 1)]
    AvailableNumber.objects.bulk_create(
        AvailableNumber(e164=e164, group=group, country_id="NL", type="mobile") for e164 in e164s
    )
    stock_counts_refresh()
    for start in range(0, len(e164s), MAX_ITEMS_PER_ORDER):  # a burst of orders, as a busy reseller places
        number_purchase(actor=tenants.a.owner_actor, numbers=e164s[start : start + MAX_ITEMS_PER_ORDER])
    numbers = sorted(Number.objects.filter(e164__in=e164s).values_list("pk", flat=True))
    sender = Number.objects.get(pk=numbers.pop())
    Number.objects.filter(pk=sender.pk).update(status=Number.Status.ACTIVE, sms_enabled=True)

    common = {"numbers": numbers, "sender": sender, "account": account, "tmp_path": tmp_path}
    separate = _scenario("separate", SEPARATE, queue=None, **common)
    one = _scenario("one", ONE_QUEUE, queue="default", **common)

    print(
        f"\n{CARRIER_TASKS} provisioning tasks ({PROVISION_SECONDS} s each at the sandbox) and "
        f"{separate['reports']} delivery reports, one every {REPORT_EVERY} s; 10 worker processes in each run"
    )
    for label, figures in (("separate queues", separate), ("one queue", one)):
        print(f"  {label:16} report latency mean {figures['mean']:7.2f} s  p95 {figures['p95']:7.2f} s  "
              f"max {figures['max']:7.2f} s  (burst drained in {figures['drained']:.0f} s)")  # fmt: skip
    mean_ratio, p95_ratio = one["mean"] / separate["mean"], one["p95"] / separate["p95"]
    print(f"  one queue / separate queues: mean {mean_ratio:.0f}x, p95 {p95_ratio:.0f}x")
    assert separate["p95"] < one["p95"]
