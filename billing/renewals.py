"""Renewals: every number is charged once per period, on its paid-through date, from the wallet.

``renewals_run(as_of=…)`` (daily from beat, or ``manage.py renewals_run --as-of``) does, for each number
whose paid-through date has come:

- set by its owner not to renew → released (``number.released``), nothing charged;
- otherwise the next period (and the SMS add-on's, when on) is charged if the wallet covers it: the
  number is paid through one more period (``payment.succeeded``) and, if it was suspended, is live again
  (``number.activated``). A live number behind by several periods (the job did not run for a while, or
  its debt was paid late) catches up in one run: every period up to the one running today, oldest first,
  each charged under its own key with its own ``payment.succeeded``, as far as the wallet covers them;
- if the wallet does not cover (the rest of) it: ``payment.failed`` (once), retried each day; after
  ``RENEWAL_GRACE_DAYS`` the number is suspended (``number.suspended``: calls and messages stop), and after
  ``RENEWAL_HOLD_DAYS`` more it is released (``number.released``).

It also records ``number.expiring`` seven days ahead for numbers that will not renew (set not to, or the
wallet cannot cover what falls due by then).

Safe to run twice, and concurrently: each account's transaction locks its wallet first, then claims due
numbers with ``SKIP LOCKED``; each charge carries a key unique per number and period (the ledger's
constraint), and every event is guarded by the state it changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

import numbers_app.services as number_services
from numbers_app.models import Number
from portal import events
from portal.models import CLIENT_VIEW

from . import ledger
from .models import LedgerEntry
from .money import quantize, to_exact_str
from .periods import CYCLE_MONTHS, period_end, period_price
from .pricing import Item, PriceBook
from .services import sms_addon_key

logger = logging.getLogger("didfarm.renewals")

RENEWABLE = (Number.Status.ACTIVE, Number.Status.INACTIVE, Number.Status.SUSPENDED)
EXPIRING_NOTICE_DAYS = 7


@dataclass
class RenewalReport:
    renewed: int = 0
    charged: Decimal = Decimal("0")
    failed: int = 0
    suspended: int = 0
    released: int = 0
    expiring: int = 0
    errors: int = 0
    accounts: set = field(default_factory=set)


def billing_day_of(number: Number) -> int:
    return number.billing_day or timezone.localdate(number.created_at).day


def renewal_amounts(number: Number) -> tuple[Decimal, Decimal]:
    """What the next period costs: the number's own price, and the SMS add-on's (0 when off)."""
    price = period_price(monthly_price=number.monthly_price, billing_cycle=number.billing_cycle)
    addon = Decimal("0")
    if number.sms_enabled and number.sms_monthly_price > 0:
        addon = period_price(monthly_price=number.sms_monthly_price, billing_cycle=number.billing_cycle)
    return price, addon


def renewals_run(
    *, as_of: date | None = None, batch_size: int = 1000, account_ids: list[int] | None = None
) -> RenewalReport:
    as_of = as_of or timezone.localdate()
    report = RenewalReport()
    due = Number.objects.filter(status__in=RENEWABLE, paid_through__lte=as_of)
    if account_ids is not None:
        due = due.filter(account_id__in=account_ids)
    due_accounts = due.values_list("account_id", flat=True).distinct().order_by("account_id")
    for account_id in list(due_accounts):
        try:
            _renew_account(account_id, as_of=as_of, batch_size=batch_size, report=report)
        except Exception:  # noqa: BLE001 - one account's failure must not stop every other account's renewals
            logger.exception("Renewals for account %s failed; the next run tries again", account_id)
            report.errors += 1
    _expiring_notices(as_of=as_of, report=report)
    return report


def _renew_account(account_id: int, *, as_of: date, batch_size: int, report: RenewalReport) -> None:
    """The oldest debts first: one due date at a time, each in batches along the index
    ``number_renewal_due`` (account, date, id), so a batch costs the same however many are due. A run
    takes a number once, and charges every period it is behind by then (see ``periods_due``)."""
    due = Number.objects.filter(account_id=account_id, status__in=RENEWABLE, paid_through__lte=as_of)
    seen: set[int] = set()
    day = None
    while True:
        later = due.filter(paid_through__gt=day) if day else due
        day = later.aggregate(day=Min("paid_through"))["day"]
        if day is None:
            return
        after_id = 0
        while True:
            with transaction.atomic():
                wallet = ledger.lock_wallet_of(account_id)  # first, as in every transaction that moves money
                numbers = list(
                    due.select_for_update(skip_locked=True, of=("self",))
                    .prefetch_related("client")  # one object per client, not one per number
                    .filter(paid_through=day, pk__gt=after_id)
                    .order_by("pk")[:batch_size]
                )
                account = wallet.account
                for number in numbers:
                    number.account = account  # one object for the batch, not one per row
                mine = [number for number in numbers if number.pk not in seen]
                seen.update(number.pk for number in mine)
                if mine:
                    _renew_batch(mine, wallet=wallet, book=PriceBook.of(account_id), as_of=as_of, report=report)
            if len(numbers) < batch_size:
                break
            after_id = numbers[-1].pk


def _renew_batch(numbers: list[Number], *, wallet, book: PriceBook, as_of: date, report: RenewalReport) -> None:
    """One locked batch of one account's due numbers. The usual case (a live number the wallet covers)
    is written in a fixed number of statements whatever the batch size; the rare ones (not renewing,
    unpaid, suspended) one by one, first."""
    usual = []
    for number in numbers:
        report.accounts.add(number.account_id)
        if number.cancel_at_period_end or number.status == Number.Status.SUSPENDED or number.payment_due_since:
            _renew_one(number, wallet=wallet, book=book, as_of=as_of, report=report)
        else:
            usual.append(number)
    balance = wallet.balance
    postings: list[ledger.Posting] = []
    # One row per period charged (a number behind by several periods has several), in charging order.
    renewed: list[tuple[Number, date, date, Decimal, Decimal | None]] = []
    behind: list[tuple[Number, Decimal]] = []
    for number in usual:
        price, addon = renewal_amounts(number)
        due = quantize(price + addon)
        # Every period up to today's, oldest first, as far as what is left after the batch's earlier
        # renewals covers (never charged against a balance those renewals have already spoken for).
        periods = periods_due(number, as_of=as_of, balance=balance, due=due)
        for start, end in periods:
            mine = _postings(number, book=book, price=price, addon=addon, start=start, end=end)
            postings.extend(mine)
            renewed.append((number, start, end, due, _client_total(mine)))
        balance -= due * len(periods)
        if periods:
            number.paid_through, number.billing_day = periods[-1][1], billing_day_of(number)
        if number.paid_through <= as_of:
            behind.append((number, due))
    if renewed:
        ledger.debit_many(wallet, postings, created_by="renewals")
        # Numbers renewed alike (the usual case: due the same day, on the same billing day) in one UPDATE each.
        alike: dict[tuple[date, int | None], list[int]] = {}
        for number in {number.pk: number for number, *_ in renewed}.values():
            alike.setdefault((number.paid_through, number.billing_day), []).append(number.pk)
        now = timezone.now()
        for (end, billing_day), pks in alike.items():
            Number.objects.filter(pk__in=pks).update(paid_through=end, billing_day=billing_day, updated_at=now)
        events.record_many(
            [
                _succeeded(number, start=start, end=end, amount=due, client_amount=client_due)
                for number, start, end, due, client_due in renewed
            ]
        )
        report.renewed += len({number.pk for number, *_ in renewed})
        report.charged += sum((due for _number, _start, _end, due, _client_due in renewed), Decimal("0"))
    for number, due in behind:
        # The wallet ran out before today's period: the usual path for what is still unpaid.
        _unpaid(number, book=book, due=due, balance=balance, as_of=as_of, report=report)


def periods_due(number: Number, *, as_of: date, balance: Decimal, due: Decimal) -> list[tuple[date, date]]:
    """The periods (start, end) a renewal on ``as_of`` charges ``number`` for, oldest first: every one
    from its paid-through date up to the one running on ``as_of`` (a number the job missed for several
    periods catches up at once, each period charged under its own key), as many as ``balance`` covers at
    ``due`` each. A suspended number pays for no day it was off: one period, starting ``as_of``."""
    months = CYCLE_MONTHS[number.billing_cycle]
    if number.status == Number.Status.SUSPENDED:
        start, billing_day = as_of, as_of.day
    else:
        start, billing_day = number.paid_through, billing_day_of(number)
    periods = []
    while start <= as_of and balance >= due:
        end = period_end(start, months=months, billing_day=billing_day)
        periods.append((start, end))
        balance -= due
        start = end
    return periods


def _postings(
    number: Number, *, book: PriceBook, price: Decimal, addon: Decimal, start: date, end: date
) -> list[ledger.Posting]:
    reference = ledger.Reference("number", number.public_id)
    months = CYCLE_MONTHS[number.billing_cycle]
    postings = []
    if price > 0:  # a number staff price at 0.00 renews without a charge
        postings.append(
            ledger.Posting(
                amount=price,
                kind=LedgerEntry.Kind.NUMBER_RENEWAL,
                reference=reference,
                client=number.client,
                client_amount=book.for_number(number, item=Item.MONTHLY, wholesale=number.monthly_price, months=months),
                number_id=number.pk,
                description=f"{number.e164} {number.billing_cycle} renewal until {end:%Y-%m-%d}",
                dedupe_key=f"renewal:{number.public_id}:{start:%Y-%m-%d}",
            )
        )
    if addon > 0:
        postings.append(
            ledger.Posting(
                amount=addon,
                kind=LedgerEntry.Kind.SMS_ADDON,
                reference=reference,
                client=number.client,
                client_amount=book.for_number(
                    number, item=Item.SMS_ADDON, wholesale=number.sms_monthly_price, months=months
                ),
                number_id=number.pk,
                description=f"SMS add-on {number.e164} until {end:%Y-%m-%d}",
                dedupe_key=sms_addon_key(number, period_end=end),
            )
        )
    return postings


def _client_total(postings: list[ledger.Posting]) -> Decimal | None:
    """What the number's client is billed for these postings (None: the number has no client)."""
    amounts = [p.client_amount for p in postings if p.client_amount is not None]
    return quantize(sum(amounts, Decimal("0"))) if amounts else None


