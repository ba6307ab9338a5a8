"""Writes for money that are not part of another app's flow: staff credits and adjustments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.actor import Actor, system_actor
from accounts.services import ResellerCreated, audit_record, reseller_create
from portal import events
from portal.errors import NotFound, PermissionDenied, ValidationFailed
from portal.l10n import for_records

from . import ledger
from .models import LedgerEntry
from .money import quantize, round_cents, to_exact_str
from .periods import CYCLE_MONTHS, period_end, period_price
from .pricing import Item, PriceBook

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


def reseller_onboard(
    *,
    name: str,
    owner_email: str,
    opening_balance: Decimal = Decimal("0"),
    owner_password: str | None = None,
    created_by=None,
) -> ResellerCreated:
    """Onboard a reseller with money to start with: the account, its owner and keys
    (``accounts.services.reseller_create``) and its wallet, credited with ``opening_balance`` as a top-up,
    in one transaction (a refused balance or name creates nothing)."""
    try:
        opening_balance = quantize(opening_balance)
    except ValueError:
        raise ValidationFailed(fields={"balance": [_("Enter an amount such as 100.00.")]}) from None
    if opening_balance < 0:
        raise ValidationFailed(fields={"balance": [_("The opening balance cannot be negative.")]})
    with transaction.atomic():
        created = reseller_create(
            name=name, owner_email=owner_email, owner_password=owner_password, created_by=created_by
        )
        wallet = ledger.lock_wallet(created.account)
        if opening_balance > 0:
            ledger.credit(
                wallet,
                amount=opening_balance,
                kind=LedgerEntry.Kind.TOP_UP,
                description=_("Opening balance"),
                reference=ledger.Reference.of(created.account),
                created_by=system_actor(created.account, user=created_by).label,
            )
    return created


# --- Numbers -------------------------------------------------------------------------------------


def pro_rata(amount: Decimal, *, part: Decimal, whole: Decimal) -> Decimal:
    """``amount`` × ``part`` / ``whole``, in whole cents (half up): the client's share of a partial charge."""
    if whole == 0:
        return Decimal("0")
    return quantize(round_cents(amount * part / whole))


def _purchase_description(number, order) -> str:
    # The ledger is a record read in every language (and by the API): its text is written in English.
    with for_records():
        cycle = number.get_billing_cycle_display().lower()
    return f"{number.e164} {cycle} until {number.paid_through:%Y-%m-%d} ({order.public_id})"


def charge_numbers(*, wallet, order, numbers, created_by: str, ported: bool = False) -> Decimal:
    """Debit the setup fee and the first period of each number of ``order`` (and of its SMS add-on, when
    bought with SMS) from a locked wallet.

    One entry per charge, each naming the number (``reference``) and its client; descriptions name the
    order. Raises ``InsufficientBalance`` part-way if the money runs out: the caller's transaction then
    rolls back, so either every charge of the order is written or none is. Each entry carries the client's
    price from the account's price list. Returns the total."""
    total = Decimal("0")
    book = PriceBook.of(wallet.account_id)
    for number in numbers:
        reference = ledger.Reference("number", number.public_id)
        if number.setup_fee > 0:
            ledger.debit(
                wallet,
                amount=number.setup_fee,
                kind=LedgerEntry.Kind.SETUP_FEE,
                reference=reference,
                client=number.client,
                client_amount=book.for_number(number, item=Item.SETUP, wholesale=number.setup_fee),
                number_id=number.pk,
                description=f"Setup fee {number.e164} ({order.public_id})",
                dedupe_key=f"setup:{number.public_id}",
                created_by=created_by,
            )
            total += number.setup_fee
        first = period_price(monthly_price=number.monthly_price, billing_cycle=number.billing_cycle)
        if first > 0:  # a number priced at 0.00 by staff has nothing to charge for its period
            ledger.debit(
                wallet,
                amount=first,
                # A number ported in is charged like a bought one; its first period says how it came.
                kind=LedgerEntry.Kind.PORTING if ported else LedgerEntry.Kind.NUMBER_PURCHASE,
                reference=reference,
                client=number.client,
                client_amount=book.for_number(
                    number,
                    item=Item.MONTHLY,
                    wholesale=number.monthly_price,
                    months=CYCLE_MONTHS[number.billing_cycle],
                ),
                number_id=number.pk,
                description=_purchase_description(number, order),
                dedupe_key=f"purchase:{number.public_id}",
                created_by=created_by,
            )
            total += first
        if number.sms_enabled and number.sms_monthly_price > 0:
            addon = period_price(monthly_price=number.sms_monthly_price, billing_cycle=number.billing_cycle)
            charge_sms_addon(wallet=wallet, number=number, amount=addon, created_by=created_by, book=book)
            total += addon
    return quantize(total)


