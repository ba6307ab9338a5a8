"""Writes for porting numbers in from another carrier.

A reseller asks (``port_create``): the numbers, who they are with now and who may authorize the move,
with the letter of authorization and a recent bill as documents. The request is checked at once (valid
numbers we can host, not already on DIDfarm nor in another open request) and handed to the losing
carrier: ``pending``, with an estimated completion date. Staff schedule it (``port_schedule``) when the
carrier confirms a date, or reject it with a reason; the reseller may cancel it while it is pending.

Completion (``port_complete``: staff, or the sandbox carrier a little after the scheduled time) turns the
numbers into owned numbers, live (or waiting for documents where their country needs them), and charges
their setup fee and first period like a purchase, in one transaction with the wallet locked. If the
wallet cannot pay or a number is taken, nothing is completed; the reason is kept on the request for staff
(and ``payment.failed`` tells the reseller the first time).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor, system_actor
from accounts.models import Client
from accounts.services import audit_record
from billing import ledger, quotes
from billing.money import quantize, to_cents_str, to_exact_str
from billing.pricing import Item, PriceBook
from portal import events
from portal.errors import (
    ApplicationError,
    InsufficientBalance,
    InvalidState,
    NotFound,
    NumberUnavailable,
    PermissionDenied,
    ValidationFailed,
)
from portal.l10n import for_records

from .. import services
from ..carriers import get_carrier
from ..models import (
    CYCLE_MONTHS,
    AvailableNumber,
    BillingCycle,
    ComplianceDocument,
    Number,
    NumberGroup,
    PortRequest,
    PortStep,
)
from ..regulatory import services as regulatory
from ..regulatory.models import PORT_DOCUMENT_TYPES
from ..validation import parse_e164

logger = logging.getLogger(__name__)


class Scope(TypedDict):
    """Which price-list rules apply to a number: its client, country and type."""

    client_id: int | None
    country: str
    number_type: str


MAX_NUMBERS_PER_PORT = 50
# A completion that failed (the wallet short, a number taken) is retried by the sandbox sweep after this.
RETRY_AFTER = timedelta(minutes=10)

_TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "local",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "local",
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.SHARED_COST: "national",
    phonenumbers.PhoneNumberType.UAN: "national",
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "national",
    phonenumbers.PhoneNumberType.VOIP: "national",
}


def add_business_days(day: date, days: int) -> date:
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def group_for(e164: str) -> NumberGroup | None:
    """The group a ported number joins (its prices and rules): same country and type, the longest
    matching area code, else one without an area code, else any of that country and type."""
    parsed = phonenumbers.parse(e164, None)
    number_type = _TYPES.get(phonenumbers.number_type(parsed))
    country = phonenumbers.region_code_for_number(parsed)
    if number_type is None or not country:
        return None
    groups = list(NumberGroup.objects.filter(country_id=country, type=number_type).order_by("id"))
    national = str(parsed.national_number)
    by_area = [g for g in groups if g.area_code and national.startswith(g.area_code)]
    if by_area:
        return max(by_area, key=lambda g: len(g.area_code))
    return next((g for g in groups if not g.area_code), groups[0] if groups else None)


def port_numbers_check(numbers: Any, *, account, exclude_port: PortRequest | None = None) -> dict[str, NumberGroup]:
    """Check the numbers of a port request by ``account`` (E.164; spaces and dashes allowed): valid, ones
    we can host, each once, not already the account's own, not in another of its open requests and not in
    DIDfarm's stock for sale. Returns E.164 → group, in the order given; ``ValidationFailed`` names each
    bad one (``numbers[2]``), ``NumberUnavailable`` those taken.

    A number another account holds, or has asked to port in, passes: the answer must not tell whether a
    number is someone else's (``port_conflicts`` records it for staff)."""
    if not isinstance(numbers, list) or not numbers:
        raise ValidationFailed(fields={"numbers": [_("Give at least one number to port, in E.164 format.")]})
    if len(numbers) > MAX_NUMBERS_PER_PORT:
        raise ValidationFailed(
            fields={"numbers": [_("At most %(n)d numbers per request.") % {"n": MAX_NUMBERS_PER_PORT}]}
        )
    errors: dict[str, list[str]] = {}
    found: dict[str, NumberGroup] = {}
    for index, raw in enumerate(numbers):
        field = f"numbers[{index}]"
        try:
            parsed = parse_e164(str(raw), field="numbers")
        except ValueError as exc:
            errors[field] = [str(exc)]
            continue
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if e164 in found:
            errors[field] = [_("This number is in the request twice.")]
            continue
        group = group_for(e164)
        if group is None:
            errors[field] = [
                _("DIDfarm does not host numbers like %(number)s yet, so it cannot be ported in.") % {"number": e164}
            ]
            continue
        found[e164] = group
    if errors:
        raise ValidationFailed(fields=errors)
    owned = set(_held_numbers(list(found)).filter(account=account).values_list("e164", flat=True))
    for_sale = set(
        AvailableNumber.objects.filter(e164__in=list(found), status=AvailableNumber.Status.AVAILABLE).values_list(
            "e164", flat=True
        )
    )
    in_ports = {
        e164: port.public_id
        for port in _open_ports(exclude_port).filter(account=account).only("numbers")
        for e164 in port.numbers
        if e164 in found
    }
    taken: dict[str, list[str]] = {}
    for index, e164 in enumerate(found):
        if e164 in owned:
            taken[f"numbers[{index}]"] = [_("%(number)s is already yours.") % {"number": e164}]
        elif e164 in for_sale:
            taken[f"numbers[{index}]"] = [
                _("%(number)s is already DIDfarm's and for sale: buy it instead.") % {"number": e164}
            ]
        elif e164 in in_ports:
            taken[f"numbers[{index}]"] = [
                _("%(number)s is in your open port request %(port)s.") % {"number": e164, "port": in_ports[e164]}
            ]
    if taken:
        raise NumberUnavailable(
            _("Some numbers cannot be ported: %(reasons)s") % {"reasons": " ".join(m[0] for m in taken.values())},
            fields=taken,
            numbers=[e164 for e164 in found if any(e164 in m[0] for m in taken.values())],
        )
    return found


