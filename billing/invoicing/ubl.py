"""An issued invoice or credit note as UBL 2.1 XML in the shape of Peppol BIS Billing 3.0 (the EN 16931
core invoice), built with lxml from the snapshot alone, so it says what the PDF says.

The business terms (BT-…) of EN 16931 are named beside the elements. VAT categories: ``S`` (standard
rate) for domestic invoices, ``AE`` (reverse charge, reason VATEX-EU-AE) and ``O`` (outside the scope of
VAT, reason VATEX-EU-O; the seller's VAT id is then left out of the tax scheme, as BR-O-2 requires).
A credit note is a ``CreditNote`` document whose amounts are positive (the document type says they are
credited) and whose ``BillingReference`` names the invoice; a corrected invoice's ``BillingReference`` names
the credited invoice it replaces.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from . import vat

NS = {
    "invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "credit_note": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CATEGORY = {vat.DOMESTIC: "S", vat.REVERSE_CHARGE: "AE", vat.OUTSIDE_SCOPE: "O"}
EXEMPTION = {
    vat.REVERSE_CHARGE: ("VATEX-EU-AE", "Reverse charge"),
    vat.OUTSIDE_SCOPE: ("VATEX-EU-O", "Not subject to VAT"),
}


def _cbc(parent, name: str, text, **attrs):
    element = etree.SubElement(parent, f"{{{NS['cbc']}}}{name}", **attrs)
    element.text = str(text)
    return element


def _cac(parent, name: str):
    return etree.SubElement(parent, f"{{{NS['cac']}}}{name}")


def _amount(parent, name: str, value, currency: str, places: int = 2):
    quantum = Decimal(1).scaleb(-places)
    return _cbc(parent, name, f"{Decimal(value).quantize(quantum)}", currencyID=currency)


def _party(parent, role: str, party: dict, *, tax_id: bool) -> None:
    holder = _cac(parent, role)
    element = _cac(holder, "Party")
    if party.get("email"):
        _cbc(element, "EndpointID", party["email"], schemeID="EM")  # BT-34 / BT-49
    address = _cac(element, "PostalAddress")
    for name, key in (("StreetName", "address_line1"), ("AdditionalStreetName", "address_line2"),
                      ("CityName", "city"), ("PostalZone", "postcode")):  # fmt: skip
        if party.get(key):
            _cbc(address, name, party[key])
    _cbc(_cac(address, "Country"), "IdentificationCode", party["country"])  # BT-40 / BT-55
    if tax_id and party.get("vat_id"):
        scheme = _cac(element, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", party["vat_id"])  # BT-31 / BT-48
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(element, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party["legal_name"])  # BT-27 / BT-44
    if party.get("company_registration"):
        _cbc(legal, "CompanyID", party["company_registration"])  # BT-30


def _category(parent, name: str, treatment: str, rate: str, *, reason: bool) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", CATEGORY[treatment])
    if treatment != vat.OUTSIDE_SCOPE:
        _cbc(category, "Percent", f"{Decimal(rate).quantize(Decimal('0.01'))}")
    if reason and treatment in EXEMPTION:
        code, text = EXEMPTION[treatment]
        _cbc(category, "TaxExemptionReasonCode", code)
        _cbc(category, "TaxExemptionReason", text)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def snapshot_ubl(snap: dict) -> bytes:
    credit = snap["kind"] == "credit_note"
    sign = Decimal(-1) if credit else Decimal(1)  # a credit note states credited amounts as positive
    root_name = "CreditNote" if credit else "Invoice"
    nsmap = {None: NS["credit_note" if credit else "invoice"], "cac": NS["cac"], "cbc": NS["cbc"]}
    root = etree.Element(f"{{{nsmap[None]}}}{root_name}", nsmap=nsmap)
    currency = snap["currency"]
    treatment = snap["treatment"]
    _cbc(root, "CustomizationID", CUSTOMIZATION)  # BT-24
    _cbc(root, "ProfileID", PROFILE)  # BT-23
    _cbc(root, "ID", snap["number"])  # BT-1
    _cbc(root, "IssueDate", snap["issue_date"])  # BT-2
    if not credit:
        _cbc(root, "DueDate", snap["due_date"])  # BT-9
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")  # BT-3
    for note in (snap.get("legal_mention"), snap.get("reason")):
        if note:
            _cbc(root, "Note", note)  # BT-22
    _cbc(root, "DocumentCurrencyCode", currency)  # BT-5
    _cbc(root, "BuyerReference", snap["buyer"].get("reference") or snap["number"])  # BT-10
    period = _cac(root, "InvoicePeriod")  # BG-14
    _cbc(period, "StartDate", snap["period_start"])
    _cbc(period, "EndDate", snap["period_end"])
    # BG-3, the preceding invoice: the one a credit note cancels, or the one a corrected invoice replaces.
    preceding = snap.get("credit_for") if credit else snap.get("replaces")
    if preceding:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")  # BG-3
        _cbc(reference, "ID", preceding["number"])  # BT-25
        if preceding.get("issue_date"):
            _cbc(reference, "IssueDate", preceding["issue_date"])  # BT-26
    _party(root, "AccountingSupplierParty", snap["seller"], tax_id=treatment != vat.OUTSIDE_SCOPE)  # BG-4
    _party(root, "AccountingCustomerParty", snap["buyer"], tax_id=True)  # BG-7
    seller = snap["seller"]
    if not credit and (seller.get("iban") or seller.get("payment_instructions")):
        means = _cac(root, "PaymentMeans")  # BG-16
        _cbc(means, "PaymentMeansCode", "58" if seller.get("iban") else "30")  # SEPA credit transfer / transfer
        _cbc(means, "PaymentID", snap["payment_reference"])  # BT-83
        if seller.get("iban"):
            account = _cac(means, "PayeeFinancialAccount")
            _cbc(account, "ID", seller["iban"])  # BT-84
            if seller.get("bic"):
                _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", seller["bic"])  # BT-86
    if not credit and seller.get("payment_instructions"):
        _cbc(_cac(root, "PaymentTerms"), "Note", seller["payment_instructions"])  # BT-20
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", sign * Decimal(snap["vat_total"]), currency)  # BT-110
    for row in snap["vat"]:
        subtotal = _cac(tax_total, "TaxSubtotal")  # BG-23
        _amount(subtotal, "TaxableAmount", sign * Decimal(row["taxable"]), currency)  # BT-116
        _amount(subtotal, "TaxAmount", sign * Decimal(row["vat"]), currency)  # BT-117
        _category(subtotal, "TaxCategory", treatment, row["rate"], reason=True)
    totals = _cac(root, "LegalMonetaryTotal")  # BG-22
    net, due = sign * Decimal(snap["net_total"]), sign * Decimal(snap["total_due"])
    _amount(totals, "LineExtensionAmount", net, currency)  # BT-106
    _amount(totals, "TaxExclusiveAmount", net, currency)  # BT-109
    _amount(totals, "TaxInclusiveAmount", due, currency)  # BT-112
    _amount(totals, "PayableAmount", due, currency)  # BT-115
    for index, line in enumerate(snap["lines"], start=1):
        element = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")  # BG-25
        _cbc(element, "ID", index)  # BT-126
        quantity = sign * line["quantity"]
        _cbc(element, "CreditedQuantity" if credit else "InvoicedQuantity", quantity, unitCode="C62")  # BT-129
        _amount(element, "LineExtensionAmount", sign * Decimal(line["net"]), currency)  # BT-131
        item = _cac(element, "Item")
        name = line["kind"].replace("_", " ")
        _cbc(item, "Name", f"{name} {line['number']}".strip())  # BT-153
        _category(item, "ClassifiedTaxCategory", treatment, line["vat_rate"], reason=False)  # BG-30
        _amount(_cac(element, "Price"), "PriceAmount", line["unit_price"], currency, places=4)  # BT-146
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
