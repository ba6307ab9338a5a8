"""Which VAT an invoice carries, and the checks of the identifiers printed on it (python-stdnum).

A reseller charges its domestic rate, except:

- reverse charge: the client is a business in another EU member state (its VAT id valid for that state);
  no VAT is charged, and the invoice says the client accounts for it (Article 196 of Directive
  2006/112/EC);
- outside scope: the client is outside the EU (and not in the reseller's own country); no EU VAT is
  charged, and the invoice says so.

Identifiers are checked offline (format and check digits); whether a VAT id is registered (VIES) is not
asked here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumError

DOMESTIC = "domestic"
REVERSE_CHARGE = "reverse_charge"
OUTSIDE_SCOPE = "outside_scope"

EU_MEMBER_STATES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)
# VAT ids of Greece start with EL, not GR.
_VAT_PREFIX = {"GR": "EL"}
CENT = Decimal("0.01")


def vat_prefix(country: str) -> str:
    return _VAT_PREFIX.get(country.upper(), country.upper())


def _module(country: str, name: str):
    try:
        return get_cc_module(country.lower(), name)
    except (ImportError, ValueError):
        return None


def clean_vat_id(country: str, value: str) -> str:
    """The VAT (or tax) id in its compact form, with the country prefix for EU ids; raises ValueError
    with a message for people when python-stdnum knows the country's format and the id does not fit it.
    Countries whose format it does not know take the id as typed (trimmed)."""
    value = (value or "").strip()
    if not value:
        return ""
    country = country.upper()
    module = _module(country, "vat")
    if module is None:
        return " ".join(value.split())
    prefix = vat_prefix(country)
    candidate = value.replace(" ", "").replace(".", "").replace("-", "").upper()
    if country in EU_MEMBER_STATES and not candidate.startswith(prefix):
        candidate = prefix + candidate
    try:
        compact = module.validate(candidate)
    except StdnumError:
        raise ValueError(
            _("This is not a valid VAT id for %(country)s (check the digits and the country).") % {"country": country}
        ) from None
    if country in EU_MEMBER_STATES and not compact.startswith(prefix):
        compact = prefix + compact
    return compact


def _clean(module, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return module.validate(value)
    except StdnumError:
        raise ValueError(message) from None


def clean_iban(value: str) -> str:
    from stdnum import iban

    return _clean(iban, value, _("This is not a valid IBAN."))


def clean_bic(value: str) -> str:
    from stdnum import bic

    return _clean(bic, value, _("This is not a valid BIC (8 or 11 letters and digits)."))


def treatment(*, seller_country: str, buyer_country: str, buyer_vat_id: str) -> str:
    """DOMESTIC, REVERSE_CHARGE or OUTSIDE_SCOPE for a seller in ``seller_country`` billing a buyer."""
    seller, buyer = seller_country.upper(), buyer_country.upper()
    if buyer == seller:
        return DOMESTIC
    if seller in EU_MEMBER_STATES and buyer in EU_MEMBER_STATES:
        if not buyer_vat_id:
            return DOMESTIC  # a consumer, or a business that gave no VAT id: the seller charges its VAT
        try:
            clean_vat_id(buyer, buyer_vat_id)
        except ValueError:
            return DOMESTIC
        return REVERSE_CHARGE
    return OUTSIDE_SCOPE


def rate_for(kind: str, domestic_rate: Decimal) -> Decimal:
    return Decimal(domestic_rate) if kind == DOMESTIC else Decimal("0")


def vat_of(taxable: Decimal, rate: Decimal) -> Decimal:
    """The VAT of one rate's taxable amount, in cents, rounded half up: once per rate, never per line."""
    return (taxable * rate / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


def legal_mention(kind: str) -> str:
    """The sentence the law wants on an invoice without VAT (empty for a domestic one)."""
    if kind == REVERSE_CHARGE:
        return _("Reverse charge: VAT to be accounted for by the recipient (Article 196, Directive 2006/112/EC).")
    if kind == OUTSIDE_SCOPE:
        return _(
            "VAT not applicable: service supplied outside the scope of EU VAT (Article 44, Directive 2006/112/EC)."
        )
    return ""
