"""Benchmarks (run with ``./scripts/test -m perf -s``): they print figures and ratios, they do not time
unit tests. A list endpoint should cost about the same with 50 rows or 20,000, because it is paginated,
indexed and free of per-row queries."""

import statistics
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from billing import ledger
from billing.models import LedgerEntry
from portal import ratelimit

pytestmark = [pytest.mark.perf, pytest.mark.django_db]


def _fill(account, client, n: int) -> None:
    """``n`` SMS-sized debits for ``client``, then fresh planner statistics (as autovacuum would keep)."""
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        ledger.credit(wallet, amount=Decimal(n), kind=LedgerEntry.Kind.TOP_UP, description="bench", reference=None)
        for _ in range(n):
            ledger.debit(
                wallet,
                amount=Decimal("0.008"),
                kind=LedgerEntry.Kind.SMS_OUTBOUND,
                description="sms",
                reference=None,
                client=client,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE billing_ledgerentry")


def _measure(api, url: str, runs: int = 30) -> tuple[float, int]:
    api.get(url)  # warm up
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = api.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        api.get(url)
    return statistics.median(timings) * 1000, len(queries)


def test_transaction_list_cost_does_not_grow_with_the_ledger(tenants, api_as, settings):
    tenants.a.account.api_rate_limit = 1_000_000
    tenants.a.account.save()
    api = api_as(tenants.a.key)
    url = f"/api/v1/wallet/transactions?client_id={tenants.x.pk}&limit=50"
    _fill(tenants.a.account, tenants.x, 50)
    small_ms, small_queries = _measure(api, url)
    _fill(tenants.a.account, tenants.x, 10_000)
    large_ms, large_queries = _measure(api, url)
    print(f"\nGET {url}")
    print(f"  ~50 rows:    {small_ms:7.2f} ms median, {small_queries} queries")
    print(f"  ~10,050 rows: {large_ms:7.2f} ms median, {large_queries} queries")
    print(f"  ratio large/small: {large_ms / small_ms:.2f}x")
    assert large_queries == small_queries


def test_rate_limiter_cost_per_request(settings):
    """At the real limit (60 a minute): the log never holds more than 60 hits per key."""
    runs = 2000
    start = time.perf_counter()
    for _ in range(runs):
        ratelimit.hit("bench:redis", limit=60, window_ms=60_000)
    redis_us = (time.perf_counter() - start) / runs * 1e6
    settings.REDIS_URL = ""
    start = time.perf_counter()
    for _ in range(runs):
        ratelimit.hit("bench:sql", limit=60, window_ms=60_000)
    sql_us = (time.perf_counter() - start) / runs * 1e6
    print(f"\nrate-limit hit: Redis {redis_us:.0f} µs, database {sql_us:.0f} µs ({sql_us / redis_us:.1f}x)")
