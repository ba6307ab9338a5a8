"""Buying through /api/v3 the DIDWW way: reservations, orders, their status and their callbacks.

An order is a checkout like any other: ``services.number_purchase`` buys its numbers (wallet locked
first, stock rows locked, ledger debited, events written, provisioning enqueued after commit). What this
module adds is DIDWW's ways of naming what to buy (a SKU and a quantity, an available DID, a
reservation) and its order terms:

- ``external_reference_id`` makes placing an order idempotent: the same reference again (from the same
  account) returns the order already placed and charges nothing (a unique constraint decides races).
- DIDWW's status is read from the order's numbers: ``pending`` while any is still being provisioned,
  ``canceled`` when none could be (each was refunded), ``completed`` otherwise.
- ``callback_url``: once the order is completed or canceled its status is sent there once, as DIDWW
  sends callbacks (form fields ``id``, ``type``, ``status``; ``X-DIDWW-Signature``: HMAC-SHA1 of the URL
  and the sorted fields, keyed with the API key that placed the order, so DIDWW's ``RequestValidator``
  checks it). Failed sends are retried with backoff for a day by a sweeper.
- Back-ordering is not offered: an order for more numbers than are in stock is refused (422) whatever
  ``allow_back_ordering`` says.

A reservation holds one number in stock for the account for ``DIDWW_RESERVATION_MINUTES``: its stock row
is ``reserved`` (out of every search; nobody else can buy it) until it is ordered, deleted or expires.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.services import audit_record
from billing import ledger
from billing.money import to_exact_str
from billing.pricing import show_client_order_prices
from portal.errors import (
    InvalidState,
    NotFound,
    NumberUnavailable,
    PermissionDenied,
    ReservationLimitReached,
    ValidationFailed,
)
from portal.jsonapi import Resource, timestamp
from portal.webhooks import addresses

from .. import selectors, services
from ..models import AvailableNumber, BillingCycle, Number, Order
from .catalogue import parse_sku, sku_id
from .models import DidReservation, OrderTerms

logger = logging.getLogger(__name__)

MAX_QTY = services.MAX_ITEMS_PER_ORDER
CALLBACK_GIVE_UP_AFTER = timedelta(hours=24)
CALLBACK_TIMEOUT = 10


def _buyer(actor: Actor) -> None:
    actor.require_write()
    if actor.is_client_scoped:
        raise PermissionDenied(_("Numbers are bought by the reseller; ask them to buy one for you."))


# --- Reservations --------------------------------------------------------------------------------


def reservation_list(*, actor: Actor):
    """The account's reservations that have not expired (none for client-bound keys)."""
    qs = DidReservation.objects.filter(account=actor.account, expires_at__gt=timezone.now())
    if actor.is_client_scoped:
        qs = qs.none()
    return qs.select_related("stock").order_by("-created_at", "-id")


def reservation_get(*, actor: Actor, reservation_id: str) -> DidReservation:
    reservation = reservation_list(actor=actor).filter(uid=_uuid(reservation_id)).first()
    if reservation is None:
        raise NotFound(_("No such reservation."))
    return reservation


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def reservation_create(*, actor: Actor, available_did_id: str, description: str = "") -> DidReservation:
    """Hold a number in stock for the account until the reservation expires."""
    _buyer(actor)
    if not isinstance(description, str) or len(description) > 100:
        raise ValidationFailed(fields={"/data/attributes/description": [_("At most 100 characters.")]})
    stock_id = str(available_did_id)
    if not (stock_id.isascii() and stock_id.isdigit() and len(stock_id) < 19):
        raise NotFound(_("This number is not available."))
    with transaction.atomic():
        # The wallet row first (as every purchase does): it serialises one account's reservations, so the
        # cap below holds however many arrive at once. Without a cap, one account could keep any number (or
        # a whole group) out of everyone else's reach for free, renewing its holds every half hour.
        ledger.lock_wallet(actor.account)
        held = DidReservation.objects.filter(account=actor.account, expires_at__gt=timezone.now()).count()
        if held >= settings.DIDWW_RESERVATIONS_MAX:
            raise ReservationLimitReached(
                _(
                    "Your account already holds %(count)s reservations, the most it may hold at once. Order or "
                    "delete some of them first."
                )
                % {"count": held}
            )
        row = AvailableNumber.objects.select_for_update().filter(pk=int(stock_id)).first()
        if row is None or row.status != AvailableNumber.Status.AVAILABLE:
            raise NumberUnavailable(_("This number is no longer available."), numbers=[row.e164] if row else [])
        row.status = AvailableNumber.Status.RESERVED
        row.save(update_fields=["status"])
        services.stock_count_move(Counter({row.group_id: 1}), sign=-1)
        reservation = DidReservation.objects.create(
            account=actor.account,
            stock=row,
            description=description,
            expires_at=timezone.now() + timedelta(minutes=settings.DIDWW_RESERVATION_MINUTES),
        )
        audit_record(
            actor=actor,
            action="did_reservation.created",
            subject=reservation,
            after={"number": row.e164, "expires_at": timestamp(reservation.expires_at)},
        )
    return reservation