def _held_numbers(e164s: list[str]):
    return Number.objects.filter(e164__in=e164s).exclude(status__in=[Number.Status.RELEASED, Number.Status.FAILED])


def _open_ports(exclude_port: PortRequest | None = None):
    ports = PortRequest.objects.filter(status__in=PortRequest.OPEN)
    return ports if exclude_port is None else ports.exclude(pk=exclude_port.pk)


def port_conflicts(e164s: list[str], *, account, exclude_port: PortRequest | None = None) -> list[dict[str, Any]]:
    """For staff: which of ``e164s`` another account holds or has in an open port request, and whose
    (its account, and the number or request). Never shown to the requester."""
    conflicts: list[dict[str, Any]] = [
        {"number": e164, "held_by": f"acc_{account_id}", "account": name, "as": f"num_{number_id}"}
        for e164, account_id, name, number_id in _held_numbers(e164s)
        .exclude(account=account)
        .order_by("e164")
        .values_list("e164", "account_id", "account__name", "pk")
    ]
    for port in _open_ports(exclude_port).exclude(account=account).select_related("account").order_by("pk"):
        conflicts += [
            {"number": e164, "held_by": f"acc_{port.account_id}", "account": port.account.name, "as": port.public_id}
            for e164 in port.numbers
            if e164 in e164s
        ]
    return conflicts


def _text(values: dict, key: str, *, limit: int, required: bool, errors: dict) -> str:
    text = str(values.get(key) or "").strip()
    if required and not text:
        errors[key] = [_("This field is required.")]
    elif len(text) > limit:
        errors[key] = [_("At most %(n)d characters.") % {"n": limit}]
    return text


