"""Top-ups: a Stripe Checkout payment, an off-session auto-recharge or a bank transfer becomes exactly one
ledger credit.

Exactly once: every path that learns a payment succeeded — the verified webhook, its retries, the success
redirect, staff recording a transfer — ends in ``top_up_settle``, which locks the wallet row first, then the
top-up row, and credits only a top-up that is not yet paid. Behind that, two unique constraints hold even
against a bug: one top-up per provider payment id (``top_up_one_per_payment``) and one ledger credit per
(wallet, kind, provider payment id) (``ledger_charge_once``). Stripe is called outside any transaction.

Refunds and disputes are debits that may take the balance below zero: the money has already gone back to
the card holder, so the ledger records it whatever the balance (``ledger.debit(allow_negative=True)``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor, system_actor
from accounts.models import Account
from accounts.services import audit_record
from portal import events
from portal.errors import (
    NotFound,
    PaymentConflict,
    PaymentProviderUnavailable,
    PaymentsUnavailable,
    PermissionDenied,
    ValidationFailed,
)
from portal.l10n import for_records

from .. import ledger
from ..models import LedgerEntry, PaymentProfile, TopUp
from ..money import CENTS, to_cents_str, to_exact_str
from . import gateway, suspension, thresholds

logger = logging.getLogger("didfarm.payments")


# --- The reseller's payment reference ------------------------------------------------------------


def _check_digits(account_id: int) -> int:
    # ISO 7064 MOD 97-10, as in IBANs and RF creditor references: a mistyped digit is caught.
    return 98 - (account_id * 100) % 97


def payment_reference(account_id: int) -> str:
    """The account's stable reference for bank transfers, e.g. ``DF-000042-56``: derived from the account,
    so it never changes, and carrying check digits, so staff cannot credit a mistyped one."""
    return f"DF-{account_id:06d}-{_check_digits(account_id):02d}"


def account_id_from_reference(text: str) -> int | None:
    """The account a reference (as a bank statement may spell it: any case, spaces, dashes) names, or
    None when it is not a valid reference."""
    compact = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if not compact.startswith("DF") or not compact[2:].isdigit() or len(compact) < 5:
        return None
    digits = compact[2:]
    account_id, check = int(digits[:-2] or "0"), int(digits[-2:])
    if account_id <= 0 or _check_digits(account_id) != check:
        return None
    return account_id


def profile_for(account) -> PaymentProfile:
    profile, _created = PaymentProfile.objects.get_or_create(account_id=account.pk)
    return profile


# --- Amounts --------------------------------------------------------------------------------------


def top_up_limits() -> tuple[Decimal, Decimal]:
    return Decimal(settings.TOPUP_MINIMUM), Decimal(settings.TOPUP_MAXIMUM)


def top_up_amount(value, *, field: str = "amount") -> Decimal:
    """A top-up amount: whole cents, within the platform's minimum and maximum; else ``ValidationFailed``."""
    low, high = top_up_limits()
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount != amount.quantize(CENTS):
        raise ValidationFailed(fields={field: [_("Enter an amount in euros and cents, such as 50.00.")]})
    if amount < low or amount > high:
        raise ValidationFailed(
            fields={
                field: [
                    _("Top up between %(low)s and %(high)s EUR.")
                    % {"low": to_cents_str(low), "high": to_cents_str(high)}
                ]
            }
        )
    return amount.quantize(CENTS)


def _require_payer(actor: Actor) -> None:
    if actor.is_client_scoped or not actor.can_see_wallet:
        raise NotFound(_("The wallet is the reseller's."))
    if not actor.can_write:
        raise PermissionDenied(_("This key or role is read-only."))


# --- Stripe Checkout ------------------------------------------------------------------------------


