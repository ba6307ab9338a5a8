"""Monthly client invoices, on PostgreSQL through the real services.

A history of reseller A on a clock moved by time-machine (February to April 2026): a price list with a
default markup and a line of X's own, numbers bought for X and Y and for A itself, X's number renewed, one
of X's numbers refunded when the carrier gives up, an SMS from X's number. March's invoice of X must be
exactly X's March charges and refunds at X's prices, add up to what the costs selector reports, be issued
only once March is over, be numbered in sequence per account, stay frozen once issued, and be shown to the
reseller (with its cost) and to X (its issued invoices only, never the cost) through the API and the pages.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from accounts.models import AuditLog
from accounts.services import client_create
from billing import selectors
from billing.invoices import invoice_draft, invoice_issue, invoices_issue_month
from billing.models import Invoice, InvoiceLine, LedgerEntry
from billing.renewals import renewals_run
from billing.selectors import CHARGE_KINDS, period_bounds
from billing.services import PriceRuleInput, price_rule_save
from messaging.services import sms_send
from numbers_app.models import Number
from numbers_app.services import number_provision, number_provision_failed, number_purchase
from portal.errors import InvalidState
from tests.billing.test_concurrency import run_together
from tests.conftest import assert_error
from tests.numbers.conftest import NL_AMS, NL_MOBILE, login, stock  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.usefixtures("stock")]

MARCH = date(2026, 3, 1)
K = LedgerEntry.Kind


@pytest.fixture(autouse=True)
def sandbox_now(settings):
    """The sandbox carrier provisions at once and never fails on its own."""
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0
    settings.SANDBOX_SMS_FAILURE_RATE = 0


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0):
    """The portal's clock (UTC) standing still at that moment."""
    return time_machine.travel(datetime(year, month, day, hour, minute, second, tzinfo=UTC), tick=False)


def buy(actor, e164: str, client=None, **kwargs) -> Number:
    return number_purchase(actor=actor, numbers=[e164], client=client, **kwargs).numbers.get()


def live(actor, e164: str, client=None, **kwargs) -> Number:
    number = buy(actor, e164, client, **kwargs)
    number_provision(number_id=number.pk)
    return Number.objects.get(pk=number.pk)


def month_entries(client, month: date):
    """The client's charges and refunds of the month, straight from the ledger."""
    last = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    start, _ = period_bounds(month, month)
    end, _ = period_bounds(last, last)
    return LedgerEntry.objects.filter(
        client=client, created_at__gte=start, created_at__lt=end, kind__in=CHARGE_KINDS
    ).order_by("created_at", "id")


@dataclass
class History:
    feb_purchase: LedgerEntry  # X, February: on February's invoice only
    april_purchase: LedgerEntry  # X, 1 April 00:00:00: on April's invoice only
    y_purchase: LedgerEntry  # Y, March: on Y's invoice only
    own_purchase: LedgerEntry  # A's own number, March: on no invoice
    refunded: Number