def _client_view_of_due(number: Number, *, book: PriceBook) -> dict:
    """For a client's endpoints: the renewal at its price, and never the reseller's wallet balance."""
    if number.client_id is None:
        return {}
    _price, addon = renewal_amounts(number)
    months = CYCLE_MONTHS[number.billing_cycle]
    # (never None: the number has a client)
    client_due = book.for_number(number, item=Item.MONTHLY, wholesale=number.monthly_price, months=months) or Decimal(
        "0"
    )
    if addon:
        client_due += book.for_number(
            number, item=Item.SMS_ADDON, wholesale=number.sms_monthly_price, months=months
        ) or Decimal("0")
    return {CLIENT_VIEW: {"amount": to_exact_str(client_due), "balance": None}}


def _succeeded(number: Number, *, start: date, end: date, amount: Decimal, client_amount: Decimal | None) -> dict:
    return {
        "event_type": "payment.succeeded",
        "account": number.account,
        "client": number.client,
        "subject_type": "number",
        "subject_id": number.public_id,
        "data": {
            "kind": "renewal",
            "number_id": number.public_id,
            "number": number.e164,
            "amount": to_exact_str(amount),
            "currency": "EUR",
            "period_start": start.isoformat(),
            "paid_through": end.isoformat(),
            **({CLIENT_VIEW: {"amount": to_exact_str(client_amount)}} if client_amount is not None else {}),
        },
    }


