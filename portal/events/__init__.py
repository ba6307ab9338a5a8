"""Business events, recorded in the outbox inside the transaction that caused them."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.models import Event

# The catalogue a webhook endpoint can subscribe to (DESIGN §4), plus the account-level events.
EVENT_TYPES = (
    "number.provisioned",
    "number.activated",
    "number.released",
    "number.expiring",
    "number.suspended",
    "number.ported",
    "payment.succeeded",
    "payment.failed",
    "regulatory.approved",
    "regulatory.rejected",
    "trunk.registered",
    "trunk.offline",
    "message.received",
    "message.status",
    "client.created",
    "client.updated",
    "wallet.credited",
    "wallet.debited",
)


def record(
    event_type: str,
    *,
    account,
    data: dict[str, Any],
    client=None,
    subject_type: str = "",
    subject_id: str | int = "",
) -> Event:
    """Write one event row. Must be called inside the business transaction: if that transaction rolls
    back, the event never existed."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events.record() must run inside the transaction of the change it describes")
    return Event.objects.create(
        account=account,
        client=client,
        type=event_type,
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=data,
    )
