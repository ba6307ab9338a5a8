"""Normalising and checking what people type: phone numbers, SIP URIs, tags."""

from __future__ import annotations

import functools
import re

import phonenumbers
from django.utils.translation import gettext as _

SIP_URI = re.compile(r"^sips?:[A-Za-z0-9._~+%!$&'()*,;=:-]+@[A-Za-z0-9.-]+(:\d{1,5})?(;[A-Za-z0-9=._-]+)*$")
TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_TAGS = 10


def normalize_e164(value: str, *, field: str = "number") -> str:
    """``"+44 20 7946-0831"`` → ``"+442079460831"``; raises ``ValueError`` with a message if not a valid
    international number."""
    return phonenumbers.format_number(parse_e164(value, field=field), phonenumbers.PhoneNumberFormat.E164)


def parse_e164(value: str, *, field: str = "number") -> phonenumbers.PhoneNumber:
    """``normalize_e164``'s parsed number, for callers that also need its country."""
    text = (value or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]  # the international prefix written out
    if not text.startswith("+"):
        raise ValueError(_("Give the number in international format, starting with + and the country code."))
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise ValueError(_("This is not a phone number.")) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(_("This is not a valid phone number for its country."))
    return parsed


SHORT_CODE = re.compile(r"^[A-Z]{2}-\d{5,6}$")


def normalize_inventory_number(value: str) -> str:
    """Numbers from search results: E.164 (spaces and dashes allowed), or a short code as listed
    (``US-20225``: country, then the 5–6 digit code; short codes have no international form)."""
    text = (value or "").strip()
    if SHORT_CODE.match(text.upper()):
        return text.upper()
    return normalize_e164(text)


def normalize_forwarding(value: str) -> str:
    """A SIP URI (``sip:100@pbx.example.com``) or an E.164 number; ``""`` clears."""
    text = (value or "").strip()
    if not text:
        return ""
    if text.lower().startswith(("sip:", "sips:")):
        if not SIP_URI.match(text):
            raise ValueError(_("Use a SIP URI such as sip:100@pbx.example.com."))
        return text
    try:
        return normalize_e164(text)
    except ValueError:
        raise ValueError(_("Use a SIP URI (sip:user@host) or a number in international format (+…).")) from None


def normalize_tags(values) -> list[str]:
    if not isinstance(values, list | tuple):
        raise ValueError(_("Send tags as a list of strings."))
    tags = []
    for value in values:
        if not isinstance(value, str) or not TAG.match(value):
            raise ValueError(
                _(
                    "Tags are lowercase letters, digits, - and _, up to 64 characters, starting with a letter or "
                    "digit: %(tag)s"
                )
                % {"tag": value}
            )
        if value not in tags:
            tags.append(value)
    if len(tags) > MAX_TAGS:
        raise ValueError(_("At most %(n)d tags.") % {"n": MAX_TAGS})
    return tags


@functools.lru_cache(maxsize=100_000)
def format_international(e164: str) -> str:
    """``+31207000001`` → ``+31 20 700 0001`` for display; short codes (``US-20225``) and anything
    unparsable stay as given. Pure, so cached (search pages format the same numbers again and again)."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
