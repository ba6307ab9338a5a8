"""Reads for payments, scoped to who asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.actor import Actor
from portal.errors import NotFound

from ..models import PaymentProfile, TopUp
from . import gateway
from .services import payment_reference, top_up_limits

RENEWALS_AHEAD_DAYS = 7


def _wallet_owner(actor: Actor) -> None:
    if actor.is_client_scoped or not actor.can_see_wallet:
        raise NotFound()


def top_up_list(*, actor: Actor) -> QuerySet[TopUp]:
    _wallet_owner(actor)
    return TopUp.objects.filter(account=actor.account).select_related("entry")


def top_up_get(*, actor: Actor, top_up_id: str | int) -> TopUp:
    text = str(top_up_id).removeprefix("top_")
    if not text.isdigit():
        raise NotFound()
    top_up = top_up_list(actor=actor).filter(pk=int(text)).select_related("account").first()
    if top_up is None:
        raise NotFound()
    return top_up


def payment_profile_get(*, actor: Actor) -> PaymentProfile:
    """The account's payment settings (unsaved defaults when it has none yet)."""
    _wallet_owner(actor)
    return PaymentProfile.objects.filter(account=actor.account).first() or PaymentProfile(account=actor.account)


@dataclass(frozen=True)
class BankDetails:
    beneficiary: str
    iban: str
    bic: str
    bank: str
    reference: str


def bank_details(*, actor: Actor) -> BankDetails:
    _wallet_owner(actor)
    return BankDetails(
        beneficiary=settings.BANK_TRANSFER_BENEFICIARY,
        iban=settings.BANK_TRANSFER_IBAN,
        bic=settings.BANK_TRANSFER_BIC,
        bank=settings.BANK_TRANSFER_BANK,
        reference=payment_reference(actor.account.pk),
    )


@dataclass(frozen=True)
class TopUpOptions:
    card: bool
    minimum: Decimal
    maximum: Decimal


def top_up_options() -> TopUpOptions:
    low, high = top_up_limits()
    return TopUpOptions(card=gateway.enabled(), minimum=low, maximum=high)


@dataclass(frozen=True)
class Shortfall:
    """The next days' renewals and how much of them the balance does not cover."""

    due: Decimal
    balance: Decimal
    days: int

    @property
    def missing(self) -> Decimal:
        """What a top-up must add, in whole cents rounded up."""
        return top_up_rounded(self.due - self.balance)


def top_up_rounded(amount: Decimal) -> Decimal:
    """An amount owed as a top-up would pay it: whole cents, rounded up, never below zero."""
    return max(Decimal(amount), Decimal("0")).quantize(Decimal("0.01"), rounding=ROUND_CEILING)


def renewals_shortfall(*, account_id: int, balance: Decimal, days: int = RENEWALS_AHEAD_DAYS) -> Shortfall | None:
    """The renewals due in the next ``days`` days (and those overdue), when ``balance`` cannot pay them;
    None when it can. One query on the numbers' renewal index, reading four columns."""
    from numbers_app.models import Number

    from ..renewals import RENEWABLE
    from ..services import period_price

    horizon = timezone.localdate() + timedelta(days=days)
    rows = Number.objects.filter(
        account_id=account_id, status__in=RENEWABLE, paid_through__lte=horizon, cancel_at_period_end=False
    ).values_list("monthly_price", "sms_enabled", "sms_monthly_price", "billing_cycle")
    due = Decimal("0")
    for monthly, sms, sms_monthly, cycle in rows.iterator(chunk_size=2000):
        due += period_price(monthly_price=monthly, billing_cycle=cycle)
        if sms and sms_monthly > 0:
            due += period_price(monthly_price=sms_monthly, billing_cycle=cycle)
    if due <= balance:
        return None
    return Shortfall(due=due, balance=balance, days=days)


def receipt_ids(*, entries) -> dict[int, int]:
    """For a page of ledger entries: entry id → the paid top-up it credits (whose receipt can be had)."""
    ids = [entry.pk for entry in entries if entry.kind == "top_up"]
    if not ids:
        return {}
    paid = TopUp.objects.filter(entry_id__in=ids, status=TopUp.Status.SUCCEEDED)
    return dict(paid.values_list("entry_id", "pk"))
