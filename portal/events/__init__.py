"""Business events, recorded in the outbox inside the transaction that caused them."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.db import bulk
from portal.models import Event
from portal.webhooks import catalogue as webhook_catalogue

logger = logging.getLogger("didfarm.events")

# The catalogue a webhook endpoint can subscribe to (DESIGN §4), plus the account-level events.
EVENT_TYPES = (
    "number.provisioned",
    "number.activated",
    "number.released",
    "number.expiring",
    "number.suspended",
    "number.ported",
    "number.test_call_failed",
    "number.test_call_recovered",
    "payment.succeeded",
    "payment.failed",
    "regulatory.approved",
    "regulatory.rejected",
    "trunk.registered",
    "trunk.offline",
    "call.received",
    "call.completed",
    "message.received",
    "message.status",
    "client.created",
    "client.updated",
    "wallet.credited",
    "wallet.debited",
    "wallet.low_balance",
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
    back, the event never existed. Once it commits, its webhook deliveries are fanned out and sent by a
    task; if that task is lost, the webhook sweeper picks the event up (``Event.fanned_out_at``)."""
    row = {"event_type": event_type, "account": account, "client": client, "data": data}
    return record_many([row | {"subject_type": subject_type, "subject_id": subject_id}])[0]


def record_many(rows: list[dict[str, Any]]) -> list[Event]:
    """``record()`` for many events in one statement (each dict holds ``record()``'s arguments, with the
    type under ``event_type``); one fan-out nudge after commit serves them all."""
    if not rows:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events must be recorded inside the transaction of the changes they describe")
    now = timezone.now()
    events = []
    for row in rows:
        if row["event_type"] not in EVENT_TYPES:
            raise ValueError(f"Unknown event type {row['event_type']!r}")
        deliverable = row["event_type"] in webhook_catalogue.BY_NAME
        events.append(
            Event(  # (ids rather than objects: cheaper to make, by the thousand)
                account_id=row["account"].pk,
                client_id=row["client"].pk if row.get("client") is not None else None,
                type=row["event_type"],
                subject_type=row.get("subject_type", ""),
                subject_id=str(row.get("subject_id", "")),
                data=row["data"],
                created_at=now,
                fanned_out_at=None if deliverable else now,  # account-level events are not sent as webhooks
            )
        )
    bulk.insert(events)
    first = next((e for e in events if e.fanned_out_at is None), None)
    if first is not None:
        first_id = first.pk
        transaction.on_commit(lambda: _enqueue_fan_out(first_id))
    return events


# While a nudge is on its way, further events need none: the one task fans out everything pending.
NUDGE_KEY = "didfarm:webhooks:nudge"
NUDGE_DELAY_MS = 100


def _enqueue_fan_out(event_id: int) -> None:
    """A nudge for low latency only: if the broker cannot take it, the sweeper sends the event anyway, so
    the business request that recorded it must not fail over it. With Redis, one nudge serves every event
    committed within ``NUDGE_DELAY_MS`` (a burst of a thousand messages is a handful of tasks, not a
    thousand); the task clears the key before it looks for pending events, so none is left waiting."""
    from portal.webhooks.tasks import webhook_event_fan_out_task, webhooks_nudge_task

    try:
        if settings.REDIS_URL:
            from portal.ratelimit import redis_client

            if redis_client().set(NUDGE_KEY, "1", nx=True, px=NUDGE_DELAY_MS * 20):
                webhooks_nudge_task.apply_async(countdown=NUDGE_DELAY_MS / 1000)
        else:
            webhook_event_fan_out_task.delay(event_id)
    except Exception:  # noqa: BLE001 - any broker failure; the outbox row is already safe
        logger.warning("Could not enqueue the webhook fan-out of event %s; the sweeper will send it", event_id)


def nudge_taken() -> None:
    """Called by the nudge task before it looks for pending events: the next event sends a new nudge."""
    if settings.REDIS_URL:
        from portal.ratelimit import redis_client

        redis_client().delete(NUDGE_KEY)
