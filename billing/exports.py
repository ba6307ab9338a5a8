"""Downloads of money records (CSV and PDF), shared by the API and the pages."""

from __future__ import annotations

import csv
import heapq
import io
from datetime import UTC
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from . import invoices, selectors
from .invoice_pdf import invoice_pdf
from .models import LedgerEntry
from .money import to_exact_str


def cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (client names and descriptions are typed
    by people)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class Echo:
    def write(self, value):
        return value


def costs_csv_response(actor, *, client_id, date_from, date_to):
    """Every charge and refund of the client in the period, streamed: the API and the page share it."""
    client, entries = selectors.client_charges(actor=actor, client_id=client_id, date_from=date_from, date_to=date_to)
    for_client = actor.is_client_scoped
    writer = csv.writer(Echo())

    def rows():
        head = ["id", "time (UTC)", "kind", "number", "description", "client price"]
        yield writer.writerow(head if for_client else [*head, "wholesale", "margin"])
        for entry in entries.select_related("number").iterator(chunk_size=1000):
            price = -(entry.client_amount if entry.client_amount is not None else entry.amount)
            row = [
                entry.public_id,
                entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                entry.kind,
                entry.number.e164 if entry.number_id else "",
                cell(entry.description),
                to_exact_str(price),
            ]
            if not for_client:
                row += [to_exact_str(-entry.amount), to_exact_str(price + entry.amount)]
            yield writer.writerow(row)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    name = f"didfarm-costs-{client.public_id}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _invoice_filename(invoice, ext: str, part: str = "") -> str:
    name = invoice.number or f"draft-{invoice.client.public_id}-{invoice.period_start:%Y-%m}"
    return f"didfarm-{name}{'-' + part if part else ''}.{ext}"


def invoice_response(invoice, fmt: str) -> HttpResponse:
    """An invoice's download: ``pdf`` (as issued, or a draft's preview), ``csv`` or ``xml`` (UBL 2.1)."""
    if fmt == "csv":
        return invoice_csv_response(invoice)
    if fmt == "xml":
        return invoice_ubl_response(invoice)
    return invoice_pdf_response(invoice)


def invoice_ubl_response(invoice) -> HttpResponse:
    from portal.errors import InvalidState

    from .invoicing.ubl import snapshot_ubl

    if not invoice.snapshot:
        raise InvalidState(_("A draft has no e-invoice: issue it first."))
    response = HttpResponse(snapshot_ubl(invoice.snapshot), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_invoice_filename(invoice, "xml")}"'
    return response


def invoice_pdf_response(invoice) -> HttpResponse:
    """An issued document's PDF exactly as it was issued and sent; a draft's drawn now, as a preview."""
    stored = getattr(invoice, "file", None) if invoice.snapshot else None
    if stored is not None:
        response = HttpResponse(bytes(stored.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{_invoice_filename(invoice, "pdf")}"'
        return response
    return _draft_pdf_response(invoice)


def _draft_pdf_response(invoice) -> HttpResponse:
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_invoice_filename(invoice, "pdf")}"'
    return response


def invoice_csv_response(invoice) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["invoice", "client", "period start", "period end", "date", "kind", "number", "description", "amount"]
    )
    for line in invoice.lines.all().order_by("date", "entry_id").iterator(chunk_size=1000):
        writer.writerow(
            [
                invoice.number or "draft",
                cell(invoice.client.name),
                invoice.period_start.isoformat(),
                invoice.period_end.isoformat(),
                line.date.isoformat(),
                line.kind,
                line.number_e164,
                cell(line.description),
                to_exact_str(line.amount),
            ]
        )
    writer.writerow(["", "", "", "", "", "", "", "total", to_exact_str(invoice.total)])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_invoice_filename(invoice, "csv")}"'
    return response


def invoice_messages_csv_response(invoice) -> StreamingHttpResponse:
    """Every message behind the invoice's SMS summary, one row each, oldest first (streamed: a heavy sender
    has many): the charged ones from the invoice's lines (a refund is a row of its own, negative), and the
    received ones (free). The last row adds them up, as the summary does."""
    writer = csv.writer(Echo())
    label = invoice.number or "draft"

    def charged():
        for line in invoices.charged_message_lines(invoice).iterator(chunk_size=1000):
            refund = line.kind == LedgerEntry.Kind.REFUND
            yield line.entry.created_at, line.message, "refund" if refund else "charge", line.segments, line.amount

    def received():
        for message in invoices.received_messages(invoice).iterator(chunk_size=1000):
            yield message.created_at, message, "", message.segments, Decimal("0")

    def rows():
        yield writer.writerow(
            [
                "invoice",
                "time (UTC)",
                "message",
                "number",
                "direction",
                "from",
                "to",
                "segments",
                "status",
                "line",
                "amount",
            ]  # fmt: skip
        )
        count, segments, amount = 0, 0, Decimal("0")
        for at, message, line, line_segments, line_amount in heapq.merge(charged(), received(), key=lambda r: r[0]):
            number = message.to_e164 if message.direction == "inbound" else message.from_e164
            count += -1 if line == "refund" else 1
            segments += line_segments
            amount += line_amount
            yield writer.writerow(
                [
                    label,
                    at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                    message.public_id,
                    number,
                    message.direction,
                    message.from_e164,
                    message.to_e164,
                    line_segments,
                    message.status,
                    line,
                    to_exact_str(line_amount),
                ]
            )
        yield writer.writerow(["total", "", count, "", "", "", "", segments, "", "", to_exact_str(amount)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_invoice_filename(invoice, "csv", "messages")}"'
    return response
