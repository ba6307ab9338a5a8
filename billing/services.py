"""Writes for money that are not part of another app's flow: staff credits and adjustments."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.services import audit_record
from portal import events
from portal.errors import ValidationFailed

from . import ledger
from .models import LedgerEntry
from .money import quantize, to_exact_str

STAFF_KINDS = (LedgerEntry.Kind.TOP_UP, LedgerEntry.Kind.ADJUSTMENT, LedgerEntry.Kind.REFUND)


def wallet_credit(*, actor: Actor, amount: Decimal, kind: str, description: str) -> LedgerEntry:
    """Staff put money in (top-up, refund) or correct the balance (adjustment, either sign).

    Writes the entry, an audit row and a ``wallet.credited`` / ``wallet.debited`` event in one
    transaction with the wallet row locked. A negative adjustment cannot take the balance below zero."""
    if kind not in STAFF_KINDS:
        raise ValidationFailed(fields={"kind": [_("Choose top-up, refund or adjustment.")]})
    try:
        amount = quantize(amount)
    except ValueError:
        raise ValidationFailed(fields={"amount": [_("Enter an amount such as 25.00.")]}) from None
    if amount == 0 or (amount < 0 and kind != LedgerEntry.Kind.ADJUSTMENT):
        raise ValidationFailed(fields={"amount": [_("Enter a positive amount (only adjustments may be negative).")]})
    if not description.strip():
        raise ValidationFailed(fields={"description": [_("Say why, for the reseller's statement.")]})
    with transaction.atomic():
        wallet = ledger.lock_wallet(actor.account)
        before = to_exact_str(wallet.balance)
        if kind == LedgerEntry.Kind.ADJUSTMENT:
            entry = ledger.adjust(
                wallet,
                amount=amount,
                description=description.strip(),
                reference=ledger.Reference.of(actor.account),
                created_by=actor.label,
            )
        else:
            entry = ledger.credit(
                wallet,
                amount=amount,
                kind=kind,
                description=description.strip(),
                reference=ledger.Reference.of(actor.account),
                created_by=actor.label,
            )
        audit_record(
            actor=actor,
            action=f"wallet.{kind}",
            subject=wallet,
            before={"balance": before},
            after={"balance": to_exact_str(wallet.balance)},
        )
        events.record(
            "wallet.credited" if amount > 0 else "wallet.debited",
            account=actor.account,
            subject_type="transaction",
            subject_id=entry.public_id,
            data={
                "transaction_id": entry.public_id,
                "kind": kind,
                "amount": to_exact_str(amount),
                "balance": to_exact_str(wallet.balance),
                "currency": wallet.currency,
            },
        )
    return entry


# --- Numbers -------------------------------------------------------------------------------------

CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}


def period_price(*, monthly_price: Decimal, billing_cycle: str) -> Decimal:
    """What one billing period of a number costs: the monthly price times the months in the cycle."""
    return quantize(monthly_price * CYCLE_MONTHS[billing_cycle])


def charge_numbers(*, wallet, order, numbers, created_by: str) -> Decimal:
    """Debit the setup fee and the first period of each number of ``order`` from a locked wallet.

    One entry per charge, each naming the number (``reference``) and its client; descriptions name the
    order. Raises ``InsufficientBalance`` part-way if the money runs out: the caller's transaction then
    rolls back, so either every charge of the order is written or none is. Returns the total."""
    total = Decimal("0")
    for number in numbers:
        reference = ledger.Reference("number", number.public_id)
        if number.setup_fee > 0:
            ledger.debit(
                wallet,
                amount=number.setup_fee,
                kind=LedgerEntry.Kind.SETUP_FEE,
                reference=reference,
                client=number.client,
                description=f"Setup fee {number.e164} ({order.public_id})",
                dedupe_key=f"setup:{number.public_id}",
                created_by=created_by,
            )
            total += number.setup_fee
        first = period_price(monthly_price=number.monthly_price, billing_cycle=number.billing_cycle)
        ledger.debit(
            wallet,
            amount=first,
            kind=LedgerEntry.Kind.NUMBER_PURCHASE,
            reference=reference,
            client=number.client,
            description=f"{number.e164} {number.get_billing_cycle_display().lower()} until "
            f"{number.paid_through:%Y-%m-%d} ({order.public_id})",
            dedupe_key=f"purchase:{number.public_id}",
            created_by=created_by,
        )
        total += first
    return quantize(total)


def refund_number(*, number, reason: str) -> Decimal:
    """Give back everything charged for a number that could not be delivered: a reversing credit per
    charge, once (a second call finds the refund already made). Locks the wallet; call inside the
    transaction that marks the number failed."""
    wallet = ledger.lock_wallet(number.account)
    charges = LedgerEntry.objects.filter(
        wallet=wallet, reference_type="number", reference_id=number.public_id, amount__lt=0
    ).exclude(kind=LedgerEntry.Kind.REFUND)
    refunded = Decimal("0")
    for charge in charges.order_by("id"):
        ledger.credit(
            wallet,
            amount=-charge.amount,
            kind=LedgerEntry.Kind.REFUND,
            reference=ledger.Reference("number", number.public_id),
            client=number.client,
            description=f"Refund: {charge.description} — {reason}"[:255],
            dedupe_key=f"refund:{charge.pk}",
            created_by="system",
        )
        refunded += -charge.amount
    return quantize(refunded)
