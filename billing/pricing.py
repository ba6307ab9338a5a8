"""Client prices: what a reseller bills its end clients, derived from wholesale by its price list.

A ``PriceBook`` holds one account's price rules (one query) and answers the client price of any
chargeable item. Charges store the answer on their ledger entry (``client_amount``) at the time of the
charge, so a later change of the price list never rewrites what was billed. Pages and the API show
client-scoped viewers these prices, never wholesale.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .models import PriceRule
from .money import FOUR_PLACES, quantize


class Item:
    """The chargeable items a price rule has a fixed markup for."""

    MONTHLY = "monthly"  # a month of a number (renewals and the first period: × months in the cycle)
    SETUP = "setup"
    SMS_ADDON = "sms_addon"  # a month of the SMS add-on
    SMS_SEGMENT = "sms_segment"
    MINUTE = "minute"  # a started minute of an answered call on a metered number: the markup only

    ALL = (MONTHLY, SETUP, SMS_ADDON, SMS_SEGMENT)


_FIXED_FIELD = {
    Item.MONTHLY: "fixed_monthly",
    Item.SETUP: "fixed_setup",
    Item.SMS_ADDON: "fixed_sms_addon",
    Item.SMS_SEGMENT: "fixed_sms_segment",
}


def apply_rule(rule: PriceRule | None, *, item: str, wholesale: Decimal) -> Decimal:
    """The client price of one unit of ``item`` under ``rule`` (None: wholesale). Four places, half up.
    Nothing charged wholesale is nothing charged to the client: free stays free."""
    wholesale = quantize(wholesale)
    if rule is None or wholesale == 0:
        return wholesale
    marked_up = wholesale * (Decimal(100) + rule.markup_percent) / Decimal(100)
    fixed = getattr(rule, _FIXED_FIELD[item]) if item in _FIXED_FIELD else Decimal(0)
    return quantize(marked_up.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP) + fixed)


@dataclass
class PriceBook:
    """One account's price rules, keyed by scope: (client id or None, country code or None, type or "")."""

    rules: dict[tuple[int | None, str | None, str], PriceRule]

    @classmethod
    def of(cls, account_id: int) -> PriceBook:
        rules = PriceRule.objects.filter(account_id=account_id)
        return cls({(r.client_id, r.country_id, r.number_type): r for r in rules})

    def rule_for(self, *, client_id: int | None, country: str | None, number_type: str) -> PriceRule | None:
        """The most specific rule for a client and a number's country and type: the client's own lines
        first, then the account's defaults; within each, country+type, country, type, everything."""
        if not self.rules:
            return None
        owners = (client_id, None) if client_id is not None else (None,)
        for owner in owners:
            for key in ((country, number_type), (country, ""), (None, number_type), (None, "")):
                rule = self.rules.get((owner, *key))
                if rule is not None:
                    return rule
        return None

    def price(self, *, item: str, wholesale: Decimal, client_id: int | None, country: str | None, number_type: str):
        rule = self.rule_for(client_id=client_id, country=country, number_type=number_type)
        return apply_rule(rule, item=item, wholesale=wholesale)

    def client_wide(self, *, item: str, wholesale: Decimal, client_id: int) -> Decimal:
        """The client's price where no number says which country and type (an SMS quote): its own
        catch-all line, else the account's."""
        return self.price(item=item, wholesale=wholesale, client_id=client_id, country=None, number_type="")

    def for_number(self, number, *, item: str, wholesale: Decimal, months: int = 1) -> Decimal | None:
        """The client price of ``item`` for ``number`` (× ``months`` for monthly items); None when the
        number has no client (the reseller's own numbers are billed to nobody)."""
        if number.client_id is None:
            return None
        unit = self.price(
            item=item,
            wholesale=wholesale,
            client_id=number.client_id,
            country=number.country_id,
            number_type=number.type,
        )
        return quantize(unit * months)


@dataclass(frozen=True)
class ClientPrices:
    """A number's recurring prices as its client pays them (shown to client-scoped viewers)."""

    monthly: Decimal
    setup: Decimal
    sms_monthly: Decimal
    minute: Decimal | None = None  # per answered minute, for a metered number


