"""Reads for money, scoped to who is asking. Client-scoped actors see their client's entries only and
never the reseller's wallet balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.selectors import parse_id
from portal.errors import NotFound, PermissionDenied

from . import ledger
from .models import LedgerEntry, Wallet


def wallet_get(*, actor: Actor) -> Wallet:
    if not actor.can_see_wallet:
        raise PermissionDenied(_("The reseller's wallet is not visible to client logins or client-scoped keys."))
    return ledger.wallet_for(actor.account)


@dataclass(frozen=True)
class TransactionFilters:
    kind: str = ""
    client_id: int | None = None
    reference_type: str = ""
    reference_id: str = ""
    date_from: date | None = None
    date_to: date | None = None
    direction: str = ""  # "credit" | "debit" | ""


def transaction_list(*, actor: Actor, filters: TransactionFilters | None = None) -> QuerySet[LedgerEntry]:
    f = filters or TransactionFilters()
    qs = LedgerEntry.objects.filter(account=actor.account).select_related("client")
    if actor.client is not None:
        # A client sees what it is billed (its price list's price), never the reseller's wholesale cost.
        qs = qs.filter(client=actor.client).annotate(shown_amount=Coalesce("client_amount", "amount"))
    else:
        qs = qs.annotate(shown_amount=F("amount"))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.client_id is not None:
        qs = qs.filter(client_id=f.client_id)
    if f.reference_type:
        qs = qs.filter(reference_type=f.reference_type)
    if f.reference_id:
        qs = qs.filter(reference_id=f.reference_id)
    if f.date_from:
        qs = qs.filter(created_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(created_at__date__lte=f.date_to)
    if f.direction == "credit":
        qs = qs.filter(amount__gt=0)
    elif f.direction == "debit":
        qs = qs.filter(amount__lt=0)
    return qs.order_by("-created_at", "-id")


def transaction_get(*, actor: Actor, transaction_id: str | int) -> LedgerEntry:
    pk = parse_id(transaction_id, "txn")
    entry = transaction_list(actor=actor).filter(pk=pk).first() if pk else None
    if entry is None:
        raise NotFound(_("Transaction not found."))
    return entry


@dataclass(frozen=True)
class DailySpend:
    day: date
    amount: Decimal


def daily_spend(*, actor: Actor, days: int = 30) -> list[DailySpend]:
    """What was spent (debits, as positive amounts) on each of the last ``days`` days, oldest first,
    with a zero for days without spending."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    rows = (
        transaction_list(actor=actor, filters=TransactionFilters(date_from=start, direction="debit"))
        .order_by()
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(total=Sum("shown_amount"))
    )
    by_day = {row["day"]: -row["total"] for row in rows}
    return [
        DailySpend(day=start + timedelta(days=i), amount=by_day.get(start + timedelta(days=i), Decimal("0")))
        for i in range(days)
    ]


@dataclass(frozen=True)
class UpcomingRenewal:
    number: object
    due: date
    amount: Decimal
    sms_addon: Decimal
    running_total: Decimal
    covered: bool


@dataclass(frozen=True)
class UpcomingRenewals:
    rows: list[UpcomingRenewal]
    count: int
    total: Decimal
    balance: Decimal
    first_uncovered: date | None
    days: int


def upcoming_renewals(*, actor: Actor, days: int = 30, shown: int = 200) -> UpcomingRenewals:
    """The renewals due in the next ``days`` days, in date order, with what each costs and whether the
    wallet as it stands covers it (counting those before it). Set-not-to-renew numbers are left out. For
    the reseller (its wholesale prices): client logins are refused."""
    from numbers_app.models import Number

    from .renewals import RENEWABLE, renewal_amounts

    wallet = wallet_get(actor=actor)
    horizon = timezone.localdate() + timedelta(days=days)
    numbers = (
        Number.objects.filter(
            account=actor.account, status__in=RENEWABLE, paid_through__lte=horizon, cancel_at_period_end=False
        )
        .select_related("client")
        .order_by("paid_through", "pk")
    )
    rows, total, first_uncovered, count = [], Decimal("0"), None, 0
    for number in numbers.iterator(chunk_size=1000):
        price, addon = renewal_amounts(number)
        total += price + addon
        covered = total <= wallet.balance
        if not covered and first_uncovered is None:
            first_uncovered = number.paid_through
        count += 1
        if len(rows) < shown:
            rows.append(UpcomingRenewal(number, number.paid_through, price + addon, addon, total, covered))
    return UpcomingRenewals(rows, count, total, wallet.balance, first_uncovered, days)
