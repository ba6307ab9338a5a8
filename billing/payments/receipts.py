"""A receipt for a paid top-up, as a PDF in the reader's language (the invoice's fonts and layout)."""

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings
from django.utils.translation import gettext as _

from portal.l10n import money

from ..invoice_pdf import Document, document_day
from ..models import TopUp
from .services import payment_reference


def receipt_number(top_up: TopUp) -> str:
    return f"R-{top_up.pk:06d}"


def receipt_pdf(top_up: TopUp) -> bytes:
    """The receipt of a paid top-up: who paid, how, when, how much, and the payment's own id."""
    number = receipt_number(top_up)
    title = _("Receipt %(number)s") % {"number": number}
    rows = [
        (_("Received by"), settings.BANK_TRANSFER_BENEFICIARY),
        (_("Received from"), top_up.account.name),
        (_("Reference"), payment_reference(top_up.account_id)),
        (_("Paid on"), document_day(top_up.completed_at)),
        (_("Method"), str(top_up.get_method_display())),
        (_("Payment id"), top_up.external_id or ""),
        (_("Top-up"), top_up.public_id),
    ]
    amount = f"{money(top_up.amount, 2, isolate=False)} {top_up.currency}"
    note = _("Credited to the prepaid wallet of %(account)s. This receipt is not a VAT invoice.") % {
        "account": top_up.account.name
    }
    texts = [
        title,
        *(text for row in rows for text in row),
        _("Amount"),
        amount,
        note,
        _("%(invoice)s · page %(page)s of {nb}"),
    ]
    pdf = Document(SimpleNamespace(number=number), texts, 1)  # type: ignore[arg-type]  # reads only .number
    pdf.set_title(title)
    pdf.add_page()
    pdf.use("B", 18)
    pdf.cell(
        0, 10, _("Receipt %(number)s") % {"number": pdf.ltr(number)}, align=pdf.start, new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    pdf.use("", 10)
    pdf.set_text_color(60)
    label_width = 40
    for label, value in rows:
        value = pdf.ltr(value)
        if pdf.rtl:
            pdf.cell(pdf.epw - label_width, 7, value, align="R")
            pdf.cell(label_width, 7, label, align="R", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.cell(label_width, 7, label)
            pdf.cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_text_color(0)
    pdf.use("B", 14)
    if pdf.rtl:
        pdf.cell(pdf.epw - label_width, 10, pdf.ltr(amount), align="R")
        pdf.cell(label_width, 10, _("Amount"), align="R", new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.cell(label_width, 10, _("Amount"))
        pdf.cell(0, 10, amount, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.use("", 9)
    pdf.set_text_color(110)
    pdf.multi_cell(0, 5, note, align=pdf.start)
    return bytes(pdf.output())
