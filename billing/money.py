"""The one place where money is rounded."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FOUR_PLACES = Decimal("0.0001")
# Columns are NUMERIC(14, 4): ten digits before the point.
LIMIT = Decimal(10) ** 10
CENTS = Decimal("0.01")


def quantize(value: Decimal | int | str) -> Decimal:
    """Money as stored: four decimal places, half-up."""
    try:
        amount = Decimal(value).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"Not an amount of money: {value!r}") from exc
    if not amount.is_finite():  # a quiet NaN passes quantize() unchanged
        raise ValueError(f"Not an amount of money: {value!r}")
    if abs(amount) >= LIMIT:
        raise ValueError(f"Amount out of range: {value!r}")
    return amount


def round_cents(value: Decimal) -> Decimal:
    """Money as displayed: rounded to cents, half up (``Decimal("142.50")``)."""
    return Decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)


def to_cents_str(value: Decimal) -> str:
    """Money as displayed, as a string ("142.50")."""
    return str(round_cents(value))


def to_whole_cents(value: Decimal) -> int:
    """Money as a count of cents (``14250``), the unit of the Connect guide's prices."""
    return int(round_cents(value) * 100)


def to_exact_str(value: Decimal) -> str:
    return str(quantize(value))
