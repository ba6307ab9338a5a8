"""Reads for money, scoped to who is asking. Client-scoped actors see their client's entries only and
never the reseller's wallet balance."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.models import Client
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
    if f.reference_id:
        qs = qs.filter(_stored_reference(f.reference_type, f.reference_id))
    elif f.reference_type:
        qs = qs.filter(reference_type=f.reference_type)
    if f.date_from:
        qs = qs.filter(created_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(created_at__date__lte=f.date_to)
    if f.direction == "credit":
        qs = qs.filter(amount__gt=0)
    elif f.direction == "debit":
        qs = qs.filter(amount__lt=0)
    return qs.order_by("-created_at", "-id")


# --- What an entry pays for, named as the rest of the API names it ----------------------------------
# An entry stores its reference as written when it was charged (``"number"``, ``"num_12"``) and is never
# rewritten. The API names it by the integer id the rest of the API uses for the same thing (checkout's
# ``items[].did_number_id``, a message's ``id``, ``order_id``), plus the prefixed form, which every path
# accepts too (README, "Ids").

REFERENCE_PREFIXES = {"number": "num", "message": "msg", "account": "acc", "order": "ord"}


@dataclass(frozen=True)
class ApiReference:
    id: int | None  # the integer id (None: the thing has none, or no longer exists)
    uuid: str | None  # the prefixed id (None: the entry stored a bare integer)


def _message_uid(stored: str) -> uuid.UUID | None:
    text = stored.removeprefix("msg_")
    if len(text) != 32:
        return None
    try:
        return uuid.UUID(hex=text)
    except ValueError:
        return None


def entry_references(entries) -> dict[int, ApiReference | None]:
    """The API's reference of each entry (by entry id; None for an entry that names nothing): the integer
    id read off the prefixed id where that is its integer id, and for messages (whose prefixed id is
    their uuid) looked up in one query for all of ``entries``."""
    from messaging.models import Message

    uids = {uid for e in entries if e.reference_type == "message" and (uid := _message_uid(e.reference_id)) is not None}
    message_pks = {uid.hex: pk for uid, pk in Message.objects.filter(uid__in=uids).values_list("uid", "pk")}
    found: dict[int, ApiReference | None] = {}
    for entry in entries:
        stored = entry.reference_id
        if not entry.reference_type and not stored:
            found[entry.pk] = None
        elif stored.isascii() and stored.isdigit():
            found[entry.pk] = ApiReference(id=int(stored), uuid=None)
        elif entry.reference_type == "message":
            uid = _message_uid(stored)
            found[entry.pk] = ApiReference(id=message_pks.get(uid.hex) if uid else None, uuid=stored)
        else:
            prefix = REFERENCE_PREFIXES.get(entry.reference_type)
            found[entry.pk] = ApiReference(id=parse_id(stored, prefix) if prefix else None, uuid=stored)
    return found


def _stored_reference(reference_type: str, reference_id: str) -> Q:
    """The entries a ``reference_id`` filter means: given as the integer id (``12``) or as the prefixed id
    (``num_12``), within ``reference_type`` when given, else of any type."""
    from messaging.models import Message

    text = reference_id.strip()
    types = [reference_type] if reference_type else list(REFERENCE_PREFIXES)
    wanted = Q(reference_id=text) & (Q(reference_type=reference_type) if reference_type else Q())
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        return wanted
    for kind in types:
        if kind == "message":
            uid = Message.objects.filter(pk=int(text)).values_list("uid", flat=True).first()
            stored = f"msg_{uid.hex}" if uid else None
        else:
            prefix = REFERENCE_PREFIXES.get(kind)
            stored = f"{prefix}_{int(text)}" if prefix else None
        if stored:
            wanted |= Q(reference_type=kind, reference_id=stored)
    return wanted


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
    start: date
    end: date


def renewal_window(today: date) -> tuple[date, date]:
    """The coming billing month: from ``today`` through the same day next month, or through next month's
    last day when today is the last of its month (31 January → 28/29 February, 30 April → 31 May). A
    monthly number bought or renewed today always renews inside it, whatever the month's length."""
    from .periods import period_end

    last_day = today.day == calendar.monthrange(today.year, today.month)[1]
    return today, period_end(today, months=1, billing_day=31 if last_day else today.day)


def upcoming_renewals(*, actor: Actor, today: date | None = None, shown: int = 200) -> UpcomingRenewals:
    """The renewals due in the coming billing month (``renewal_window``), in date order, with what each
    costs and whether the wallet as it stands covers it (counting those before it). Numbers already past
    due and not yet renewed are included. Set-not-to-renew numbers are left out. For the reseller (its
    wholesale prices): client logins are refused."""
    from numbers_app.models import Number

    from .renewals import RENEWABLE, renewal_amounts

    wallet = wallet_get(actor=actor)
    start, horizon = renewal_window(today or timezone.localdate())
    numbers = (
        Number.objects.filter(
            account=actor.account, status__in=RENEWABLE, paid_through__lte=horizon, cancel_at_period_end=False
        )
        .select_related("client")
        .order_by("paid_through", "pk")
    )
    rows: list[UpcomingRenewal] = []
    total, first_uncovered, count = Decimal("0"), None, 0
    for number in numbers.iterator(chunk_size=1000):
        price, addon = renewal_amounts(number)
        total += price + addon
        covered = total <= wallet.balance
        if not covered and first_uncovered is None:
            first_uncovered = number.paid_through
        count += 1
        if len(rows) < shown:
            rows.append(UpcomingRenewal(number, number.paid_through, price + addon, addon, total, covered))
    return UpcomingRenewals(rows, count, total, wallet.balance, first_uncovered, start, horizon)