def _unreserve(reservation: DidReservation) -> None:
    """Put the reserved number back on sale and forget the reservation (inside a transaction)."""
    restored = AvailableNumber.objects.filter(pk=reservation.stock_id, status=AvailableNumber.Status.RESERVED).update(
        status=AvailableNumber.Status.AVAILABLE
    )
    if restored:
        services.stock_count_move(Counter({reservation.stock.group_id: 1}), sign=+1)
    reservation.delete()


def reservation_delete(*, actor: Actor, reservation: DidReservation) -> None:
    _buyer(actor)
    with transaction.atomic():
        locked = DidReservation.objects.select_for_update().select_related("stock").filter(pk=reservation.pk).first()
        if locked is None:
            return
        audit_record(
            actor=actor, action="did_reservation.deleted", subject=locked, before={"number": locked.stock.e164}
        )
        _unreserve(locked)


def reservations_expire() -> int:
    """Put the numbers of expired reservations back on sale. Safe to run twice, and concurrently."""
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                DidReservation.objects.select_for_update(skip_locked=True)
                .select_related("stock")
                .filter(expires_at__lte=timezone.now())[:200]
            )
            for reservation in batch:
                _unreserve(reservation)
        done += len(batch)
        if len(batch) < 200:
            return done


def reservation_resource(reservation: DidReservation) -> Resource:
    return Resource(
        "did_reservations",
        str(reservation.uid),
        {
            "description": reservation.description or None,
            "expires_at": timestamp(reservation.expires_at),
            "created_at": timestamp(reservation.created_at),
        },
        {
            "available_did": Resource(
                "available_dids", str(reservation.stock_id), {"number": reservation.stock.e164[1:]}
            )
        },
    )


# --- Orders --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRequest:
    items: list[Any]
    allow_back_ordering: bool = False
    external_reference_id: str = ""
    callback_url: str = ""
    callback_method: str = OrderTerms.Method.POST


def _item_error(index: int, name: str, message: str) -> ValidationFailed:
    return ValidationFailed(fields={f"/data/attributes/items/{index}/attributes/{name}": [message]})


def _read_items(items: Any) -> list[dict[str, Any]]:
    """Each item's attributes, checked for shape: a SKU with a quantity, an available DID or a
    reservation (either with a SKU for the billing cycle)."""
    if not isinstance(items, list) or not items:
        raise ValidationFailed(fields={"/data/attributes/items": [_("Send at least one order item.")]})
    out = []
    for index, item in enumerate(items):
        attributes = item.get("attributes") if isinstance(item, dict) else None
        if not isinstance(attributes, dict) or item.get("type") not in (
            "did_order_items", "available_did_order_items", "reservation_did_order_items",
        ):  # fmt: skip
            raise ValidationFailed(
                fields={f"/data/attributes/items/{index}": [_('Send {"type": "did_order_items", "attributes": {…}}.')]}
            )
        sku = attributes.get("sku_id")
        if sku is not None and (not isinstance(sku, str) or parse_sku(sku) is None):
            raise _item_error(index, "sku_id", _("No such stock keeping unit."))
        qty = attributes.get("qty")
        available = attributes.get("available_did_id")
        reservation = attributes.get("did_reservation_id")
        given = [
            name for name, value in (("available_did_id", available), ("did_reservation_id", reservation)) if value
        ]
        if len(given) > 1:
            raise _item_error(index, "did_reservation_id", _("Name an available DID or a reservation, not both."))
        if given:
            if not isinstance(available or reservation, str | int) or isinstance(available or reservation, bool):
                raise _item_error(index, given[0], _("Use an id."))
            if qty not in (None, 1):
                raise _item_error(index, "qty", _("An item naming one number has a quantity of 1."))
        else:
            if sku is None:
                raise _item_error(index, "sku_id", _("Name a SKU with a quantity, an available DID or a reservation."))
            if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
                raise _item_error(index, "qty", _("Use a whole number from 1 to %(n)d.") % {"n": MAX_QTY})
        out.append(
            {
                "sku": parse_sku(sku) if sku else None,
                "qty": qty or 1,
                "available": available,
                "reservation": reservation,
            }
        )
    return out


