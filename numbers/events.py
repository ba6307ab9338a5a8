"""Events about one number (``number.*``, and ``regulatory.*`` for a number): the one builder of their
payload and the one writer of their outbox rows. Purchase, provisioning, release, renewal, regulatory
decisions and port completion all record through here, so every webhook about a number has the same
fields."""

from __future__ import annotations

from typing import Any

from portal import events

from .models import Number


def number_event_data(number: Number) -> dict[str, Any]:
    """The ``data`` of every event about one number: the Connect guide's fields (``number``, ``country``,
    ``type``, ``trunk_uuid`` of the trunk it is routed to, null when none, and ``order_id``) with the ids
    the API gives the number. Callers add their own fields to it; nothing else builds it. Reads
    ``number.trunk`` (load it with the number)."""
    return {
        "id": number.public_id,
        "did_number_id": number.pk,
        "number": number.e164,
        "country": number.country_id,
        "type": number.type,
        "status": number.status,
        "trunk_uuid": number.trunk.public_id if number.trunk_id is not None else None,
        "order_id": number.order_id,
        "client_id": number.client_id,
    }


def number_event_record(event_type: str, number: Number, **extra: Any) -> None:
    """An outbox row for ``event_type`` about ``number`` (in the caller's transaction), its data
    ``number_event_data`` plus ``extra``."""
    events.record(
        event_type,
        account=number.account,
        client=number.client,
        subject_type="number",
        subject_id=number.public_id,
        data=number_event_data(number) | extra,
    )
