"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against pytest-django's live server.

Playwright's sync API keeps an asyncio loop running in this thread, which trips Django's "you cannot call
this from an async context" guard on every ORM call the test makes, though the test code itself is
synchronous. ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set only while a browser is open, so the guard stays on for
the rest of the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(autouse=True)
def _live_server_closes_db_connections(monkeypatch):
    """The live server answers each browser socket in its own thread and closes that thread's database
    connection only when the socket closes. With the persistent connections of settings (CONN_MAX_AGE=60)
    a kept-alive socket's connection can still be open when the test database is dropped; close them after
    every request instead."""
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)


@pytest.fixture
def browser(monkeypatch) -> Iterator[Browser]:
    # Function-scoped: the Playwright loop (and the relaxed async guard it needs) lives only as long as a test.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # While Playwright's loop runs, Django hands this thread a separate set of connections (they live in
        # asgiref's context-local storage); close them here, or one outlives the test and blocks dropping
        # the test database.
        connections.close_all()


@pytest.fixture
def browser_page(browser, live_server) -> Iterator[Page]:
    """A fresh page (own cookies) on the live server, with clipboard access. ``page.js_errors`` collects
    uncaught JavaScript errors and failed (4xx/5xx) responses."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    page.on("response", lambda r: page.js_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield page
    context.close()


@pytest.fixture
def screenshot(browser_page) -> Callable[[str], Path]:
    """``screenshot("01-dashboard")`` saves the whole page to ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        browser_page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page: Page, live_server, email: str, password: str) -> None:
    """Log in through the form and wait for the dashboard."""
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")


def staff_console(context, staff, password: str) -> Page:
    """A page of ``context`` logged in to the staff console as ``staff`` (with its second factor)."""
    from tests.conftest import totp_code, two_factor_device

    device = two_factor_device(staff)
    page = context.new_page()
    page.goto("/admin/login/")
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Authentication code").fill(totp_code(device))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    return page


def record_bank_transfer(page: Page, *, reference: str, amount: str, bank_id: str) -> None:
    """Staff record a bank transfer on the top-ups' page of the staff console."""
    page.goto("/admin/billing/topup/")
    page.get_by_role("link", name="Record a bank transfer").click()
    page.get_by_label("Payment reference").fill(reference)
    page.get_by_label("Amount (EUR)").fill(amount)
    page.get_by_label("Bank transaction id").fill(bank_id)
    page.click("input[type=submit]")


def set_alert_and_auto_recharge(page: Page, *, alert: str, below: str, amount: str) -> None:
    """On the wallet page: the low-balance alert and auto-recharge of the saved card."""
    form = page.get_by_test_id("payment-settings-form")
    form.get_by_label("Alert me below (EUR)").fill(alert)
    form.get_by_label("Recharge automatically").check()
    form.get_by_label("When the balance falls below (EUR)").fill(below)
    form.get_by_label("Charge the saved card (EUR)").fill(amount)
    form.get_by_role("button", name="Save").click()


def pay_by_card(page: Page, *, checkout_url: str, amount: str, save_card: bool) -> None:
    """On the wallet page: top up ``amount`` EUR on the (fake) hosted checkout at ``checkout_url``, which
    sends the payer back to the wallet."""
    from playwright.sync_api import expect

    form = page.get_by_test_id("top-up-form")
    form.get_by_label("Amount (EUR)").fill(amount)
    if save_card:
        form.get_by_label("Save the card for auto-recharge").check()
    form.get_by_role("button", name="Pay by card or SEPA").click()
    page.wait_for_url(checkout_url + "/pay/*")
    expect(page.get_by_role("heading")).to_have_text(f"Pay EUR {amount}")
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url("**/billing/wallet/")
