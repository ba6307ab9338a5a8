"""An invoice as a PDF (fpdf2). Client prices only: the reseller's wholesale cost never appears on what goes
to the client.

Written in the language active when it is made (the viewer's on a page, English on the API), with that
language's dates and number separators. The bundled fonts cover every language of the portal and any
client name: DejaVu Sans (Latin, Greek, Cyrillic and more), Noto Sans Arabic, Noto Sans Devanagari and
Droid Sans Fallback (Chinese and Japanese), each used where the main font has no glyph. Text is shaped with
HarfBuzz (Arabic letters join, Devanagari forms conjuncts), and Arabic invoices are laid out right to left
with numbers, amounts and invoice numbers kept left to right."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF

from portal.l10n import money

from .invoices import SmsSummaryRow, invoice_sms_summary
from .models import Invoice

FONTS = Path(__file__).resolve().parent / "fonts"
# family: (regular, bold or None)
FONT_FILES = {
    "DejaVu": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "NotoArabic": ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    "NotoDevanagari": ("NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
    "DroidFallback": ("DroidSansFallbackFull.ttf", None),
}
# The main font of each language whose script DejaVu Sans draws less well, or not at all.
MAIN_FONT = {"ar": "NotoArabic", "hi": "NotoDevanagari"}
LRM = "\u200e"  # LEFT-TO-RIGHT MARK: keeps a number or an id left to right on a right-to-left page


@functools.cache
def _covered(family: str) -> frozenset[int]:
    """The characters a bundled font has glyphs for (read once per process)."""
    from fontTools.ttLib import TTFont

    with TTFont(FONTS / FONT_FILES[family][0], lazy=True) as font:
        return frozenset(font.getBestCmap())


def _fonts_for(main: str, texts: Iterable[str]) -> list[str]:
    """The fallback fonts the texts need beyond ``main`` (DejaVu Sans stands behind every other main font):
    only these are embedded, so an English invoice does not carry the Chinese font."""
    wanted = {ord(ch) for text in texts for ch in text if not ch.isspace()}
    fallbacks = [] if main == "DejaVu" else ["DejaVu"]
    missing = wanted - _covered(main) - (_covered("DejaVu") if main != "DejaVu" else frozenset())
    for family in FONT_FILES:
        if not missing:
            break
        if family in (main, "DejaVu"):
            continue
        found = missing & _covered(family)
        if found:
            fallbacks.append(family)
            missing -= found
    return fallbacks


class _Pdf(FPDF):
    def __init__(self, invoice: Invoice, texts: Iterable[str], pages: int, *, creator: str = "DIDfarm"):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.invoice = invoice
        self.pages_total = pages
        language = (translation.get_language() or "en").split("-")[0]
        self.rtl = translation.get_language_bidi()
        self.font_name = MAIN_FONT.get(language, "DejaVu")
        fallbacks = _fonts_for(self.font_name, texts)
        for family in [self.font_name, *fallbacks]:
            regular, bold = FONT_FILES[family]
            self.add_font(family, "", str(FONTS / regular))
            if bold:
                self.add_font(family, "B", str(FONTS / bold))
        if fallbacks:
            self.set_fallback_fonts(fallbacks, exact_match=False)
        self.set_text_shaping(use_shaping_engine=True, direction="rtl" if self.rtl else "ltr")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(invoice.number or _("Draft invoice"))
        self.set_lang(translation.get_language() or "en")
        # The application named in the file's properties: a client's invoice names its issuer, the reseller.
        self.set_creator(creator)

    # fpdf2 2.8 loses track of the font after a fallback font drew part of a text (py-pdf/fpdf2#1772): the
    # next text would be drawn with the glyph ids of one font in another. Each text sets its font again.
    def cell(self, *args, **kwargs):
        self.current_font_is_set_on_page = False
        result = super().cell(*args, **kwargs)
        self.current_font_is_set_on_page = False
        return result

    def multi_cell(self, *args, **kwargs):
        self.current_font_is_set_on_page = False
        result = super().multi_cell(*args, **kwargs)
        self.current_font_is_set_on_page = False
        return result

    def use(self, style: str = "", size: float = 10):
        self.set_font(self.font_name, style, size)

    def ltr(self, text: str) -> str:
        """A value that reads left to right (an amount, a phone number, an invoice number)."""
        return f"{LRM}{text}" if self.rtl and text else text

    @property
    def start(self) -> str:
        return "R" if self.rtl else "L"

    @property
    def end(self) -> str:
        return "L" if self.rtl else "R"

    def footer(self):
        self.set_y(-12)
        self.use("", 8)
        self.set_text_color(120)
        label = self.ltr(self.invoice.number) if self.invoice.number else _("Draft")
        # The page count is written in by hand: fpdf2's {nb} alias is not replaced cleanly in shaped text.
        text = _("%(invoice)s · page %(page)s of {nb}") % {"invoice": label, "page": self.page_no()}
        self.cell(0, 5, text.replace("{nb}", str(self.pages_total)), align="C")


def _day(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _money(value) -> str:
    # Exact, as charged: an SMS costs fractions of a cent, and the lines must add up to the total.
    return money(value, 4, isolate=False)


def _count(value: int) -> str:
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice: its lines one by one, except text messages, which are summed up by number and direction
    (a heavy sender has thousands; each is in the message list that comes with the invoice)."""
    from messaging.models import Message

    lines = list(invoice.lines.filter(message__isnull=True).order_by("date", "entry_id"))
    summary = invoice_sms_summary(invoice)
    client = invoice.client.name + (f" ({invoice.client.reference})" if invoice.client.reference else "")
    title = _("Invoice %(number)s") % {"number": invoice.number} if invoice.number else _("Draft invoice")
    rows = [
        (pgettext("invoice: who bills", "From"), invoice.account.name),
        (pgettext("invoice: who is billed", "To"), client),
        (_("Period"), f"{_day(invoice.period_start)} – {_day(invoice.period_end)}"),
        (_("Issued"), _day(invoice.issued_at) if invoice.issued_at else _("not yet (draft)")),
    ]
    amount_heading = _("Amount (%(currency)s)") % {"currency": invoice.currency}
    headings = (_("Date"), _("Number"), _("Description"), amount_heading)
    sms = SmsSection(
        title=_("Text messages"),
        headings=(_("Number"), _("Direction"), _("Messages"), _("Segments"), amount_heading),
        kinds={direction: str(label) for direction, label in Message.Direction.choices},
        note=_(
            "Every message is listed, with its time, segments and price, in the message list (CSV) beside this invoice."
        ),
        rows=summary,
    )
    closing = (
        _("Total"),
        _("Prices without VAT, in euros to four decimal places as charged."),
        _("Draft"),
        _("%(invoice)s · page %(page)s of {nb}"),
    )
    texts = [
        title,
        *(t for row in rows for t in row),
        *headings,
        *closing,
        *(line.description for line in lines),
        *((sms.title, *sms.headings, *sms.kinds.values(), sms.note) if summary else ()),
    ]
    # Most invoices fit one page; a longer one is laid out again, knowing its page count for the footers.
    pdf = _render(invoice, lines, texts, title, rows, headings, sms, pages=1)
    if pdf.page != 1:
        pdf = _render(invoice, lines, texts, title, rows, headings, sms, pages=pdf.page)
    return bytes(pdf.output())