@pytest.fixture
def history(tenants) -> History:
    """A's ledger from February to April 2026. X's March, at X's prices (wholesale in brackets):

    ====================================  =========  ========
    5 Mar  NL mobile setup fee            4.25       (2.50)    X's line: 50 % + 0.50 per setup
    5 Mar  NL mobile first month          6.00       (4.00)    X's line: 50 %
    5 Mar  NL mobile SMS add-on           1.70       (1.00)    X's line: 50 % + 0.20 per add-on month
    10 Mar renewal of February's number   1.975      (1.50)    default: 25 % + 0.10 per month
    12 Mar NL local first month           1.975      (1.50)
    12 Mar its refund (carrier gave up)   -1.975     (-1.50)
    15 Mar SMS, 1 segment                 0.014      (0.008)   X's line: 50 % + 0.002 per segment
    31 Mar 23:59:59 NL local first month  1.975      (1.50)
    ====================================  =========  ========
    total                                 15.914     (10.508)
    """
    owner = tenants.a.owner_actor
    with at(2026, 2, 1):
        price_rule_save(actor=owner, data=PriceRuleInput(markup_percent=Decimal("25"), fixed_monthly=Decimal("0.10")))
    with at(2026, 2, 10):
        renewed = live(owner, NL_AMS[0], tenants.x)
    with at(2026, 2, 28, 23, 59, 59):
        price_rule_save(
            actor=owner,
            data=PriceRuleInput(
                client_id=tenants.x.pk,
                country="NL",
                number_type="mobile",
                markup_percent=Decimal("50"),
                fixed_setup=Decimal("0.50"),
                fixed_sms_addon=Decimal("0.20"),
                fixed_sms_segment=Decimal("0.0020"),
            ),
        )
    with at(2026, 3, 5):
        mobile = live(owner, NL_MOBILE[0], tenants.x, capabilities=["voice", "sms"])
        y_number = live(owner, NL_AMS[1], tenants.y)
        own = live(owner, NL_AMS[3])
    with at(2026, 3, 10, 1):
        assert renewals_run(as_of=date(2026, 3, 10)).renewed == 1
    with at(2026, 3, 12):
        refunded = buy(owner, NL_AMS[2], tenants.x)
        assert number_provision_failed(number_id=refunded.pk, reason="carrier said no").status == Number.Status.FAILED
    with at(2026, 3, 15):
        sms_send(actor=owner, number=mobile, to="+31612345678", body="Your appointment is at 10:00")
    with at(2026, 3, 31, 23, 59, 59):
        buy(owner, NL_AMS[5], tenants.x)
    with at(2026, 4, 1, 0, 0, 0):
        april = buy(owner, NL_AMS[6], tenants.x)

    def purchase_of(number):
        return LedgerEntry.objects.get(kind=K.NUMBER_PURCHASE, number_id=number.pk)

    return History(
        feb_purchase=purchase_of(renewed),
        april_purchase=purchase_of(april),
        y_purchase=purchase_of(y_number),
        own_purchase=purchase_of(own),
        refunded=refunded,
    )


# --- What an invoice holds -----------------------------------------------------------------------


def test_a_months_invoice_is_exactly_the_clients_charges_and_refunds_of_that_month_at_its_prices(tenants, history):
    invoice = invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.x.pk, month=date(2026, 3, 17))

    lines = list(invoice.lines.order_by("date", "entry_id"))
    assert [(line.kind, line.amount, line.wholesale) for line in lines] == [
        (K.SETUP_FEE, Decimal("4.25"), Decimal("2.50")),
        (K.NUMBER_PURCHASE, Decimal("6.00"), Decimal("4.00")),
        (K.SMS_ADDON, Decimal("1.70"), Decimal("1.00")),
        (K.NUMBER_RENEWAL, Decimal("1.975"), Decimal("1.50")),
        (K.NUMBER_PURCHASE, Decimal("1.975"), Decimal("1.50")),
        (K.REFUND, Decimal("-1.975"), Decimal("-1.50")),
        (K.SMS_OUTBOUND, Decimal("0.014"), Decimal("0.008")),
        (K.NUMBER_PURCHASE, Decimal("1.975"), Decimal("1.50")),
    ]
    assert [line.date for line in lines] == [date(2026, 3, d) for d in (5, 5, 5, 10, 12, 12, 15, 31)]
    assert lines[5].number_e164 == history.refunded.e164 and lines[5].description.startswith("Refund:")

    # The lines are the ledger's entries of X in March, one for one, each at its stored client price.
    entries = list(month_entries(tenants.x, MARCH))
    assert [line.entry_id for line in lines] == [entry.pk for entry in entries]
    assert all(
        line.amount == -entry.client_amount and line.wholesale == -entry.amount
        for line, entry in zip(lines, entries, strict=True)
    )
    sums = month_entries(tenants.x, MARCH).aggregate(price=Sum("client_amount"), wholesale=Sum("amount"))
    assert (invoice.period_start, invoice.period_end) == (date(2026, 3, 1), date(2026, 3, 31))
    assert invoice.status == Invoice.Status.DRAFT and invoice.number == ""
    assert invoice.total == -sums["price"] == Decimal("15.914")
    assert invoice.wholesale_total == -sums["wholesale"] == Decimal("10.508")
    assert invoice.line_count == 8

    # The costs selector (and the costs API) report the same price for the month.
    costs = selectors.client_costs(
        actor=tenants.a.owner_actor, client_id=tenants.x.pk, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)
    )
    assert (costs.total.price, costs.total.wholesale, costs.total.entries) == (
        invoice.total,
        invoice.wholesale_total,
        8,
    )
    assert [(m.key, m.price) for m in costs.by_month] == [("2026-03", invoice.total)]

    # Nothing of another month, another client or the reseller itself is on it.
    on_invoice = {line.entry_id for line in lines}
    for outsider in (history.feb_purchase, history.april_purchase, history.y_purchase, history.own_purchase):
        assert outsider.pk not in on_invoice
    assert not InvoiceLine.objects.filter(entry=history.own_purchase).exists()


