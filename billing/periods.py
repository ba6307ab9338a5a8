"""The billing calendar: how long each billing cycle is, where a period ends, and what one period costs.

The one owner of these rules: purchases, port completions, renewals, refunds and the client costs pages
all count months here, so a number bought on 31 January is paid through 28/29 February everywhere.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from .money import quantize

# Months in each billing cycle (the keys are ``numbers.models.BillingCycle`` values).
CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}


def period_end(paid_through: date, *, months: int, billing_day: int) -> date:
    """The end of the period after one ending on ``paid_through`` (``months`` later; negative: the start
    of the period ending then), on the billing day or the month's last day when it is shorter:
    31 January → 28/29 February → 31 March."""
    index = paid_through.month - 1 + months
    year, month = paid_through.year + index // 12, index % 12 + 1
    return date(year, month, min(billing_day, calendar.monthrange(year, month)[1]))


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, on the same day of the month or the month's last day when it is
    shorter (the paid-through date of a period starting on ``day``)."""
    return period_end(day, months=months, billing_day=day.day)


def period_price(*, monthly_price: Decimal, billing_cycle: str) -> Decimal:
    """What one billing period of a number costs: the monthly price times the months in the cycle."""
    return quantize(monthly_price * CYCLE_MONTHS[billing_cycle])
