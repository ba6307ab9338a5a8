"""Real threads on PostgreSQL, each with its own connection and transaction: the wallet row lock and the
charge-once constraint are what keep these results exact."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from billing import ledger
from billing.models import LedgerEntry
from portal.errors import InsufficientBalance
from tests.billing.conftest import assert_balanced

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count: int, work) -> list:
    """Start ``count`` threads at the same instant; each returns ``work()``'s result or the exception it
    raised. Every thread closes its own database connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        except Exception as exc:  # the caller inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_fifty_concurrent_debits_never_overdraw_the_wallet(tenants):
    account = tenants.a.account

    def debit_three():
        with transaction.atomic():
            wallet = ledger.lock_wallet(account)
            return ledger.debit(
                wallet,
                amount=Decimal("3.00"),
                kind=LedgerEntry.Kind.NUMBER_PURCHASE,
                description="Race",
                reference=None,
            )

    results = run_together(50, debit_three)

    succeeded = [r for r in results if isinstance(r, LedgerEntry)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert len(succeeded) == 33
    assert len(refused) == 17
    wallet = assert_balanced(account)
    assert wallet.balance == Decimal("1.0000")
    assert LedgerEntry.objects.filter(wallet=wallet).count() == 34
    # Each successful debit saw the balance its predecessor left: the running balances are distinct.
    assert sorted(e.balance_after for e in succeeded) == [Decimal("1") + 3 * i for i in range(33)]


def test_twenty_threads_racing_one_dedupe_key_charge_once(tenants):
    account = tenants.a.account

    def renew():
        with transaction.atomic():
            wallet = ledger.lock_wallet(account)
            return ledger.debit(
                wallet,
                amount=Decimal("4.50"),
                kind=LedgerEntry.Kind.NUMBER_RENEWAL,
                description="Renewal",
                reference=ledger.Reference("number", "num_1"),
                dedupe_key="renewal:num_1:2025-04",
            )

    results = run_together(20, renew)

    assert all(isinstance(r, LedgerEntry) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.NUMBER_RENEWAL).count() == 1
    assert assert_balanced(account).balance == Decimal("95.5000")


def test_a_charge_racing_an_uncommitted_twin_returns_the_twins_entry(tenants):
    """Without the wallet lock, a second posting of the same charge misses the first (not yet committed)
    in its lookup, waits on the unique index, and must answer with the first entry once it commits."""
    account = tenants.a.account
    first_inserted = threading.Event()
    results: dict = {}

    def post():
        with transaction.atomic():
            wallet = ledger.wallet_for(account)
            return ledger.debit(
                wallet,
                amount=Decimal("2"),
                kind=LedgerEntry.Kind.SMS_ADDON,
                description="Twin",
                reference=None,
                dedupe_key="twin",
            )

    def first():
        try:
            with transaction.atomic():
                results["first"] = post()
                first_inserted.set()
                # Hold the uncommitted row until the second posting is blocked on it.
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and not results.get("second_waiting"):
                    time.sleep(0.02)
        finally:
            connection.close()

    def second():
        try:
            first_inserted.wait(timeout=10)
            results["second"] = post()
        except Exception as exc:
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not results.get("second_waiting"):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO \"billing_ledgerentry\"%%'"
            )
            results["second_waiting"] = cursor.fetchone()[0] > 0
        time.sleep(0.02)
    for thread in threads:
        thread.join(timeout=30)

    assert results["second_waiting"], "the second posting never blocked on the first one's row"
    assert isinstance(results["second"], LedgerEntry), results["second"]
    assert results["second"].pk == results["first"].pk
    assert LedgerEntry.objects.filter(account=account, dedupe_key="twin").count() == 1
    assert assert_balanced(account).balance == Decimal("98.0000")
