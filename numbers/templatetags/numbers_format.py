"""Formatting for the numbers pages: phone numbers, euros, status badges. Filters format; they never query."""

from __future__ import annotations

import re
from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy as _

from billing.money import to_cents_str
from numbers_app.validation import format_international

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
    return format_international(e164)


@register.filter
def eur(amount: Decimal | None) -> str:
    """Money to cents, as everywhere in the portal ("1.50"); the currency is written beside it."""
    return "" if amount is None else to_cents_str(amount)


@register.filter
def dom_id(e164: str) -> str:
    """A number as a fragment of an HTML id (``+31207000001`` → ``31207000001``)."""
    return re.sub(r"[^0-9A-Za-z]", "", e164)


@register.filter
def capability(name: str) -> str:
    return CAPABILITY_LABELS.get(name, name)


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "muted")