def port_details_check(values: dict[str, Any]) -> dict[str, str]:
    """The carrier details of a request: current carrier and authorized person (required), account
    number and PIN (when the carrier has them), billing cycle of the ported numbers."""
    errors: dict[str, list[str]] = {}
    cleaned = {
        "current_carrier": _text(values, "current_carrier", limit=200, required=True, errors=errors),
        "authorization_name": _text(values, "authorization_name", limit=200, required=True, errors=errors),
        "account_number": _text(values, "account_number", limit=100, required=False, errors=errors),
        "pin": _text(values, "pin", limit=32, required=False, errors=errors),
        "billing_cycle": str(values.get("billing_cycle") or BillingCycle.MONTHLY),
    }
    if cleaned["billing_cycle"] not in BillingCycle.values:
        errors["billing_cycle"] = [_("Use monthly, quarterly or annual.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


def _step(port: PortRequest, actor_label: str, note: str = "", at: datetime | None = None) -> None:
    PortStep.objects.create(
        port=port, status=port.status, note=note[:255], actor_label=actor_label, created_at=at or timezone.now()
    )


def _require_reseller(actor: Actor) -> None:
    actor.require_write()
    if actor.is_client_scoped:
        raise PermissionDenied(_("Ports are requested and cancelled by the reseller, who pays for the numbers."))


def port_create(
    *,
    actor: Actor,
    numbers: list[str],
    client: Client | None = None,
    compliance_profile_id: str = "",
    uploads: Sequence[regulatory.Upload] = (),
    **details: Any,
) -> PortRequest:
    """Ask for ``numbers`` to be ported in (``details``: ``current_carrier``, ``authorization_name``,
    ``account_number``, ``pin``, ``billing_cycle``), with documents (letter of authorization, a recent
    bill). Everything is checked before anything is written; the request is ``pending`` with the losing
    carrier, with an estimated completion date. Nothing is charged until the port completes."""
    _require_reseller(actor)
    unknown = set(details) - {"current_carrier", "authorization_name", "account_number", "pin", "billing_cycle"}
    if unknown:
        raise ValidationFailed(fields={key: [_("Unknown field.")] for key in sorted(unknown)})
    cleaned = port_details_check(details)
    groups = port_numbers_check(numbers, account=actor.account)
    if client is not None and client.account_id != actor.account.pk:
        raise ValidationFailed(fields={"client_id": [_("Unknown client.")]})
    profile = regulatory.profile_for_purchase(actor=actor, profile_id=compliance_profile_id, client=client)
    regulatory.profile_check_for_groups(profile, groups)
    uploads = regulatory.check_uploads(list(uploads), allowed_types=PORT_DOCUMENT_TYPES)
    now = timezone.now()
    with regulatory.files_written() as written, transaction.atomic():
        # Requests for numbers of one group take turns from here to the commit (its rows locked in id
        # order), so of two requests for one number made at once, the later sees the earlier: checked
        # again, and recorded as a conflict when it is another account's.
        list(NumberGroup.objects.select_for_update().filter(pk__in={g.pk for g in groups.values()}).order_by("pk"))
        port_numbers_check(list(groups), account=actor.account)
        # Numbers another account holds or wants are accepted all the same (the answer is the one any
        # request gets, so it cannot be used to find out whose a number is): staff settle the conflict.
        conflicts = port_conflicts(list(groups), account=actor.account)
        port = PortRequest.objects.create(
            account=actor.account,
            client=client,
            numbers=list(groups),
            compliance_profile=profile,
            status=PortRequest.Status.SUBMITTED,
            estimated_completion=add_business_days(timezone.localdate(), settings.PORTING_ESTIMATE_BUSINESS_DAYS),
            created_by=actor.label,
            created_at=now,
            in_conflict=bool(conflicts),
            conflicts=conflicts,
            **cleaned,
        )
        with for_records():  # the timeline is a record: its notes are in English
            _step(port, actor.label, _("Request received"), at=now)
        # Checked and handed to the losing carrier, which confirms a date (or refuses) in the coming days.
        port.status = PortRequest.Status.PENDING
        port.save(update_fields=["status", "updated_at"])
        with for_records():  # the timeline is a record: its notes are in English
            _step(port, "DIDfarm", _("Sent to %(carrier)s for release") % {"carrier": port.current_carrier}, at=now)
        regulatory.store_documents(
            actor=actor, uploads=uploads, written=written, account=actor.account, client=client, port=port
        )
        audit_record(
            actor=actor,
            action="port.created",
            subject=port,
            after={
                "numbers": port.numbers,
                "current_carrier": port.current_carrier,
                "client": client.public_id if client else None,
                "documents": [u.document_type for u in uploads],
            },
        )
        if conflicts:  # (an audit row of the staff's own: the requester's account does not see it)
            audit_record(
                actor=None,
                account=None,
                action="port.conflict",
                subject=port,
                after={"requested_by": f"acc_{actor.account.pk}", "conflicts": conflicts},
            )
    return port


def port_documents_add(
    *, actor: Actor, port: PortRequest, uploads: list[regulatory.Upload]
) -> list[ComplianceDocument]:
    """Add documents to a request that is not under way yet (submitted or pending)."""
    _require_reseller(actor)
    if not uploads:
        raise ValidationFailed(fields={"file": [_("Choose a file to upload.")]})
    uploads = regulatory.check_uploads(uploads, allowed_types=PORT_DOCUMENT_TYPES)
    with regulatory.files_written() as written, transaction.atomic():
        port = PortRequest.objects.select_for_update().get(pk=port.pk)
        if not port.can_cancel:
            raise InvalidState(
                _("Documents can be added while the request is pending, not once it is %(status)s.")
                % {"status": port.get_status_display().lower()}
            )
        stored = regulatory.store_documents(
            actor=actor, uploads=uploads, written=written, account=port.account, client=port.client, port=port
        )
        audit_record(
            actor=actor,
            action="port.documents_added",
            subject=port,
            after={"documents": [f"{d.public_id} {d.document_type}" for d in stored]},
        )
    return stored


def port_document_delete(*, actor: Actor, port: PortRequest, document: ComplianceDocument) -> None:
    """Remove one of a request's documents while the request may still change (submitted or pending,
    as for adding them); the file goes once the transaction commits. The port row is locked first, as
    when documents are added, so a request being scheduled meanwhile keeps its documents."""
    _require_reseller(actor)
    with transaction.atomic():
        port = PortRequest.objects.select_for_update().get(pk=port.pk)
        locked = ComplianceDocument.objects.select_for_update().filter(pk=document.pk, port=port).first()
        if locked is None:  # (removed meanwhile, or another request's)
            raise NotFound(_("Document not found."))
        document = locked
        if not port.can_cancel:
            raise InvalidState(
                _("Documents can be removed while the request is pending, not once it is %(status)s.")
                % {"status": port.get_status_display().lower()}
            )
        audit_record(
            actor=actor,
            action="port.document_deleted",
            subject=port,
            before={"documents": [f"{document.public_id} {document.document_type} {document.original_name}"]},
        )
        name = document.file.name
        document.delete()
        regulatory.delete_files_on_commit([name] if name else [])


def port_cancel(*, actor: Actor, port: PortRequest) -> PortRequest:
    """The reseller withdraws a request the losing carrier has not scheduled yet."""
    _require_reseller(actor)
    with transaction.atomic():
        port = PortRequest.objects.select_for_update().get(pk=port.pk)
        if not port.can_cancel:
            raise InvalidState(
                _("A port that is %(status)s can no longer be cancelled.")
                % {"status": port.get_status_display().lower()}
            )
        before = port.status
        port.status = PortRequest.Status.CANCELLED
        port.save(update_fields=["status", "updated_at"])
        with for_records():  # the timeline is a record: its notes are in English
            _step(port, actor.label, _("Cancelled"))
        audit_record(
            actor=actor, action="port.cancelled", subject=port, before={"status": before}, after={"status": port.status}
        )
    return port


# --- Staff (and the sandbox carrier) ----------------------------------------------------------------


def port_schedule(*, actor: Actor, port: PortRequest, at: datetime) -> PortRequest:
    """The losing carrier confirmed a date: the numbers move then. A scheduled port may be moved."""
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    with transaction.atomic():
        port = PortRequest.objects.select_for_update().get(pk=port.pk)
        if port.status not in (PortRequest.Status.PENDING, PortRequest.Status.SCHEDULED):
            raise InvalidState(_("Only pending or scheduled ports can be scheduled."))
        _require_settled(port)
        before = port.status
        port.status = PortRequest.Status.SCHEDULED
        port.scheduled_at = at
        port.estimated_completion = timezone.localtime(at).date()
        port.last_error = ""
        port.save()
        with for_records():  # the timeline is a record: its notes are in English
            _step(
                port,
                actor.label,
                _("Scheduled for %(when)s") % {"when": timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")},
            )
        audit_record(
            actor=actor,
            action="port.scheduled",
            subject=port,
            before={"status": before},
            after={"status": port.status, "scheduled_at": at.isoformat()},
        )
    return port


def _require_settled(port: PortRequest) -> None:
    if port.in_conflict:
        raise InvalidState(_("Another account holds or claims some of these numbers: settle the conflict first."))


def port_conflict_settle(*, actor: Actor, port: PortRequest, note: str) -> PortRequest:
    """Staff: the conflict over a request's numbers is settled (the holder agreed to let them go, say),
    so the port may be scheduled and completed. ``note`` says how; it is kept in the audit log, which
    only staff see (the requester never learnt of the conflict)."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(fields={"note": [_("Say how the conflict was settled.")]})
    with transaction.atomic():
        port = PortRequest.objects.select_for_update().get(pk=port.pk)
        if not port.in_conflict:
            return port
        port.in_conflict = False
        port.save(update_fields=["in_conflict", "updated_at"])
        audit_record(
            actor=None,
            account=None,
            action="port.conflict_settled",
            subject=port,
            before={"conflicts": port.conflicts},
            after={"by": actor.label, "note": note[:1000]},
        )
    return port


def port_reject(*, actor: Actor, port: PortRequest, reason: str) -> PortRequest:
    """The losing carrier (or DIDfarm) refused the request; the reason is shown to the reseller."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why, so the customer can put it right.")]})
    with transaction.atomic():
        port = PortRequest.objects.select_for_update().get(pk=port.pk)
        if not port.is_open:
            raise InvalidState(_("Only open port requests can be rejected."))
        before = port.status
        port.status = PortRequest.Status.REJECTED
        port.rejection_reason = reason[:1000]
        port.save()
        _step(port, actor.label, reason)
        audit_record(
            actor=actor,
            action="port.rejected",
            subject=port,
            before={"status": before},
            after={"status": port.status, "reason": port.rejection_reason},
        )
    return port


