"""Buyers racing on PostgreSQL with real threads."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from billing import ledger
from numbers_app import services
from numbers_app.models import AvailableNumber, Number
from portal.errors import NumberUnavailable
from tests.numbers.conftest import NL_AMS

pytestmark = pytest.mark.django_db(transaction=True)


def race(count, fn):
    start, results, lock = threading.Barrier(count), [], threading.Lock()

    def run(index):
        start.wait()
        try:
            outcome = fn(index)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_fifty_buyers_of_one_number_from_two_resellers_make_exactly_one_sale(tenants, stock):
    actors = [tenants.a.owner_actor, tenants.b.owner_actor]
    results = race(50, lambda i: services.number_purchase(actor=actors[i % 2], numbers=[NL_AMS[0]]))
    sold = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, NumberUnavailable)]
    assert len(sold) == 1 and len(refused) == 49, [r for r in results if isinstance(r, Exception)][:3]
    assert Number.objects.filter(e164=NL_AMS[0]).count() == 1
    assert AvailableNumber.objects.get(e164=NL_AMS[0]).status == "sold"
    winner = Number.objects.get(e164=NL_AMS[0]).account
    for tenant, opening in ((tenants.a, Decimal("100")), (tenants.b, Decimal("50"))):
        wallet = ledger.wallet_for(tenant.account)
        assert wallet.balance == ledger.entries_total(wallet)
        expected = opening - Decimal("1.50") if tenant.account == winner else opening
        assert wallet.balance == expected


def test_overlapping_orders_in_opposite_order_never_deadlock(tenants, stock):
    """A buys [1, 2], B buys [2, 1] at once: stock rows are locked in number order, so one waits for the
    other instead of deadlocking, and exactly one order succeeds."""
    orders = [[NL_AMS[1], NL_AMS[2]], [NL_AMS[2], NL_AMS[1]]]
    actors = [tenants.a.owner_actor, tenants.b.owner_actor]
    results = race(2, lambda i: services.number_purchase(actor=actors[i], numbers=orders[i]))
    assert sorted(type(r).__name__ for r in results) == ["NumberUnavailable", "Order"]
