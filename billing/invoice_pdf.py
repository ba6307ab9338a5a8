"""An invoice as a PDF (fpdf2, with the bundled DejaVu Sans so any client name prints). Client prices
only: the reseller's wholesale cost never appears on what goes to the client."""

from __future__ import annotations

from pathlib import Path

from django.utils import formats
from django.utils.translation import gettext as _
from fpdf import FPDF

from .models import Invoice
from .money import to_exact_str

FONTS = Path(__file__).resolve().parent / "fonts"


class _Pdf(FPDF):
    def __init__(self, invoice: Invoice):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.invoice = invoice
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(invoice.number or _("Draft invoice"))
        self.set_creator("DIDfarm")

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(120)
        label = self.invoice.number or _("Draft")
        self.cell(
            0, 5, _("%(invoice)s · page %(page)s of {nb}") % {"invoice": label, "page": self.page_no()}, align="C"
        )


def _day(value) -> str:
    return formats.date_format(value, "j M Y")


def _money(value) -> str:
    # Exact, as charged: an SMS costs fractions of a cent, and the lines must add up to the total.
    return to_exact_str(value)


def invoice_pdf(invoice: Invoice) -> bytes:
    pdf = _Pdf(invoice)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    title = _("Invoice %(number)s") % {"number": invoice.number} if invoice.number else _("Draft invoice")
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.set_text_color(60)
    rows = [
        (_("From"), invoice.account.name),
        (_("To"), invoice.client.name + (f" ({invoice.client.reference})" if invoice.client.reference else "")),
        (_("Period"), f"{_day(invoice.period_start)} – {_day(invoice.period_end)}"),
        (
            _("Issued"),
            formats.date_format(invoice.issued_at, "j M Y") if invoice.issued_at else _("not yet (draft)"),
        ),
    ]
    for label, value in rows:
        pdf.cell(28, 6, label)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_text_color(0)
    widths = (24, 34, 96, 36)
    headings = (_("Date"), _("Number"), _("Description"), _("Amount (%(currency)s)") % {"currency": invoice.currency})
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
        line_height=5.5,
        borders_layout="HORIZONTAL_LINES",
        first_row_as_headings=True,
    ) as table:
        pdf.set_font("DejaVu", "", 9)
        table.row(headings)
        for line in invoice.lines.all().order_by("date", "entry_id").iterator(chunk_size=1000):
            table.row(
                (
                    formats.date_format(line.date, "j M Y"),
                    line.number_e164,
                    line.description,
                    _money(line.amount),
                )
            )
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(widths[0] + widths[1] + widths[2], 8, _("Total"), align="R")
    pdf.cell(widths[3], 8, f"{_money(invoice.total)} {invoice.currency}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(110)
    pdf.multi_cell(0, 4, _("Prices without VAT, in euros to four decimal places as charged."))
    return bytes(pdf.output())