def test_the_other_months_and_clients_have_their_own_invoices(tenants, history):
    account = tenants.a.account.pk
    feb = invoice_draft(account_id=account, client_id=tenants.x.pk, month=date(2026, 2, 1))
    april = invoice_draft(account_id=account, client_id=tenants.x.pk, month=date(2026, 4, 30))
    y_march = invoice_draft(account_id=account, client_id=tenants.y.pk, month=MARCH)

    assert [line.entry_id for line in feb.lines.all()] == [history.feb_purchase.pk]
    assert [line.entry_id for line in april.lines.all()] == [history.april_purchase.pk]
    assert [line.entry_id for line in y_march.lines.all()] == [history.y_purchase.pk]
    # Y has no line of its own: the default line makes 1.50 a month 1.975.
    assert (feb.total, april.total, y_march.total) == (Decimal("1.975"),) * 3
    assert (feb.wholesale_total, y_march.wholesale_total) == (Decimal("1.50"),) * 2


def test_a_draft_follows_the_ledger_and_each_charge_keeps_the_price_it_was_made_at(tenants, history):
    account, x = tenants.a.account.pk, tenants.x.pk
    draft = invoice_draft(account_id=account, client_id=x, month=MARCH)
    assert (draft.line_count, draft.total) == (8, Decimal("15.914"))
    with at(2026, 3, 25):
        late = LedgerEntry.objects.get(kind=K.NUMBER_PURCHASE, number=buy(tenants.a.owner_actor, NL_AMS[8], tenants.x))

    again = invoice_draft(account_id=account, client_id=x, month=MARCH)
    assert again.pk == draft.pk and Invoice.objects.filter(client_id=x, period_start=MARCH).count() == 1
    assert (again.line_count, again.total, again.wholesale_total) == (9, Decimal("17.889"), Decimal("12.008"))
    assert again.lines.filter(entry=late).get().amount == Decimal("1.975")
    assert InvoiceLine.objects.filter(invoice__client_id=x).count() == 9  # rebuilt, not appended to

    # A later change of the price list leaves what was charged as it was charged.
    with at(2026, 3, 26):
        price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("100")))
    refreshed = invoice_draft(account_id=account, client_id=x, month=MARCH)
    assert (refreshed.line_count, refreshed.total) == (9, Decimal("17.889"))


def test_a_refund_is_credited_on_the_invoice_of_the_client_that_was_charged(tenants):
    """A number bought for X and moved to Y while the carrier still works on it, then given up: X paid,
    so the refund belongs on X's invoice (which then nets to zero), not on Y's."""
    from numbers_app.services import number_configure

    owner = tenants.a.owner_actor
    with at(2026, 3, 12):
        number = buy(owner, NL_AMS[2], tenants.x)
        number_configure(actor=owner, number=number, client_id=tenants.y.pk)
        number_provision_failed(number_id=number.pk, reason="carrier said no")

    x_march = invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.x.pk, month=MARCH)
    y_march = invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.y.pk, month=MARCH)
    x_lines = [(line.kind, line.amount) for line in x_march.lines.all()]
    y_lines = [(line.kind, line.amount) for line in y_march.lines.all()]
    assert (x_lines, x_march.total, y_lines, y_march.total) == (
        [(K.NUMBER_PURCHASE, Decimal("1.50")), (K.REFUND, Decimal("-1.50"))],
        Decimal("0"),
        [],
        Decimal("0"),
    )