def client_total(*, numbers) -> Decimal:
    """What the numbers' client was billed for them so far, net of refunds (their client prices)."""
    from django.db.models import Sum

    total = LedgerEntry.objects.filter(number__in=[n.pk for n in numbers]).aggregate(total=Sum("client_amount"))
    return quantize(-(total["total"] or 0))


def refund_number(*, number, reason: str) -> Decimal:
    """Give back everything charged for a number that could not be delivered. Locks the wallet; call
    inside the transaction that marks the number failed."""
    return refund_reference(
        account=number.account,
        reference=ledger.Reference("number", number.public_id),
        reason=reason,
    )


def refund_reference(*, account, reference: ledger.Reference, reason: str) -> Decimal:
    """A reversing credit for each charge that names ``reference``, once each (a second call finds the
    refunds already made, adds nothing and returns 0). Locks the wallet; call inside the caller's
    transaction. Each refund goes to the client that was charged. Returns what this call refunded."""
    wallet = ledger.lock_wallet(account)
    charges = LedgerEntry.objects.filter(
        wallet=wallet, reference_type=reference.type, reference_id=str(reference.id), amount__lt=0
    )
    refunded = _refund_charges(wallet, charges, reason=reason, created_by="system")
    return quantize(sum((-charge.amount for charge in refunded), Decimal("0")))


def _refund_charges(wallet, charges, *, reason: str, created_by: str) -> list[LedgerEntry]:
    """A reversing credit for each of ``charges`` (debits of the locked ``wallet``) not refunded before,
    to the client that was charged and at the price it was charged (the number may have moved to another
    client since). Refunds are keyed by the charge, so each happens once. Returns the charges refunded."""
    charges = list(charges.exclude(kind=LedgerEntry.Kind.REFUND).select_related("client").order_by("id"))
    done = set(
        LedgerEntry.objects.filter(
            wallet=wallet, kind=LedgerEntry.Kind.REFUND, dedupe_key__in=[f"refund:{c.pk}" for c in charges]
        ).values_list("dedupe_key", flat=True)
    )
    refunded = []
    for charge in charges:
        if f"refund:{charge.pk}" in done:
            continue  # refunded before: counted then, not now
        ledger.credit(
            wallet,
            amount=-charge.amount,
            kind=LedgerEntry.Kind.REFUND,
            reference=ledger.Reference(charge.reference_type, charge.reference_id) if charge.reference_type else None,
            client=charge.client,
            client_amount=-charge.client_amount if charge.client_amount is not None else None,
            number_id=charge.number_id,
            description=f"Refund: {charge.description} — {reason}"[:255],
            dedupe_key=f"refund:{charge.pk}",
            created_by=created_by,
        )
        refunded.append(charge)
    return refunded


# --- SMS -----------------------------------------------------------------------------------------


def charge_sms(*, message, created_by: str) -> LedgerEntry:
    """Debit an outbound message's charge (segments × price per segment). Call last in the transaction
    that creates the message (it takes the wallet's lock for the rest of it): the charge exists exactly
    when the message does, so it needs no key of its own to happen once. ``InsufficientBalance`` when
    the wallet does not cover it."""
    return ledger.debit_last(
        message.account,
        amount=message.amount,
        kind=LedgerEntry.Kind.SMS_OUTBOUND,
        reference=ledger.Reference("message", message.public_id),
        client=message.client,
        client_amount=message.client_amount,
        number_id=message.number_id,
        # No unit price in the text: a client reads it, and sees its own price beside it.
        description=f"SMS to {message.to_e164}: {message.segments} segment{'s' if message.segments != 1 else ''}",
        created_by=created_by,
    )


# --- Calls ---------------------------------------------------------------------------------------


def charge_call(*, call, minutes: int, minute_price: Decimal) -> LedgerEntry:
    """Debit an answered call on a metered number: ``minutes`` started minutes at the group's wholesale
    ``minute_price``, the client's price from the price list. Once per call (its id is the dedupe key: a
    repeat returns the first entry). The call has happened and its minutes are spent upstream already,
    so the charge is taken even past the balance (it may go below zero), as a refunded payment is."""
    wallet = ledger.lock_wallet(call.account)
    client_amount = PriceBook.of(call.account_id).for_number(
        call.number, item=Item.MINUTE, wholesale=minute_price, months=minutes
    )
    return ledger.debit(
        wallet,
        amount=quantize(minute_price * minutes),
        kind=LedgerEntry.Kind.CALL_MINUTES,
        reference=ledger.Reference("call", call.public_id),
        client=call.client,
        client_amount=client_amount,
        number_id=call.number_id,
        description=f"Call to {call.e164}: {minutes} min",
        dedupe_key=call.public_id,
        allow_negative=True,
    )


