"""What changes on a page without reloading it, in a real browser: the header's wallet balance after an action
that costs money, the reply box's segment counter and its Send button past the longest body, and the SMS
inbox's cards and chart as new messages arrive."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from billing import ledger
from messaging import services as messaging
from messaging.segments import MAX_BODY_CHARS
from numbers_app.models import Number
from numbers_app.services import number_configure, number_provision, number_purchase
from portal.l10n import money
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_buy_numbers_browser import settled
from tests.numbers.conftest import NL_MOBILE, stock  # noqa: F401 (the fixture, used below)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]

CONTACT = "+31687654321"


@pytest.fixture
def live_number(tenants, settings) -> Number:
    """An SMS-capable NL mobile number, bought and live (SMS still off). The sandbox network never answers
    in these tests (no worker): messages stay queued."""
    settings.SANDBOX_PROVISION_SECONDS = 0
    order = number_purchase(actor=tenants.a.owner_actor, numbers=[NL_MOBILE[0]])
    number = order.numbers.get()
    number_provision(number_id=number.pk)
    number.refresh_from_db()
    return number


def balance(tenants) -> str:
    wallet = ledger.wallet_for(tenants.a.account)
    return f"{money(wallet.balance)} {wallet.currency}"


def test_the_header_balance_follows_switching_sms_on_and_sending_a_reply(
    browser_page, live_server, screenshot, tenants, live_number
):
    page = browser_page
    log_in(page, live_server, "owner@alpha.test", PASSWORD)
    page.goto(f"/numbers/mine/{live_number.pk}/")
    badge = page.locator("#wallet-badge")
    expect(badge).to_have_text(balance(tenants))

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("sms-enable").click()
    expect(page.locator("#number-sms h2")).to_contain_text("on")
    after_addon = balance(tenants)
    assert after_addon != "93.50 EUR"  # (the add-on was charged)
    expect(badge).to_have_text(after_addon)
    expect(page.locator("#wallet-badge")).to_have_count(1)
    screenshot("live-01-badge-after-sms-on")

    page.goto(f"/messaging/threads/{live_number.pk}/{CONTACT[1:]}/")
    settled(page)
    page.get_by_label("Reply").fill("See you at eight")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".bubble.outbound")).to_contain_text("See you at eight")
    after_reply = balance(tenants)
    assert after_reply != after_addon
    expect(page.locator("#wallet-badge")).to_have_text(after_reply)
    expect(page.locator("#wallet-badge")).to_have_count(1)
    assert page.js_errors == []


def test_the_reply_box_counts_segments_and_will_not_send_past_the_longest_body(
    browser_page, live_server, screenshot, tenants, live_number
):
    number_configure(actor=tenants.a.owner_actor, number=live_number, capabilities=["voice", "sms"])
    page = browser_page
    log_in(page, live_server, "owner@alpha.test", PASSWORD)
    page.goto(f"/messaging/threads/{live_number.pk}/{CONTACT[1:]}/")
    form = page.locator("form.reply")
    counter = form.locator("[data-sms-counter]")
    send = form.get_by_role("button", name="Send", exact=True)
    body = page.get_by_label("Reply")

    body.fill("A" * 161)
    expect(counter.locator('[data-part="segments"]')).to_have_text("2")
    expect(counter.locator('[data-part="price"]')).to_have_text("0.0160")  # 2 × the NL rate
    body.fill("Ça va? 😊")
    expect(counter.locator('[data-part="encoding"]')).to_have_text("UCS-2")
    expect(counter.locator('[data-part="per"]')).to_have_text("70")
    expect(send).to_be_enabled()

    body.fill("x" * (MAX_BODY_CHARS + 1))
    expect(counter.locator('[data-part="too-long"]')).to_be_visible()
    expect(send).to_be_disabled()
    screenshot("live-02-reply-too-long")
    body.fill("x" * MAX_BODY_CHARS)
    expect(counter.locator('[data-part="too-long"]')).to_be_hidden()
    expect(send).to_be_enabled()

    # After a reply the box is swapped for a fresh one, which counts again.
    body.fill("Thanks, booked.")
    send.click()
    expect(page.locator(".bubble.outbound")).to_contain_text("Thanks, booked.")
    settled(page)
    page.get_by_label("Reply").fill("B" * 200)
    expect(page.locator("form.reply [data-part='segments']")).to_have_text("2")
    page.get_by_label("Reply").fill("B" * (MAX_BODY_CHARS + 5))
    expect(page.locator("form.reply").get_by_role("button", name="Send", exact=True)).to_be_disabled()
    assert page.js_errors == []


def test_compose_will_not_send_past_the_longest_body(browser_page, live_server, tenants, live_number):
    number_configure(actor=tenants.a.owner_actor, number=live_number, capabilities=["voice", "sms"])
    page = browser_page
    log_in(page, live_server, "owner@alpha.test", PASSWORD)
    page.goto("/messaging/compose/")
    send = page.get_by_role("button", name="Send SMS")

    page.get_by_label("Message").fill("y" * (MAX_BODY_CHARS + 1))
    expect(send).to_be_disabled()
    page.get_by_label("Message").fill("y" * 10)
    expect(send).to_be_enabled()
    assert page.js_errors == []


def test_the_inbox_cards_and_chart_follow_new_messages(browser_page, live_server, screenshot, tenants, live_number):
    number = number_configure(actor=tenants.a.owner_actor, number=live_number, capabilities=["voice", "sms"])
    page = browser_page
    log_in(page, live_server, "owner@alpha.test", PASSWORD)
    page.goto("/messaging/")
    today = page.get_by_test_id("sms-today")
    expect(today).to_have_text("0 ↗ · 0 ↘")
    expect(page.get_by_text("No messages in the last 30 days.")).to_be_visible()

    messaging.sms_simulate_inbound(actor=tenants.a.owner_actor, number=number, from_e164=CONTACT, body="Table for 4?")
    messaging.sms_send(actor=tenants.a.owner_actor, number=number, to=CONTACT, body="Yes, at 8.")

    expect(page.locator("table.messages tbody tr")).to_have_count(2, timeout=10_000)
    expect(today).to_have_text("1 ↗ · 1 ↘")
    expect(page.locator(".sms-chart .stack")).to_have_count(30)
    expect(page.get_by_text("busiest day: 2")).to_be_visible()
    expect(page.locator("#sms-stats")).to_have_count(1)
    screenshot("live-03-inbox-after-new-messages")
    assert page.js_errors == []