def _check_request(request: OrderRequest) -> tuple[list[dict[str, Any]], str]:
    items = _read_items(request.items)
    cycles = {item["sku"][1] for item in items if item["sku"]}
    if len(cycles) > 1:
        raise ValidationFailed(
            fields={
                "/data/attributes/items": [
                    _("One billing cycle per order: its SKUs must all be monthly, quarterly or annual.")
                ]
            }
        )
    if not isinstance(request.external_reference_id, str) or len(request.external_reference_id) > 100:
        raise ValidationFailed(fields={"/data/attributes/external_reference_id": [_("At most 100 characters.")]})
    if request.callback_method not in OrderTerms.Method.values:
        raise ValidationFailed(fields={"/data/attributes/callback_method": [_("Use post or get.")]})
    if not isinstance(request.allow_back_ordering, bool):
        raise ValidationFailed(fields={"/data/attributes/allow_back_ordering": [_("Use true or false.")]})
    if request.callback_url:
        try:
            addresses.check_url(request.callback_url)
        except ValueError as exc:
            raise ValidationFailed(fields={"/data/attributes/callback_url": [str(exc)]}) from None
    return items, next(iter(cycles), BillingCycle.MONTHLY)


def _numbers_for(actor: Actor, items: list[dict[str, Any]]) -> list[str]:
    """The numbers the items name, in item order (inside the order's transaction, the wallet locked)."""
    wanted: list[str] = []
    now = timezone.now()
    for index, item in enumerate(items):
        if item["reservation"]:
            reservation = (
                DidReservation.objects.select_for_update()
                .select_related("stock")
                .filter(account=actor.account, uid=_uuid(item["reservation"]), expires_at__gt=now)
                .first()
            )
            if reservation is None:
                raise _item_error(index, "did_reservation_id", _("No such reservation, or it has expired."))
            if item["sku"] and item["sku"][0] != reservation.stock.group_id:
                raise _item_error(index, "sku_id", _("This SKU is not of the reserved number's DID group."))
            number = reservation.stock.e164
            _unreserve(reservation)  # on sale again for this transaction only: the purchase below takes it
        elif item["available"]:
            stock_id = str(item["available"])
            row = (
                AvailableNumber.objects.filter(pk=int(stock_id)).first()
                if stock_id.isascii() and stock_id.isdigit() and len(stock_id) < 19
                else None
            )
            if row is None or row.status != AvailableNumber.Status.AVAILABLE:
                raise NumberUnavailable(
                    _("No longer available: %(numbers)s. Nothing was bought or charged.")
                    % {"numbers": row.e164 if row else stock_id},
                    numbers=[row.e164] if row else [],
                )
            if item["sku"] and item["sku"][0] != row.group_id:
                raise _item_error(index, "sku_id", _("This SKU is not of the available DID's DID group."))
            number = row.e164
        else:
            group_id = item["sku"][0]
            rows = list(
                AvailableNumber.objects.select_for_update(skip_locked=True)
                .filter(group_id=group_id, status=AvailableNumber.Status.AVAILABLE)
                .exclude(e164__in=wanted)
                .order_by("e164")
                .values_list("e164", flat=True)[: item["qty"]]
            )
            if len(rows) < item["qty"]:
                raise NumberUnavailable(
                    _("Only %(n)d numbers of this DID group are in stock; nothing was bought or charged.")
                    % {"n": len(rows)},
                    numbers=[],
                )
            wanted += rows
            continue
        if number in wanted:
            raise _item_error(index, "available_did_id", _("This number is in the order twice."))
        wanted.append(number)
    return wanted


