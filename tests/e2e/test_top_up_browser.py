"""Money in, in a real browser: a reseller whose wallet will not cover the week's renewals sees the banner on
every page, follows it to the wallet, pays by card on (a local stand-in for) Stripe Checkout and is
credited once; staff record a bank transfer against the reseller's reference; the reseller sets its alert
and auto-recharge. Desktop and a 390 px phone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import LedgerEntry, TopUp
from billing.payments.services import payment_reference
from numbers_app.models import Number
from numbers_app.services import number_provision, number_purchase
from tests.billing.conftest import charge, stripe_fake  # noqa: F401 (the fixture, used below)
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, pay_by_card, record_bank_transfer, set_alert_and_auto_recharge, staff_console
from tests.numbers.conftest import NL_AMS, stock  # noqa: F401 (the fixture, used below)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]


def test_a_reseller_tops_up_by_card_and_by_bank_transfer_and_sets_its_alerts(
    browser, browser_page, live_server, screenshot, tenants, stripe_fake, settings, django_user_model
):
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0
    account = tenants.a.account
    number = number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[0]], client=None).numbers.get()
    number_provision(number_id=number.pk)
    Number.objects.filter(pk=number.pk).update(paid_through=timezone.localdate() + timedelta(days=3))
    account.wallet.refresh_from_db()
    charge(account, account.wallet.balance - Decimal("0.50"))  # 0.50 left: the renewal (1.50) is not covered
    page = browser_page

    log_in(page, live_server, "owner@alpha.test", PASSWORD)
    banner = page.get_by_test_id("wallet-banner")
    expect(banner).to_contain_text("does not cover the 1.50 EUR of renewals due in the next 7 days")
    screenshot("top-up-01-banner")

    banner.get_by_role("link", name="Top up now").click()
    page.wait_for_url("**/billing/wallet/?top_up=1.00*")
    form = page.get_by_test_id("top-up-form")
    expect(form.get_by_label("Amount (EUR)")).to_have_value("1.00")
    expect(page.get_by_test_id("payment-reference")).to_have_text(payment_reference(account.pk))
    expect(page.get_by_test_id("bank-details")).to_contain_text(settings.BANK_TRANSFER_IBAN)
    screenshot("top-up-02-wallet")

    form.get_by_label("Amount (EUR)").fill("2")
    form.get_by_role("button", name="Pay by card or SEPA").click()
    expect(form.locator(".errorlist")).to_contain_text("Top up between 10.00 and 5000.00 EUR.")
    assert not TopUp.objects.exists()

    pay_by_card(page, checkout_url=stripe_fake.url, amount="25.00", save_card=True)
    expect(page.locator(".messages")).to_contain_text("Payment received: 25.00 EUR added to your wallet.")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("25.50 EUR")
    expect(page.get_by_test_id("wallet-banner")).to_have_count(0)
    expect(page.get_by_test_id("top-ups")).to_contain_text("Paid")
    screenshot("top-up-03-paid")
    page.reload()  # the payer comes back again: still one credit
    credits = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.TOP_UP, reference_type="topup")
    assert [c.amount for c in credits] == [Decimal("25.0000")]

    set_alert_and_auto_recharge(page, alert="20.00", below="10.00", amount="50.00")
    expect(page.locator(".messages")).to_contain_text("Alert and auto-recharge settings saved.")
    # The saved card is named as the payer knows it (the fake's test card), beside what auto-recharge does.
    expect(page.get_by_test_id("payment-settings-form")).to_contain_text(
        "the saved card (Visa ending 4242, expires 08/2031)"
    )

    staff = django_user_model.objects.create_superuser("ops@didfarm.test", PASSWORD)
    staff_page = staff_console(browser.new_context(base_url=live_server.url), staff, PASSWORD)  # with a second factor
    reference = payment_reference(account.pk).lower()
    record_bank_transfer(staff_page, reference=reference, amount="100.00", bank_id="NL-BANK-0001")
    expect(staff_page.locator(".messagelist")).to_contain_text("Recorded 100.00 EUR from Alpha Telecom")
    staff_page.context.close()

    page.reload()
    expect(page.get_by_test_id("wallet-balance")).to_have_text("125.50 EUR")
    expect(page.get_by_test_id("top-ups").locator("tbody tr")).to_have_count(2)
    screenshot("top-up-04-bank-transfer")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("top-up-05-phone")
    assert page.js_errors == []
