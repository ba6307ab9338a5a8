"""Renewing many numbers at once: PERF_RENEWALS (default 100,000) numbers due the same day, in one
account, renewed by one ``renewals_run`` on PostgreSQL. Prints the time, numbers a second, and the
queries per batch at two batch sizes (they must not grow with the batch). Figures: tests/perf/README.md.

Every number is a client's, so each renewal also prices the client's charge from the price list.

Run with ``./scripts/test tests/perf/test_renewals_throughput.py -m perf -s``.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing import ledger
from billing.models import LedgerEntry
from billing.renewals import renewals_run
from billing.services import PriceRuleInput, price_rule_save
from numbers_app.models import Number, Order
from tests.numbers.conftest import stock  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]

COUNT = int(os.environ.get("PERF_RENEWALS", "100000"))


def _due_numbers(account, group, count: int, *, due, prefix: str, clients=(None,)) -> None:
    order = Order.objects.create(account=account, total=0)
    rows = [
        Number(
            account=account,
            client=clients[n % len(clients)],
            order=order,
            group=group,
            e164=f"+{prefix}{n:09d}",
            country_id=group.country_id,
            type=group.type,
            status=Number.Status.ACTIVE,
            monthly_price=group.monthly_price,
            setup_fee=Decimal("0"),
            paid_through=due,
            billing_day=due.day,
            capabilities=["voice"],
        )
        for n in range(count)
    ]
    Number.objects.bulk_create(rows, batch_size=5000)


def test_renewing_a_hundred_thousand_due_numbers(tenants, stock):  # noqa: F811
    account, other = tenants.a.account, tenants.b.account
    for funded in (account, other):
        with transaction.atomic():
            ledger.credit(
                ledger.lock_wallet(funded),
                amount=Decimal("10000000"),
                kind=LedgerEntry.Kind.TOP_UP,
                description="benchmark funds",
                reference=None,
            )
    today = timezone.localdate()

    # Queries per batch (in another account): 50 numbers in batches of 10, then 50 in one batch of 50.
    _due_numbers(other, stock.nl_local, 50, due=today - timedelta(days=90), prefix="991")
    with CaptureQueriesContext(connection) as small:
        renewals_run(as_of=today - timedelta(days=90), batch_size=10)
    _due_numbers(other, stock.nl_local, 50, due=today - timedelta(days=89), prefix="992")
    with CaptureQueriesContext(connection) as large:
        renewals_run(as_of=today - timedelta(days=89), batch_size=50)

    # Every number is a client's, priced by the account's price list (a default line and one client's own).
    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("30")))
    price_rule_save(
        actor=tenants.a.owner_actor, data=PriceRuleInput(client_id=tenants.y.pk, markup_percent=Decimal("15"))
    )
    _due_numbers(account, stock.nl_local, COUNT, due=today, prefix="993", clients=(tenants.x, tenants.y))
    began = time.perf_counter()
    report = renewals_run(as_of=today)
    elapsed = time.perf_counter() - began

    assert report.renewed >= COUNT  # (and the other account's, due again by now)
    assert Number.objects.filter(account=account, paid_through__lte=today).count() == 0
    wallet = ledger.wallet_for(account)
    assert wallet.balance == ledger.entries_total(wallet)
    renewed = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.NUMBER_RENEWAL)
    assert renewed.filter(client=tenants.x, client_amount=Decimal("-1.9500")).count() == (COUNT + 1) // 2
    assert renewed.filter(client=tenants.y, client_amount=Decimal("-1.7250")).count() == COUNT // 2
    print(
        f"\nRenewals on {os.cpu_count()} cores: {COUNT:,} numbers in {elapsed:.1f} s ({COUNT / elapsed:,.0f}/s), "
        f"batches of 1,000. Queries for 50 numbers: {len(small.captured_queries)} in batches of 10, "
        f"{len(large.captured_queries)} in one batch of 50.",
        file=sys.stderr,
    )
