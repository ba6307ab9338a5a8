"""Writes for numbers: buying (one service behind every door), provisioning, configuring, releasing.

Buying is all-or-nothing: the wallet row is locked first, then the stock rows in number order (so
concurrent buyers never deadlock); any number gone, or money short, and nothing at all is written.
Carrier calls happen in Celery tasks after commit, never inside a transaction.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from accounts.actor import Actor
from accounts.models import Account, Client
from accounts.services import audit_record
from billing import ledger, quotes
from billing import services as billing
from billing.models import Wallet
from billing.money import quantize, to_cents_str, to_exact_str
from billing.periods import CYCLE_MONTHS, add_months
from messaging import services as messaging
from portal import events
from portal.errors import (
    CapabilityUnavailable,
    InsufficientBalance,
    InvalidState,
    NotFound,
    NumberUnavailable,
    PermissionDenied,
    PriceChanged,
    ValidationFailed,
)
from portal.l10n import for_records
from portal.models import CLIENT_VIEW
from portal.webhooks import addresses as webhook_addresses

from . import group_cache
from .carriers import CarrierError, get_carrier
from .events import number_event_data, number_event_record
from .models import (
    CAPABILITIES,
    UNOFFERED_CAPABILITIES,
    AvailableNumber,
    BillingCycle,
    ComplianceProfile,
    Number,
    NumberGroup,
    Order,
    OrderItem,
    PortRequest,
    SipTrunk,
)
from .regulatory import selectors as regulatory_selectors
from .regulatory import services as regulatory
from .trunks.services import enqueue_route_push, number_route
from .upstream.services import enqueue_renewal_push
from .validation import normalize_e164, normalize_forwarding, normalize_inventory_number, normalize_tags

logger = logging.getLogger(__name__)

MAX_ITEMS_PER_ORDER = 50
# A provisioning attempt that has not finished after this long died with its worker; another may retry.
CLAIM_TIMEOUT = timedelta(minutes=5)


# Capabilities that come with the SMS add-on, which is paid for: on only when asked for.
PAID_CAPABILITIES = ("sms", "mms")


def check_capabilities(requested, offered: list[str]) -> list[str]:
    """The capabilities asked for, if the number offers them all; 422 names the first it does not. Asking
    for nothing gives what the number offers free of charge (SMS is an add-on)."""
    if requested is None:
        return [c for c in offered if c not in PAID_CAPABILITIES]
    if isinstance(requested, str):
        requested = [c.strip() for c in requested.split(",") if c.strip()]
    wanted = []
    for capability in requested:
        if capability not in CAPABILITIES and capability not in UNOFFERED_CAPABILITIES:
            raise ValidationFailed(fields={"capabilities": [_("Unknown capability: %(c)s") % {"c": capability}]})
        if capability not in offered:
            raise CapabilityUnavailable(
                _("This number does not offer %(c)s; it offers %(offered)s.")
                % {"c": capability, "offered": ", ".join(offered)},
                capability=capability,
            )
        if capability not in wanted:
            wanted.append(capability)
    if "mms" in wanted and "sms" not in wanted:
        raise ValidationFailed(fields={"capabilities": [_("MMS comes with the SMS add-on: ask for sms as well.")]})
    return wanted


def _client_for(actor: Actor, client: Client | None) -> Client | None:
    if client is not None and client.account_id != actor.account.pk:
        raise NotFound(_("Client not found."))
    return client


def number_purchase(
    *,
    actor: Actor,
    numbers: list[str],
    client: Client | None = None,
    billing_cycle: str = BillingCycle.MONTHLY,
    forwarding: str = "",
    capabilities: list[str] | str | None = None,
    compliance_profile_id: str = "",
    sms_where_offered: bool = False,
    expected: dict[int, dict[str, str]] | None = None,
    expected_total: Decimal | None = None,
) -> Order:
    """Buy ``numbers`` (as listed by search) in one order, all or nothing.

    In one transaction: lock the wallet, lock the stock rows (sorted), create the order, the owned
    numbers and their order items, debit setup fees and first periods, record ``payment.succeeded``,
    and enqueue provisioning after commit. ``expected`` (by item index) holds the country and type the
    buyer saw; a number that is not what was shown is refused rather than bought, and ``expected_total``
    the amount confirmed: if prices moved since, ``PriceChanged`` and nothing is bought. With
    ``sms_where_offered``, numbers whose group offers SMS are bought with the add-on. Raises
    ``NumberUnavailable`` (naming the numbers gone), ``InsufficientBalance``, ``CapabilityUnavailable`` or
    ``ValidationFailed``; then nothing is written."""
    actor.require_write()
    if actor.is_client_scoped:
        raise PermissionDenied(_("Numbers are bought by the reseller; ask them to buy one for you."))
    if not numbers:
        raise ValidationFailed(fields={"items": [_("Choose at least one number.")]})
    if len(numbers) > MAX_ITEMS_PER_ORDER:
        raise ValidationFailed(fields={"items": [_("At most %(n)d numbers per order.") % {"n": MAX_ITEMS_PER_ORDER}]})
    wanted: list[str] = []
    for index, raw in enumerate(numbers):
        try:
            e164 = normalize_inventory_number(raw)
        except ValueError as exc:
            raise ValidationFailed(fields={f"items[{index}].number": [str(exc)]}) from None
        if e164 in wanted:
            raise ValidationFailed(fields={f"items[{index}].number": [_("This number is in the order twice.")]})
        wanted.append(e164)
    if billing_cycle not in BillingCycle.values:
        raise ValidationFailed(fields={"billing_cycle": [_("Use monthly, quarterly or annual.")]})
    try:
        forwarding = normalize_forwarding(forwarding)
    except ValueError as exc:
        raise ValidationFailed(fields={"forwarding": [str(exc)]}) from None
    client = _client_for(actor, client)
    profile = regulatory.profile_for_purchase(actor=actor, profile_id=compliance_profile_id, client=client)

    with transaction.atomic():
        wallet = ledger.lock_wallet(actor.account)
        stock = list(
            AvailableNumber.objects.select_for_update(of=("self",))
            .select_related("group")
            .filter(e164__in=sorted(wanted))
            .order_by("e164")
        )
        available = {row.e164: row for row in stock if row.status == AvailableNumber.Status.AVAILABLE}
        gone = [e164 for e164 in wanted if e164 not in available]
        if gone:
            raise NumberUnavailable(
                _("No longer available: %(numbers)s. Nothing was bought or charged.") % {"numbers": ", ".join(gone)},
                numbers=gone,
            )
        mismatches: dict[str, list[str]] = {}
        for index, seen in (expected or {}).items():
            group = available[wanted[index]].group
            row_id = available[wanted[index]].pk
            for key, actual in (("country", group.country_id), ("type", group.type), ("inventory_id", row_id)):
                if key in seen and seen[key] != actual:
                    mismatches[f"items[{index}].{key}"] = [
                        _("%(number)s is %(actual)s, not %(seen)s.")
                        % {"number": wanted[index], "actual": actual, "seen": seen[key]}
                    ]
        if mismatches:
            raise ValidationFailed(fields=mismatches)
        enabled_for = {
            e164: check_capabilities(capabilities, row.group.capabilities) for e164, row in available.items()
        }
        # The profile goes to the numbers that need documents, each of which it must cover.
        proven = regulatory.profile_check_for_groups(profile, {e164: row.group for e164, row in available.items()})
        if sms_where_offered:  # the order page's "SMS where offered": the add-on on each number that has it
            for e164, row in available.items():
                if row.group.has_sms and "sms" not in enabled_for[e164]:
                    enabled_for[e164].append("sms")
        quoted = {
            e164: quotes.line_quote(
                setup_fee=row.group.setup_fee,
                monthly_price=row.group.monthly_price,
                billing_cycle=billing_cycle,
                sms_monthly_price=messaging.addon_monthly_price(row.group) if "sms" in enabled_for[e164] else None,
            )
            for e164, row in available.items()
        }
        due = quotes.quote_total(quoted.values())
        if expected_total is not None and due != quantize(expected_total):
            raise PriceChanged(
                _(
                    "Prices changed since you looked: the total is now EUR %(due)s, not %(seen)s. Nothing was "
                    "bought; check the new total."
                )
                % {"due": to_cents_str(due), "seen": to_cents_str(expected_total)},
                total=to_exact_str(due),
            )
        if wallet.balance < due:
            # The whole order at once, so the message names what it costs, not its first charge.
            raise InsufficientBalance(
                _("The wallet balance is too low for this order of EUR %(due)s. Top up and try again.")
                % {"due": to_cents_str(due)},
                required=to_exact_str(due),
            )
        arrivals = [
            Arrival(
                e164=e164,
                group=available[e164].group,
                quote=quoted[e164],
                capabilities=enabled_for[e164],
                compliance_profile=profile if e164 in proven else None,
            )
            for e164 in wanted
        ]
        order = numbers_enter_account(
            actor=actor,
            account=actor.account,
            wallet=wallet,
            client=client,
            billing_cycle=billing_cycle,
            arrivals=arrivals,
            stock=list(available.values()),
            forwarding=forwarding,
        )
        audit_record(
            actor=actor,
            action="order.created",
            subject=order,
            after={"numbers": wanted, "total": str(order.total), "client": client.public_id if client else None},
        )
    return order


@dataclass(frozen=True)
class Arrival:
    """One number entering an account: the group that prices it, its line of the order (as quoted), the
    capabilities it comes with, and, where one covers it, the compliance profile it is filed under."""

    e164: str
    group: NumberGroup
    quote: quotes.LineQuote
    capabilities: list[str]
    compliance_profile: ComplianceProfile | None = None
    carrier_ref: str = ""


def numbers_enter_account(
    *,
    actor: Actor,
    account: Account,
    wallet: Wallet,
    client: Client | None,
    billing_cycle: str,
    arrivals: list[Arrival],
    stock: list[AvailableNumber],
    forwarding: str = "",
    port: PortRequest | None = None,
) -> Order:
    """Numbers become ``account``'s own, bought or ported in (``port``): the order and its
    items, the owned numbers, the stock rows they leave (``stock``, locked by the caller) sold, their setup
    fees and first periods debited, and ``payment.succeeded`` (with the client's own prices for the
    client's view). A bought number is then provisioned by the carrier after commit; a ported one, which
    the carrier has taken over already, is live at once (or held for documents where its country needs
    them) with ``number.ported`` and ``number.activated``.

    Runs in the caller's transaction, with ``wallet`` locked first (``ledger.lock_wallet``); raises
    ``InsufficientBalance`` if the money runs out part-way, and the caller's transaction then writes
    nothing. The caller checks the balance beforehand to say what the whole order costs."""
    today = timezone.localdate()
    now = timezone.now()
    paid_through = add_months(today, CYCLE_MONTHS[billing_cycle])
    order = Order.objects.create(account=account, client=client, total=0, created_by=actor.label)
    entered: list[Number] = []
    for arrival in arrivals:
        group = arrival.group
        sms = "sms" in arrival.capabilities
        number = Number(
            account=account,
            client=client,
            order=order,
            group=group,
            e164=arrival.e164,
            country_id=group.country_id,
            type=group.type,
            billing_cycle=billing_cycle,
            monthly_price=group.monthly_price,
            setup_fee=group.setup_fee,
            paid_through=paid_through,
            billing_day=today.day,
            capabilities=arrival.capabilities,
            sms_enabled=sms,
            sms_monthly_price=messaging.addon_monthly_price(group) if sms else Decimal("0"),
            forwarding=forwarding,
            compliance_profile=arrival.compliance_profile,
            carrier_ref=arrival.carrier_ref,
            port=port,
        )
        if port is not None:
            held = regulatory.must_hold(number)
            number.status = Number.Status.PENDING_REGULATORY if held else Number.Status.ACTIVE
            number.activated_at = None if held else now
            number.regulatory_held_at = now if held else None
        number.save()
        OrderItem.objects.create(
            order=order,
            number=number,
            e164=arrival.e164,
            billing_cycle=billing_cycle,
            setup_fee=group.setup_fee,
            first_period=arrival.quote.first_period,
            sms_addon=arrival.quote.sms_addon,
        )
        entered.append(number)
    if stock:
        AvailableNumber.objects.filter(pk__in=[row.pk for row in stock]).update(status=AvailableNumber.Status.SOLD)
        stock_count_move(Counter(row.group_id for row in stock), sign=-1)
    order.total = billing.charge_numbers(
        wallet=wallet, order=order, numbers=entered, created_by=actor.label, ported=port is not None
    )
    order.save(update_fields=["total"])
    events.record(
        "payment.succeeded",
        account=account,
        client=client,
        subject_type="order",
        subject_id=order.public_id,
        data={
            "order_id": order.pk,
            "order": order.public_id,
            "amount": str(order.total),
            "currency": "EUR",
            "numbers": [arrival.e164 for arrival in arrivals],
            **({"port_id": port.public_id} if port is not None else {}),
            **({CLIENT_VIEW: {"amount": str(billing.client_total(numbers=entered))}} if client else {}),
        },
    )
    if port is None:
        number_ids = [n.pk for n in entered]
        transaction.on_commit(lambda: provisioning_enqueue(number_ids))
        return order
    for number in entered:
        number_event_record("number.ported", number, port_id=port.public_id)
        if number.status == Number.Status.ACTIVE:
            if number.group.requires_regulatory:
                regulatory.approved_event(number)
            number_event_record("number.activated", number)
    return order


def stock_count_move(per_group: Counter, *, sign: int) -> None:
    """Move the groups' for-sale counters (rows updated in id order, so concurrent buyers never deadlock)."""
    for group_id in sorted(per_group):
        change = sign * per_group[group_id]
        NumberGroup.objects.filter(pk=group_id).update(available_count=Greatest(F("available_count") + change, 0))
    group_cache.changed()


def _restock(number: Number) -> None:
    """Put a number back on sale, unless someone owns it again already."""
    restocked = (
        AvailableNumber.objects.filter(e164=number.e164, status=AvailableNumber.Status.SOLD)
        .exclude(
            e164__in=Number.objects.exclude(status__in=[Number.Status.RELEASED, Number.Status.FAILED]).values("e164")
        )
        .update(status=AvailableNumber.Status.AVAILABLE)
    )
    if restocked:
        stock_count_move(Counter({number.group_id: restocked}), sign=+1)


def stock_counts_refresh() -> int:
    """Recount every group's numbers for sale (after a bulk load, and nightly in case anything drifted)."""
    live = (
        AvailableNumber.objects.filter(group=OuterRef("pk"), status=AvailableNumber.Status.AVAILABLE)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    updated = NumberGroup.objects.update(available_count=Coalesce(Subquery(live), 0))
    group_cache.changed()
    return updated


def provisioning_enqueue(number_ids: list[int]) -> None:
    from .tasks import number_provision_task

    for number_id in number_ids:
        number_provision_task.delay(number_id)


def number_provision(*, number_id: int) -> Number | None:
    """Have the carrier provision one number and make it live (or hold it for regulatory review).

    Safe to run twice, even at once: a conditional UPDATE claims the number, and only the claimant calls
    the carrier (and only it clears its claim). Raises ``CarrierError`` for the task to retry; returns
    None when there was nothing to do. A number released or failed while the carrier worked keeps the
    carrier's reference and is released there too, so it is never left ordered upstream."""
    now = timezone.now()
    claimed = (
        Number.objects.filter(pk=number_id, status=Number.Status.PROVISIONING)
        .filter(Q(provision_claimed_at__isnull=True) | Q(provision_claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(provision_claimed_at=now, provision_attempts=F("provision_attempts") + 1, provision_retry_at=None)
    )
    if claimed != 1:
        return None
    number = Number.objects.select_related("group").get(pk=number_id)
    # A number held for documents and then approved comes through again: the carrier already knows it.
    first_time = not number.carrier_ref
    try:
        result = get_carrier(number.group.carrier).provision(e164=number.e164, idempotency_key=number.public_id)
    except CarrierError as exc:
        Number.objects.filter(pk=number_id, provision_claimed_at=now).update(
            provision_claimed_at=None, last_error=str(exc)[:255]
        )
        raise
    with transaction.atomic():
        number = (
            Number.objects.select_for_update(of=("self",))
            .select_related("group", "account", "client", "compliance_profile", "trunk")
            .get(pk=number_id)
        )
        number.carrier_ref = result.carrier_ref
        number.provision_claimed_at = None
        if number.status != Number.Status.PROVISIONING:
            # Released, or given up by another attempt, while the carrier worked: release it there too.
            number.save(update_fields=["carrier_ref", "provision_claimed_at", "updated_at"])
            transaction.on_commit(lambda: _enqueue_carrier_release(number_id))
            return None
        number.last_error = ""
        # Where documents are needed, only an approved profile covering the number lets it go live.
        held = regulatory.must_hold(number)
        number.status = Number.Status.PENDING_REGULATORY if held else Number.Status.ACTIVE
        if held:
            number.regulatory_held_at = number.regulatory_held_at or timezone.now()
        else:
            number.activated_at = timezone.now()
        number.save()
        if first_time:
            number_event_record("number.provisioned", number)
            if not held and number.group.requires_regulatory:
                regulatory.approved_event(number)  # bought with an approved profile: live at once
        if not held:
            number_event_record("number.activated", number)
            _push_route_if_any(number)
    return number


def number_provision_retry_scheduled(*, number_id: int, at) -> None:
    """The task will try again at ``at``: the sweeper leaves the number alone until then."""
    Number.objects.filter(pk=number_id, status=Number.Status.PROVISIONING).update(provision_retry_at=at)


def provisioning_stalled_ids(*, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Numbers still provisioning whose task seems lost (never claimed and no retry due, or claimed by a
    worker that died): the sweeper enqueues them again. Provisioning is idempotent, so a false alarm
    costs nothing."""
    now = timezone.now()
    stalled = Number.objects.filter(status=Number.Status.PROVISIONING).filter(
        Q(provision_claimed_at__isnull=True, created_at__lt=now - older_than)
        & (Q(provision_retry_at__isnull=True) | Q(provision_retry_at__lt=now - older_than))
        | Q(provision_claimed_at__lt=now - CLAIM_TIMEOUT)
    )
    return list(stalled.values_list("pk", flat=True)[:500])


def number_provision_failed(*, number_id: int, reason: str, by_buyer: bool = False) -> Number | None:
    """The carrier gave up, or the buyer canceled the order first (``by_buyer``): mark the number failed,
    put it back in stock and refund what it cost, saying which of the two happened.

    Only when no attempt holds the number (one still at the carrier may yet succeed). Locks the wallet
    first, as buying does, so a refund and a purchase on the same account never deadlock."""
    account_id = Number.objects.filter(pk=number_id).values_list("account_id", flat=True).first()
    if account_id is None:
        return None
    with transaction.atomic():
        ledger.lock_wallet(Account(pk=account_id))
        number = (
            Number.objects.select_for_update()
            .filter(pk=number_id, status=Number.Status.PROVISIONING, provision_claimed_at__isnull=True)
            .first()
        )
        if number is None:
            return None
        number.status = Number.Status.FAILED
        number.last_error = reason[:255]
        number.save()
        _restock(number)
        with for_records():  # the refund's reason is part of its ledger entry
            reason = (
                _("the order was canceled before the number was provisioned")
                if by_buyer
                else _("the carrier could not provision it")
            )
        refunded = billing.refund_number(number=number, reason=reason)
        audit_record(
            actor=None,
            account=number.account,
            action="number.canceled" if by_buyer else "number.failed",
            subject=number,
            before={"status": "provisioning"},
            after={"status": "failed", "refunded": str(refunded)},
        )
        if number.carrier_ref:  # an earlier attempt may have reached the carrier after all
            transaction.on_commit(lambda: _enqueue_carrier_release(number_id))
    return number


def _push_route_if_any(number: Number) -> None:
    """A number routed before it went live gets its route now."""
    if number.trunk_id or number.forwarding:
        number_id = number.pk
        transaction.on_commit(lambda: enqueue_route_push(number_id))


def number_release(*, actor: Actor, number: Number) -> Number:
    """Remove the number from the account at once. Nothing more is billed; the paid period is not
    refunded. The carrier is told after commit; the number then returns to stock. A failed number (already
    refunded and back in stock) is simply dismissed from the account.

    The reseller pays for numbers, so the reseller releases them; client logins and keys cannot."""
    actor.require_write()
    if actor.client is not None:  # a client-scoped actor
        if number.client_id != actor.client.pk:
            raise NotFound(_("Number not found."))
        raise PermissionDenied(_("Only the reseller can release a number; ask them to."))
    with transaction.atomic():
        number = Number.objects.select_for_update().get(pk=number.pk, account=actor.account)
        if number.status == Number.Status.RELEASED:
            raise NotFound(_("Number not found."))
        before = number.status
        number.status = Number.Status.RELEASED
        number.released_at = timezone.now()
        number.save()
        audit_record(
            actor=actor,
            action="number.dismissed" if before == Number.Status.FAILED else "number.released",
            subject=number,
            before={"status": before},
            after={"status": "released"},
        )
        if before != Number.Status.FAILED:
            number_event_record("number.released", number)
            number_id = number.pk
            transaction.on_commit(lambda: _enqueue_carrier_release(number_id))
    return number


def _enqueue_carrier_release(number_id: int) -> None:
    from .tasks import number_carrier_release_task

    number_carrier_release_task.delay(number_id)


def number_carrier_release(*, number_id: int) -> None:
    """Tell the carrier a released (or failed) number is no longer ours, then put a released number back in
    stock. Safe to run twice."""
    number = (
        Number.objects.select_related("group")
        .filter(pk=number_id, status__in=[Number.Status.RELEASED, Number.Status.FAILED])
        .first()
    )
    if number is None:
        return
    if number.carrier_ref:
        get_carrier(number.group.carrier).release(carrier_ref=number.carrier_ref)
    if number.status == Number.Status.RELEASED:
        with transaction.atomic():
            _restock(number)


CONFIGURABLE = {
    "label",
    "status",
    "capabilities",
    "forwarding_number",
    "forwarding",
    "webhook_url",
    "sms_webhook_url",
    "voice_webhook_url",
    "sms_forwarding",
    "compliance_profile_id",
    "tags",
    "client_id",
    "cancel_at_period_end",
}


def number_configure(*, actor: Actor, number: Number, **changes: Any) -> Number:
    """Change a number's settings; only the keys given change. Unknown keys → 422."""
    actor.require_write()
    unknown = set(changes) - CONFIGURABLE
    if unknown:
        raise ValidationFailed(fields={key: [_("Unknown field.")] for key in sorted(unknown)})
    if actor.client is not None:  # a client-scoped actor
        if number.client_id != actor.client.pk:
            raise NotFound(_("Number not found."))
        if "client_id" in changes:
            raise PermissionDenied(_("Only the reseller assigns numbers to clients."))
        if "cancel_at_period_end" in changes:
            raise PermissionDenied(_("Only the reseller, who pays for the number, decides about its renewal."))
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for key, value in changes.items():
        try:
            if key == "label":
                if value is not None and len(str(value)) > 100:
                    raise ValueError(_("At most 100 characters."))
                values["label"] = (value or "").strip()
            elif key == "status":
                if value not in ("active", "inactive"):
                    raise ValueError(_("Use active or inactive."))
                values["status"] = value
            elif key == "capabilities":
                requested = list(value or [])
                if "sms" in requested:
                    messaging.sms_check_offered(number)
                values["capabilities"] = check_capabilities(requested, number.group.capabilities)
            elif key in ("forwarding_number", "sms_forwarding"):
                values["forwarding" if key == "forwarding_number" else key] = (
                    normalize_e164(value, field=key) if value else ""
                )
            elif key == "forwarding":
                values["forwarding"] = normalize_forwarding(value or "")
            elif key in WEBHOOK_URL_FIELDS:
                values[key] = _webhook_url(value, current=getattr(number, key))
            elif key == "compliance_profile_id":  # someone else's or unknown → 404, as for client_id
                values["compliance_profile"] = (
                    regulatory_selectors.profile_get(actor=actor, profile_id=value) if value not in (None, "") else None
                )
            elif key == "tags":
                values["tags"] = normalize_tags(value)
            elif key == "client_id":
                values["client"] = (
                    account_selectors.client_get(actor=actor, client_id=value) if value not in (None, "") else None
                )
            elif key == "cancel_at_period_end":
                values["cancel_at_period_end"] = bool(value)
        except ValueError as exc:
            errors[key] = [str(exc)]
    if errors:
        raise ValidationFailed(fields=errors)
    sms_wanted = None if "capabilities" not in values else "sms" in values["capabilities"]
    if sms_wanted is not None and sms_wanted != number.sms_enabled and actor.is_client_scoped:
        raise PermissionDenied(_("Only the reseller, who pays for the SMS add-on, switches SMS on or off."))
    with transaction.atomic():
        # Money may move (the SMS add-on): the wallet is locked first, as in every paying transaction.
        wallet = ledger.lock_wallet(actor.account) if sms_wanted is not None else None
        number = (
            Number.objects.select_for_update(of=("self",)).select_related("group", "client", "trunk").get(pk=number.pk)
        )
        if number.status in (Number.Status.RELEASED, Number.Status.FAILED):
            raise NotFound(_("Number not found."))
        sms_toggled = sms_wanted is not None and messaging.sms_toggle(
            actor=actor, wallet=wallet, number=number, enable=sms_wanted
        )
        if sms_toggled:
            if not sms_wanted:  # MMS rides on the SMS add-on
                values["capabilities"] = [c for c in values["capabilities"] if c != "mms"]
        if "status" in values and values["status"] != number.status:
            if number.status not in (Number.Status.ACTIVE, Number.Status.INACTIVE):
                raise InvalidState(
                    _("A number that is %(state)s cannot be switched on or off.")
                    % {"state": number.get_status_display().lower()}
                )
        before, after = {}, {}
        for field, value in values.items():
            old = getattr(number, field)
            if old != value:
                related = field in ("client", "compliance_profile")
                before[field] = old.public_id if related and old else old
                after[field] = value.public_id if related and value else value
                setattr(number, field, value)
        if "client" in after and "compliance_profile" not in values and number.compliance_profile is not None:
            profile = number.compliance_profile  # another client's documents prove nothing for this one
            if profile.client_id and profile.client_id != number.client_id:
                before["compliance_profile"], after["compliance_profile"] = profile.public_id, None
                number.compliance_profile = None
        if after.get("compliance_profile") and number.compliance_profile is not None:
            regulatory.check_covers(number.compliance_profile, number)
        if sms_toggled:
            before["sms_enabled"], after["sms_enabled"] = not sms_wanted, sms_wanted
        if "forwarding" in after and number.forwarding and number.trunk is not None:
            before["trunk"], after["trunk"] = number.trunk.public_id, None
            number.trunk = None  # forwarding replaces a trunk route
        if after:
            number.save()
            audit_record(actor=actor, action="number.updated", subject=number, before=before, after=after)
            if "forwarding" in after:
                number_id = number.pk
                transaction.on_commit(lambda: enqueue_route_push(number_id))
            if after.get("compliance_profile"):
                regulatory.number_profile_attached(actor=actor, number=number)
            if "cancel_at_period_end" in after:
                enqueue_renewal_push(number)  # set (not) to renew: the carrier follows
    return number


def number_profile_create(*, actor: Actor, number: Number, **fields: Any) -> ComplianceProfile:
    """A new compliance profile made for ``number`` (its page's "Create a profile for it"): created as
    ``regulatory.profile_create`` does and, while the number still waits for documents, attached to it as
    ``number_configure`` attaches an existing one (a profile that does not cover the number is refused).
    One transaction: the profile exists only if it is attached."""
    with transaction.atomic():
        profile = regulatory.profile_create(actor=actor, **fields)
        if number.status == Number.Status.PENDING_REGULATORY:
            number_configure(actor=actor, number=number, compliance_profile_id=profile.pk)
    return profile


WEBHOOK_URL_FIELDS = ("webhook_url", "sms_webhook_url", "voice_webhook_url")


def _webhook_url(value: Any, *, current: str) -> str:
    """A number's webhook URL as given ("" or None: none), checked with the webhook endpoints' address
    rules (http(s), no credentials, no private address unless ``WEBHOOKS_ALLOW_PRIVATE``). The URL the
    number already has is kept as it is: saving its other settings does not look its host up again."""
    text = (value or "").strip()
    if not text or text == current:
        return text
    return webhook_addresses.check_url(text)


UNCHANGED: Any = object()  # ``number_update``: leave the route as it is


def number_update(
    *, actor: Actor, number: Number, changes: dict[str, Any], trunk: SipTrunk | None = UNCHANGED
) -> Number:
    """``number_configure`` with ``changes`` and, unless ``trunk`` is ``UNCHANGED``, ``number_route`` to
    that trunk (None: off any route), in one transaction: everything applies, or nothing. The same rules,
    audit rows and carrier updates as each on its own."""
    actor.require_write()
    with transaction.atomic():
        if changes:
            number = number_configure(actor=actor, number=number, **changes)
        if trunk is not UNCHANGED:
            number = number_route(actor=actor, number=number, trunk=trunk)
    return number


# --- Renewal outcomes (called by billing.renewals inside its transaction, the number row locked) ------


def number_renewed(*, number: Number, paid_through: date, billing_day: int) -> None:
    """A renewal was paid: the number is paid through ``paid_through``; one that was suspended for it is
    live again (``number.activated``, its route restored)."""
    number.paid_through = paid_through
    number.billing_day = billing_day
    number.payment_due_since = None
    fields = ["paid_through", "billing_day", "payment_due_since", "updated_at"]
    if number.status == Number.Status.SUSPENDED:
        number.status = Number.Status.ACTIVE
        number.suspended_at = None
        fields += ["status", "suspended_at"]
        audit_record(actor=None, account=number.account, action="number.reactivated", subject=number,
                     before={"status": "suspended"}, after={"status": "active"})  # fmt: skip
        number_event_record("number.activated", number)
        number_id = number.pk
        transaction.on_commit(lambda: enqueue_route_push(number_id))
        enqueue_renewal_push(number)  # the client pays again: the carrier renews again
    number.save(update_fields=fields)


def number_suspend_unpaid(*, number: Number) -> None:
    """The renewal stayed unpaid through the grace period: calls and messages stop (``number.suspended``)."""
    if number.status == Number.Status.SUSPENDED:
        return
    before = number.status
    number.status = Number.Status.SUSPENDED
    number.suspended_at = timezone.now()
    number.save(update_fields=["status", "suspended_at", "updated_at"])
    audit_record(actor=None, account=number.account, action="number.suspended", subject=number,
                 before={"status": before}, after={"status": "suspended"})  # fmt: skip
    number_event_record("number.suspended", number)
    number_id = number.pk
    transaction.on_commit(lambda: enqueue_route_push(number_id))
    enqueue_renewal_push(number)  # the client stopped paying: so do we, upstream


def number_end_term(*, number: Number, reason: str) -> None:
    """The number leaves the account at the end of its term: not renewed by its owner's choice, or held
    unpaid too long. ``number.released``; the carrier is told after commit and it returns to stock."""
    before = number.status
    number.status = Number.Status.RELEASED
    number.released_at = timezone.now()
    number.save(update_fields=["status", "released_at", "updated_at"])
    audit_record(actor=None, account=number.account, action="number.released", subject=number,
                 before={"status": before}, after={"status": "released", "reason": reason})  # fmt: skip
    number_event_record("number.released", number)
    number_id = number.pk
    transaction.on_commit(lambda: _enqueue_carrier_release(number_id))


def number_expiring_notice(*, number: Number, reason: str) -> bool:
    """Record ``number.expiring`` once for the number's current paid-through date."""
    if number.expiring_notice_for == number.paid_through:
        return False
    number.expiring_notice_for = number.paid_through
    number.save(update_fields=["expiring_notice_for", "updated_at"])
    events.record(
        "number.expiring",
        account=number.account,
        client=number.client,
        subject_type="number",
        subject_id=number.public_id,
        data=number_event_data(number) | {"paid_through": number.paid_through.isoformat(), "reason": reason},
    )
    return True
