from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.actor import Actor
from portal.errors import NotFound
from portal.models import Event


def event_list(*, actor: Actor, event_type: str = "") -> QuerySet[Event]:
    qs = Event.objects.filter(account=actor.account).exclude(type="webhook.test")  # test sends are not events
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    if event_type:
        qs = qs.filter(type=event_type)
    return qs.order_by("-created_at", "-id")


def event_get(*, actor: Actor, event_id: str) -> Event:
    try:
        uid = uuid.UUID(str(event_id).removeprefix("evt_"))
    except ValueError:
        raise NotFound(_("Event not found.")) from None
    event = event_list(actor=actor).filter(uid=uid).first()
    if event is None:
        raise NotFound(_("Event not found."))
    return event