# --- Issuing -------------------------------------------------------------------------------------


def test_an_invoice_is_issued_only_once_its_month_is_over(tenants, api_as, history):
    api = api_as(tenants.a.key)
    with at(2026, 3, 20):
        draft = api.post("/api/v1/invoices/draft", {"client_id": f"cli_{tenants.x.pk}", "month": "2026-03"})
        assert draft.status_code == 200, draft.content
        invoice_id = draft.json()["data"]["invoice_id"]
        assert_error(api.post(f"/api/v1/invoices/{invoice_id}/issue"), 422, "invalid_state")
    with at(2026, 3, 31, 23, 59, 59):
        assert_error(api.post(f"/api/v1/invoices/{invoice_id}/issue"), 422, "invalid_state")
        with pytest.raises(InvalidState):
            invoice_issue(invoice_id=Invoice.objects.get().pk)
    assert Invoice.objects.get().status == Invoice.Status.DRAFT
    assert not AuditLog.objects.filter(action="invoice.issued").exists()

    with at(2026, 4, 1, 0, 10):
        issued = api.post(f"/api/v1/invoices/{invoice_id}/issue")
    assert issued.status_code == 200, issued.content
    body = issued.json()["data"]
    assert (body["status"], body["number"], body["total"]) == ("issued", "INV-2026-0001", "15.9140")
    assert body["line_count"] == 8  # brought up to date once more when issued
    assert AuditLog.objects.filter(action="invoice.issued").count() == 1


def test_numbers_are_sequential_per_account_and_the_monthly_run_issues_each_invoice_once(tenants, history):
    zephyr = tenants.b.account.clients.get()
    with at(2026, 3, 8):
        buy(tenants.b.owner_actor, NL_AMS[7], zephyr)
    with at(2026, 4, 1, 0, 37):
        first = invoices_issue_month()  # the month before: March
    with at(2026, 4, 1, 3, 37):
        second = invoices_issue_month()
    with at(2026, 5, 1, 0, 37):
        april = invoices_issue_month()

    assert (first.issued, first.already, first.errors) == (3, 0, 0)
    assert (second.issued, second.already, second.errors) == (0, 3, 0)
    assert (april.issued, april.errors) == (1, 0)
    numbers = {
        (inv.account_id, inv.client_id, inv.period_start): inv.number
        for inv in Invoice.objects.filter(status=Invoice.Status.ISSUED)
    }
    a, b = tenants.a.account.pk, tenants.b.account.pk
    assert numbers == {
        (a, tenants.x.pk, MARCH): "INV-2026-0001",
        (a, tenants.y.pk, MARCH): "INV-2026-0002",
        (b, zephyr.pk, MARCH): "INV-2026-0001",  # B counts its own invoices
        (a, tenants.x.pk, date(2026, 4, 1)): "INV-2026-0003",
    }
    # February was never run: it stays a month without an invoice, and no invoice was made twice.
    assert Invoice.objects.count() == 4
    assert AuditLog.objects.filter(action="invoice.issued").count() == 4


