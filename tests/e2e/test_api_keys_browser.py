"""An API key's whole life in a real browser: created in the portal, shown once, used on the API, revoked."""

from __future__ import annotations

import io
import re

import pytest
import requests
from django.core.management import call_command
from playwright.sync_api import expect

from portal.management.commands.demo_seed import DEMO_PASSWORD, OWNER_EMAIL

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FULL_KEY = re.compile(r"df_live_sk_[0-9A-Za-z]{38}")


def balance(live_server, key: str) -> requests.Response:
    return requests.get(
        live_server.url + "/api/v1/wallet/balance", headers={"Authorization": f"Bearer {key}"}, timeout=10
    )


def test_a_key_is_shown_once_works_on_the_api_and_is_refused_once_revoked(browser_page, live_server, screenshot):
    call_command("demo_seed", stdout=io.StringIO())
    page = browser_page

    # Log in through the form.
    page.goto("/login/")
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("100.00 EUR")
    expect(page.locator("#wallet-badge")).to_have_text("100.00 EUR")
    screenshot("01-dashboard")

    # Developers → API keys: create one; the key is on the page once.
    page.get_by_role("navigation").get_by_role("link", name="API keys").click()
    page.wait_for_url("**/developers/api-keys/")
    page.get_by_label("Name").fill("Browser test")
    page.get_by_role("button", name="Create key").click()
    shown = page.locator("#new-key-value")
    expect(shown).to_be_visible()
    key = shown.inner_text().strip()
    assert FULL_KEY.fullmatch(key), key

    copy = page.get_by_role("button", name="Copy", exact=True)
    copy.click()
    expect(page.get_by_role("button", name="Copied", exact=True)).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key
    screenshot("02-key-created")

    # After a reload the key is gone for good; only its masked form is listed.
    page.reload()
    expect(page.locator("#new-key-value")).to_have_count(0)
    assert key not in page.content()
    row = page.locator("tbody tr", has_text="Browser test")
    expect(row).to_have_count(1)
    expect(row.locator("code")).to_have_text(f"{key[:15]}…{key[-4:]}")
    expect(row).to_contain_text("active")

    response = balance(live_server, key)
    assert response.status_code == 200, response.text
    assert response.json()["balance"] == "100.00"

    # Revoke it in the UI (htmx asks for confirmation first).
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(row.locator(".badge")).to_contain_text(["full", "revoked"])
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    expect(page.locator(".messages")).to_contain_text("Requests using it are now refused.")
    screenshot("03-key-revoked")

    response = balance(live_server, key)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"

    assert page.js_errors == []