def sms_addon_due_now(
    *, monthly_price: Decimal, billing_cycle: str, paid_through, today, billing_day: int | None = None
) -> Decimal:
    """What enabling the SMS add-on costs today: the add-on for the part of the number's current period
    that is left (days left ÷ days in the period), in whole cents, rounded half up. From the next
    renewal the add-on is billed with the number, for whole periods."""
    if paid_through <= today or monthly_price <= 0:
        return Decimal("0")
    period_start = period_end(
        paid_through, months=-CYCLE_MONTHS[billing_cycle], billing_day=billing_day or paid_through.day
    )
    days_in_period = (paid_through - period_start).days
    days_left = min((paid_through - today).days, days_in_period)
    full = monthly_price * CYCLE_MONTHS[billing_cycle]
    return quantize(round_cents(full * days_left / days_in_period))


def sms_addon_key(number, *, period_end: date) -> str:
    """What makes an SMS add-on charge happen once: the number and the end of the period it pays for."""
    return f"sms_addon:{number.public_id}:{period_end:%Y-%m-%d}"


def charge_sms_addon(
    *, wallet, number, amount: Decimal, created_by: str, book: PriceBook | None = None
) -> LedgerEntry | None:
    """Charge the SMS add-on for the rest of a number's current period from a locked wallet.

    Once per number and period: enabling SMS again in a period already paid for charges nothing (returns
    None), so switching it off and on never bills twice. The client's price is the same share of its
    add-on price as ``amount`` is of the wholesale one."""
    dedupe_key = sms_addon_key(number, period_end=number.paid_through)
    if (
        amount <= 0
        or LedgerEntry.objects.filter(wallet=wallet, kind=LedgerEntry.Kind.SMS_ADDON, dedupe_key=dedupe_key).exists()
    ):
        return None
    client_amount = None
    if number.client_id is not None:
        book = book or PriceBook.of(wallet.account_id)
        months = CYCLE_MONTHS[number.billing_cycle]
        full = period_price(monthly_price=number.sms_monthly_price, billing_cycle=number.billing_cycle)
        full_client = book.for_number(number, item=Item.SMS_ADDON, wholesale=number.sms_monthly_price, months=months)
        if full_client is not None:
            client_amount = full_client if amount == full else pro_rata(full_client, part=amount, whole=full)
    return ledger.debit(
        wallet,
        amount=amount,
        kind=LedgerEntry.Kind.SMS_ADDON,
        reference=ledger.Reference("number", number.public_id),
        client=number.client,
        client_amount=client_amount,
        number_id=number.pk,
        description=f"SMS add-on {number.e164} until {number.paid_through:%Y-%m-%d}",
        dedupe_key=dedupe_key,
        created_by=created_by,
    )


# --- Client price lists --------------------------------------------------------------------------

MAX_MARKUP_PERCENT = Decimal("1000")
MAX_FIXED = Decimal("1000")
SCOPE_TAKEN = _lazy("Another line already covers this client, country and type.")
FIXED_FIELDS = ("fixed_monthly", "fixed_setup", "fixed_sms_addon", "fixed_sms_segment")


@dataclass(frozen=True)
class PriceRuleInput:
    """One price-list line as asked for: the scope (client id, country code, number type; each may be
    empty for "all") and the markups."""

    client_id: int | None = None
    country: str = ""
    number_type: str = ""
    markup_percent: Decimal = Decimal("0")
    fixed_monthly: Decimal = Decimal("0")
    fixed_setup: Decimal = Decimal("0")
    fixed_sms_addon: Decimal = Decimal("0")
    fixed_sms_segment: Decimal = Decimal("0")