def port_complete(*, actor: Actor, port: PortRequest) -> PortRequest:
    """The numbers have moved: create them as owned numbers of the request's account and client, live
    (or waiting for documents where needed), and charge their setup fee and first period through the
    purchase charge, all in one transaction with the wallet locked first. ``number.ported`` for each,
    ``number.activated`` for those live, ``payment.succeeded`` for the order.

    If anything is refused (``InsufficientBalance``, a number now someone else's) nothing is written
    but the reason, on the request (``last_error``), and the error is raised. Safe to run twice: only an
    open request is completed."""
    if port.status not in (PortRequest.Status.PENDING, PortRequest.Status.SCHEDULED):
        raise InvalidState(_("Only pending or scheduled ports can be completed."))
    _require_settled(port)
    # Outside the transaction: the carrier takes the numbers over (idempotent by the request's id).
    taken_over = {
        p.e164: p.carrier_ref
        for p in get_carrier(port.carrier).port_in(e164s=list(port.numbers), idempotency_key=port.public_id)
    }
    try:
        return _complete(actor, port.pk, taken_over)
    except ApplicationError as exc:
        _record_failure(port.pk, exc)
        raise


def _complete(actor: Actor, port_id: int, carrier_refs: dict[str, str]) -> PortRequest:
    with transaction.atomic():
        account = PortRequest.objects.select_related("account").get(pk=port_id).account
        wallet = ledger.lock_wallet(account)
        port = (
            PortRequest.objects.select_for_update(of=("self",))
            .select_related("account", "client", "compliance_profile")
            .get(pk=port_id)
        )
        if port.status not in (PortRequest.Status.PENDING, PortRequest.Status.SCHEDULED):
            raise InvalidState(_("Only pending or scheduled ports can be completed."))
        found = {e164: group_for(e164) for e164 in port.numbers}
        missing = [e164 for e164, group in found.items() if group is None]
        groups = {e164: group for e164, group in found.items() if group is not None}
        if missing:
            raise NumberUnavailable(_("No number group hosts %(numbers)s any more.") % {"numbers": ", ".join(missing)})
        owned = list(
            Number.objects.filter(e164__in=port.numbers)
            .exclude(status__in=[Number.Status.RELEASED, Number.Status.FAILED])
            .values_list("e164", flat=True)
        )
        if owned:
            raise NumberUnavailable(
                _("Already on DIDfarm, so not ported: %(numbers)s.") % {"numbers": ", ".join(owned)}, numbers=owned
            )
        # A ported number that was also in DIDfarm's stock leaves it (rows locked in number order).
        stocked = list(
            AvailableNumber.objects.select_for_update()
            .filter(e164__in=sorted(port.numbers), status=AvailableNumber.Status.AVAILABLE)
            .order_by("e164")
        )
        due = port_quote(port)
        if wallet.balance < due:
            raise InsufficientBalance(
                _("The wallet balance is too low to complete %(port)s: it charges EUR %(due)s.")
                % {"port": port.public_id, "due": to_cents_str(due)},
                required=to_exact_str(due),
            )
        arrivals = []
        for e164 in port.numbers:
            group = groups[e164]
            profile = port.compliance_profile
            if profile is not None and not profile.covers(country=group.country_id, number_type=group.type):
                profile = None
            arrivals.append(
                services.Arrival(
                    e164=e164,
                    group=group,
                    quote=quotes.line_quote(
                        setup_fee=group.setup_fee, monthly_price=group.monthly_price, billing_cycle=port.billing_cycle
                    ),
                    capabilities=[c for c in group.capabilities if c not in services.PAID_CAPABILITIES],
                    compliance_profile=profile,
                    carrier_ref=carrier_refs.get(e164, ""),
                )
            )
        order = services.numbers_enter_account(
            actor=actor,
            account=port.account,
            wallet=wallet,
            client=port.client,
            billing_cycle=port.billing_cycle,
            arrivals=arrivals,
            stock=stocked,
            port=port,
        )
        now = timezone.now()
        before = port.status
        port.status = PortRequest.Status.COMPLETED
        port.completed_at = now
        port.order = order
        port.last_error = ""
        port.last_attempt_at = now
        port.save()
        with for_records():  # the timeline is a record: its notes are in English
            _step(
                port,
                actor.label,
                _("%(n)d numbers are now yours (%(order)s)") % {"n": len(arrivals), "order": order.public_id},
            )
        audit_record(
            actor=actor,
            account=port.account,
            action="port.completed",
            subject=port,
            before={"status": before},
            after={"status": port.status, "order": order.public_id, "total": to_exact_str(order.total)},
        )
    return port