def order_place(*, actor: Actor, request: OrderRequest, callback_secret: str = "") -> tuple[Order, bool]:
    """Place an order; returns it and whether it is new. The same ``external_reference_id`` again returns
    the first order (nothing more is charged). All or nothing, as ``number_purchase``."""
    _buyer(actor)
    items, cycle = _check_request(request)
    reference = request.external_reference_id.strip()
    if reference and (
        terms := OrderTerms.objects.filter(account=actor.account, external_reference_id=reference).first()
    ):
        return terms.order, False
    try:
        with transaction.atomic():
            ledger.lock_wallet(actor.account)  # first, as every purchase does
            numbers = _numbers_for(actor, items)
            order = services.number_purchase(actor=actor, numbers=numbers, billing_cycle=cycle)
            OrderTerms.objects.create(
                order=order,
                account=actor.account,
                external_reference_id=reference,
                allow_back_ordering=request.allow_back_ordering,
                callback_url=request.callback_url,
                callback_method=request.callback_method,
                callback_secret=callback_secret if request.callback_url else "",
            )
            if request.callback_url:
                order_id = order.pk
                transaction.on_commit(lambda: _enqueue_callback(order_id))
    except IntegrityError:
        terms = OrderTerms.objects.filter(account=actor.account, external_reference_id=reference).first()
        if not reference or terms is None:
            raise
        return terms.order, False  # placed at the same moment by another request: that one stands
    return order, True


def order_status(order: Order) -> str:
    """DIDWW's status, from the order's numbers (``numbers`` prefetched or not)."""
    statuses = {n.status for n in order.numbers.all()}
    if statuses and statuses <= {Number.Status.FAILED}:
        return "canceled"
    if Number.Status.PROVISIONING in statuses:
        return "pending"
    return "completed"


def order_cancel(*, actor: Actor, order: Order) -> None:
    """Cancel a pending order: each number not yet provisioned is given up and refunded. An order that
    has completed (or was canceled) cannot be: 422."""
    _buyer(actor)
    if order_status(order) != "pending":
        raise InvalidState(_("Only a pending order can be canceled."))
    canceled = 0
    for number_id in order.numbers.filter(status=Number.Status.PROVISIONING).values_list("pk", flat=True):
        if services.number_provision_failed(number_id=number_id, reason="canceled by the buyer", by_buyer=True):
            canceled += 1
    if not canceled:
        raise InvalidState(_("The order's numbers are being provisioned now; it can no longer be canceled."))
    audit_record(actor=actor, action="order.canceled", subject=order, after={"numbers_canceled": canceled})
    if OrderTerms.objects.filter(order=order).exclude(callback_url="").exists():
        order_id = order.pk
        transaction.on_commit(lambda: _enqueue_callback(order_id))


def order_list(*, actor: Actor):
    return selectors.order_list(actor=actor).select_related("terms").prefetch_related("numbers", "items")


def order_get(*, actor: Actor, order_id: str) -> Order:
    order = selectors.order_get(actor=actor, order_id=order_id)  # 404 as /api/v1 answers it
    return order_list(actor=actor).get(pk=order.pk)


def order_resources(orders, *, actor: Actor) -> list[Resource]:
    """The orders as DIDWW orders; a client-bound key sees what its client was charged."""
    orders = list(orders)
    show_client_order_prices(actor, orders)
    return [order_resource(order) for order in orders]


def order_resource(order: Order) -> Resource:
    terms: OrderTerms | None = getattr(order, "terms", None)
    numbers = {n.pk: n for n in order.numbers.all()}
    items = []
    for item in order.items.all():
        number = numbers.get(item.number_id)
        items.append(
            {
                "type": "did_order_items",
                "attributes": {
                    "qty": 1,
                    "nrc": to_exact_str(item.setup_fee),
                    "mrc": to_exact_str(item.first_period + item.sms_addon),
                    "prorated_mrc": False,
                    "billed_from": number.created_at.date().isoformat() if number else None,
                    "billed_to": number.paid_through.isoformat() if number else None,
                    "did_group_id": str(number.group_id) if number else None,
                    "sku_id": sku_id(number.group_id, item.billing_cycle) if number else None,
                    "number": item.e164.removeprefix("+"),
                },
            }
        )
    return Resource(
        "orders",
        order.public_id,
        {
            "amount": to_exact_str(order.total),
            "status": order_status(order),
            "created_at": timestamp(order.created_at),
            "description": _("DID"),
            "reference": order.public_id,
            "items": items,
            "callback_url": (terms.callback_url or None) if terms else None,
            "callback_method": terms.callback_method if terms and terms.callback_url else None,
            "allow_back_ordering": terms.allow_back_ordering if terms else False,
            "external_reference_id": (terms.external_reference_id or None) if terms else None,
        },
    )