def top_up_checkout_start(
    *, actor: Actor, amount, save_card: bool, success_url: str, cancel_url: str, language: str = "en"
) -> TopUp:
    """A pending top-up and its Stripe Checkout session; the caller sends the payer to ``checkout_url``.

    ``success_url`` may contain ``{CHECKOUT_SESSION_ID}`` (Stripe fills it in). The top-up row commits
    before Stripe is called; if Stripe cannot be reached it is marked failed and ``PaymentProviderUnavailable``
    is raised."""
    _require_payer(actor)
    if not gateway.enabled():
        raise PaymentsUnavailable()
    amount = top_up_amount(amount)
    profile = profile_for(actor.account)
    with transaction.atomic():
        top_up = TopUp.objects.create(
            account=actor.account,
            method=TopUp.Method.CHECKOUT,
            provider=TopUp.Provider.STRIPE,
            amount=amount,
            save_card=save_card,
            created_by=actor.label[:200],
        )
        audit_record(actor=actor, action="top_up.started", subject=top_up, after={"amount": to_exact_str(amount)})
    try:
        session = gateway.checkout_session_create(
            top_up_id=top_up.public_id,
            account_id=actor.account.pk,
            amount=amount,
            currency=top_up.currency,
            customer_id=profile.stripe_customer_id,
            email=actor.user.email if actor.user else actor.account.billing_email,
            save_card=save_card,
            success_url=success_url,
            cancel_url=cancel_url,
            language=language,
        )
    except gateway.StripeError as exc:
        logger.warning("Stripe Checkout session for %s failed: %s", top_up.public_id, exc)
        TopUp.objects.filter(pk=top_up.pk, status=TopUp.Status.PENDING).update(
            status=TopUp.Status.FAILED, failure_message=str(_("The payment page could not be opened."))[:255]
        )
        raise PaymentProviderUnavailable() from exc
    top_up.session_id, top_up.checkout_url = session.id, session.url
    top_up.save(update_fields=["session_id", "checkout_url"])
    return top_up


def _value(obj, name: str, default=None):
    """A field of a Stripe object or of a plain dict (an event's payload)."""
    if obj is None:
        return default
    try:
        value = obj[name]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def top_up_checkout_settle(*, session_id: str) -> TopUp | None:
    """Bring a Checkout top-up up to date with Stripe: credit it if the session is paid (card at once,
    SEPA when the debit clears), cancel it if the session expired, else leave it pending. Safe to call
    any number of times, concurrently, from the webhook task and the success redirect."""
    top_up = TopUp.objects.filter(session_id=session_id).first()
    if top_up is None:
        return None  # not one of ours (another system on the same Stripe account)
    if top_up.status == TopUp.Status.SUCCEEDED:
        return top_up
    session = gateway.checkout_session_retrieve(session_id)
    intent = _value(session, "payment_intent")
    if _value(session, "payment_status") == "paid" and intent is not None:
        method = _value(intent, "payment_method")
        return top_up_settle(
            top_up_pk=top_up.pk,
            external_id=intent if isinstance(intent, str) else intent["id"],
            amount=gateway.from_minor(_value(session, "amount_total", 0)),
            customer_id=_value(session, "customer", "") if top_up.save_card else "",
            payment_method_id=(method if isinstance(method, str) else _value(method, "id", ""))
            if top_up.save_card
            else "",
            card_label=payment_method_label(method) if top_up.save_card else "",
        )
    if _value(session, "status") == "expired":
        TopUp.objects.filter(pk=top_up.pk, status=TopUp.Status.PENDING).update(status=TopUp.Status.CANCELED)
        top_up.refresh_from_db()
    return top_up


def top_up_payment_failed(*, session_id: str, reason: str) -> None:
    """A SEPA debit that bounced: the top-up fails; nothing was credited."""
    TopUp.objects.filter(session_id=session_id, status=TopUp.Status.PENDING).update(
        status=TopUp.Status.FAILED, failure_message=reason[:255]
    )


# --- Crediting, once ------------------------------------------------------------------------------


