"""A legal invoice in a real browser: the reseller fills in its legal profile and the client's billing
profile, issues last month's invoice and sends it again (after confirming); the client's admin, on a
phone, opens it in its portal and downloads the PDF, which names both legal identities."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from billing.invoices import invoice_draft, invoice_issue
from billing.models import ClientBillingProfile, Invoice, LegalProfile
from numbers_app.services import number_purchase
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.numbers.conftest import NL_AMS, stock  # noqa: F401 (the fixture, used below)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]


def test_a_client_admin_receives_and_opens_a_numbered_invoice_with_both_legal_identities(
    browser, browser_page, live_server, screenshot, tenants, settings, tmp_path
):
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0
    settings.MEDIA_DIR = tmp_path
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    x = tenants.x
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=10)
    with time_machine.travel(datetime(last_month.year, last_month.month, 10, 12, tzinfo=UTC), tick=False):
        number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[0], NL_AMS[1]], client=x)

    # The reseller's legal profile, through its page.
    log_in(page, live_server, "owner@alpha.test", PASSWORD)
    page.goto("/billing/invoices/")
    page.get_by_test_id("legal-profile-link").click()
    page.wait_for_url("**/billing/legal-profile/")
    expect(page.get_by_test_id("legal-profile-missing")).to_be_visible()
    form = page.get_by_test_id("legal-profile-form")
    form.get_by_label("Legal name").fill("Alpha Telecom B.V.")
    form.get_by_label("Address", exact=True).fill("Keizersgracht 1")
    form.get_by_label("Postcode").fill("1015 CC")
    form.get_by_label("City").fill("Amsterdam")
    form.get_by_label("Country").select_option("NL")
    form.get_by_label("VAT or tax id").fill("NL004495445B01")
    form.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 00")
    form.get_by_label("Domestic VAT rate (%)").fill("21")
    form.get_by_role("button", name="Save legal profile").click()
    expect(page.locator(".messages")).to_contain_text("Legal profile saved.")
    assert LegalProfile.objects.get(account=tenants.a.account).iban == "NL91ABNA0417164300"

    # X's billing profile, from X's page: a business in Belgium with a VAT id (reverse charge).
    page.goto(f"/settings/clients/{x.pk}/")
    page.get_by_test_id("client-billing-profile-link").click()
    form = page.get_by_test_id("billing-profile-form")
    form.get_by_label("Legal name").fill("Xylo Dental SRL")
    form.get_by_label("Address", exact=True).fill("Rue Neuve 2")
    form.get_by_label("City").fill("Bruxelles")
    form.get_by_label("Country").select_option("BE")
    form.get_by_label("VAT id").fill("BE0403019261")
    form.get_by_label("Billing email").fill("accounts@xylo.test")
    form.get_by_role("button", name="Save billing profile").click()
    expect(page.locator(".messages")).to_contain_text("Billing profile saved.")
    assert ClientBillingProfile.objects.get(client=x).vat_id == "BE0403019261"

    # Last month's invoice is issued (as the monthly run does) and opened by the reseller.
    draft = invoice_draft(account_id=tenants.a.account.pk, client_id=x.pk, month=last_month)
    invoice = invoice_issue(invoice_id=draft.pk)
    year = timezone.localdate().year
    assert invoice.number == f"INV-{year}-0001"
    page.goto(f"/billing/invoices/{invoice.pk}/")
    expect(page.get_by_role("heading", name=f"Invoice {invoice.number}")).to_be_visible()
    document = page.get_by_test_id("invoice-document")
    expect(document).to_contain_text("Alpha Telecom B.V.")
    expect(document).to_contain_text("Xylo Dental SRL")
    expect(page.get_by_test_id("invoice-legal-mention")).to_contain_text("Reverse charge")
    mail.outbox.clear()
    page.get_by_test_id("invoice-resend").click()  # asks first; the dialog is accepted
    expect(page.locator(".messages")).to_contain_text(f"{invoice.number} sent to the client again.")
    assert [m.to for m in mail.outbox] == [["accounts@xylo.test"]]
    screenshot("invoices-01-reseller-detail")

    # X's admin, on a phone: the invoice is in its portal.
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, has_touch=True)
    client_page = phone.new_page()
    client_page.set_default_timeout(20_000)
    errors: list[str] = []
    client_page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    log_in(client_page, live_server, tenants.x_admin_email, PASSWORD)
    client_page.goto("/billing/invoices/")
    client_page.get_by_role("link", name=invoice.number).click()
    client_page.wait_for_url(f"**/billing/invoices/{invoice.pk}/")
    expect(client_page.get_by_test_id("invoice-document")).to_contain_text("Alpha Telecom B.V.")
    expect(client_page.get_by_test_id("invoice-total-due")).to_contain_text("EUR")
    expect(client_page.get_by_test_id("invoice-state")).to_have_text("open")
    expect(client_page.get_by_test_id("invoice-actions")).to_have_count(0)
    assert client_page.evaluate("document.documentElement.scrollWidth") <= 391
    ARTIFACTS.mkdir(exist_ok=True)
    client_page.screenshot(path=str(ARTIFACTS / "invoices-02-client-phone.png"), full_page=True)
    with client_page.expect_download() as download:
        client_page.get_by_role("link", name="Download PDF").click()
    pdf = download.value.path().read_bytes()
    assert pdf == bytes(Invoice.objects.get(pk=invoice.pk).file.pdf)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("Alpha Telecom B.V.", "NL004495445B01", "Xylo Dental SRL", "BE0403019261", invoice.number):
        assert expected in text
    assert errors == []
    phone.close()
