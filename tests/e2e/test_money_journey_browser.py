"""Money in and invoices out, in one Chromium session: a reseller tops up by card on (a local stand-in for)
Stripe Checkout and by bank transfer (staff record it in the staff console), sets its low-balance alert and
auto-recharge, and its wallet shows each credit once though Stripe's webhook and the payer's redirect both
arrive. The monthly run then issues its client's invoice: numbered, with both legal identities and VAT,
emailed with the PDF and in the client's portal, which the client opens from the email on the reseller's own
verified domain under the reseller's brand, and nowhere it looks says "DIDfarm". Screenshots at laptop and
390 px widths go to ``test-artifacts/money-journey/``."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parseaddr
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client as HttpClient
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from billing import ledger
from billing.invoices import invoices_issue_month
from billing.invoicing.profiles import ClientBillingInput, client_billing_profile_save
from billing.models import Invoice, LedgerEntry, PaymentProfile, TopUp, Wallet
from billing.payments.services import payment_reference
from numbers_app.services import number_purchase
from tests.accounts.brand_fixtures import BRAND_NAME, make_brand
from tests.billing.conftest import stripe_fake  # noqa: F401 (the fixture, used below)
from tests.billing.test_payments import deliver, post_event
from tests.conftest import PASSWORD, give_legal_profile
from tests.e2e.conftest import ARTIFACTS, pay_by_card, record_bank_transfer, set_alert_and_auto_recharge, staff_console
from tests.e2e.test_brand_browser import chromium, live_hosts  # noqa: F401 (the fixtures, used below)
from tests.numbers.conftest import NL_AMS, stock  # noqa: F401 (the fixture, used below)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]

BRAND_HOST = "portal.northwind.localhost"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
SHOTS = ARTIFACTS / "money-journey"
PLATFORM = re.compile("didfarm", re.IGNORECASE)


def platform_mentions(text: str) -> list[str]:
    """Where ``text`` names the platform, leaving out the host names the operator configures (the SIP server
    and the sending address, which SPF and DKIM cover; their defaults here are under didfarm.test)."""
    for name in (django_settings.SIP_SERVER, parseaddr(django_settings.DEFAULT_FROM_EMAIL)[1]):
        text = text.replace(name, "")
    return [text[max(0, m.start() - 60) : m.end() + 30] for m in PLATFORM.finditer(text)]


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_a_reseller_is_paid_in_and_its_client_gets_a_branded_numbered_invoice_on_the_resellers_domain(
    chromium, live_server, live_hosts, tenants, stripe_fake, settings, monkeypatch, django_user_model
):
    from portal.celery import app

    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0
    settings.PUBLIC_URL = live_server.url  # links in emails: the brand's domain, with this scheme and port
    monkeypatch.setattr(app.conf, "task_always_eager", True)  # the invoice's email goes out in this thread
    port = urlsplit(live_server.url).port
    platform, brand_site = live_server.url, f"http://{BRAND_HOST}:{port}"
    account, x = tenants.a.account, tenants.x
    make_brand(tenants.a.owner_actor, domain=BRAND_HOST)  # verified by staff
    give_legal_profile(tenants.a)
    client_billing_profile_save(
        actor=tenants.a.owner_actor,
        client_id=x.pk,
        data=ClientBillingInput(
            legal_name="Xylo Dental B.V.",
            country="NL",
            address_line1="Prinsengracht 200",
            postcode="1016 HG",
            city="Amsterdam",
            vat_id="NL100000009B01",
            billing_email="accounts@xylo.test",
        ),
    )
    # Last month, X's two Amsterdam numbers were bought (at X's prices: what its invoice bills).
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=10)
    with time_machine.travel(datetime(last_month.year, last_month.month, 10, 12, tzinfo=UTC), tick=False):
        number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[0], NL_AMS[1]], client=x)

    # --- The reseller pays in, on the platform's host, at laptop width ----------------------------------
    reseller = chromium.new_context(base_url=platform, viewport=LAPTOP)
    page = reseller.new_page()
    page.set_default_timeout(15_000)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda error: failed.append(str(error)))
    page.goto("/login/")
    page.get_by_label("Email").fill("owner@alpha.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(platform + "/")
    page.goto("/billing/wallet/")
    start = Wallet.objects.get(account=account).balance
    entries_before = LedgerEntry.objects.filter(account=account).count()

    pay_by_card(
        page, checkout_url=stripe_fake.url, amount="25.00", save_card=True
    )  # Stripe sends the payer back: the redirect arrives
    expect(page.locator(".messages")).to_contain_text("Payment received: 25.00 EUR added to your wallet.")
    # …and Stripe's webhook arrives too, twice (a retry), after the redirect.
    top_up = TopUp.objects.get(account=account)
    event = stripe_fake.event("checkout.session.completed", dict(stripe_fake.sessions[top_up.session_id]))
    deliver(HttpClient(), event)
    assert post_event(HttpClient(), event).status_code == 200
    page.reload()
    expect(page.get_by_test_id("wallet-balance")).to_have_text(f"{start + Decimal('25'):.2f} EUR")
    expect(page.get_by_test_id("top-ups").locator("tbody tr")).to_have_count(1)

    set_alert_and_auto_recharge(page, alert="20.00", below="10.00", amount="50.00")
    expect(page.locator(".messages")).to_contain_text("Alert and auto-recharge settings saved.")
    profile = PaymentProfile.objects.get(account=account)
    assert profile.auto_recharge_enabled and profile.auto_recharge_amount == Decimal("50.00")
    assert profile.auto_recharge_threshold == Decimal("10.00") and profile.card_label

    # Staff record the reseller's bank transfer in the staff console, by its payment reference.
    staff = django_user_model.objects.create_superuser("ops@didfarm.test", PASSWORD)
    console = staff_console(chromium.new_context(base_url=platform), staff, PASSWORD)
    record_bank_transfer(console, reference=payment_reference(account.pk), amount="100.00", bank_id="NL-BANK-7781")
    expect(console.locator(".messagelist")).to_contain_text("Recorded 100.00 EUR from Alpha Telecom")
    console.context.close()

    page.reload()
    expect(page.get_by_test_id("wallet-balance")).to_have_text(f"{start + Decimal('125'):.2f} EUR")
    expect(page.get_by_test_id("top-ups").locator("tbody tr")).to_have_count(2)
    new_entries = LedgerEntry.objects.filter(account=account).order_by("id")[entries_before:]
    assert [(e.kind, e.amount) for e in new_entries] == [  # each credit once, nothing else
        (LedgerEntry.Kind.TOP_UP, Decimal("25.0000")),
        (LedgerEntry.Kind.TOP_UP, Decimal("100.0000")),
    ]
    wallet = Wallet.objects.get(account=account)
    assert wallet.balance == ledger.entries_total(wallet) == start + Decimal("125")
    shot(page, "01-reseller-wallet-laptop")
    page.set_viewport_size(PHONE)
    page.reload()
    fits(page, 390)
    shot(page, "02-reseller-wallet-phone")
    assert failed == [], failed
    reseller.close()

    # --- The monthly run issues X's invoice and emails it ---------------------------------------------
    mail.outbox.clear()
    run = invoices_issue_month()
    assert (run.issued, run.errors) == (1, 0)
    invoice = Invoice.objects.get(client=x, kind=Invoice.Kind.INVOICE)
    assert invoice.number == f"INV-{timezone.localdate().year}-0001"
    assert invoice.vat_total > 0 and invoice.total_due == invoice.total.quantize(Decimal("0.01")) + invoice.vat_total
    [message] = mail.outbox
    assert message.to == ["accounts@xylo.test"]
    assert message.subject == f"Invoice {invoice.number} from Alpha Telecom B.V."
    assert parseaddr(message.from_email)[0] == BRAND_NAME
    filename, pdf, mimetype = message.attachments[0]
    assert (filename, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert pdf == bytes(invoice.file.pdf)
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("Alpha Telecom B.V.", "NL004495445B01", "Xylo Dental B.V.", "NL100000009B01", invoice.number):
        assert expected in pdf_text
    assert "21" in pdf_text and "VAT" in pdf_text
    link = re.search(r"http://\S+", message.body).group(0)
    assert link == f"{brand_site}/billing/invoices/{invoice.pk}/"
    seen = {"email": message.subject + message.body + message.from_email + " ".join(message.reply_to), "pdf": pdf_text}

    # --- X's admin follows the email's link to the reseller's domain ------------------------------------
    for width, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        context = chromium.new_context(base_url=brand_site, viewport=viewport, has_touch=viewport is PHONE)
        client_page = context.new_page()
        client_page.set_default_timeout(15_000)
        errors: list[str] = []
        client_page.on(
            "response", lambda r, errors=errors: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        client_page.goto(link)  # not logged in yet: the brand's login page, then the invoice
        expect(client_page.get_by_role("heading", name=BRAND_NAME)).to_be_visible()
        seen[f"login {width}"] = client_page.content()
        client_page.get_by_label("Email").fill(tenants.x_admin_email)
        client_page.get_by_label("Password").fill(PASSWORD)
        client_page.get_by_role("button", name="Log in").click()
        client_page.wait_for_url(link)
        assert client_page.title().endswith(BRAND_NAME)
        document = client_page.get_by_test_id("invoice-document")
        for expected in ("Alpha Telecom B.V.", "NL004495445B01", "Xylo Dental B.V.", "NL100000009B01"):
            expect(document).to_contain_text(expected)
        expect(document).to_contain_text("VAT 21")
        expect(client_page.get_by_test_id("invoice-total-due")).to_contain_text(f"{invoice.total_due:.2f}")
        expect(client_page.get_by_role("heading", name=f"Invoice {invoice.number}")).to_be_visible()
        fits(client_page, viewport["width"])
        seen[f"invoice {width}"] = client_page.content()
        shot(client_page, f"03-client-invoice-{width}")
        client_page.goto("/billing/invoices/")
        expect(client_page.get_by_role("link", name=invoice.number)).to_be_visible()
        fits(client_page, viewport["width"])
        seen[f"invoices {width}"] = client_page.content()
        shot(client_page, f"04-client-invoices-{width}")
        client_page.goto("/")
        seen[f"dashboard {width}"] = client_page.content()
        if viewport is PHONE:
            client_page.get_by_role("button", name="Menu").tap()
        reference = client_page.get_by_role("link", name="API reference")
        expect(reference).to_be_visible()
        shot(client_page, f"05-client-dashboard-{width}")
        reference.click()
        client_page.wait_for_url("**/api/docs")
        expect(client_page.locator(".swagger-ui .info .title")).to_contain_text(f"{BRAND_NAME} API")
        seen[f"api reference {width}"] = client_page.content()
        shot(client_page, f"06-client-api-reference-{width}")
        with client_page.expect_download() as download:
            client_page.goto(link)
            client_page.get_by_role("link", name="Download PDF").click()
        assert download.value.path().read_bytes() == pdf
        assert errors == [], errors
        context.close()

    found = {where: hits for where, text in seen.items() if (hits := platform_mentions(text))}
    assert not found, found