def payment_method_label(method) -> str:
    """How the wallet page names a saved payment method: "Visa ending 4242, expires 12/2028" for a card,
    "SEPA Direct Debit ending 3000" for a bank account; a generic name when Stripe gave only the id."""
    kind = _value(method, "type", "") if method is not None and not isinstance(method, str) else ""
    if kind == "card":
        card = _value(method, "card", {}) or {}
        brand = str(_value(card, "display_brand", "") or _value(card, "brand", "")).replace("_", " ").title()
        return _("%(brand)s ending %(last4)s, expires %(month)02d/%(year)s") % {
            "brand": brand or _("Card"),
            "last4": _value(card, "last4", "????"),
            "month": int(_value(card, "exp_month", 0) or 0),
            "year": _value(card, "exp_year", ""),
        }
    if kind == "sepa_debit":
        return _("SEPA Direct Debit ending %(last4)s") % {
            "last4": _value(_value(method, "sepa_debit", {}) or {}, "last4", "????")
        }
    return _("Saved card")


def top_up_settle(
    *,
    top_up_pk: int,
    external_id: str,
    amount: Decimal,
    customer_id: str = "",
    payment_method_id: str = "",
    card_label: str = "",
) -> TopUp:
    """Credit a top-up once. Locks the wallet row, then the top-up row; a paid top-up is returned as it is.
    Writes the credit, the top-up's new state, an audit row and ``payment.succeeded`` + ``wallet.credited``
    events in one transaction; lifts a suspension for non-payment the credit pays for; emails the payer
    and re-checks the wallet's thresholds after commit."""
    account_id = TopUp.objects.values_list("account_id", flat=True).get(pk=top_up_pk)
    with transaction.atomic():
        wallet = ledger.lock_wallet_of(account_id)
        top_up = TopUp.objects.select_for_update(of=("self",)).select_related("account").get(pk=top_up_pk)
        if top_up.status == TopUp.Status.SUCCEEDED:
            return top_up
        _credit(top_up, wallet=wallet, external_id=external_id, amount=amount)
        if payment_method_id:
            profile = PaymentProfile.objects.select_for_update().get_or_create(account_id=account_id)[0]
            profile.stripe_customer_id = customer_id or profile.stripe_customer_id
            profile.stripe_payment_method_id = payment_method_id
            profile.card_label = (card_label or _("Saved card"))[:64]
            profile.save(update_fields=["stripe_customer_id", "stripe_payment_method_id", "card_label", "updated_at"])
    return top_up


def _credit(top_up: TopUp, *, wallet, external_id: str, amount: Decimal) -> LedgerEntry:
    """Inside ``top_up_settle``'s or ``bank_transfer_record``'s transaction, the wallet locked: the credit and
    everything that goes with it."""
    actor = system_actor(top_up.account)
    before = to_exact_str(wallet.balance)
    top_up.external_id = external_id
    with for_records():
        description = _("Top-up %(id)s (%(method)s)") % {"id": top_up.public_id, "method": top_up.get_method_display()}
    entry = ledger.credit(
        wallet,
        amount=amount,
        kind=LedgerEntry.Kind.TOP_UP,
        description=description,
        reference=ledger.Reference("topup", top_up.public_id),
        dedupe_key=top_up.dedupe_key,
        created_by=top_up.created_by or "payments",
    )
    top_up.amount, top_up.entry, top_up.status = entry.amount, entry, TopUp.Status.SUCCEEDED
    top_up.completed_at, top_up.failure_message = timezone.now(), ""
    top_up.save(update_fields=["external_id", "amount", "entry", "status", "completed_at", "failure_message"])
    thresholds.release_recovered(account_id=top_up.account_id, balance=wallet.balance)
    audit_record(
        actor=actor,
        action="top_up.succeeded",
        subject=top_up,
        before={"balance": before},
        after={"balance": to_exact_str(wallet.balance), "payment_id": external_id},
        account=top_up.account,
    )
    data = {
        "top_up_id": top_up.public_id,
        "transaction_id": entry.public_id,
        "method": top_up.method,
        "amount": to_exact_str(entry.amount),
        "balance": to_exact_str(wallet.balance),
        "currency": wallet.currency,
    }
    events.record(
        "payment.succeeded", account=top_up.account, subject_type="top_up", subject_id=top_up.public_id, data=data
    )
    events.record(
        "wallet.credited",
        account=top_up.account,
        subject_type="transaction",
        subject_id=entry.public_id,
        data=data | {"kind": entry.kind},
    )
    suspension.lift_if_paid(wallet=wallet, actor=actor)
    from . import tasks

    top_up_id = top_up.pk
    transaction.on_commit(lambda: tasks.payment_received_notify_task.delay(top_up_id))
    transaction.on_commit(lambda: tasks.wallet_thresholds_check_task.delay(wallet.account_id))
    return entry


