"""Webhooks in a real browser: an endpoint added with its secret shown once, a test event sent to a local
receiver, and its attempt appearing in the endpoint's delivery log."""

from __future__ import annotations

import pytest
import standardwebhooks
from playwright.sync_api import expect

from portal.webhooks.models import WebhookEndpoint
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.portal.webhooks.conftest import Receiver, sweep

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def settled(page) -> None:
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_add_an_endpoint_send_a_test_event_and_see_the_attempt(
    browser_page, live_server, screenshot, tenants, receiver
):
    page = browser_page
    log_in(page, live_server, "owner@alpha.test", PASSWORD)

    page.get_by_role("navigation").get_by_role("link", name="Webhooks").click()
    page.wait_for_url("**/developers/webhooks/")
    expect(page.get_by_test_id("no-webhooks")).to_be_visible()
    page.get_by_label("URL", exact=True).fill(receiver.url)
    page.get_by_label("Description").fill("Order system")
    expect(page.get_by_label("All events")).to_be_checked()
    page.get_by_role("button", name="Add endpoint").click()

    expect(page.get_by_test_id("webhook-secret")).to_be_visible()
    endpoint = WebhookEndpoint.objects.get()
    secret = page.get_by_test_id("webhook-secret-value").inner_text().strip()
    assert secret == endpoint.secret and secret.startswith("whsec_")
    expect(page.locator(f'tr[data-webhook="{endpoint.public_id}"]')).to_contain_text("Order system")
    settled(page)
    screenshot("webhooks-01-added-with-secret")

    page.reload()
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)
    assert secret not in page.content()

    page.locator(f'tr[data-webhook="{endpoint.public_id}"]').get_by_role("link").first.click()
    page.wait_for_url(f"**/developers/webhooks/{endpoint.pk}/")
    expect(page.get_by_test_id("no-deliveries")).to_be_visible()
    page.get_by_role("button", name="Send test event").click()
    expect(page.locator(".messages")).to_contain_text("Test event sent")
    expect(page.get_by_test_id("delivery-log")).to_contain_text("Pending")

    assert sweep() == 1  # what the worker does right after the click
    log = page.get_by_test_id("delivery-log")
    expect(log).to_contain_text("Delivered", timeout=8_000)  # the log polls while a delivery waits
    log.get_by_text("1 attempt").click()
    attempts = page.get_by_test_id("attempt-log")
    expect(attempts).to_contain_text("200")
    expect(attempts).to_contain_text("ok")
    [got] = receiver.requests
    assert got.json["event"] == "webhook.test"
    standardwebhooks.Webhook(secret).verify(got.body, got.headers)
    settled(page)
    screenshot("webhooks-02-test-event-delivered")

    page.once("dialog", lambda dialog: dialog.accept() if "24 hours" in dialog.message else dialog.dismiss())
    page.get_by_role("button", name="Rotate secret").click()
    expect(page.get_by_test_id("webhook-secret")).to_contain_text("previous secret keeps signing")
    fresh = page.get_by_test_id("webhook-secret-value").inner_text().strip()
    endpoint.refresh_from_db()
    assert fresh == endpoint.secret != secret and endpoint.signing_secrets() == [fresh, secret]
    settled(page)
    screenshot("webhooks-03-rotated")

    assert page.js_errors == []
