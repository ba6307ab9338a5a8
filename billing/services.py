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
