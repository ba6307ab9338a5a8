"""The built-in sandbox carrier: the default upstream, realistic enough to build against.

It answers from the generated inventory (``sandbox_inventory``), takes a few seconds to provision
(``SANDBOX_PROVISION_SECONDS``) and fails at a configurable rate (``SANDBOX_FAILURE_RATE``, 0..1; failures
are transient, like a real carrier's timeouts). Provisioning is idempotent by key, as real carriers'
order APIs are: the reference is derived from the key.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterable

from django.conf import settings

from .base import Carrier, CarrierError, Provisioned, StockItem


class SandboxCarrier(Carrier):
    name = "sandbox"

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

    def configure_routing(self, *, carrier_ref: str, destination: str) -> None:
        """The sandbox keeps its own table of where each number's calls go, as a carrier would."""
        from numbers_app.models import SandboxRoute

        if not carrier_ref.startswith("sbx_"):
            raise CarrierError(f"sandbox: unknown reference {carrier_ref!r}", transient=False)
        SandboxRoute.objects.update_or_create(carrier_ref=carrier_ref, defaults={"destination": destination})

    def simulate_registration(self, *, trunk_id: int, registered: bool, contact: str = "") -> None:
        """What a PBX registering with (or dropping off) the sandbox registrar looks like to DIDfarm."""
        from numbers_app.trunks import trunk_registration_update

        trunk_registration_update(trunk_id=trunk_id, registered=registered, contact=contact)

    def release(self, *, carrier_ref: str) -> None:
        if not carrier_ref.startswith("sbx_"):
            raise CarrierError(f"sandbox: unknown reference {carrier_ref!r}", transient=False)
