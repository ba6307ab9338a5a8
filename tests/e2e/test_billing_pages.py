"""Client prices in a real browser: the reseller adds a default markup to its price list, buys a number for a
client, follows the client's costs to a draft invoice and downloads its PDF; the client's admin then sees
its own prices only, never the reseller's cost or margin."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import Invoice, LedgerEntry, PriceRule
from numbers_app.models import Number
from numbers_app.services import number_provision, number_purchase
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.numbers.conftest import NL_AMS, stock  # noqa: F401 (the fixture, used below)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]


def test_a_markup_on_the_price_list_reaches_the_clients_costs_invoice_and_numbers(
    browser_page, live_server, screenshot, tenants, settings
):
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0
    page = browser_page
    x = tenants.x

    log_in(page, live_server, "owner@alpha.test", PASSWORD)

    # Billing → Price list: empty, then a default 25 % markup through the form.
    page.get_by_role("navigation").get_by_role("link", name="Price list").click()
    page.wait_for_url("**/billing/prices/")
    expect(page.get_by_text("No lines yet")).to_be_visible()
    form = page.get_by_test_id("price-form")
    expect(form.get_by_label("Client")).to_have_value("")  # all clients (the default line)
    form.get_by_label("Markup %").fill("25")
    form.get_by_role("button", name="Save line").click()
    page.wait_for_url("**/billing/prices/")
    expect(page.locator(".messages")).to_contain_text("Saved: All clients")
    rules = page.get_by_test_id("price-rules").locator("tbody tr")
    expect(rules).to_have_count(1)
    expect(rules.first).to_contain_text("All clients")
    expect(rules.first.locator("td").nth(3)).to_have_text("25.00")
    example = page.get_by_test_id("price-examples").locator("tbody tr")
    expect(example).to_have_count(1)
    # A month of EUR 1, an SMS segment and a metered minute (markup only: the fixed amounts are per number).
    expect(example.first.locator("td")).to_have_text(
        ["All clients", "1.0000", "1.2500", "0.0080", "0.0100", "0.0200", "0.0250"]
    )
    screenshot("billing-01-price-list")
    rule = PriceRule.objects.get()
    assert (rule.client_id, rule.country_id, rule.number_type, rule.markup_percent) == (None, None, "", Decimal("25"))

    # A number for X, bought through the service: EUR 1.50 a month wholesale, 1.875 to X.
    number = number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[0]], client=x).numbers.get()
    number_provision(number_id=number.pk)
    assert Number.objects.get(pk=number.pk).status == Number.Status.ACTIVE
    charge = LedgerEntry.objects.get(kind=LedgerEntry.Kind.NUMBER_PURCHASE)
    assert (charge.amount, charge.client_amount) == (Decimal("-1.5000"), Decimal("-1.8750"))

    # Billing → Client costs → X: the chart and what X is billed.
    page.get_by_role("navigation").get_by_role("link", name="Client costs").click()
    page.wait_for_url("**/billing/clients/")
    x_row = page.get_by_test_id("client-costs").locator("tbody tr", has_text="Xylo Dental")
    expect(x_row.locator("td")).to_have_text(["Xylo Dental", "1", "1.5000", "1.8750", "0.3750", "25.0 %"])
    screenshot("billing-02-client-costs")
    x_row.get_by_role("link", name="Xylo Dental").click()
    page.wait_for_url(f"**/billing/clients/{x.pk}/")
    expect(page.get_by_role("heading", name="Costs of Xylo Dental")).to_be_visible()
    expect(page.locator(".cost-chart")).to_be_visible()
    expect(page.locator(".cost-chart .pair")).to_have_count(12)
    expect(page.locator(".cost-chart .bar.price").last).to_have_attribute("style", "height: 100.0%")
    expect(page.get_by_test_id("cost-price")).to_have_text("1.88 EUR")
    expect(page.get_by_test_id("cost-wholesale")).to_have_text("1.50 EUR")
    by_number = page.locator("section", has=page.get_by_role("heading", name="By number")).locator("tbody tr")
    expect(by_number).to_have_count(1)
    billed = by_number.first.locator("td").nth(3)  # Number, Charges, Cost, Billed, Margin
    expect(billed).to_have_text("1.8750")
    screenshot("billing-03-client-x")

    # Preview the invoice: the draft of this month, at X's price.
    page.get_by_role("button", name="Preview the invoice").click()
    page.wait_for_url(re.compile(r".*/billing/invoices/\d+/$"))
    invoice = Invoice.objects.get()
    assert page.url.endswith(f"/billing/invoices/{invoice.pk}/")
    assert (invoice.client_id, invoice.status, invoice.total) == (x.pk, Invoice.Status.DRAFT, Decimal("1.875"))
    expect(page.get_by_role("heading", name=re.compile("Draft invoice"))).to_be_visible()
    expect(page.get_by_test_id("invoice-total")).to_have_text("1.8750 EUR")
    expect(page.get_by_test_id("invoice-lines").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("button", name="Issue invoice")).to_have_count(0)  # the month is not over
    screenshot("billing-04-draft-invoice")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"didfarm-draft-cli_{x.pk}-{invoice.period_start:%Y-%m}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    # X's admin: its own prices, no cost, no margin.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")
    log_in(page, live_server, tenants.x_admin_email, PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="Costs by month").click()
    page.wait_for_url(f"**/billing/clients/{x.pk}/")
    expect(page.get_by_role("heading", name="Costs by month")).to_be_visible()
    expect(page.get_by_test_id("cost-price")).to_have_text("1.88 EUR")
    expect(page.locator(".cost-chart")).to_be_visible()
    expect(page.get_by_test_id("cost-wholesale")).to_have_count(0)
    main = page.locator("main")
    expect(main).not_to_contain_text("Your cost")
    expect(main).not_to_contain_text("Margin")
    expect(main).not_to_contain_text("1.5000")
    screenshot("billing-05-client-costs-as-x")

    page.get_by_role("navigation").get_by_role("link", name="Numbers", exact=True).click()
    page.wait_for_url("**/numbers/mine/")
    row = page.locator(f'tr[data-number="{NL_AMS[0]}"]')
    expect(row.locator("td").last).to_have_text("1.88")
    expect(page.locator("main")).not_to_contain_text("1.50")
    screenshot("billing-06-numbers-as-x")

    assert page.js_errors == []