def client_prices(book: PriceBook, number, *, minute: bool = False) -> ClientPrices:
    """The client's prices of ``number``; with ``minute``, its price per answered minute too (reads
    ``number.group``: load it with the numbers)."""

    def price(item: str, wholesale: Decimal) -> Decimal:
        return book.price(
            item=item,
            wholesale=wholesale,
            client_id=number.client_id,
            country=number.country_id,
            number_type=number.type,
        )

    return ClientPrices(
        monthly=price(Item.MONTHLY, number.monthly_price),
        setup=price(Item.SETUP, number.setup_fee),
        sms_monthly=price(Item.SMS_ADDON, number.sms_monthly_price),
        minute=price(Item.MINUTE, number.group.minute_price) if minute and number.group.minute_price else None,
    )


def show_client_prices(actor, numbers) -> list:
    """For a client-scoped viewer, give each number its client prices (``number.client_prices``, read by
    ``Number.shown_*``); for the reseller, leave wholesale. Returns the numbers as a list. One query."""
    numbers = list(numbers)
    if actor is None or not actor.is_client_scoped or not numbers:
        return numbers
    book = PriceBook.of(actor.account.pk)
    for number in numbers:
        number.client_prices = client_prices(book, number, minute=True)
    return numbers


def viewer_book(context: dict) -> PriceBook | None:
    """For a serializer answering a client-scoped key: the account's price book, loaded once per request
    (kept in the serializer context, which a list's items share). None for the reseller's keys."""
    from portal.api import client_view, context_actor

    if not client_view(context):
        return None
    actor = context_actor(context)
    if "price_book" not in context:
        context["price_book"] = PriceBook.of(actor.account.pk)
    return context["price_book"]


def viewer_number_prices(context: dict, number) -> ClientPrices:
    """A number's monthly, setup and SMS add-on prices as the serializer's viewer pays them."""
    book = viewer_book(context)
    if book is None:
        return ClientPrices(monthly=number.monthly_price, setup=number.setup_fee, sms_monthly=number.sms_monthly_price)
    return client_prices(book, number)


def show_client_order_prices(actor, orders) -> None:
    """For a client-scoped viewer, replace (in memory only: these rows are never saved from here) each
    order line's setup fee, first period and SMS add-on, and each order's total, with what the client
    was charged for them (the ledger's client prices). One query. The reseller's view is left as it is."""
    from .models import LedgerEntry

    if actor is None or not actor.is_client_scoped:
        return
    orders = list(orders)
    items = [item for order in orders for item in order.items.all()]
    first: dict[tuple[int, str], Decimal] = {}
    purchase = (LedgerEntry.Kind.NUMBER_PURCHASE, LedgerEntry.Kind.PORTING)
    kinds = (LedgerEntry.Kind.SETUP_FEE, *purchase, LedgerEntry.Kind.SMS_ADDON)
    rows = (
        LedgerEntry.objects.filter(number_id__in=[i.number_id for i in items], kind__in=kinds, amount__lt=0)
        .order_by("id")
        .values_list("number_id", "kind", "client_amount", "amount")
    )
    for number_id, kind, client_amount, amount in rows:
        kind = LedgerEntry.Kind.NUMBER_PURCHASE if kind in purchase else kind  # a ported number's first period
        first.setdefault((number_id, kind), -(client_amount if client_amount is not None else amount))
    zero = Decimal("0")
    for item in items:
        item.setup_fee = first.get((item.number_id, LedgerEntry.Kind.SETUP_FEE), zero)
        item.first_period = first.get((item.number_id, LedgerEntry.Kind.NUMBER_PURCHASE), zero)
        if item.sms_addon:
            item.sms_addon = first.get((item.number_id, LedgerEntry.Kind.SMS_ADDON), zero)
    for order in orders:
        order.total = quantize(sum((i.setup_fee + i.first_period + i.sms_addon for i in order.items.all()), zero))