def _renew_one(number: Number, *, wallet, book: PriceBook, as_of: date, report: RenewalReport) -> None:
    if number.cancel_at_period_end:
        number_services.number_end_term(number=number, reason="not renewed")
        report.released += 1
        return
    price, addon = renewal_amounts(number)
    due = quantize(price + addon)
    periods = periods_due(number, as_of=as_of, balance=wallet.balance, due=due)
    if periods:
        _charge(number, wallet=wallet, book=book, price=price, addon=addon, periods=periods, as_of=as_of)
        report.renewed += 1
        report.charged += due * len(periods)
    if number.paid_through <= as_of:
        _unpaid(number, book=book, due=due, balance=wallet.balance, as_of=as_of, report=report)


def _unpaid(
    number: Number, *, book: PriceBook, due: Decimal, balance: Decimal, as_of: date, report: RenewalReport
) -> None:
    """A renewal the wallet cannot pay: ``payment.failed`` once, then suspended after the grace period,
    then released after the holding period."""
    if number.payment_due_since is None:
        number.payment_due_since = as_of
        number.save(update_fields=["payment_due_since", "updated_at"])
        grace_until = as_of + timedelta(days=settings.RENEWAL_GRACE_DAYS)
        events.record(
            "payment.failed",
            account=number.account,
            client=number.client,
            subject_type="number",
            subject_id=number.public_id,
            data={
                "number_id": number.public_id,
                "number": number.e164,
                "amount": to_exact_str(due),
                "balance": to_exact_str(balance),
                "currency": "EUR",
                "paid_through": number.paid_through.isoformat(),
                "retry_until": grace_until.isoformat(),
                "reason": "insufficient_balance",
                **_client_view_of_due(number, book=book),
            },
        )
        report.failed += 1
    unpaid_days = (as_of - number.payment_due_since).days
    if unpaid_days >= settings.RENEWAL_GRACE_DAYS and number.status != Number.Status.SUSPENDED:
        number_services.number_suspend_unpaid(number=number)
        report.suspended += 1
    if (
        number.status == Number.Status.SUSPENDED
        and unpaid_days >= settings.RENEWAL_GRACE_DAYS + settings.RENEWAL_HOLD_DAYS
    ):
        number_services.number_end_term(number=number, reason="unpaid")
        report.released += 1


