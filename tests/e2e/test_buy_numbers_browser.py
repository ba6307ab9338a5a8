"""Buying numbers in a real browser: search, a cart of two, the confirmation, and the order page showing
both numbers become active as a real Celery worker provisions them through the sandbox carrier."""

from __future__ import annotations

import re

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from billing import ledger
from numbers_app.models import Number, Order
from portal.celery import app
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.numbers.conftest import NL_AMS, stock  # noqa: F401 (the fixture, used below)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]


def settled(page) -> None:
    """Wait until htmx has finished swapping and processing new content: it wires up swapped-in elements
    a moment after they appear (the settle delay), and an event fired in that moment would be lost."""
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


@pytest.fixture
def celery_worker(settings, tenants):
    """Provisioning runs in a worker over the Redis broker, as in production (never eagerly inside the live
    server's request). Set up after the data fixtures, so it stops before their tables are flushed."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "this test needs the Redis broker"
    settings.SANDBOX_PROVISION_SECONDS = 1
    settings.SANDBOX_FAILURE_RATE = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_search_two_numbers_buy_them_and_watch_both_become_active(
    browser_page, live_server, screenshot, tenants, celery_worker
):
    page = browser_page
    first, second = NL_AMS[0], NL_AMS[3]

    log_in(page, live_server, "owner@alpha.test", PASSWORD)

    # Numbers → Search & buy: nothing listed until a country is chosen.
    page.get_by_role("navigation").get_by_role("link", name="Search & buy").click()
    page.wait_for_url("**/numbers/")
    expect(page.get_by_test_id("choose-country")).to_be_visible()

    # The results follow the filters as they change, and the address bar follows the results.
    page.get_by_label("Country").select_option("NL")
    expect(page.locator("#results tbody tr")).to_have_count(20)
    settled(page)
    page.get_by_label("Type").select_option("local")
    page.get_by_label("City").fill("Amsterdam")
    expect(page.locator("#results tbody tr")).to_have_count(10)
    expect(page).to_have_url(re.compile(r"country=NL.*type=local.*city=Amsterdam"))
    row = page.locator(f'#results tr[data-number="{first}"]')
    expect(row).to_contain_text("+31 20 700 0001")
    expect(row).to_contain_text("Amsterdam")
    expect(row).to_contain_text("1.50")
    settled(page)
    screenshot("numbers-01-search-results")

    # Two numbers into the cart, without reloading the page.
    page.get_by_role("button", name=f"Add {first} to the cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    expect(row).to_contain_text("In cart")
    settled(page)
    page.get_by_role("button", name=f"Add {second} to the cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("2")
    expect(page.get_by_test_id("cart-total")).to_have_text("3.00 EUR")
    # Annual billing: the cart re-prices.
    settled(page)
    page.locator("#cart").get_by_label("Billing cycle").select_option("annual")
    expect(page.get_by_test_id("cart-total")).to_have_text("36.00 EUR")
    settled(page)
    page.locator("#cart").get_by_label("Billing cycle").select_option("monthly")
    expect(page.get_by_test_id("cart-total")).to_have_text("3.00 EUR")
    settled(page)
    screenshot("numbers-02-cart")

    # The confirmation: every number, the total and the balance after.
    page.get_by_role("button", name="Review order").click()
    page.wait_for_url("**/numbers/checkout/**")
    expect(page.locator(".confirmation tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("order-total")).to_have_text("3.00 EUR")
    expect(page.get_by_test_id("balance-now")).to_have_text("100.00 EUR")
    expect(page.get_by_test_id("balance-after")).to_have_text("97.00 EUR")
    screenshot("numbers-03-confirmation")

    page.get_by_role("button", name="Buy for EUR 3.00").click()
    page.wait_for_url(re.compile(r".*/numbers/orders/\d+/$"))
    order = Order.objects.get()
    assert page.url.endswith(f"/numbers/orders/{order.pk}/")
    expect(page.locator(".messages")).to_contain_text("EUR 3.00 charged")
    expect(page.locator("#wallet-badge")).to_have_text("97.00 EUR")

    # The status block polls until both numbers are live.
    expect(page.locator('#order-status [data-status="active"]')).to_have_count(2, timeout=30_000)
    expect(page.get_by_test_id("order-progress")).to_have_text("All numbers in this order are active.")
    screenshot("numbers-04-order-active")

    assert set(Number.objects.values_list("e164", "status")) == {(first, "active"), (second, "active")}
    assert ledger.wallet_for(tenants.a.account).balance == 97
    assert page.js_errors == []
