"""Formatting for the numbers pages: phone numbers, euros, status badges. Filters format; they never query.

Phone numbers and amounts are written for the reader's language (``portal.l10n``): amounts with its decimal
mark and grouping, and both kept left to right on right-to-left pages."""

from __future__ import annotations

import re
from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from numbers_app.models import NumberType
from numbers_app.validation import format_international
from portal.l10n import ltr, money

register = template.Library()

CAPABILITY_LABELS = {"voice": _("Voice"), "sms": _("SMS"), "mms": _("MMS"), "fax": _("Fax")}
STATUS_CLASSES = {
    "provisioning": "info",
    "pending_regulatory": "warn",
    "active": "ok",
    "inactive": "muted",
    "suspended": "bad",
    "failed": "bad",
    "released": "muted",
}


@register.filter
def phone(e164: str) -> str:
    """``+31207000001`` → ``+31 20 700 0001``; anything unparsable is shown as given."""
    return ltr(format_international(e164))


@register.filter
def eur(amount: Decimal | None, places: int = 2) -> str:
    """Money as the reader's language writes it, to cents (``1,234.50``, ``1.234,50``) or, with
    ``eur:4``, to the four decimals it is stored and charged with; the currency is written beside it."""
    return money(amount, int(places))


# What a ledger entry pays for (its reference_type), as a reader calls it.
REFERENCE_LABELS = {
    "account": pgettext_lazy("what a ledger entry is for", "account"),
    "number": _("number"),
    "message": _("message"),
    "order": _("order"),
}


@register.filter
def reference_kind(reference_type: str) -> str:
    return REFERENCE_LABELS.get(reference_type, reference_type)


@register.filter
def dom_id(e164: str) -> str:
    """A number as a fragment of an HTML id (``+31207000001`` → ``31207000001``)."""
    return re.sub(r"[^0-9A-Za-z]", "", e164)


@register.filter
def capability(name: str) -> str:
    return CAPABILITY_LABELS.get(name, name)


@register.filter
def number_type(value: str) -> str:
    """A number type's name (``toll_free`` → "Toll-free") in the reader's language."""
    try:
        return NumberType(value).label
    except ValueError:
        return value


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "muted")