# --- Bank transfer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankTransfer:
    reference: str
    amount: Decimal
    bank_transaction_id: str


def bank_transfer_record(*, staff_user, transfer: BankTransfer) -> TopUp:
    """Staff record a transfer that reached the bank account: one credit per bank transaction id. The same
    transaction recorded again (a double click, two staff at once) returns the first top-up; with another
    reference or amount it is refused (``PaymentConflict``), as it cannot be the same money."""
    account_id = account_id_from_reference(transfer.reference)
    account = Account.objects.filter(pk=account_id).first() if account_id else None
    if account is None:
        raise ValidationFailed(fields={"reference": [_("No reseller has this payment reference.")]})
    transaction_id = transfer.bank_transaction_id.strip()
    if not transaction_id:
        raise ValidationFailed(fields={"bank_transaction_id": [_("Enter the bank's transaction id.")]})
    try:
        amount = Decimal(str(transfer.amount)).quantize(CENTS)
    except (InvalidOperation, ValueError):
        raise ValidationFailed(fields={"amount": [_("Enter an amount in euros and cents, such as 50.00.")]}) from None
    if amount <= 0 or amount != Decimal(str(transfer.amount)):
        raise ValidationFailed(fields={"amount": [_("Enter an amount in euros and cents, such as 50.00.")]})
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        existing = TopUp.objects.filter(provider=TopUp.Provider.BANK, external_id=transaction_id).first()
        if existing is not None:
            return _same_transfer(existing, account=account, amount=amount)
        top_up = TopUp(
            account=account,
            method=TopUp.Method.BANK_TRANSFER,
            provider=TopUp.Provider.BANK,
            amount=amount,
            external_id=transaction_id,
            created_by=staff_user.email[:200],
        )
        try:
            with transaction.atomic():
                top_up.save(force_insert=True)
        except IntegrityError:
            # The same bank transaction, recorded for another reseller at this very moment.
            existing = TopUp.objects.filter(provider=TopUp.Provider.BANK, external_id=transaction_id).first()
            if existing is None:
                raise
            return _same_transfer(existing, account=account, amount=amount)
        _credit(top_up, wallet=wallet, external_id=transaction_id, amount=amount)
        audit_record(
            actor=system_actor(account, user=staff_user),
            action="top_up.bank_transfer_recorded",
            subject=top_up,
            after={"amount": to_exact_str(amount), "bank_transaction_id": transaction_id},
            account=account,
        )
    return top_up


def _same_transfer(existing: TopUp, *, account, amount: Decimal) -> TopUp:
    if existing.account_id != account.pk or existing.amount != amount:
        raise PaymentConflict(
            _("Bank transaction %(id)s was already recorded: %(amount)s EUR for another reference or amount.")
            % {"id": existing.external_id, "amount": to_cents_str(existing.amount)}
        )
    return existing


# --- Refunds and disputes -------------------------------------------------------------------------


def _stripe_top_up(payment_intent_id: str | None) -> TopUp | None:
    if not payment_intent_id:
        return None
    return TopUp.objects.filter(provider=TopUp.Provider.STRIPE, external_id=payment_intent_id).first()


