"""Where a carrier's callbacks enter DIDfarm, for a carrier that runs in this process (the sandbox).

A real carrier calls DIDfarm back over HTTP, and the endpoint hands each callback to the intake of the
domain it is about (SMS delivery reports and inbound messages: messaging's). The sandbox has no network
to call back over, so it hands its callbacks to the same intakes through here: it names the kind of
callback and knows no domain. Each domain registers its intake for a kind when its app is ready
(``messaging.apps``); a kind nobody registered is a programming error, raised as ``LookupError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Someone texted one of the carrier's numbers: ``carrier``, ``provider_id`` (the carrier's id of the
# message) and ``payload`` (``id``, ``from``, ``to``, ``body``).
SMS_INBOUND = "sms.inbound"
# The network's delivery report of one message, ``delay`` seconds from now (as handsets answer):
# ``carrier_ref``, ``delivered``, ``error_code``, ``error_message``.
SMS_DELIVERY_REPORT = "sms.delivery_report"
# One callback with the delivery reports of a batch of messages (``reports``, each as above), ``delay``
# seconds from now.
SMS_DELIVERY_REPORTS = "sms.delivery_reports"

_intakes: dict[str, Callable[..., Any]] = {}


def intake_register(kind: str, intake: Callable[..., Any]) -> None:
    """The domain's intake for callbacks of ``kind`` (registering again replaces it)."""
    _intakes[kind] = intake


def deliver(kind: str, **callback: Any) -> Any:
    """Hand a callback to the intake registered for its kind; returns what the intake returns."""
    try:
        intake = _intakes[kind]
    except KeyError:
        raise LookupError(f"No intake is registered for {kind!r} carrier callbacks") from None
    return intake(**callback)