def _record_failure(port_id: int, exc: ApplicationError) -> None:
    """Keep why the port could not complete, for staff (and the reseller's page); the first time a
    reason appears, a wallet too low for it is also ``payment.failed``."""
    message = exc.message[:255]
    with transaction.atomic():
        port = PortRequest.objects.select_for_update(of=("self",)).select_related("account", "client").get(pk=port_id)
        if not port.is_open:
            return  # completed (or ended) by someone else meanwhile: nothing went wrong with it
        first_time = port.last_error != message
        port.last_error = message
        port.last_attempt_at = timezone.now()
        port.save(update_fields=["last_error", "last_attempt_at", "updated_at"])
        if first_time and isinstance(exc, InsufficientBalance):
            events.record(
                "payment.failed",
                account=port.account,
                client=port.client,
                subject_type="port",
                subject_id=port.public_id,
                data={
                    "amount": exc.extra.get("required") or "",
                    "currency": "EUR",
                    "reason": exc.code,
                    "numbers": list(port.numbers),
                    "port_id": port.public_id,
                },
            )


def port_quote(port: PortRequest, *, client_view: bool = False) -> Decimal:
    """What completing the port will charge now (setup fees and first periods at today's prices). With
    ``client_view``, what the port's client will be billed for it instead (the reseller's price list, as
    the completion's charges record it): a client is never shown wholesale."""
    book = PriceBook.of(port.account_id) if client_view and port.client_id else None
    total = Decimal("0")
    for e164 in port.numbers:
        group = group_for(e164)
        if group is None:
            continue
        if book is None:
            total += quotes.line_quote(
                setup_fee=group.setup_fee, monthly_price=group.monthly_price, billing_cycle=port.billing_cycle
            ).total
        else:
            scope = Scope(client_id=port.client_id, country=group.country_id, number_type=group.type)
            monthly = book.price(item=Item.MONTHLY, wholesale=group.monthly_price, **scope)
            total += book.price(item=Item.SETUP, wholesale=group.setup_fee, **scope) + quantize(
                monthly * CYCLE_MONTHS[port.billing_cycle]
            )
    return total


