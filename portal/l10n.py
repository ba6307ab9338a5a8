"""Showing values the way the reader's language writes them: money, dates, country names, and text that
must stay left to right inside right-to-left pages.

These are for pages, emails and PDFs only. CSV files and the API keep machine formats (``"1234.50"``,
ISO dates, English), whatever the language.

Choices worth knowing:

- Money has cents (or all four stored decimals where an amount is exact), the language's decimal mark and
  its digit grouping: ``1,234.50`` (en, ja, zh-hans, ar), ``1.234,50`` (nl, de, pt-br), ``1 234,50`` (fr,
  es, with a no-break space) and ``1,234.50`` grouped the Indian way for large amounts (hi: ``12,34,567.50``).
- Arabic pages write digits as Latin digits (0-9), with "." for decimals and "," for thousands, as most
  telecom and banking portals in the Arab world do; phone numbers, amounts, ids and keys read the same as
  on every other page and on the API.
- In a right-to-left language, a phone number or an amount is wrapped in Unicode isolates (LRI … PDI), so
  it reads left to right wherever it lands: in a sentence, a table, a page title, a confirmation dialog.
  Left-to-right languages get the plain text.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, translation

LRI = "\u2066"  # LEFT-TO-RIGHT ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE

# Date formats the portal names beyond Django's own (portal/formats/<language>/formats.py sets them per
# language; these are the defaults).
PORTAL_DATE_FORMATS = {
    # A moment to the second: logs of deliveries, messages and audit rows.
    "TIMESTAMP_FORMAT": "Y-m-d H:i:s",
    # A day with its weekday, short: renewal due days, chart tooltips.
    "WEEKDAY_FORMAT": "D j M",
}


# Text kept in records — ledger descriptions and refund reasons, audit labels, a port's timeline — is
# written in English, whichever language the page that caused it was in: records are shared by people of
# every language and served as they are by the API and CSV files.
RECORD_LANGUAGE = "en"


def for_records():
    """``with for_records(): …`` writes the text of a record in ``RECORD_LANGUAGE``."""
    return translation.override(RECORD_LANGUAGE)


def ltr(text: str) -> str:
    """``text`` kept left to right inside right-to-left text (only when the active language is RTL)."""
    if not text or not translation.get_language_bidi():
        return text
    return f"{LRI}{text}{PDI}"


def money(amount: Decimal | int | str | None, places: int = 2, *, isolate: bool = True) -> str:
    """An amount as the active language writes it, rounded half-up to ``places`` decimals, grouped; kept
    left to right on right-to-left pages unless ``isolate`` is off (a PDF, which has its own way)."""
    if amount is None or amount == "":
        return ""
    exponent = Decimal(1).scaleb(-places)
    value = Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)
    text = formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    return ltr(text) if isolate else text


def date_format_named(name: str) -> str:
    """The active language's pattern for one of Django's format names or of ``PORTAL_DATE_FORMATS``."""
    if name in PORTAL_DATE_FORMATS:
        for module in formats.get_format_modules(translation.get_language()):
            if hasattr(module, name):
                return getattr(module, name)
        return PORTAL_DATE_FORMATS[name]
    return formats.get_format(name)


@functools.lru_cache(maxsize=32)
def _territories(language: str) -> dict[str, str]:
    from babel import Locale, UnknownLocaleError

    try:
        return dict(Locale.parse(translation.to_locale(language)).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def country_name(code: str, fallback: str = "") -> str:
    """A country's name in the active language (CLDR, through babel). English keeps the name stored with
    the country, which staff may have edited; anything babel does not know falls back to it (or the code)."""
    language = translation.get_language() or "en"
    if language.split("-")[0] == "en" or not code:
        return fallback or code
    return _territories(language).get(code.upper()) or fallback or code


# --- Sorting names the way the reader's language does -------------------------------------------------
#
# Without ICU (PyICU is not installed), a key close to CLDR's root collation at the first two levels: the
# letters first, without their accents (so "Côte d'Ivoire" sorts between "Costa Rica" and "Croatia", and
# German "Österreich" between "Oman" and "Pakistan"), then the accents, then the case. Spaces and
# punctuation sort before letters. Known differences from ICU: Chinese names stay in code point order
# (radical and stroke), not pinyin; no language's own tailoring beyond Spanish "ñ", a letter after "n".

# Letters that are not a base letter plus accents in Unicode, spelled as CLDR's root collation sorts them.
_EXPANSIONS = str.maketrans(
    {"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ı": "i", "þ": "th"}
)
# Spanish: "ñ" is a letter of its own, after every "n…" (a character above every letter stands in for it).
_SPANISH_ENYE = "n\U0010ffff"


def _is_accent(ch: str) -> bool:
    """Marks that change a letter at the second level only: Latin, Greek and Cyrillic accents, the kana
    voicing marks, Arabic vowel and hamza marks."""
    code = ord(ch)
    return 0x0300 <= code <= 0x036F or code in (0x3099, 0x309A) or 0x064B <= code <= 0x065F or code == 0x0670


def _primary(folded: str, language: str) -> str:
    if language == "es":
        folded = folded.replace("ñ", _SPANISH_ENYE)  # (before decomposing: "ñ" is n + a tilde mark)
    letters = []
    for ch in unicodedata.normalize("NFKD", folded.translate(_EXPANSIONS)):
        if _is_accent(ch):
            continue
        # Spaces and punctuation: below every letter and digit, all alike.
        letters.append(" " if unicodedata.category(ch)[0] in "PZS" else ch)
    return "".join(letters)


def collation_key(text: str, language: str | None = None) -> tuple[str, str, str]:
    """A sort key for ``text`` in ``language`` (default: the active one): letters without accents, then
    with them, then with their case (lower case first)."""
    language = (language or translation.get_language() or "en").split("-")[0]
    folded = text.casefold()
    return _primary(folded, language), unicodedata.normalize("NFD", folded), text.swapcase()  # (lower case first)


def country_choices(countries, label: Callable[[object], str] | None = None) -> list[tuple[str, str]]:
    """``(code, label)`` for a country select, by the country's name in the reader's language, sorted as
    that language sorts. ``countries``: objects with ``code`` and ``display_name``; ``label`` writes an
    option (default: the name). Every country select of the portal's pages is built here."""
    named = [(c, c.display_name) for c in countries]
    language = translation.get_language()
    named.sort(key=lambda pair: collation_key(pair[1], language))
    return [(c.code, label(c) if label else name) for c, name in named]
