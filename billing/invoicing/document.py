"""What an issued invoice says, computed once at issue and kept as its ``snapshot``.

Lines: the invoice's ledger lines grouped by number, kind and unit price (a refund is a group of its own,
its quantity negative), each with its quantity, unit price (as charged, to four decimals) and net amount
rounded to the cent. VAT: one treatment per invoice (``vat``); the VAT of each rate is computed once, on
the sum of that rate's net amounts, rounded half up to the cent (EN 16931 BR-CO-17; Article 226 of
Directive 2006/112/EC asks for the VAT per rate), never line by line. Totals: net = Σ line nets,
due = net + Σ VAT per rate. Amounts are strings (exact Decimals) so the snapshot reads back unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import translation

from ..models import ClientBillingProfile, Invoice, LedgerEntry, LegalProfile
from . import vat

CENT = Decimal("0.01")
# Languages whose invoices state the total in words as well (French and Belgian practice, Spanish and
# Brazilian habit on cheques and invoices).
WORDS = {"fr": "fr", "es": "es", "pt-br": "pt_BR"}


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


ADDRESS = ("legal_name", "address_line1", "address_line2", "postcode", "city", "country", "vat_id")


def seller_of(profile: LegalProfile) -> dict:
    return {name: getattr(profile, name) for name in ADDRESS} | {
        "company_registration": profile.company_registration,
        "iban": profile.iban,
        "bic": profile.bic,
        "payment_instructions": profile.payment_instructions,
        "footer": profile.invoice_footer,
        "email": profile.account.billing_email,
    }


def buyer_of(invoice: Invoice, seller: LegalProfile) -> dict:
    """The client as billed: its billing profile, or, without one, its name in the seller's country."""
    profile = ClientBillingProfile.objects.filter(client_id=invoice.client_id).first()
    client = invoice.client
    if profile is None:
        identity = dict.fromkeys(ADDRESS, "") | {"legal_name": client.name, "country": seller.country}
        email, language = client.email, settings.LANGUAGE_CODE
    else:
        identity = {name: getattr(profile, name) for name in ADDRESS}
        email, language = profile.billing_email or client.email, profile.language
    return identity | {"email": email, "reference": client.reference, "language": language}


def grouped_lines(invoice: Invoice, rate: Decimal) -> list[dict]:
    """The invoice's lines by (number, kind, unit price, charge or refund), in the order first met."""
    groups: OrderedDict[tuple, dict] = OrderedDict()
    for line in invoice.lines.all().order_by("number_e164", "kind", "date", "entry_id"):
        sign = -1 if line.amount < 0 else 1
        unit = abs(line.amount)
        key = (line.number_e164, line.kind, unit, sign)
        group = groups.setdefault(
            key, {"number": line.number_e164, "kind": line.kind, "unit_price": unit, "quantity": 0, "exact": Decimal(0)}
        )
        group["quantity"] += sign
        group["exact"] += line.amount
    lines = []
    for group in groups.values():
        lines.append(
            {
                "number": group["number"],
                "kind": group["kind"],
                "quantity": group["quantity"],
                "unit_price": str(group["unit_price"]),
                "net": str(_cents(group["exact"])),
                "vat_rate": str(rate),
            }
        )
    return lines


def vat_breakdown(lines: list[dict], treatment: str) -> list[dict]:
    """The taxable amount and VAT of each rate, rate by rate."""
    taxable: dict[str, Decimal] = {}
    for line in lines:
        taxable[line["vat_rate"]] = taxable.get(line["vat_rate"], Decimal(0)) + Decimal(line["net"])
    return [
        {"rate": rate, "taxable": str(amount), "vat": str(vat.vat_of(amount, Decimal(rate))), "treatment": treatment}
        for rate, amount in sorted(taxable.items(), key=lambda item: Decimal(item[0]), reverse=True)
    ]


def total_in_words(amount: Decimal, currency: str, language: str) -> str:
    """The amount in words in ``language`` when that language's invoices expect it, else ""."""
    words_language = WORDS.get(language.lower())
    if not words_language:
        return ""
    from num2words import num2words

    try:
        return num2words(abs(amount), lang=words_language, to="currency", currency=currency)
    except (NotImplementedError, KeyError):
        return ""


def build(*, invoice: Invoice, profile: LegalProfile, number: str, issue_date: date) -> dict:
    """The snapshot of an invoice being issued (its lines already final)."""
    buyer = buyer_of(invoice, profile)
    kind = vat.treatment(seller_country=profile.country, buyer_country=buyer["country"], buyer_vat_id=buyer["vat_id"])
    rate = vat.rate_for(kind, profile.vat_rate)
    lines = grouped_lines(invoice, rate)
    breakdown = vat_breakdown(lines, kind)
    net = sum((Decimal(line["net"]) for line in lines), Decimal(0))
    tax = sum((Decimal(row["vat"]) for row in breakdown), Decimal(0))
    due = net + tax
    language = buyer["language"]
    with translation.override(language):
        mention = vat.legal_mention(kind)
    return {
        "kind": invoice.kind,
        "number": number,
        "issue_date": issue_date.isoformat(),
        "due_date": (issue_date + timedelta(days=profile.payment_terms_days)).isoformat(),
        "period_start": invoice.period_start.isoformat(),
        "period_end": invoice.period_end.isoformat(),
        "currency": invoice.currency,
        "language": language,
        "seller": seller_of(profile),
        "buyer": buyer,
        "treatment": kind,
        "legal_mention": mention,
        "lines": lines,
        "vat": breakdown,
        "net_total": str(net),
        "vat_total": str(tax),
        "total_due": str(due),
        "total_in_words": total_in_words(due, invoice.currency, language),
        "payment_reference": number,
        "credit_for": None,
        "reason": "",
        "replaces": replaced_by_this(invoice),
    }


def replaced_by_this(invoice: Invoice) -> dict | None:
    """A corrected invoice's reference to the invoice it replaces and the credit note that cancelled it."""
    original = invoice.replaces
    if original is None:
        return None
    note = original.credit_notes.order_by("id").first()
    return {
        "number": original.number,
        "issue_date": original.issue_date.isoformat() if original.issue_date else "",
        "credit_note": note.number if note is not None else "",
    }


def credit_of(original: dict, *, number: str, issue_date: date, reason: str) -> dict:
    """The snapshot of a credit note cancelling the invoice whose snapshot is ``original``: the same
    identities, lines and VAT, amounts negated, pointing at the invoice."""

    def negated(value: str) -> str:
        return str(-Decimal(value))

    lines = [line | {"quantity": -line["quantity"], "net": negated(line["net"])} for line in original["lines"]]
    breakdown = [row | {"taxable": negated(row["taxable"]), "vat": negated(row["vat"])} for row in original["vat"]]
    due = -Decimal(original["total_due"])
    return original | {
        "kind": Invoice.Kind.CREDIT_NOTE,
        "number": number,
        "issue_date": issue_date.isoformat(),
        "due_date": issue_date.isoformat(),
        "lines": lines,
        "vat": breakdown,
        "net_total": negated(original["net_total"]),
        "vat_total": negated(original["vat_total"]),
        "total_due": str(due),
        "total_in_words": total_in_words(due, original["currency"], original["language"]),
        "payment_reference": original["number"],
        "credit_for": {"number": original["number"], "issue_date": original["issue_date"]},
        "reason": reason,
        "replaces": None,
    }


KIND_LABELS = dict(LedgerEntry.Kind.choices)