def _reversal(top_up: TopUp, *, amount: Decimal, kind: str, key: str, description: str) -> LedgerEntry | None:
    """Inside a transaction with the wallet locked: a debit (or, for a dispute won, a credit) against a
    top-up, once per ``key``."""
    wallet = ledger.lock_wallet(top_up.account)
    before = to_exact_str(wallet.balance)
    post = ledger.credit if kind == LedgerEntry.Kind.CHARGEBACK_REVERSAL else ledger.debit
    extra: dict[str, Any] = {} if post is ledger.credit else {"allow_negative": True}
    entry = post(
        wallet,
        amount=amount,
        kind=kind,
        description=description,
        reference=ledger.Reference("topup", top_up.public_id),
        dedupe_key=f"stripe:{key}",
        created_by="stripe",
        **extra,
    )
    audit_record(
        actor=system_actor(top_up.account),
        action=f"top_up.{kind}",
        subject=top_up,
        before={"balance": before},
        after={"balance": to_exact_str(wallet.balance), "reason": description},
        account=top_up.account,
    )
    events.record(
        "wallet.credited" if entry.amount > 0 else "wallet.debited",
        account=top_up.account,
        subject_type="transaction",
        subject_id=entry.public_id,
        data={
            "transaction_id": entry.public_id,
            "top_up_id": top_up.public_id,
            "kind": kind,
            "amount": to_exact_str(entry.amount),
            "balance": to_exact_str(wallet.balance),
            "currency": wallet.currency,
            "reason": description,
        },
    )
    return entry


def top_up_refunded(*, charge: dict) -> LedgerEntry | None:
    """``charge.refunded``: debit what was refunded since the last refund event. ``amount_refunded`` is
    cumulative, so it keys each step: a repeated event is answered with the entry already written."""
    top_up = _stripe_top_up(_value(charge, "payment_intent"))
    if top_up is None or top_up.status != TopUp.Status.SUCCEEDED:
        return None
    refunded = gateway.from_minor(_value(charge, "amount_refunded", 0))
    with transaction.atomic():
        ledger.lock_wallet(top_up.account)
        done = -(
            LedgerEntry.objects.filter(
                account_id=top_up.account_id,
                kind=LedgerEntry.Kind.TOP_UP_REFUND,
                reference_type="topup",
                reference_id=top_up.public_id,
            ).aggregate(total=Sum("amount"))["total"]
            or Decimal("0")
        )
        step = refunded - done
        if step <= 0:
            return None
        with for_records():
            description = _("Refund of top-up %(id)s") % {"id": top_up.public_id}
        return _reversal(
            top_up,
            amount=step,
            kind=LedgerEntry.Kind.TOP_UP_REFUND,
            key=f"{_value(charge, 'id')}:refunded:{_value(charge, 'amount_refunded')}",
            description=description,
        )


def top_up_disputed(*, dispute: dict) -> LedgerEntry | None:
    """``charge.dispute.created``: the disputed amount leaves the wallet at once, with the bank's reason;
    ``charge.dispute.closed`` as won gives it back."""
    top_up = _stripe_top_up(_value(dispute, "payment_intent"))
    if top_up is None or top_up.status != TopUp.Status.SUCCEEDED:
        return None
    amount = gateway.from_minor(_value(dispute, "amount", 0))
    if amount <= 0:
        return None
    won = _value(dispute, "status") == "won"
    reason = str(_value(dispute, "reason", "")).replace("_", " ")
    with for_records():
        if won:
            description = _("Dispute of top-up %(id)s won") % {"id": top_up.public_id}
        else:
            description = _("Dispute of top-up %(id)s: %(reason)s") % {"id": top_up.public_id, "reason": reason}
    opened_key = f"stripe:{_value(dispute, 'id')}:opened"
    with transaction.atomic():
        if (
            won
            and not LedgerEntry.objects.filter(
                account_id=top_up.account_id, kind=LedgerEntry.Kind.CHARGEBACK, dedupe_key=opened_key
            ).exists()
        ):
            return None  # never taken, so nothing to give back
        return _reversal(
            top_up,
            amount=amount,
            kind=LedgerEntry.Kind.CHARGEBACK_REVERSAL if won else LedgerEntry.Kind.CHARGEBACK,
            key=f"{_value(dispute, 'id')}:{'won' if won else 'opened'}",
            description=description,
        )