def _charge(
    number: Number,
    *,
    wallet,
    book: PriceBook,
    price: Decimal,
    addon: Decimal,
    periods: list[tuple[date, date]],
    as_of: date,
) -> None:
    """Renewals paid one by one: a number paid late (in grace or suspended), for ``periods`` (from
    ``periods_due``). Paid up to a period running on ``as_of``, it is in good standing again (live again if
    it was suspended); paid only part of the way, its debt keeps the date it began, so the grace period
    runs on."""
    if number.status == Number.Status.SUSPENDED:
        billing_day = as_of.day
    else:
        billing_day = billing_day_of(number)
    postings = []
    succeeded = []
    for start, end in periods:
        mine = _postings(number, book=book, price=price, addon=addon, start=start, end=end)
        postings.extend(mine)
        succeeded.append(
            _succeeded(number, start=start, end=end, amount=price + addon, client_amount=_client_total(mine))
        )
    ledger.debit_many(wallet, postings, created_by="renewals")
    end = periods[-1][1]
    if end > as_of:
        number_services.number_renewed(number=number, paid_through=end, billing_day=billing_day)
    else:
        number.paid_through, number.billing_day = end, billing_day
        number.save(update_fields=["paid_through", "billing_day", "updated_at"])
    events.record_many(succeeded)


def _expiring_notices(*, as_of: date, report: RenewalReport) -> None:
    """``number.expiring`` a week ahead, once per paid-through date, for numbers that will not renew:
    set not to, or not covered by the wallet (counting what falls due before them, in date order)."""
    horizon = as_of + timedelta(days=EXPIRING_NOTICE_DAYS)
    upcoming = (
        Number.objects.filter(
            status__in=(Number.Status.ACTIVE, Number.Status.INACTIVE),
            paid_through__gt=as_of,
            paid_through__lte=horizon,
        )
        .select_related("account", "client")
        .order_by("account_id", "paid_through", "pk")
    )
    balances: dict[int, Decimal] = {}
    for number in upcoming.iterator(chunk_size=1000):
        if number.account_id not in balances:
            balances[number.account_id] = ledger.wallet_for(number.account).balance
        reason: str | None
        if number.cancel_at_period_end:
            reason = "not_renewing"
        else:
            balances[number.account_id] -= sum(renewal_amounts(number))
            reason = "insufficient_balance" if balances[number.account_id] < 0 else None
        if reason is None or number.expiring_notice_for == number.paid_through:
            continue
        with transaction.atomic():
            locked = (
                Number.objects.select_for_update(of=("self",)).select_related("account", "client").get(pk=number.pk)
            )
            if number_services.number_expiring_notice(number=locked, reason=reason):
                report.expiring += 1
