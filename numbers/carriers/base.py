"""What DIDfarm needs from an upstream carrier. Every method may do network I/O: call them from Celery
tasks, never inside a database transaction."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass


class CarrierError(Exception):
    """An upstream failure. ``transient`` errors (timeouts, 5xx) are retried with backoff; the others
    are final."""

    def __init__(self, message: str, *, transient: bool = True, code: str = "carrier_error"):
        super().__init__(message)
        self.transient = transient
        self.code = code


@dataclass(frozen=True)
class StockItem:
    e164: str
    country: str
    type: str
    area_code: str
    city: str
    region: str
    capabilities: tuple[str, ...]


@dataclass(frozen=True)
class SmsAccepted:
    """The carrier took a message for delivery; its delivery report will name ``carrier_ref``."""

    carrier_ref: str


@dataclass(frozen=True)
class SmsStatus:
    """What the carrier says of a message it took, when asked: ``delivered``, ``failed`` (with why),
    ``pending`` (still on its way to the handset) or ``unknown`` (the carrier has no record of it)."""

    state: str
    error_code: str = ""
    error_message: str = ""

    DELIVERED = "delivered"
    FAILED = "failed"
    PENDING = "pending"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Provisioned:
    e164: str
    carrier_ref: str


class Carrier(ABC):
    name: str

    @abstractmethod
    def list_stock(self, *, country: str, type: str | None = None, limit: int = 100) -> Iterable[StockItem]:
        """Numbers the carrier can sell now."""

    @abstractmethod
    def provision(self, *, e164: str, idempotency_key: str) -> Provisioned:
        """Order one number. Calling again with the same key returns the same reference."""

    @abstractmethod
    def release(self, *, carrier_ref: str) -> None:
        """Give the number back. Releasing twice is not an error."""

    @abstractmethod
    def configure_routing(self, *, carrier_ref: str, destination: str) -> None:
        """Point the number's inbound calls at a SIP URI or number ("" for nowhere). Idempotent."""

    @abstractmethod
    def configure_trunk(
        self, *, trunk_ref: str, username: str, realm: str, ha1: str, allowed_ips: list[str], channels: int
    ) -> None:
        """Set up a SIP trunk on the SIP side, or bring it up to date: the digest credentials (``ha1`` of
        ``username`` in ``realm``; empty for an IP-authenticated trunk), the addresses allowed to use it and
        its simultaneous calls. Returns once the SIP side has it. Idempotent (the last call wins)."""

    @abstractmethod
    def send_sms(self, *, from_e164: str, to_e164: str, body: str, idempotency_key: str) -> SmsAccepted:
        """Hand one message to the network. Sending again with the same key returns the same reference and
        sends nothing more. ``CarrierError`` with ``transient=False`` means the carrier refused the message:
        it was never sent. Delivery reports and inbound messages come back later as callbacks."""

    def sms_status(self, *, carrier_ref: str) -> SmsStatus | None:
        """Ask the carrier what became of the message it accepted as ``carrier_ref``, for when its delivery
        report never came. None when this carrier cannot be asked (the message then waits for its report
        until its validity period ends). Read-only; transient ``CarrierError``s mean "ask again later"."""
        return None

    def set_renewal(self, *, carrier_ref: str, renew: bool) -> None:
        """Keep renewing the number upstream every period, or let it end with the period paid for, so we stop
        paying for it when our client does. Idempotent. Carriers that bill nothing per period ignore it."""
        return None

    def port_in(self, *, e164s: list[str], idempotency_key: str) -> list[Provisioned]:
        """Take over numbers whose port from another carrier has completed: one reference per number, in
        order. Calling again with the same key returns the same references. Carriers that cannot port
        numbers in refuse (a final error)."""
        raise CarrierError(f"{self.name}: porting numbers in is not supported", transient=False)

    def send_sms_many(self, messages: list[dict]) -> list[SmsAccepted | CarrierError]:
        """Hand several messages over (each a dict of ``send_sms``'s arguments); one result per message,
        in order: its ``SmsAccepted`` or the ``CarrierError`` it met. Carriers with a bulk API override it."""
        results: list[SmsAccepted | CarrierError] = []
        for message in messages:
            try:
                results.append(self.send_sms(**message))
            except CarrierError as exc:
                results.append(exc)
        return results