@dataclass(frozen=True)
class SmsSection:
    title: str
    headings: tuple[str, ...]
    kinds: dict[str, str]
    note: str
    rows: list[SmsSummaryRow]


def _table(pdf: _Pdf, *, widths, aligns, headings, rows) -> None:
    """A table in reading order: mirrored (columns and alignment) on a right-to-left page."""

    def ordered(cells):
        return tuple(reversed(cells)) if pdf.rtl else tuple(cells)

    mirrored = {"LEFT": "RIGHT", "RIGHT": "LEFT"}
    with pdf.table(
        col_widths=ordered(widths),
        text_align=ordered([mirrored[a] for a in aligns]) if pdf.rtl else aligns,
        line_height=5.5,
        borders_layout="HORIZONTAL_LINES",
        first_row_as_headings=True,
    ) as table:
        pdf.use("", 9)
        table.row(ordered(headings))
        for row in rows:
            table.row(ordered(row))


def _render(invoice, lines, texts, title, rows, headings, sms: SmsSection, *, pages: int) -> _Pdf:
    pdf = _Pdf(invoice, texts, pages, creator=invoice.account.name)
    pdf.add_page()
    pdf.use("B", 18)
    if invoice.number:
        title = _("Invoice %(number)s") % {"number": pdf.ltr(invoice.number)}
    pdf.cell(0, 10, title, align=pdf.start, new_x="LMARGIN", new_y="NEXT")
    pdf.use("", 10)
    pdf.set_text_color(60)
    label_width = 28
    for label, value in rows:
        if pdf.rtl:  # the label on the right, its value to the left of it
            pdf.cell(pdf.epw - label_width, 6, value, align="R")
            pdf.cell(label_width, 6, label, align="R", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.cell(label_width, 6, label)
            pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_text_color(0)
    widths = (26, 34, 94, 36)
    if lines or not sms.rows:
        _table(
            pdf,
            widths=widths,
            aligns=("LEFT", "LEFT", "LEFT", "RIGHT"),
            headings=headings,
            rows=(
                (
                    formats.date_format(line.date, "SHORT_DATE_FORMAT"),
                    pdf.ltr(line.number_e164),
                    pdf.ltr(line.description),  # a ledger record, in English
                    pdf.ltr(_money(line.amount)),
                )
                for line in lines
            ),
        )
    if sms.rows:
        pdf.ln(4)
        pdf.use("B", 12)
        pdf.cell(0, 8, sms.title, align=pdf.start, new_x="LMARGIN", new_y="NEXT")
        _table(
            pdf,
            widths=(40, 46, 34, 34, 36),
            aligns=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
            headings=sms.headings,
            rows=(
                (
                    pdf.ltr(row.number_e164),
                    sms.kinds.get(row.direction, row.direction),
                    pdf.ltr(_count(row.messages)),
                    pdf.ltr(_count(row.segments)),
                    pdf.ltr(_money(row.amount)),
                )
                for row in sms.rows
            ),
        )
        pdf.use("", 8)
        pdf.set_text_color(110)
        pdf.multi_cell(0, 4, sms.note, align=pdf.start, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
    pdf.ln(3)
    pdf.use("B", 12)
    label_width, amount_width = widths[0] + widths[1] + widths[2], widths[3]
    total = pdf.ltr(f"{_money(invoice.total)} {invoice.currency}")
    if pdf.rtl:
        pdf.cell(amount_width, 8, total, align="L")
        pdf.cell(label_width, 8, _("Total"), align="L", new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.cell(label_width, 8, _("Total"), align="R")
        pdf.cell(amount_width, 8, total, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.use("", 8)
    pdf.set_text_color(110)
    pdf.multi_cell(0, 4, _("Prices without VAT, in euros to four decimal places as charged."), align=pdf.start)
    return pdf


# The page set-up (fonts for every language, right to left, the numbered footer) other documents share:
# top-up receipts (billing/payments/receipts.py) and issued invoices (billing/invoicing/pdf.py).
Document = _Pdf
document_day = _day
document_table = _table