def sandbox_ports_due_ids(*, now: datetime | None = None) -> list[int]:
    """Scheduled sandbox ports whose time (plus the sandbox's delay) has come, not tried in the last few
    minutes."""
    now = now or timezone.now()
    due = PortRequest.objects.filter(
        status=PortRequest.Status.SCHEDULED,
        carrier="sandbox",
        scheduled_at__lte=now - timedelta(seconds=settings.SANDBOX_PORT_SECONDS),
    ).exclude(last_attempt_at__gt=now - RETRY_AFTER)
    return list(due.order_by("scheduled_at", "pk").values_list("pk", flat=True)[:100])


def sandbox_port_complete(*, port_id: int) -> PortRequest | None:
    """The sandbox carrier reports a scheduled port done. Returns None when there was nothing to do or
    it could not complete (the reason is on the request)."""
    port = PortRequest.objects.select_related("account").filter(pk=port_id, status=PortRequest.Status.SCHEDULED).first()
    if port is None:
        return None
    try:
        return port_complete(actor=system_actor(port.account), port=port)
    except ApplicationError as exc:
        logger.info("Port %s not completed: %s", port.public_id, exc.message)
        return None


def describe_shortfall(port: PortRequest, balance: Decimal) -> str:
    due = port_quote(port)
    if balance >= due:
        return ""
    return _("Completing this port will charge EUR %(due)s; the wallet holds EUR %(balance)s.") % {
        "due": to_cents_str(due),
        "balance": to_cents_str(balance),
    }
