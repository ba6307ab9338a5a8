"""Text messages on client invoices: the PDF sums them up by number and direction (a heavy sender would fill
pages with one line each), and every message is in the message list (CSV) beside the invoice, on the page
and through the API, adding up to the summary."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.models import Account
from billing import invoice_pdf as pdf_module
from billing.invoices import SmsSummaryRow, invoice_draft, invoice_sms_summary, invoices_issue_month
from billing.models import Invoice, LedgerEntry
from billing.services import PriceRuleInput, price_rule_save
from messaging.models import Message
from messaging.services import message_dispatch, sms_receive, sms_send
from tests.billing.test_invoices import MARCH, at, live, sandbox_now  # noqa: F401 (a fixture)
from tests.conftest import assert_error
from tests.messaging.conftest import HANDSET, LANDLINE
from tests.numbers.conftest import NL_MOBILE, login, stock  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.usefixtures("stock"), pytest.mark.django_db]

PER_SEGMENT = Decimal("0.0100")  # X's price: 0.008 wholesale + 0.002


@dataclass
class Texting:
    first: object
    second: object
    refunded: Message
    invoice: Invoice


@pytest.fixture
def texting(tenants) -> Texting:
    """X's March 2026: two SMS numbers; the first sends 100 one-segment messages, one of two segments and
    one the network refuses (charged, then refunded), and receives three; the second sends five."""
    owner = tenants.a.owner_actor
    Account.objects.filter(pk=tenants.a.account.pk).update(sms_rate_limit=1000)
    owner.account.refresh_from_db()
    with at(2026, 3, 1):
        price_rule_save(actor=owner, data=PriceRuleInput(client_id=tenants.x.pk, fixed_sms_segment=Decimal("0.0020")))
    with at(2026, 3, 2):
        first = live(owner, NL_MOBILE[0], tenants.x, capabilities=["voice", "sms"])
        second = live(owner, NL_MOBILE[1], tenants.x, capabilities=["voice", "sms"])
    with at(2026, 3, 10):
        for i in range(100):
            sms_send(actor=owner, number=first, to=HANDSET, body=f"Your code is {i:04d}")
        sms_send(actor=owner, number=first, to=HANDSET, body="x" * 200)
        refunded = sms_send(actor=owner, number=first, to=LANDLINE, body="Hello")
        assert message_dispatch(message_id=refunded.pk).refunded
        for i in range(5):
            sms_send(actor=owner, number=second, to=HANDSET, body=f"Reminder {i}")
        for i in range(3):
            sms_receive(carrier="sandbox", provider_id=f"in_{i}", from_e164=HANDSET, to_e164=first.e164, body="Thanks")
    with at(2026, 4, 2):
        invoice = invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.x.pk, month=MARCH)
    return Texting(first=first, second=second, refunded=refunded, invoice=invoice)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_an_invoice_sums_up_its_messages_by_number_and_direction(texting):
    first, second = texting.first.e164, texting.second.e164

    summary = invoice_sms_summary(texting.invoice)

    assert summary == [
        SmsSummaryRow(first, "outbound", messages=101, segments=102, amount=102 * PER_SEGMENT),
        SmsSummaryRow(first, "inbound", messages=3, segments=3, amount=Decimal("0")),
        SmsSummaryRow(second, "outbound", messages=5, segments=5, amount=5 * PER_SEGMENT),
    ]
    # What the summary leaves out is listed line by line; together they are the invoice's total.
    others = texting.invoice.lines.filter(message__isnull=True)
    assert others.count() == 6  # two numbers: setup, first month, SMS add-on
    listed = sum((line.amount for line in others), Decimal("0"))
    assert listed + sum((row.amount for row in summary), Decimal("0")) == texting.invoice.total


def test_the_pdf_lists_the_charges_and_sums_up_the_messages_on_one_page(texting, monkeypatch):
    tables = []
    real = pdf_module._table

    def recorded(pdf, *, widths, aligns, headings, rows):
        rows = list(rows)
        tables.append((tuple(headings), rows))
        return real(pdf, widths=widths, aligns=aligns, headings=headings, rows=rows)

    monkeypatch.setattr(pdf_module, "_table", recorded)
    with translation.override("de"):
        pdf = pdf_module.invoice_pdf(texting.invoice)

    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1  # 108 lines for messages, and still one page
    (charges, lines), (sms, rows) = tables
    assert len(lines) == 6
    assert sms == ("Rufnummer", "Richtung", "Nachrichten", "Segmente", "Betrag (EUR)")
    assert [row[1:4] for row in rows] == [("Ausgehend", "101", "102"), ("Eingehend", "3", "3"), ("Ausgehend", "5", "5")]
    assert rows[0][4] == "1,0200"  # German decimals


def test_an_invoice_without_messages_has_no_summary_and_no_message_list(tenants, monkeypatch):
    with at(2026, 3, 5):
        live(tenants.a.owner_actor, NL_MOBILE[2], tenants.y)
    with at(2026, 4, 2):
        plain = invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.y.pk, month=MARCH)
    tables = []
    monkeypatch.setattr(pdf_module, "_table", lambda pdf, **kwargs: tables.append(list(kwargs["rows"])))

    assert invoice_sms_summary(plain) == []
    assert pdf_module.invoice_pdf(plain).startswith(b"%PDF") and len(tables) == 1
    page = login("owner@alpha.test").get(f"/billing/invoices/{plain.pk}/")
    assert page.status_code == 200 and 'data-testid="invoice-messages-csv"' not in page.content.decode()


def test_the_message_list_beside_the_invoice_has_every_message_and_adds_up_to_the_summary(tenants, texting):
    page = login("owner@alpha.test").get(f"/billing/invoices/{texting.invoice.pk}/")
    html = page.content.decode()
    link = f"/billing/invoices/{texting.invoice.pk}/messages.csv"
    assert page.status_code == 200 and f'href="{link}"' in html and "Message list (CSV)" in html

    response = login("owner@alpha.test").get(link)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "-messages.csv" in response["Content-Disposition"]
    header, *rows, total = csv_rows(response)
    assert header == [
        "invoice", "time (UTC)", "message", "number", "direction", "from", "to", "segments", "status", "line", "amount"
    ]  # fmt: skip
    assert len(rows) == 101 + 1 + 3 + 5 + 1  # a refund has a row of its own
    assert [row[2] for row in rows].count(texting.refunded.public_id) == 2
    refund = next(row for row in rows if row[9] == "refund")
    assert (refund[7], refund[10]) == ("-1", "-0.0100")
    assert {row[10] for row in rows if row[4] == "inbound"} == {"0.0000"}
    assert [row[1] for row in rows] == sorted(row[1] for row in rows)  # oldest first
    summary = invoice_sms_summary(texting.invoice)
    assert total == [
        "total", "", str(sum(r.messages for r in summary)), "", "", "", "", str(sum(r.segments for r in summary)),
        "", "", str(sum(r.amount for r in summary)),
    ]  # fmt: skip


def test_the_api_gives_the_message_list_to_the_reseller_and_the_client_only(tenants, api_as, texting):
    with at(2026, 4, 1, 0, 37):
        invoices_issue_month()
    invoice = Invoice.objects.get(pk=texting.invoice.pk)
    data = api_as(tenants.a.key).get(f"/api/v1/invoices/{invoice.public_id}").json()["data"]
    assert data["messages_csv_url"] == f"/api/v1/invoices/{invoice.public_id}/messages.csv"

    for key in (tenants.a.key, tenants.x_key):
        response = api_as(key).get(data["messages_csv_url"])
        assert response.status_code == 200
        _header, *rows, _total = csv_rows(response)
        assert len(rows) == 111 and {row[0] for row in rows} == {invoice.number}
        # The client's prices, never the wholesale ones.
        assert {row[10] for row in rows if row[9] == "charge" and row[7] == "1"} == {"0.0100"}
    assert_error(api_as(tenants.b.key).get(data["messages_csv_url"]), 404, "not_found")
    assert login(tenants.x_admin_email).get(f"/billing/invoices/{invoice.pk}/messages.csv").status_code == 200
    assert LedgerEntry.objects.filter(kind="sms_outbound", client=tenants.x).count() == 107


def test_lines_written_before_messages_were_linked_get_their_messages_from_the_migration(texting):
    import importlib

    from django.apps import apps

    before = list(texting.invoice.lines.order_by("pk").values_list("pk", "message_id", "segments"))
    texting.invoice.lines.update(message=None, segments=0)
    migration = importlib.import_module("billing.migrations.0005_invoice_line_message")

    migration.link_messages(apps, None)

    assert list(texting.invoice.lines.order_by("pk").values_list("pk", "message_id", "segments")) == before
    assert invoice_sms_summary(texting.invoice)[0].messages == 101