# --- Per-client costs ----------------------------------------------------------------------------

CHARGE_KINDS = (
    LedgerEntry.Kind.SETUP_FEE,
    LedgerEntry.Kind.NUMBER_PURCHASE,
    LedgerEntry.Kind.NUMBER_RENEWAL,
    LedgerEntry.Kind.SMS_ADDON,
    LedgerEntry.Kind.SMS_OUTBOUND,
    LedgerEntry.Kind.SMS_INBOUND,
    LedgerEntry.Kind.PORTING,
    LedgerEntry.Kind.REFUND,
)


@dataclass(frozen=True)
class CostLine:
    """Money for one slice of a client's charges, as positive amounts (refunds reduce them): what the
    reseller paid (wholesale), what the client is billed (price) and the difference."""

    key: str
    label: str
    wholesale: Decimal
    price: Decimal
    entries: int

    @property
    def margin(self) -> Decimal:
        return self.price - self.wholesale

    @property
    def margin_percent(self) -> Decimal | None:
        if not self.wholesale:
            return None
        return (self.margin * 100 / self.wholesale).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class ClientCosts:
    client: Client
    date_from: date
    date_to: date
    total: CostLine
    by_kind: list[CostLine]
    by_number: list[CostLine]
    by_month: list[CostLine]


def period_bounds(date_from: date, date_to: date):
    """Aware datetimes [start, end) covering the days ``date_from`` … ``date_to`` in the portal's zone."""
    from datetime import datetime, time

    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    if date_to >= date.max:  # (no day after it to end on)
        return start, datetime.max.replace(tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def client_charges(*, actor: Actor, client_id, date_from: date, date_to: date) -> tuple[Client, QuerySet]:
    """The client (scoped to the actor: someone else's → ``NotFound``) and its charges and refunds in the
    period, oldest first."""
    from accounts.selectors import client_get

    client = client_get(actor=actor, client_id=client_id)
    start, end = period_bounds(date_from, date_to)
    entries = LedgerEntry.objects.filter(
        account=actor.account, client=client, created_at__gte=start, created_at__lt=end, kind__in=CHARGE_KINDS
    ).order_by("created_at", "id")
    return client, entries


def _line(key: str, label: str, row: Mapping[str, Any]) -> CostLine:
    # Charges are negative entries; a slice's cost is the opposite of their sum.
    return CostLine(
        key=key,
        label=label,
        wholesale=-(row["wholesale"] or Decimal("0")),
        price=-(row["price"] or Decimal("0")),
        entries=row["entries"],
    )


def client_costs(*, actor: Actor, client_id, date_from: date, date_to: date, numbers_shown: int = 500) -> ClientCosts:
    """What a client cost the reseller and what it is billed, in the period: totals, by kind of charge,
    by number (the ``numbers_shown`` largest) and by month. A handful of aggregate queries, whatever the
    number of entries."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    client, entries = client_charges(actor=actor, client_id=client_id, date_from=date_from, date_to=date_to)
    sums = {
        "wholesale": Sum("amount"),
        "price": Sum(Coalesce("client_amount", "amount")),
        "entries": Count("id"),
    }
    base = entries.order_by()
    total = _line("total", str(_("Total")), base.aggregate(**sums))
    labels = dict(LedgerEntry.Kind.choices)
    by_kind = [
        _line(row["kind"], str(labels.get(row["kind"], row["kind"])), row)
        for row in base.values("kind").annotate(**sums).order_by("kind")
    ]
    by_number = [
        _line(str(row["number_id"] or ""), row["number__e164"] or str(_("Not tied to a number")), row)
        for row in base.values("number_id", "number__e164")
        .annotate(**sums)
        .order_by("price", "number_id")[:numbers_shown]
    ]
    by_month = [
        _line(row["month"].strftime("%Y-%m"), row["month"].strftime("%Y-%m"), row)
        for row in base.annotate(month=TruncMonth("created_at")).values("month").annotate(**sums).order_by("month")
    ]
    return ClientCosts(client, date_from, date_to, total, by_kind, by_number, by_month)


# --- Invoices ------------------------------------------------------------------------------------


def invoice_list(*, actor: Actor, client_id: int | None = None) -> QuerySet:
    """Invoices the actor may see: the reseller all of its clients' (drafts too), a client's people
    that client's issued invoices."""
    from .models import Invoice

    # Credit notes prefetched: a list shows each invoice's payment state (credited or not) without a query each.
    qs = Invoice.objects.filter(account=actor.account).select_related("client").prefetch_related("credit_notes")
    if actor.client is not None:
        qs = qs.filter(client=actor.client, status=Invoice.Status.ISSUED)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return qs.order_by("-period_start", "client__name", "id")


def invoice_get(*, actor: Actor, invoice_id: str | int):
    pk = parse_id(invoice_id, "inv")
    invoice = invoice_list(actor=actor).filter(pk=pk).first() if pk else None
    if invoice is None:
        raise NotFound(_("Invoice not found."))
    return invoice


def price_rule_list(*, actor: Actor) -> QuerySet:
    """The account's price list, the account-wide lines first. The reseller's only."""
    from .models import PriceRule

    if actor.is_client_scoped or not actor.can_see_wallet:
        raise PermissionDenied(_("Price lists are the reseller's."))
    return (
        PriceRule.objects.filter(account=actor.account)
        .select_related("client", "country")
        .order_by(F("client__name").asc(nulls_first=True), F("country_id").asc(nulls_first=True), "number_type", "id")
    )


@dataclass(frozen=True)
class ClientCostRow:
    client: Client
    line: CostLine


def costs_by_client(*, actor: Actor, date_from: date, date_to: date) -> list[ClientCostRow]:
    """Every client of the account with its wholesale cost, price and margin in the period (zero for
    clients without charges). Two queries."""
    from django.db.models import Count

    from accounts.selectors import client_list

    start, end = period_bounds(date_from, date_to)
    sums = (
        LedgerEntry.objects.filter(
            account=actor.account,
            client__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
            kind__in=CHARGE_KINDS,
        )
        .values("client_id")
        .annotate(wholesale=Sum("amount"), price=Sum(Coalesce("client_amount", "amount")), entries=Count("id"))
        .order_by()
    )
    by_client = {row["client_id"]: row for row in sums}
    empty = {"wholesale": None, "price": None, "entries": 0}
    return [
        ClientCostRow(client, _line(str(client.pk), client.name, by_client.get(client.pk, empty)))
        for client in client_list(actor=actor)
    ]


@dataclass(frozen=True)
class PriceExample:
    label: str
    wholesale_monthly: Decimal
    client_monthly: Decimal
    wholesale_segment: Decimal
    client_segment: Decimal
    wholesale_minute: Decimal
    client_minute: Decimal


# The wholesale price of an SMS segment the price list's examples apply each line to (a sample: real
# segments cost their destination's rate).
EXAMPLE_SEGMENT_PRICE = Decimal("0.0080")
# The price per answered minute of a metered number the examples use where no metered group matches a line.
EXAMPLE_MINUTE_PRICE = Decimal("0.0200")


def price_examples(*, actor: Actor, rules: list) -> list[PriceExample]:
    """What each line of the price list makes of a sample price: a number at EUR 1.00 a month (or, for a
    line naming a country and type, that country's cheapest such number), an SMS segment at
    ``EXAMPLE_SEGMENT_PRICE`` and a minute of a metered number (the lowest metered price the line covers, else
    ``EXAMPLE_MINUTE_PRICE``)."""
    from django.db.models import Min

    from numbers_app.models import NumberGroup

    from .pricing import Item, apply_rule

    segment = EXAMPLE_SEGMENT_PRICE
    countries = {rule.country_id for rule in rules if rule.country_id}
    cheapest: dict[tuple[str, str], Decimal] = {}
    for row in (
        NumberGroup.objects.filter(country_id__in=countries)
        .values("country_id", "type")
        .annotate(low=Min("monthly_price"))
        .order_by()
    ):
        cheapest[(row["country_id"], row["type"])] = row["low"]
        low = cheapest.get((row["country_id"], ""))
        cheapest[(row["country_id"], "")] = row["low"] if low is None else min(low, row["low"])
    # Metered groups' lowest price per minute, by (country, type), (country, "") and (None, type), (None, "").
    per_minute: dict[tuple[str | None, str], Decimal] = {}
    for row in (
        NumberGroup.objects.filter(minute_price__gt=0)
        .values("country_id", "type")
        .annotate(low=Min("minute_price"))
        .order_by()
    ):
        for key in ((row["country_id"], row["type"]), (row["country_id"], ""), (None, row["type"]), (None, "")):
            low = per_minute.get(key)
            per_minute[key] = row["low"] if low is None else min(low, row["low"])
    examples = []
    for rule in rules:
        monthly = Decimal("1.00")
        if rule.country_id:
            monthly = cheapest.get((rule.country_id, rule.number_type), monthly)
        minute = per_minute.get((rule.country_id, rule.number_type), EXAMPLE_MINUTE_PRICE)
        examples.append(
            PriceExample(
                label=rule.scope_label,
                wholesale_monthly=monthly,
                client_monthly=apply_rule(rule, item=Item.MONTHLY, wholesale=monthly),
                wholesale_segment=segment,
                client_segment=apply_rule(rule, item=Item.SMS_SEGMENT, wholesale=segment),
                wholesale_minute=minute,
                client_minute=apply_rule(rule, item=Item.MINUTE, wholesale=minute),
            )
        )
    return examples
