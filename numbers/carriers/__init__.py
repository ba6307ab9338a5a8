"""Carrier adapters. ``get_carrier(name)`` returns the adapter behind a number group's ``carrier``: the
built-in sandbox (which needs no configuration), or a carrier staff configured (``numbers.Carrier``)."""

from __future__ import annotations

from .base import Carrier, CarrierError, SmsStatus

SANDBOX = "sandbox"


def get_carrier(name: str = SANDBOX) -> Carrier:
    from .sandbox import SandboxCarrier

    if name == SANDBOX:  # (no query: SMS and the sandbox's numbers ask for it all the time)
        return SandboxCarrier()
    from numbers_app.models import Carrier as CarrierConfig

    config = CarrierConfig.objects.filter(name=name).first()
    if config is None:
        raise CarrierError(f"No carrier is configured as {name!r}", transient=False)
    if config.kind == CarrierConfig.Kind.SANDBOX:
        return SandboxCarrier()
    if config.kind == CarrierConfig.Kind.DIDWW:
        from django.conf import settings
        from django.urls import reverse

        from .didww import DidwwCarrier

        callback = (
            settings.PUBLIC_URL + reverse("carrier-callback", kwargs={"name": name}) if config.callback_secret else ""
        )
        return DidwwCarrier(
            name=name, api_url=config.api_url, api_key=config.api_key, callback_url=callback, offer_for=_offer_for
        )
    raise CarrierError(f"No adapter for carrier kind {config.kind!r}", transient=False)


def _offer_for(e164: str) -> tuple[str, str]:
    """The carrier's ids of a number in our index: its offer (available DID) and the SKU to order it by."""
    from numbers_app.models import AvailableNumber

    row = AvailableNumber.objects.filter(e164=e164).values_list("carrier_ref", "group__carrier_sku_ref").first()
    return row or ("", "")


__all__ = ["SANDBOX", "Carrier", "CarrierError", "SmsStatus", "get_carrier"]
