"""Stripe's webhook: verify, store the raw event under Stripe's id, answer at once; a task processes it.

A retried or duplicated delivery hits ``payment_event_once`` and is not stored or processed again; an event
whose processing failed stays unprocessed and is retried by the sweeper (``payment_events_sweep``)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import PaymentEvent
from . import gateway, services, thresholds

logger = logging.getLogger("didfarm.payments")

# What the portal acts on; anything else Stripe sends is acknowledged and stored only.
HANDLED = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    "charge.refunded",
    "charge.dispute.created",
    "charge.dispute.closed",
}
MAX_ATTEMPTS = 8


def payment_event_receive(*, payload: bytes, signature: str) -> PaymentEvent | None:
    """Store a verified event (``gateway.SignatureError`` / ``ValueError`` for a forged or unreadable one)
    and enqueue its processing after commit. Returns None for an event already stored."""
    event = gateway.event_verified(payload, signature)
    body = json.loads(payload)
    from . import tasks

    try:
        with transaction.atomic():
            stored = PaymentEvent.objects.create(
                provider="stripe", event_id=event["id"], type=event["type"], payload=body
            )
            transaction.on_commit(lambda: tasks.payment_event_process_task.delay(stored.pk))
    except IntegrityError:
        return None
    return stored


def payment_event_process(*, event_pk: int) -> bool:
    """Act on one stored event, unless it was processed already. Two tasks may process the same event at
    once (the sweeper and a late task): the handlers lock the wallet and act on a payment once, so no
    claim is needed — and none could be held across the Stripe call, which must not run in a transaction."""
    now = timezone.now()
    counted = PaymentEvent.objects.filter(pk=event_pk, processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if counted != 1:
        return False
    event = PaymentEvent.objects.get(pk=event_pk)
    try:
        _handle(event.type, event.payload.get("data", {}).get("object", {}))
    except gateway.StripeError as exc:  # Stripe could not be asked (the session's state): try again later
        PaymentEvent.objects.filter(pk=event_pk).update(error=str(exc)[:2000])
        raise
    PaymentEvent.objects.filter(pk=event_pk).update(processed_at=now, error="")
    return True


def _handle(event_type: str, obj: dict) -> None:
    if event_type not in HANDLED:
        return
    if event_type.startswith("checkout.session."):
        if event_type == "checkout.session.async_payment_failed":
            services.top_up_payment_failed(session_id=obj["id"], reason="SEPA debit failed")
        else:
            services.top_up_checkout_settle(session_id=obj["id"])
    elif event_type == "payment_intent.succeeded":
        thresholds.auto_recharge_settle(intent=obj)
    elif event_type == "charge.refunded":
        services.top_up_refunded(charge=obj)
    elif event_type in ("charge.dispute.created", "charge.dispute.closed"):
        services.top_up_disputed(dispute=obj)


def payment_events_unprocessed(*, older_than_seconds: int = 60) -> list[int]:
    """Events whose task was lost or failed, for the sweeper."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        PaymentEvent.objects.filter(processed_at__isnull=True, received_at__lt=cutoff, attempts__lt=MAX_ATTEMPTS)
        .order_by("received_at")
        .values_list("pk", flat=True)[:200]
    )
