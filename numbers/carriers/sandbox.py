"""The built-in sandbox carrier: the default upstream, realistic enough to build against.

It answers from the generated inventory (``sandbox_inventory``), takes a few seconds to provision a number
or set up a SIP trunk (``SANDBOX_PROVISION_SECONDS``) and fails at a configurable rate
(``SANDBOX_FAILURE_RATE``, 0..1; failures are transient, like a real carrier's timeouts). Provisioning is
idempotent by key, as real carriers' order APIs are: the reference is derived from the key.

Its SMS network refuses landline destinations at once (they cannot receive texts), accepts everything
else and reports delivery after ``SANDBOX_SMS_DELIVERY_SECONDS`` (a little less or more, as handsets
answer), losing ``SANDBOX_SMS_FAILURE_RATE`` of messages on the way. Reports and inbound messages reach
DIDfarm through the same intake as a real carrier's callbacks (``callbacks.py``): the sandbox knows no
domain app.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterable

import phonenumbers
from django.conf import settings

from . import callbacks
from .base import Carrier, CarrierError, Provisioned, SmsAccepted, SmsStatus, StockItem


class SandboxCarrier(Carrier):
    name = "sandbox"

    # Why a message the handset never got failed, as the sandbox's reports say it.
    DELIVERY_FAILURES = (
        ("handset_unreachable", "The handset was switched off or out of coverage until the message expired."),
        ("carrier_rejected", "The destination network rejected the message."),
    )

    def __init__(self, *, delay: float | None = None, failure_rate: float | None = None, rng=None):
        self.delay = settings.SANDBOX_PROVISION_SECONDS if delay is None else delay
        self.failure_rate = settings.SANDBOX_FAILURE_RATE if failure_rate is None else failure_rate
        self.rng = rng or random.Random()

    def list_stock(self, *, country: str, type: str | None = None, limit: int = 100) -> Iterable[StockItem]:
        from numbers_app.models import AvailableNumber

        rows = AvailableNumber.objects.filter(group__country_id=country, status=AvailableNumber.Status.AVAILABLE)
        if type:
            rows = rows.filter(group__type=type)
        for row in rows.select_related("group").order_by("e164")[:limit]:
            group = row.group
            yield StockItem(
                row.e164,
                group.country_id,
                group.type,
                group.area_code,
                group.city,
                group.region,
                tuple(group.capabilities),
            )

    def provision(self, *, e164: str, idempotency_key: str) -> Provisioned:
        if self.delay:
            time.sleep(self.delay)
        if self.failure_rate and self.rng.random() < self.failure_rate:
            raise CarrierError("sandbox: upstream timed out (injected failure)", transient=True)
        digest = hashlib.sha256(f"{e164}:{idempotency_key}".encode()).hexdigest()[:16]
        return Provisioned(e164=e164, carrier_ref=f"sbx_{digest}")

    def port_in(self, *, e164s: list[str], idempotency_key: str) -> list[Provisioned]:
        """The sandbox takes over ported numbers at once (its delay is in when the port is completed:
        ``SANDBOX_PORT_SECONDS`` after the scheduled time); references are derived from the key."""
        return [
            Provisioned(
                e164=e164, carrier_ref="sbx_" + hashlib.sha256(f"{e164}:{idempotency_key}".encode()).hexdigest()[:16]
            )
            for e164 in e164s
        ]

    def configure_routing(self, *, carrier_ref: str, destination: str) -> None:
        """The sandbox keeps its own table of where each number's calls go, as a carrier would."""
        from numbers_app.models import SandboxRoute

        if not carrier_ref.startswith("sbx_"):
            raise CarrierError(f"sandbox: unknown reference {carrier_ref!r}", transient=False)
        SandboxRoute.objects.update_or_create(carrier_ref=carrier_ref, defaults={"destination": destination})

    def configure_trunk(
        self, *, trunk_ref: str, username: str, realm: str, ha1: str, allowed_ips: list[str], channels: int
    ) -> None:
        """The sandbox registrar reads trunks from DIDfarm's own table (``trunks.credentials_match``), so
        there is nothing to store: it only takes as long as provisioning does and fails as often."""
        if not trunk_ref.startswith("trk_") or not username:
            raise CarrierError(f"sandbox: not a trunk {trunk_ref!r}", transient=False)
        if self.delay:
            time.sleep(self.delay)
        if self.failure_rate and self.rng.random() < self.failure_rate:
            raise CarrierError("sandbox: SIP server timed out (injected failure)", transient=True)

    def simulate_registration(self, *, trunk_id: int, registered: bool, contact: str = "") -> None:
        """What a PBX registering with (or dropping off) the sandbox registrar looks like to DIDfarm."""
        from numbers_app.trunks.services import trunk_registration_update

        trunk_registration_update(trunk_id=trunk_id, registered=registered, contact=contact)

    def release(self, *, carrier_ref: str) -> None:
        if not carrier_ref.startswith("sbx_"):
            raise CarrierError(f"sandbox: unknown reference {carrier_ref!r}", transient=False)

    # --- SMS -------------------------------------------------------------------------------------

    def send_sms(self, *, from_e164: str, to_e164: str, body: str, idempotency_key: str) -> SmsAccepted:
        accepted, report = self._accept(to_e164=to_e164, idempotency_key=idempotency_key)
        callbacks.deliver(callbacks.SMS_DELIVERY_REPORT, delay=self._report_delay(), **report)
        return accepted

    def send_sms_many(self, messages: list[dict]) -> list[SmsAccepted | CarrierError]:
        """As a carrier's bulk API: each message accepted or refused, and one callback later carrying the
        delivery reports of all those accepted."""
        results: list[SmsAccepted | CarrierError] = []
        reports = []
        for message in messages:
            try:
                accepted, report = self._accept(to_e164=message["to_e164"], idempotency_key=message["idempotency_key"])
            except CarrierError as exc:
                results.append(exc)
                continue
            results.append(accepted)
            reports.append(report)
        if reports:
            callbacks.deliver(callbacks.SMS_DELIVERY_REPORTS, reports=reports, delay=self._report_delay())
        return results

    def _report_delay(self) -> float:
        base = settings.SANDBOX_SMS_DELIVERY_SECONDS
        return base * self.rng.uniform(0.6, 1.4) if base else 0

    def _accept(self, *, to_e164: str, idempotency_key: str) -> tuple[SmsAccepted, dict]:
        """Refuse what the network cannot carry; otherwise the message's reference and its coming report."""
        try:
            kind = phonenumbers.number_type(phonenumbers.parse(to_e164, None))
        except phonenumbers.NumberParseException:
            raise CarrierError("Not a phone number.", transient=False, code="invalid_destination") from None
        if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
            raise CarrierError(
                "The destination is a landline and cannot receive SMS.",
                transient=False,
                code="unreachable_destination",
            )
        carrier_ref = "sbxm_" + hashlib.sha256(f"sms:{idempotency_key}".encode()).hexdigest()[:24]
        failure = self._fate(carrier_ref)
        report = {
            "carrier_ref": carrier_ref,
            "delivered": failure is None,
            "error_code": failure[0] if failure else "",
            "error_message": failure[1] if failure else "",
        }
        return SmsAccepted(carrier_ref=carrier_ref), report

    @classmethod
    def _fate(cls, carrier_ref: str) -> tuple[str, str] | None:
        """Whether the network loses the message (and why), derived from its reference: the delivery report
        and a later status query always agree."""
        digest = hashlib.sha256(f"fate:{carrier_ref}".encode()).digest()
        if int.from_bytes(digest[:4]) / 2**32 < settings.SANDBOX_SMS_FAILURE_RATE:
            return cls.DELIVERY_FAILURES[digest[4] % len(cls.DELIVERY_FAILURES)]
        return None

    def sms_status(self, *, carrier_ref: str) -> SmsStatus:
        """The sandbox network's record of a message: what its delivery report said (or will say). It knows
        only the references it gave (``sbxm_`` and 24 hex digits); any other is unknown to it."""
        ref = carrier_ref.removeprefix("sbxm_")
        if ref == carrier_ref or len(ref) != 24 or any(c not in "0123456789abcdef" for c in ref):
            return SmsStatus(SmsStatus.UNKNOWN)
        failure = self._fate(carrier_ref)
        if failure:
            return SmsStatus(SmsStatus.FAILED, error_code=failure[0], error_message=failure[1])
        return SmsStatus(SmsStatus.DELIVERED)

    def simulate_inbound(self, *, to_e164: str, from_e164: str, body: str) -> str:
        """Someone texts one of the sandbox's numbers: the network calls DIDfarm back, as a carrier would.
        Returns the sandbox's id of the message."""
        provider_id = "sbxin_" + hashlib.sha256(f"{to_e164}:{from_e164}:{time.time_ns()}".encode()).hexdigest()[:24]
        callbacks.deliver(
            callbacks.SMS_INBOUND,
            carrier=self.name,
            provider_id=provider_id,
            payload={"id": provider_id, "from": from_e164, "to": to_e164, "body": body},
        )
        return provider_id
