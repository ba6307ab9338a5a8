"""The PDF of an issued invoice or credit note, drawn from its snapshot alone (so it says exactly what was
issued), in the snapshot's language, with the page set-up every billing document shares
(``billing.invoice_pdf.Document``: fonts for every script, right to left, numbered footers)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.l10n import country_name, money

from ..invoice_pdf import Document, document_day, document_table
from .document import KIND_LABELS


def _amount(value: str | Decimal, places: int = 2) -> str:
    return money(value, places, isolate=False)


def _address(party: dict) -> list[str]:
    lines = [party["legal_name"], party.get("address_line1", ""), party.get("address_line2", "")]
    lines.append(" ".join(p for p in (party.get("postcode", ""), party.get("city", "")) if p))
    if party.get("country"):
        from babel import Locale

        lines.append(country_name(party["country"], Locale("en").territories.get(party["country"], party["country"])))
    if party.get("vat_id"):
        lines.append(_("VAT id: %(id)s") % {"id": party["vat_id"]})
    if party.get("company_registration"):
        lines.append(_("Company registration: %(id)s") % {"id": party["company_registration"]})
    return [line for line in lines if line]


def _day(text: str) -> str:
    return document_day(date.fromisoformat(text))


def replaces_text(replaces: dict) -> str:
    """How a corrected invoice names the invoice it replaces (the PDF and the page say the same)."""
    return _("%(number)s of %(date)s, cancelled by credit note %(credit_note)s") % {
        "number": replaces["number"],
        "date": _day(replaces["issue_date"]) if replaces.get("issue_date") else "",
        "credit_note": replaces.get("credit_note") or "",
    }


def snapshot_pdf(snapshot: dict, *, logo: bytes | None = None) -> bytes:
    """The document as PDF, in ``snapshot["language"]``."""
    with translation.override(snapshot.get("language") or "en"):
        return _render_all(snapshot, logo)


def _render_all(snap: dict, logo: bytes | None) -> bytes:
    credit = snap["kind"] == "credit_note"
    title = (
        _("Credit note %(number)s") % {"number": snap["number"]}
        if credit
        else _("Invoice %(number)s") % {"number": snap["number"]}
    )
    facts = [
        (_("Issue date"), _day(snap["issue_date"])),
        (_("Service period"), f"{_day(snap['period_start'])} – {_day(snap['period_end'])}"),
    ]
    if credit and snap.get("credit_for"):
        facts.append(
            (
                _("Credits invoice"),
                _("%(number)s, issued on %(date)s")
                % {"number": snap["credit_for"]["number"], "date": _day(snap["credit_for"]["issue_date"])},
            )
        )
        if snap.get("reason"):
            facts.append((_("Reason"), snap["reason"]))
    else:
        if snap.get("replaces"):
            facts.append((_("Replaces invoice"), replaces_text(snap["replaces"])))
        facts.append((_("Due date"), _day(snap["due_date"])))
        facts.append((_("Payment reference"), snap["payment_reference"]))
    headings = (_("Number"), _("Description"), _("Quantity"), _("Unit price"), _("VAT %"), _("Net"))
    kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
    seller, buyer = _address(snap["seller"]), _address(snap["buyer"])
    payment = []
    if not credit:
        if snap["seller"].get("iban"):
            payment.append(_("IBAN: %(iban)s") % {"iban": snap["seller"]["iban"]})
        if snap["seller"].get("bic"):
            payment.append(_("BIC: %(bic)s") % {"bic": snap["seller"]["bic"]})
        if snap["seller"].get("payment_instructions"):
            payment.append(snap["seller"]["payment_instructions"])
        payment.append(
            _("Please pay %(amount)s %(currency)s by %(date)s, quoting %(reference)s.")
            % {
                "amount": _amount(snap["total_due"]),
                "currency": snap["currency"],
                "date": _day(snap["due_date"]),
                "reference": snap["payment_reference"],
            }
        )
    totals = [(_("Total without VAT"), snap["net_total"])]
    for row in snap["vat"]:
        totals.append(
            (
                _("VAT %(rate)s %% on %(amount)s") % {"rate": _amount(row["rate"]), "amount": _amount(row["taxable"])},
                row["vat"],
            )
        )
    totals.append((_("Total due") if not credit else _("Total credited"), snap["total_due"]))
    labels = {
        "from": pgettext("invoice: who bills", "From"),
        "to": pgettext("invoice: who is billed", "To"),
        "payment": _("Payment"),
        "words": _("In words: %(words)s") % {"words": snap["total_in_words"]} if snap.get("total_in_words") else "",
    }
    texts = [
        title,
        *(t for row in facts for t in row),
        *headings,
        *kinds.values(),
        *seller,
        *buyer,
        *payment,
        *(label for label, _value in totals),
        *labels.values(),
        snap.get("legal_mention", ""),
        snap["seller"].get("footer", ""),
        _("%(invoice)s · page %(page)s of {nb}"),
    ]
    parts = SimpleNamespace(
        title=title, facts=facts, headings=headings, kinds=kinds, seller=seller, buyer=buyer, payment=payment,
        totals=totals, labels=labels,
    )  # fmt: skip
    pdf = _render(snap, parts, texts, logo, pages=1)
    if pdf.page != 1:
        pdf = _render(snap, parts, texts, logo, pages=pdf.page)
    return bytes(pdf.output())


def _block(pdf, x: float, y: float, width: float, heading: str, lines: list[str]) -> float:
    """A labelled block of lines at (x, y); returns where it ends."""
    pdf.set_xy(x, y)
    pdf.use("B", 9)
    pdf.set_text_color(110)
    pdf.cell(width, 5, heading, align=pdf.start, new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(0)
    for index, line in enumerate(lines):
        pdf.use("B" if index == 0 else "", 10 if index == 0 else 9)
        pdf.multi_cell(width, 4.8, line, align=pdf.start, new_x="LEFT", new_y="NEXT")
    return pdf.get_y()


def _render(snap: dict, parts, texts: list[str], logo: bytes | None, *, pages: int):
    # The page set-up reads only the document's number (title and footers).
    creator = snap["seller"].get("legal_name") or ""
    pdf = Document(SimpleNamespace(number=snap["number"]), texts, pages, creator=creator)  # type: ignore[arg-type]
    pdf.add_page()
    top = pdf.get_y()
    if logo:
        try:
            # The logo in the top corner opposite the title's start, at most 45 × 20 mm.
            x = pdf.l_margin if pdf.rtl else pdf.w - pdf.r_margin - 45
            pdf.image(io.BytesIO(logo), x=x, y=top, w=0, h=20, keep_aspect_ratio=True)
        except Exception:  # noqa: BLE001 - an unreadable logo must not stop an invoice; it is left out
            pass
    pdf.use("B", 18)
    pdf.set_xy(pdf.l_margin, top)
    pdf.cell(pdf.epw - 50, 10, parts.title, align=pdf.start, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + 22))
    half = (pdf.epw - 10) / 2
    first_x, second_x = (
        (pdf.l_margin + half + 10, pdf.l_margin) if pdf.rtl else (pdf.l_margin, pdf.l_margin + half + 10)
    )
    y = pdf.get_y()
    end = max(
        _block(pdf, first_x, y, half, parts.labels["from"], parts.seller),
        _block(pdf, second_x, y, half, parts.labels["to"], parts.buyer),
    )
    pdf.set_xy(pdf.l_margin, end + 4)
    pdf.use("", 10)
    label_width: float = 45
    for label, value in parts.facts:
        if pdf.rtl:
            pdf.cell(pdf.epw - label_width, 6, pdf.ltr(value), align="R")
            pdf.cell(label_width, 6, label, align="R", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.cell(label_width, 6, label)
            pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    document_table(
        pdf,
        widths=(34, 58, 20, 28, 18, 32),
        aligns=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings=parts.headings,
        rows=(
            (
                pdf.ltr(line["number"]),
                parts.kinds.get(line["kind"], line["kind"]),
                pdf.ltr(formats.number_format(line["quantity"], use_l10n=True, force_grouping=True)),
                pdf.ltr(_amount(line["unit_price"], 4)),
                pdf.ltr(_amount(line["vat_rate"])),
                pdf.ltr(_amount(line["net"])),
            )
            for line in snap["lines"]
        ),
    )
    pdf.ln(3)
    amount_width, label_width = 40.0, pdf.epw - 40
    for index, (label, value) in enumerate(parts.totals):
        last = index == len(parts.totals) - 1
        pdf.use("B" if last else "", 12 if last else 10)
        text = pdf.ltr(f"{_amount(value)} {snap['currency']}")
        if pdf.rtl:
            pdf.cell(amount_width, 7, text, align="L")
            pdf.cell(label_width, 7, label, align="L", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.cell(label_width, 7, label, align="R")
            pdf.cell(amount_width, 7, text, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.use("", 9)
    if parts.labels["words"]:
        pdf.multi_cell(0, 5, parts.labels["words"], align=pdf.end, new_x="LMARGIN", new_y="NEXT")
    if snap.get("legal_mention"):
        pdf.ln(2)
        pdf.use("B", 9)
        pdf.multi_cell(0, 5, snap["legal_mention"], align=pdf.start, new_x="LMARGIN", new_y="NEXT")
    if parts.payment:
        pdf.ln(3)
        pdf.use("B", 10)
        pdf.cell(0, 6, parts.labels["payment"], align=pdf.start, new_x="LMARGIN", new_y="NEXT")
        pdf.use("", 9)
        for line in parts.payment:
            pdf.multi_cell(0, 5, line, align=pdf.start, new_x="LMARGIN", new_y="NEXT")
    if snap["seller"].get("footer"):
        pdf.ln(4)
        pdf.use("", 8)
        pdf.set_text_color(110)
        pdf.multi_cell(0, 4, snap["seller"]["footer"], align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
    return pdf