def test_an_issued_invoice_is_frozen_whatever_happens_later_in_its_month(tenants, api_as, history):
    with at(2026, 4, 2):
        invoices_issue_month()
    invoice = Invoice.objects.get(client=tenants.x, period_start=MARCH)
    frozen = (invoice.number, invoice.total, invoice.wholesale_total, invoice.line_count, invoice.issued_at)
    frozen_lines = list(invoice.lines.order_by("id").values_list("id", "entry_id", "amount"))

    with at(2026, 3, 30):  # a charge that lands in March's window after March was invoiced
        late = LedgerEntry.objects.get(kind=K.NUMBER_PURCHASE, number=buy(tenants.a.owner_actor, NL_AMS[8], tenants.x))
    with at(2026, 4, 3):
        again = invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.x.pk, month=MARCH)
        rerun = invoices_issue_month(month=MARCH)
        reissued = api_as(tenants.a.key).post(f"/api/v1/invoices/{invoice.public_id}/issue")

    invoice.refresh_from_db()
    assert again.pk == invoice.pk and (rerun.issued, rerun.already) == (0, 2)
    assert (invoice.number, invoice.total, invoice.wholesale_total, invoice.line_count, invoice.issued_at) == frozen
    assert list(invoice.lines.order_by("id").values_list("id", "entry_id", "amount")) == frozen_lines
    assert not InvoiceLine.objects.filter(entry=late).exists()
    assert reissued.status_code == 200 and reissued.json()["data"]["number"] == "INV-2026-0001"
    assert reissued.json()["data"]["total"] == "15.9140"


def concurrent_monthly_runs(tenants, runs: int = 4) -> tuple[list, list]:
    """Six clients of A with a charge in March each, then ``runs`` monthly runs for March at once."""
    owner = tenants.a.owner_actor
    clients = [tenants.x, tenants.y] + [client_create(actor=owner, name=f"Client {n}") for n in range(4)]
    with at(2026, 3, 9):
        for client, e164 in zip(clients, NL_AMS, strict=False):
            buy(owner, e164, client)
    with at(2026, 4, 1, 0, 37):
        return clients, run_together(runs, lambda: invoices_issue_month(month=MARCH))


@pytest.mark.django_db(transaction=True)
def test_concurrent_monthly_runs_issue_each_invoice_once_with_consecutive_numbers(tenants):
    clients, runs = concurrent_monthly_runs(tenants)

    assert all(not isinstance(run, Exception) for run in runs), runs
    assert sum(run.errors for run in runs) == 0
    invoices = list(Invoice.objects.order_by("sequence"))
    assert [inv.number for inv in invoices] == [f"INV-2026-{n:04d}" for n in range(1, 7)]
    assert {inv.client_id for inv in invoices} == {client.pk for client in clients}
    assert all(inv.status == Invoice.Status.ISSUED and inv.line_count == 1 for inv in invoices)
    assert InvoiceLine.objects.count() == 6
    assert AuditLog.objects.filter(action="invoice.issued").count() == 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_monthly_runs_report_each_invoice_as_issued_by_one_run_only(tenants):
    """What the beat task returns (and an operator reads) is how many invoices the run issued: between
    runs at once, each invoice is counted once as issued and otherwise as already issued."""
    _clients, runs = concurrent_monthly_runs(tenants)

    assert all(not isinstance(run, Exception) for run in runs), runs
    assert [run.issued + run.already for run in runs] == [6, 6, 6, 6]
    assert sum(run.issued for run in runs) == 6, [(run.issued, run.already) for run in runs]


@pytest.mark.django_db(transaction=True)
def test_two_people_issuing_at_once_get_distinct_consecutive_numbers_and_each_invoice_once(tenants):
    owner = tenants.a.owner_actor
    with at(2026, 3, 9):
        buy(owner, NL_AMS[0], tenants.x)
        buy(owner, NL_AMS[1], tenants.y)
    drafts = [
        invoice_draft(account_id=tenants.a.account.pk, client_id=c.pk, month=MARCH) for c in (tenants.x, tenants.y)
    ]

    with at(2026, 4, 1, 9):
        # Four threads at the same instant: two on X's draft, two on Y's.
        ids = iter([drafts[0].pk, drafts[1].pk, drafts[0].pk, drafts[1].pk])

        def issue():
            return invoice_issue(invoice_id=next(ids), actor=owner)

        results = run_together(4, issue)

    assert all(not isinstance(r, Exception) for r in results), results
    by_invoice = {}
    for result in results:
        by_invoice.setdefault(result.pk, set()).add(result.number)
    assert all(len(numbers) == 1 for numbers in by_invoice.values())  # both threads saw the same number
    assert sorted(n for numbers in by_invoice.values() for n in numbers) == ["INV-2026-0001", "INV-2026-0002"]
    assert AuditLog.objects.filter(action="invoice.issued").count() == 2


