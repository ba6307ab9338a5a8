"""The events a webhook endpoint can subscribe to, what each means, and an example of each payload's
``data``. ``sms.received`` is another name for ``message.received``: an endpoint subscribed to either
receives it. ``webhook.test`` is sent only by "send test event", to the one endpoint asked."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

ALL = "*"
TEST_EVENT = "webhook.test"
ALIASES = {"sms.received": "message.received"}

_NUMBER = {
    "id": "num_42",
    "did_number_id": 42,
    "number": "+31201234567",
    "country": "NL",
    "type": "local",
    "status": "active",
    "trunk_uuid": "trk_5e0c9a17",
    "order_id": 1042,
    "client_id": 7,
}

_CALL = {
    "id": "call_3f9a1c2b7d40",
    "number": "+31201234567",
    "number_id": "num_42",
    "trunk_uuid": "trk_5e0c9a17",
    "client_id": 7,
    "caller": "+31612345678",
    "status": "completed",
    "sip_code": 200,
    "sip_reason": "OK",
    "hangup_side": "caller",
    "started_at": "2026-03-05T14:30:01.204000Z",
    "answered_at": "2026-03-05T14:30:04.871000Z",
    "ended_at": "2026-03-05T14:31:10.112000Z",
    "duration": 65,
    "billable_minutes": 2,
    "charged": None,
}

# One daily test call's result, as ``number.test_call_*`` carry it (``numbers/voice/sweeps.py``).
_SWEEP_RESULT = {
    "id": "tcall_5a6b7c8d9e0f",
    "day": "2026-03-05",
    "status": "answered",
    "rang": True,
    "sip_code": 200,
    "sip_reason": "OK",
}


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    example: dict


CATALOGUE: tuple[EventType, ...] = (
    EventType("number.provisioned", _("The carrier finished setting up a number you bought."), _NUMBER),
    EventType(
        "number.activated", _("A number is live (after regulatory approval, where the country needs it)."), _NUMBER
    ),
    EventType("number.released", _("A number was released from your account."), {**_NUMBER, "status": "released"}),
    EventType(
        "number.expiring",
        _("A number's paid period ends in 7 days and it will not renew."),
        {**_NUMBER, "paid_through": "2026-05-01"},
    ),
    EventType(
        "number.suspended",
        _("A number was suspended (its renewal could not be paid)."),
        {**_NUMBER, "status": "suspended"},
    ),
    EventType(
        "number.ported",
        _("A number ported in from another carrier is now yours."),
        {**_NUMBER, "port_id": "port_12"},
    ),
    EventType(
        "number.test_call_failed",
        _(
            "A number that rang on its previous daily test call did not ring today: the SIP answer it got, and "
            "the previous result (once per number and day)."
        ),
        {
            **_NUMBER,
            "test_call": {
                **_SWEEP_RESULT,
                "status": "not_answered",
                "rang": False,
                "sip_code": 480,
                "sip_reason": "Temporarily Unavailable",
            },
            "previous": {**_SWEEP_RESULT, "id": "tcall_0b1c2d3e4f50", "day": "2026-03-04"},
        },
    ),
    EventType(
        "number.test_call_recovered",
        _("A number that did not ring on its previous daily test call rings again today."),
        {
            **_NUMBER,
            "test_call": _SWEEP_RESULT,
            "previous": {
                **_SWEEP_RESULT,
                "id": "tcall_0b1c2d3e4f50",
                "day": "2026-03-04",
                "status": "not_answered",
                "rang": False,
                "sip_code": 480,
                "sip_reason": "Temporarily Unavailable",
            },
        },
    ),
    EventType(
        "payment.succeeded",
        _("A purchase or renewal was charged to your wallet, or a top-up was credited to it (then with top_up_id)."),
        {"order_id": 1042, "order": "ord_1042", "amount": "3.5000", "currency": "EUR", "numbers": ["+31201234567"]},
    ),
    EventType(
        "payment.failed",
        _("A renewal or purchase could not be charged."),
        {"amount": "1.5000", "currency": "EUR", "reason": "insufficient_balance", "numbers": ["+31201234567"]},
    ),
    EventType(
        "wallet.low_balance",
        _("The wallet balance fell under the alert threshold you set (sent once each time it falls under)."),
        {"balance": "8.4000", "threshold": "10.0000", "currency": "EUR"},
    ),
    EventType(
        "regulatory.approved",
        _(
            "The documents for a number were approved (its compliance profile): it goes live now. Sent for each "
            "number waiting on the profile, or once for the profile when none waits."
        ),
        {**_NUMBER, "status": "provisioning", "compliance_profile_id": "cpr_3"},
    ),
    EventType(
        "regulatory.rejected",
        _(
            "The documents for a number were rejected; it keeps waiting. Sent for each number waiting on the "
            "profile, or once for the profile when none waits."
        ),
        {
            **_NUMBER,
            "status": "pending_regulatory",
            "compliance_profile_id": "cpr_3",
            "reason": "The proof of address is older than 3 months.",
        },
    ),
    EventType(
        "trunk.registered",
        _("A client's PBX registered with its SIP trunk."),
        {
            "trunk_uuid": "trk_a1b2c3d4",
            "trunk_id": 7,
            "name": "Acme Corp",
            "username": "acme_xk9f2",
            "contact": "sip:acme_xk9f2@198.51.100.7:5060",
        },
    ),
    EventType(
        "trunk.offline",
        _("A SIP trunk lost its registration."),
        {
            "trunk_uuid": "trk_a1b2c3d4",
            "trunk_id": 7,
            "name": "Acme Corp",
            "username": "acme_xk9f2",
            "contact": "sip:acme_xk9f2@198.51.100.7:5060",
        },
    ),
    EventType(
        "call.received",
        _("A call to one of your numbers was answered, or reached the number and was not (then also completed)."),
        {**_NUMBER, "call": {**_CALL, "status": "in_progress", "ended_at": None, "duration": 0, "billable_minutes": 0}},
    ),
    EventType(
        "call.completed",
        _("A call to one of your numbers ended: its duration, who hung up, its SIP answer and any charge."),
        {**_NUMBER, "call": _CALL},
    ),
    EventType(
        "message.received",
        _("An SMS arrived on one of your numbers (also subscribable as sms.received)."),
        {
            "id": "msg_157",
            "number_id": "num_42",
            "from": "+31612345678",
            "to": "+31201234567",
            "body": "Is my appointment still at 10:00?",
            "segments": 1,
            "received_at": "2026-04-05T14:30:00Z",
        },
    ),
    EventType(
        "message.status",
        _("An SMS you sent changed status (queued, sending, sent, delivered, failed)."),
        {
            "id": "msg_158",
            "number_id": "num_42",
            "from": "+31201234567",
            "to": "+31612345678",
            "status": "delivered",
            "error_code": None,
        },
    ),
)

BY_NAME = {event.name: event for event in CATALOGUE}
NAMES = tuple(BY_NAME)
SUBSCRIBABLE = frozenset(NAMES) | frozenset(ALIASES)
# Events whose destination includes the number's own URL: number events (subject "number") go to its
# voice_webhook_url, else webhook_url; message events carry data["number_id"] and go to its
# sms_webhook_url, else webhook_url (``services.number_event_url``).
MESSAGE_EVENTS = frozenset({"message.received", "message.status"})


def canonical(name: str) -> str:
    return ALIASES.get(name, name)


def subscribed(events: list[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to ``events`` receives ``event_type``."""
    if event_type not in BY_NAME:
        return False
    return ALL in events or any(canonical(name) == event_type for name in events)


def normalize(events) -> list[str]:
    """Check a subscription list: catalogue names (or the alias), or ``["*"]``. Raises ``ValueError``."""
    if isinstance(events, str):
        events = [e.strip() for e in events.split(",") if e.strip()]
    if not isinstance(events, list | tuple) or not events:
        raise ValueError(_('Choose at least one event, or ["*"] for all of them.'))
    names: list[str] = []
    for name in events:
        if not isinstance(name, str) or (name != ALL and name not in SUBSCRIBABLE):
            raise ValueError(_("Unknown event: %(name)s. See GET /api/v1/webhooks/event-types.") % {"name": name})
        if name not in names:
            names.append(name)
    if ALL in names:
        return [ALL]
    return names


def example_payload(event: EventType) -> dict:
    return {
        "id": "evt_4f6c1b7e2a9d4c0f8e3b5a7d9c1e2f30",
        "event": event.name,
        "timestamp": "2026-04-05T14:30:00Z",
        "data": event.example,
    }
