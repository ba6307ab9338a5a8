"""Carrier adapters. ``get_carrier(name)`` returns the adapter behind a number group's ``carrier``."""

from __future__ import annotations

from .base import Carrier, CarrierError, SmsStatus


def get_carrier(name: str = "sandbox") -> Carrier:
    if name == "sandbox":
        from .sandbox import SandboxCarrier

        return SandboxCarrier()
    raise CarrierError(f"No adapter for carrier {name!r}", transient=False)


__all__ = ["Carrier", "CarrierError", "SmsStatus", "get_carrier"]