# --- Auto-recharge and alert settings -------------------------------------------------------------


@dataclass(frozen=True)
class PaymentSettings:
    auto_recharge_enabled: bool
    auto_recharge_threshold: Decimal | None
    auto_recharge_amount: Decimal | None
    low_balance_threshold: Decimal | None


def _threshold(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount != amount.quantize(CENTS) or amount >= 10**8:
        raise ValidationFailed(fields={field: [_("Enter an amount in euros and cents, such as 50.00.")]})
    return amount


def payment_settings_update(*, actor: Actor, data: PaymentSettings) -> PaymentProfile:
    """Set the low-balance alert and auto-recharge. Auto-recharge needs a saved card, a threshold and an
    amount within the top-up limits. A changed threshold starts a new crossing (its claim is cleared)."""
    _require_payer(actor)
    low = _threshold(data.low_balance_threshold, "low_balance_threshold")
    threshold = _threshold(data.auto_recharge_threshold, "auto_recharge_threshold")
    amount = None
    if data.auto_recharge_amount not in (None, ""):
        amount = top_up_amount(data.auto_recharge_amount, field="auto_recharge_amount")
    with transaction.atomic():
        profile = PaymentProfile.objects.select_for_update().get_or_create(account_id=actor.account.pk)[0]
        if data.auto_recharge_enabled:
            errors = {}
            if not profile.stripe_payment_method_id:
                errors["auto_recharge_enabled"] = [_("Pay once by card and save the card first.")]
            if threshold is None:
                errors["auto_recharge_threshold"] = [_("Say below which balance to recharge.")]
            if amount is None:
                errors["auto_recharge_amount"] = [_("Say how much to recharge.")]
            if errors:
                raise ValidationFailed(fields=errors)
        fields = ("auto_recharge_enabled", "auto_recharge_threshold", "auto_recharge_amount", "low_balance_threshold")
        before = {field: str(getattr(profile, field)) for field in fields}
        if threshold != profile.auto_recharge_threshold or not data.auto_recharge_enabled:
            profile.auto_recharge_claimed_at, profile.auto_recharge_failures, profile.auto_recharge_retry_at = (
                None,
                0,
                None,
            )
        if low != profile.low_balance_threshold:
            profile.low_balance_alerted_at = None
        profile.auto_recharge_enabled = data.auto_recharge_enabled
        profile.auto_recharge_threshold, profile.auto_recharge_amount = threshold, amount
        profile.low_balance_threshold = low
        profile.save()
        after = {field: str(getattr(profile, field)) for field in fields}
        if before != after:
            audit_record(actor=actor, action="wallet.payment_settings", subject=profile, before=before, after=after)
        from . import tasks

        transaction.on_commit(lambda: tasks.wallet_thresholds_check_task.delay(actor.account.pk))
    return profile


def saved_card_forget(*, actor: Actor) -> None:
    """Forget the saved card; auto-recharge stops with it."""
    _require_payer(actor)
    with transaction.atomic():
        profile = PaymentProfile.objects.select_for_update().filter(account_id=actor.account.pk).first()
        if profile is None or not profile.stripe_payment_method_id:
            return
        profile.stripe_payment_method_id, profile.card_label, profile.auto_recharge_enabled = "", "", False
        profile.save(update_fields=["stripe_payment_method_id", "card_label", "auto_recharge_enabled", "updated_at"])
        audit_record(actor=actor, action="wallet.card_forgotten", subject=profile)
