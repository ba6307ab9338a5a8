"""Two-way SMS in a real browser: switch SMS on for a number (confirming its price), compose a message with
the live segment counter, watch it reach "delivered" as a real Celery worker hands it to the sandbox carrier
and the carrier's delivery report comes back, then have the contact reply and see it in the conversation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from billing import ledger
from billing.models import LedgerEntry
from messaging.models import Message
from numbers_app.models import Number
from numbers_app.services import number_provision, number_purchase
from portal.celery import app
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_buy_numbers_browser import settled
from tests.numbers.conftest import NL_MOBILE, stock  # noqa: F401 (the fixture, used below)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]

CONTACT = "+31687654321"


@pytest.fixture
def celery_worker(settings, tenants):
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "this test needs the Redis broker"
    settings.SANDBOX_SMS_DELIVERY_SECONDS = 0.5
    settings.SANDBOX_SMS_FAILURE_RATE = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.fixture
def live_number(tenants, settings) -> Number:
    """An SMS-capable NL mobile number, bought and live (SMS still off)."""
    settings.SANDBOX_PROVISION_SECONDS = 0
    order = number_purchase(actor=tenants.a.owner_actor, numbers=[NL_MOBILE[0]])
    number = order.numbers.get()
    number_provision(number_id=number.pk)
    number.refresh_from_db()
    assert number.status == Number.Status.ACTIVE and not number.sms_enabled
    return number


def test_enable_sms_compose_watch_delivery_and_see_the_reply_in_the_thread(
    browser_page, live_server, screenshot, tenants, live_number, celery_worker
):
    page = browser_page
    log_in(page, live_server, "owner@alpha.test", PASSWORD)

    # The number's page offers SMS with its monthly price, and asks before charging.
    page.goto(f"/numbers/mine/{live_number.pk}/")
    panel = page.locator("#number-sms")
    expect(panel).to_contain_text("EUR 1.00 a month")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_test_id("sms-enable").click()
    expect(page.locator("#number-sms h2")).to_contain_text("on")
    assert dialogs and "EUR 1.00 a month" in dialogs[0]
    live_number.refresh_from_db()
    assert live_number.sms_enabled
    assert LedgerEntry.objects.filter(account=tenants.a.account, kind=LedgerEntry.Kind.SMS_ADDON).count() == 1
    screenshot("sms-01-number-sms-on")

    # Compose: the counter follows the text as it is typed.
    page.get_by_role("navigation").get_by_role("link", name="Compose").click()
    page.wait_for_url("**/messaging/compose/")
    page.get_by_label("To", exact=True).fill(CONTACT)
    body = page.get_by_label("Message")
    body.fill("A" * 160)
    counter = page.locator("[data-sms-counter]")
    expect(counter.locator('[data-part="segments"]')).to_have_text("1")
    body.press("End")
    body.type("B")
    expect(counter.locator('[data-part="segments"]')).to_have_text("2")
    expect(counter.locator('[data-part="price"]')).to_have_text("0.0160")
    body.fill("Your table for two is booked for 19:30 tonight. Reply to change it 😊")
    expect(counter.locator('[data-part="encoding"]')).to_have_text("UCS-2")
    expect(counter.locator('[data-part="segments"]')).to_have_text("1")
    expect(counter.locator('[data-part="per"]')).to_have_text("70")
    screenshot("sms-02-compose-counter")
    page.get_by_role("button", name="Send SMS").click()

    # The conversation page watches the message move along to "delivered".
    page.wait_for_url(f"**/messaging/threads/{live_number.pk}/{CONTACT[1:]}/")
    bubble = page.locator(".bubble.outbound").first
    expect(bubble).to_contain_text("booked for 19:30")
    expect(bubble).to_have_attribute("data-status", "delivered", timeout=20_000)
    expect(bubble).to_contain_text("Delivered")
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert message.status == Message.Status.DELIVERED and message.amount == Decimal("0.0080")
    assert message.sent_at and message.delivered_at
    screenshot("sms-03-delivered")

    # The contact replies (through the sandbox network): it appears in the thread without reloading.
    settled(page)
    page.get_by_label(f"Sandbox: a message from {CONTACT}").fill("Perfect, see you then!")
    page.get_by_role("button", name="Simulate a reply").click()
    reply = page.locator(".bubble.inbound")
    expect(reply).to_contain_text("Perfect, see you then!")
    inbound = Message.objects.get(direction=Message.Direction.INBOUND)
    assert inbound.from_e164 == CONTACT and inbound.to_e164 == live_number.e164 and inbound.amount == 0
    screenshot("sms-04-reply-in-thread")

    # The inbox lists both, with the delivery rate.
    page.get_by_role("navigation").get_by_role("link", name="Inbox").click()
    expect(page.locator("table.messages tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("sms-delivery-rate")).to_have_text("100.0 %")
    screenshot("sms-05-inbox")

    wallet = ledger.wallet_for(tenants.a.account)
    assert wallet.balance == ledger.entries_total(wallet)
    assert page.js_errors == []