def _price_rule_values(actor: Actor, data: PriceRuleInput) -> dict:
    from accounts.models import Client
    from numbers_app.models import Country, NumberType

    errors: dict[str, list[str]] = {}
    values: dict = {"client": None, "country": None, "number_type": data.number_type or ""}
    if data.client_id is not None:
        values["client"] = Client.objects.filter(account=actor.account, pk=data.client_id).first()
        if values["client"] is None:
            errors["client_id"] = [_("No such client in this account.")]
    if data.country:
        values["country"] = Country.objects.filter(code=data.country.upper()).first()
        if values["country"] is None:
            errors["country"] = [_("Unknown country code %(code)s.") % {"code": data.country}]
    if values["number_type"] and values["number_type"] not in NumberType.values:
        errors["number_type"] = [_("Choose one of: %(types)s.") % {"types": ", ".join(NumberType.values)}]
    try:
        percent = Decimal(data.markup_percent).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if not (0 <= percent <= MAX_MARKUP_PERCENT):
            raise ValueError
        values["markup_percent"] = percent
    except (ArithmeticError, ValueError, TypeError):
        errors["markup_percent"] = [_("Enter a markup between 0 and 1000 percent.")]
    for name in FIXED_FIELDS:
        try:
            amount = quantize(getattr(data, name))
            if not (0 <= amount < MAX_FIXED):
                raise ValueError
            values[name] = amount
        except (ValueError, TypeError):
            errors[name] = [_("Enter an amount in EUR from 0 up to 999.9999.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return values


def _rule_snapshot(rule) -> dict:
    return {
        "scope": rule.scope_label,
        "markup_percent": str(rule.markup_percent),
        **{name: to_exact_str(getattr(rule, name)) for name in FIXED_FIELDS},
    }


def _locked_rules(actor: Actor):
    from .models import PriceRule

    return PriceRule.objects.select_for_update(of=("self",)).filter(account=actor.account).order_by("pk")


def _locked_rule(actor: Actor, *, pk: int):
    rule = _locked_rules(actor).filter(pk=pk).first()
    if rule is None:
        raise NotFound(_("Price rule not found."))
    return rule


def price_rule_save(*, actor: Actor, data: PriceRuleInput, rule_id: int | None = None):
    """Create a price-list line, or change one (``rule_id``). One line per scope: creating a second
    line for a scope that has one changes that one. Owners and admins only; audited. Charges already
    made keep the client price they were made at."""
    from .models import PriceRule

    actor.require_admin()
    if actor.is_client_scoped:
        raise PermissionDenied(_("Price lists are the reseller's."))
    values = _price_rule_values(actor, data)
    scope = {k: values.pop(k) for k in ("client", "country", "number_type")}
    with transaction.atomic():
        if rule_id is not None:
            rule = _locked_rule(actor, pk=rule_id)
            clash = PriceRule.objects.filter(account=actor.account, **scope).exclude(pk=rule.pk).exists()
            if clash:
                raise ValidationFailed(fields={"scope": [str(SCOPE_TAKEN)]})
        else:
            rule = _locked_rules(actor).filter(**scope).first()
        before = _rule_snapshot(rule) if rule is not None else None
        if rule is None:
            rule = PriceRule(account=actor.account)
        for name, value in {**scope, **values}.items():
            setattr(rule, name, value)
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError:
            raise ValidationFailed(fields={"scope": [str(SCOPE_TAKEN)]}) from None
        audit_record(actor=actor, action="price_rule.saved", subject=rule, before=before, after=_rule_snapshot(rule))
    return rule


def price_rule_delete(*, actor: Actor, rule_id: int) -> None:

    actor.require_admin()
    if actor.is_client_scoped:
        raise PermissionDenied(_("Price lists are the reseller's."))
    with transaction.atomic():
        rule = _locked_rule(actor, pk=rule_id)
        audit_record(actor=actor, action="price_rule.deleted", subject=rule, before=_rule_snapshot(rule))
        rule.delete()


# --- Staff refunds -------------------------------------------------------------------------------


def charges_refund(*, staff_user, entry_ids: list[int], reason: str) -> tuple[int, Decimal]:
    """Staff give back chosen charges: one reversing credit per charge (to the client charged, at the
    price it was charged), once each (a charge refunded before is skipped), with an audit row per
    account. Returns (refunds made, total refunded)."""
    from accounts.actor import system_actor

    reason = reason.strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why, for the reseller's statement.")]})
    account_ids = sorted(
        set(LedgerEntry.objects.filter(pk__in=entry_ids, amount__lt=0).values_list("account_id", flat=True))
    )
    made, total = 0, Decimal("0")
    for account_id in account_ids:
        with transaction.atomic():
            wallet = ledger.lock_wallet_of(account_id)
            charges = LedgerEntry.objects.filter(pk__in=entry_ids, wallet=wallet, amount__lt=0)
            refunded = _refund_charges(
                wallet, charges, reason=reason, created_by=staff_user.email if staff_user else "staff"
            )
            total += sum((-charge.amount for charge in refunded), Decimal("0"))
            if refunded:
                made += len(refunded)
                audit_record(
                    actor=system_actor(wallet.account, user=staff_user),
                    action="wallet.refund",
                    subject=wallet,
                    after={"refunded": [c.public_id for c in refunded], "reason": reason},
                )
    return made, quantize(total)


# The legal profile is written by its own module; named here too for the callers that reach billing through
# its services only (the demo seed).
from .invoicing.profiles import LegalProfileInput, legal_profile_save  # noqa: E402, F401