# --- API -----------------------------------------------------------------------------------------


@pytest.fixture
def issued(tenants, history):
    """March issued for X and Y (and B's Zephyr), plus X's April draft."""
    with at(2026, 3, 8):
        buy(tenants.b.owner_actor, NL_AMS[7], tenants.b.account.clients.get())
    with at(2026, 4, 1, 0, 37):
        invoices_issue_month()
    invoice_draft(account_id=tenants.a.account.pk, client_id=tenants.x.pk, month=date(2026, 4, 1))
    return {
        "x": Invoice.objects.get(client=tenants.x, period_start=MARCH),
        "y": Invoice.objects.get(client=tenants.y, period_start=MARCH),
        "b": Invoice.objects.get(account=tenants.b.account),
        "x_draft": Invoice.objects.get(client=tenants.x, period_start=date(2026, 4, 1)),
    }


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_reseller_lists_reads_and_downloads_its_clients_invoices(tenants, api_as, issued):
    api = api_as(tenants.a.key)
    listed = api.get("/api/v1/invoices")
    assert listed.status_code == 200
    rows = listed.json()["data"]
    assert [(r["client_name"], r["period_start"], r["status"], r["number"]) for r in rows] == [
        ("Xylo Dental", "2026-04-01", "draft", ""),
        ("Xylo Dental", "2026-03-01", "issued", "INV-2026-0001"),
        ("Yarrow Logistics", "2026-03-01", "issued", "INV-2026-0002"),
    ]
    assert listed.json()["meta"]["total"] == 3
    assert rows[1]["total"] == "15.9140" and rows[1]["wholesale_total"] == "10.5080"
    only_issued = api.get(f"/api/v1/invoices?status=issued&client_id=cli_{tenants.x.pk}").json()["data"]
    assert [r["number"] for r in only_issued] == ["INV-2026-0001"]

    x = issued["x"]
    detail = api.get(f"/api/v1/invoices/{x.public_id}")
    assert detail.status_code == 200
    data = detail.json()["data"]
    assert data["total"] == "15.9140" and data["line_count"] == len(data["lines"]) == 8
    assert sum(Decimal(line["amount"]) for line in data["lines"]) == Decimal(data["total"])
    assert {line["transaction_id"] for line in data["lines"]} == {e.public_id for e in month_entries(tenants.x, MARCH)}
    assert api.get(f"/api/v1/invoices/{x.pk}").json()["data"]["number"] == "INV-2026-0001"  # a plain id works too

    pdf = api.get(data["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and 'filename="didfarm-INV-2026-0001.pdf"' in pdf["Content-Disposition"]

    exported = api.get(data["csv_url"])
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    header, *lines, total = csv_rows(exported)
    assert header[-1] == "amount" and len(lines) == 8
    assert total[-2:] == ["total", "15.9140"]
    assert Decimal(total[-1]) == x.total == sum(Decimal(row[-1]) for row in lines)
    assert {row[0] for row in lines} == {"INV-2026-0001"}

    draft_pdf = api.get(f"/api/v1/invoices/{issued['x_draft'].public_id}/pdf")
    assert draft_pdf.status_code == 200 and draft_pdf.content.startswith(b"%PDF")


def test_a_client_key_sees_only_its_clients_issued_invoices_and_never_their_cost(tenants, api_as, issued):
    api = api_as(tenants.x_key)
    listed = api.get("/api/v1/invoices")
    assert listed.status_code == 200
    rows = listed.json()["data"]
    assert [r["number"] for r in rows] == ["INV-2026-0001"]  # not X's draft, not Y's
    assert rows[0]["wholesale_total"] is None and rows[0]["total"] == "15.9140"
    assert api.get(f"/api/v1/invoices?client_id=cli_{tenants.y.pk}").json()["data"] == []

    detail = api.get(f"/api/v1/invoices/{issued['x'].public_id}")
    assert detail.status_code == 200
    data = detail.json()["data"]
    assert data["wholesale_total"] is None
    assert all(
        set(line) == {"date", "kind", "description", "number", "amount", "transaction_id"} for line in data["lines"]
    )
    assert b"10.508" not in detail.content  # the wholesale total appears nowhere
    assert api.get(data["pdf_url"]).content.startswith(b"%PDF")
    header, *_lines, total = csv_rows(api.get(data["csv_url"]))
    assert "wholesale" not in ",".join(header) and total[-1] == "15.9140"

    for other in (issued["y"], issued["b"], issued["x_draft"]):
        for suffix in ("", "/pdf", "/csv"):
            assert_error(api.get(f"/api/v1/invoices/{other.public_id}{suffix}"), 404, "not_found")


def test_only_the_resellers_admins_prepare_and_issue_invoices(tenants, api_as, issued):
    x_api, read_only = api_as(tenants.x_key), api_as(tenants.a.read_only_key)
    x_march, y_march = issued["x"].public_id, issued["y"].public_id
    assert_error(
        x_api.post("/api/v1/invoices/draft", {"client_id": str(tenants.x.pk), "month": "2026-03"}), 403, "forbidden"
    )
    assert_error(x_api.post(f"/api/v1/invoices/{x_march}/issue"), 403, "forbidden")
    assert_error(read_only.post(f"/api/v1/invoices/{issued['x_draft'].public_id}/issue"), 403, "forbidden")
    assert_error(read_only.post("/api/v1/invoices/draft", {"client_id": str(tenants.x.pk)}), 403, "forbidden")
    # B's key cannot reach A's invoices or clients at all.
    b_api = api_as(tenants.b.key)
    assert_error(b_api.post(f"/api/v1/invoices/{y_march}/issue"), 404, "not_found")
    assert_error(b_api.get(f"/api/v1/invoices/{x_march}"), 404, "not_found")
    assert_error(
        b_api.post("/api/v1/invoices/draft", {"client_id": str(tenants.x.pk), "month": "2026-03"}), 404, "not_found"
    )
    assert Invoice.objects.get(pk=issued["x_draft"].pk).status == Invoice.Status.DRAFT
    assert Invoice.objects.count() == 4


def test_drafting_checks_the_month_and_the_client(tenants, api_as, history):
    api = api_as(tenants.a.key)
    x = str(tenants.x.pk)
    with at(2026, 3, 20):
        error = assert_error(
            api.post("/api/v1/invoices/draft", {"client_id": x, "month": "2026-04"}), 422, "validation_error"
        )
        assert "month" in str(error)
        for bad in ("2026-13", "2026-3", "March", "2026-03-01", "", 202603):
            assert_error(api.post("/api/v1/invoices/draft", {"client_id": x, "month": bad}), 422, "validation_error")
        assert_error(api.post("/api/v1/invoices/draft", {"month": "2026-03"}), 422, "validation_error")
        assert_error(api.post("/api/v1/invoices/draft", {"client_id": "cli_999999"}), 404, "not_found")
        assert Invoice.objects.count() == 0
        current = api.post("/api/v1/invoices/draft", {"client_id": f"cli_{x}"})  # this month by default
        assert current.status_code == 200 and current.json()["data"]["period_start"] == "2026-03-01"
        assert current.json()["data"]["status"] == "draft" and current.json()["data"]["number"] == ""


def test_a_month_the_calendar_cannot_hold_is_refused_not_a_server_error(tenants, api_as, history):
    api = api_as(tenants.a.key)
    response = api.post("/api/v1/invoices/draft", {"client_id": str(tenants.x.pk), "month": "0000-01"})
    assert_error(response, 422, "validation_error")
    assert Invoice.objects.count() == 0


# --- Pages ---------------------------------------------------------------------------------------


def test_the_reseller_sees_its_invoices_and_their_cost_on_the_pages(tenants, issued):
    owner = login("owner@alpha.test")
    listing = owner.get("/billing/invoices/")
    assert listing.status_code == 200
    html = listing.content.decode()
    for text in ("INV-2026-0001", "INV-2026-0002", "15.9140", "Xylo Dental", "Yarrow Logistics"):
        assert text in html

    detail = owner.get(f"/billing/invoices/{issued['x'].pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Invoice INV-2026-0001" in html and "15.9140" in html
    assert "Your cost" in html and "10.5080" in html
    assert "Issue invoice" not in html  # issued already
    draft = owner.get(f"/billing/invoices/{issued['x_draft'].pk}/")
    assert draft.status_code == 200 and "Draft invoice" in draft.content.decode()
    assert "Issue invoice" in draft.content.decode()  # April is over
    assert owner.get(f"/billing/invoices/{issued['b'].pk}/").status_code == 404

    pdf = owner.get(f"/billing/invoices/{issued['x'].pk}/download.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # Issuing by hand from the page: X's admin may not, the owner may.
    x_draft = issued["x_draft"]
    refused = login(tenants.x_admin_email).post(f"/billing/invoices/{x_draft.pk}/issue/")
    assert refused.status_code in (302, 403, 404)
    assert Invoice.objects.get(pk=x_draft.pk).status == Invoice.Status.DRAFT
    with at(2026, 5, 12):  # issued in 2026: the reseller's third number of that year
        done = owner.post(f"/billing/invoices/{x_draft.pk}/issue/", follow=True)
    assert done.status_code == 200 and "Invoice INV-2026-0003 issued." in done.content.decode()
    assert Invoice.objects.get(pk=x_draft.pk).number == "INV-2026-0003"


def test_a_client_admin_sees_its_own_issued_invoices_and_never_the_resellers_cost(tenants, issued):
    x_admin = login(tenants.x_admin_email)
    listing = x_admin.get("/billing/invoices/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "INV-2026-0001" in html and "15.9140" in html
    assert "INV-2026-0002" not in html and "Yarrow" not in html
    assert [inv.pk for inv in listing.context["invoices"]] == [issued["x"].pk]  # not X's April draft

    detail = x_admin.get(f"/billing/invoices/{issued['x'].pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Invoice INV-2026-0001" in html and "15.9140" in html
    assert "Your cost" not in html and "10.5080" not in html and "Issue invoice" not in html
    for other in (issued["y"], issued["b"], issued["x_draft"]):
        assert x_admin.get(f"/billing/invoices/{other.pk}/").status_code == 404
        assert x_admin.get(f"/billing/invoices/{other.pk}/download.pdf").status_code == 404

    costs = x_admin.get(f"/billing/clients/{tenants.x.pk}/?date_from=2026-03-01&date_to=2026-03-31")
    assert costs.status_code == 200 and costs.context["costs"].total.price == Decimal("15.914")
    assert "Your cost" not in costs.content.decode() and "Margin" not in costs.content.decode()
    assert x_admin.get(f"/billing/clients/{tenants.y.pk}/").status_code == 404


# --- The monthly run -----------------------------------------------------------------------------


def test_the_monthly_run_is_on_the_beat_schedule_and_issues_last_months_invoices(tenants, history):
    from billing.tasks import invoices_issue_month_task
    from portal.celery import app

    scheduled = [
        job for job in app.conf.beat_schedule.values() if job["task"] == "billing.tasks.invoices_issue_month_task"
    ]
    assert len(scheduled) == 1
    schedule = scheduled[0]["schedule"]
    assert schedule.day_of_month == {1}
    assert invoices_issue_month_task.name == "billing.tasks.invoices_issue_month_task"

    with at(2026, 4, 1, 0, 37):
        assert invoices_issue_month_task.run() == 2  # X's and Y's March
        assert invoices_issue_month_task.run() == 0
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2]