# --- Callbacks -----------------------------------------------------------------------------------


def callback_signature(*, secret: str, url: str, payload: dict[str, str]) -> str:
    """DIDWW's callback signature: HMAC-SHA1, keyed with ``secret``, of the URL (scheme, host and port
    always written out) followed by each field's name and value in name order."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = parts.port or (443 if parts.scheme == "https" else 80)
    userinfo = ""
    if parts.username:
        userinfo = parts.username + (f":{parts.password}" if parts.password else "") + "@"
    normalized = f"{parts.scheme}://{userinfo}{host}:{port}{parts.path}"
    normalized += (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    text = normalized + "".join(key + payload[key] for key in sorted(payload))
    return hmac.new(secret.encode(), text.encode(), hashlib.sha1).hexdigest()


def _enqueue_callback(order_id: int) -> None:
    from ..tasks import didww_order_callback_task

    didww_order_callback_task.delay(order_id)


_http: urllib3.PoolManager | None = None


def _pool() -> urllib3.PoolManager:
    """Connections that check each address they connect to, as webhook deliveries do."""
    global _http
    if _http is None:
        _http = urllib3.PoolManager(num_pools=16, retries=False)
        _http.pool_classes_by_scheme = addresses.POOL_CLASSES
    return _http


def order_callback_send(*, order_id: int) -> str:
    """Send a settled order's status to its callback URL, once. Returns what happened: ``sent``,
    ``pending`` (not settled yet), ``retry`` (the receiver failed; tried again later) or ``none``.
    Claims the row first (a conditional UPDATE), so two runs never both send."""
    now = timezone.now()
    terms = OrderTerms.objects.select_related("order").filter(order_id=order_id).first()
    if terms is None or not terms.callback_url or terms.callback_status:
        return "none"
    status = order_status(terms.order)
    if status == "pending":
        return "pending"
    lease = now + timedelta(minutes=1)
    claimed = (
        OrderTerms.objects.filter(pk=terms.pk, callback_status="")
        .filter(Q(callback_next_at__isnull=True) | Q(callback_next_at__lte=now))
        .update(callback_next_at=lease)
    )
    if claimed != 1:
        return "none"
    payload = {"id": terms.order.public_id, "type": "orders", "status": status}
    headers = {
        "X-DIDWW-Signature": callback_signature(secret=terms.callback_secret, url=terms.callback_url, payload=payload),
        "User-Agent": "DIDfarm-Callbacks/1.0",
    }
    error = ""
    try:
        if terms.callback_method == OrderTerms.Method.GET:
            joiner = "&" if urlsplit(terms.callback_url).query else "?"
            response = _pool().request(
                "GET",
                terms.callback_url + joiner + urlencode(payload),
                headers=headers,
                timeout=CALLBACK_TIMEOUT,
                redirect=False,
            )
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            response = _pool().request(
                "POST",
                terms.callback_url,
                body=urlencode(payload),
                headers=headers,
                timeout=CALLBACK_TIMEOUT,
                redirect=False,
            )
        if not 200 <= response.status < 300:
            error = f"HTTP {response.status}"
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        error = f"connection failed: {exc}"[:255]
    attempts = terms.callback_attempts + 1
    if not error:
        OrderTerms.objects.filter(pk=terms.pk).update(
            callback_status=status,
            callback_attempts=attempts,
            callback_error="",
            callback_secret="",
            callback_next_at=None,
        )
        return "sent"
    if now - terms.order.created_at > CALLBACK_GIVE_UP_AFTER:
        OrderTerms.objects.filter(pk=terms.pk).update(
            callback_status="failed", callback_attempts=attempts, callback_error=error, callback_secret=""
        )
        return "none"
    backoff = timedelta(seconds=min(30 * 2 ** min(attempts, 10), 3600))
    OrderTerms.objects.filter(pk=terms.pk).update(
        callback_attempts=attempts, callback_error=error, callback_next_at=now + backoff
    )
    return "retry"


def order_callbacks_due() -> list[int]:
    """Orders whose callback has not gone yet and is due (settled or not: sending checks)."""
    now = timezone.now()
    return list(
        OrderTerms.objects.filter(callback_status="")
        .exclude(callback_url="")
        .filter(Q(callback_next_at__isnull=True) | Q(callback_next_at__lte=now))
        .values_list("order_id", flat=True)[:500]
    )
