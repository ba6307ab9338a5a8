"""A reseller suspended for non-payment is let back in as soon as its wallet covers what is due: a balance
that is not negative and pays every renewal that is overdue now."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import Account
from accounts.services import audit_record


def amount_due(account_id: int) -> Decimal:
    """The renewals that could not be paid and are still owed (numbers in grace or suspended)."""
    from numbers_app.models import Number

    from ..renewals import RENEWABLE, renewal_amounts

    numbers = Number.objects.filter(account_id=account_id, status__in=RENEWABLE, payment_due_since__isnull=False)
    return sum((sum(renewal_amounts(number), Decimal("0")) for number in numbers), Decimal("0"))


def lift_if_paid(*, wallet, actor) -> bool:
    """Inside the transaction that credited ``wallet`` (locked): reactivate the account if it is suspended
    for non-payment and the balance now covers what is due. Returns whether it did."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Lift a suspension inside the transaction of the credit that pays for it")
    account = Account.objects.select_for_update().get(pk=wallet.account_id)
    if account.status != Account.Status.SUSPENDED or account.suspension_reason != Account.SuspensionReason.NON_PAYMENT:
        return False
    if wallet.balance < 0 or wallet.balance < amount_due(account.pk):
        return False
    account.status, account.suspension_reason, account.suspension_note = Account.Status.ACTIVE, "", ""
    account.save(update_fields=["status", "suspension_reason", "suspension_note"])
    audit_record(
        actor=actor,
        action="account.reactivated",
        subject=account,
        before={"status": "suspended", "suspension_reason": "non_payment"},
        after={"status": "active"},
        account=account,
    )
    return True


@dataclass(frozen=True)
class SuspensionSummary:
    reason: str
    note: str
    non_payment: bool
    balance: Decimal
    currency: str
    due: Decimal

    @property
    def missing(self) -> Decimal:
        return max(self.due - self.balance, -self.balance, Decimal("0"))


def suspension_summary(*, account: Account) -> SuspensionSummary:
    """What a suspended reseller's people are shown: why, the balance, and what is due to come back."""
    from .. import ledger

    wallet = ledger.wallet_for(account)
    return SuspensionSummary(
        reason=account.get_suspension_reason_display() if account.suspension_reason else "",
        note=account.suspension_note,
        non_payment=account.suspension_reason == Account.SuspensionReason.NON_PAYMENT,
        balance=wallet.balance,
        currency=wallet.currency,
        due=amount_due(account.pk),
    )
