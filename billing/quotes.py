"""An order's price before it is bought, computed once: the cart and checkout pages show it, the API's
purchase confirms it (``expected_total``) and ``number_purchase`` charges what it says.

A line is one number: its setup fee, its first billing period and, when bought with SMS, the SMS
add-on's first period. The quote reads prices as they are now; the purchase quotes again from the same
rows under lock, so what is charged is what the quote says at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .money import quantize
from .periods import period_price

ZERO = Decimal("0")


@dataclass(frozen=True)
class LineQuote:
    setup_fee: Decimal
    first_period: Decimal
    sms_addon: Decimal  # the SMS add-on's first period (0 without SMS)

    @property
    def total(self) -> Decimal:
        return self.setup_fee + self.first_period + self.sms_addon


def line_quote(
    *, setup_fee: Decimal, monthly_price: Decimal, billing_cycle: str, sms_monthly_price: Decimal | None = None
) -> LineQuote:
    """One number's price for ``billing_cycle``; ``sms_monthly_price`` when it is bought with SMS."""
    return LineQuote(
        setup_fee=setup_fee,
        first_period=period_price(monthly_price=monthly_price, billing_cycle=billing_cycle),
        sms_addon=ZERO
        if sms_monthly_price is None
        else period_price(monthly_price=sms_monthly_price, billing_cycle=billing_cycle),
    )


def quote_total(lines: Iterable[LineQuote]) -> Decimal:
    """What an order of these lines costs, as charged: four decimals."""
    return quantize(sum((line.total for line in lines), ZERO))
