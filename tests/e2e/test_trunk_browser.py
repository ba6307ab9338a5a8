"""A SIP trunk in a real browser: created with its credentials shown once and copied, a number routed to it
from the number's page, the trunk's registration badge following the PBX live, new credentials issued."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from numbers_app import services
from numbers_app.models import SipTrunk
from numbers_app.trunks import services as trunks
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.numbers.conftest import NL_AMS, stock  # noqa: F401 (the fixture, used below)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]

PASSWORD_SHAPE = re.compile(r"[A-Za-z0-9]{24}")


def settled(page) -> None:
    """Wait until htmx has finished swapping and processing new content."""
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def clipboard(page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def test_create_a_trunk_copy_its_credentials_and_route_a_number_to_it(browser_page, live_server, screenshot, tenants):
    page = browser_page

    log_in(page, live_server, "owner@alpha.test", PASSWORD)

    # Trunks: none yet; create one for client Xylo.
    page.get_by_role("navigation").get_by_role("link", name="Trunks").click()
    page.wait_for_url("**/trunks/")
    expect(page.get_by_test_id("no-trunks")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Xylo office PBX")
    page.get_by_label("Client", exact=True).select_option(label="Xylo Dental")
    page.get_by_label("Channels", exact=True).fill("8")
    page.get_by_role("button", name="Create trunk").click()

    credentials = page.get_by_test_id("trunk-credentials")
    expect(credentials).to_be_visible()
    trunk = SipTrunk.objects.get()
    password = page.get_by_test_id("trunk-password").inner_text().strip()
    assert PASSWORD_SHAPE.fullmatch(password), password
    assert trunks.credentials_match(trunk, username=trunk.username, password=password)
    expect(page.locator("#cred-username")).to_have_text(trunk.username)
    expect(page.locator("#cred-server")).to_have_text(trunk.sip_server)
    expect(page.locator(f'tr[data-trunk="{trunk.public_id}"]')).to_contain_text("Never registered")

    # Copy buttons put each value, and each PBX configuration, on the clipboard.
    settled(page)
    page.locator('[data-copy="#cred-password"]').click()
    expect(page.locator('[data-copy="#cred-password"]')).to_have_text("Copied")
    assert clipboard(page) == password
    page.locator('[data-copy="#cred-username"]').click()
    assert clipboard(page) == trunk.username
    page.locator('[data-copy="#cfg-pjsip"]').click()
    pjsip = clipboard(page)
    assert f"client_uri=sip:{trunk.username}@{trunk.sip_server}" in pjsip and f"password={password}" in pjsip
    page.locator('[data-copy="#cfg-freeswitch"]').click()
    freeswitch = clipboard(page)
    assert f'<param name="password" value="{password}"/>' in freeswitch
    assert f'<param name="proxy" value="{trunk.sip_server}"/>' in freeswitch
    screenshot("trunks-01-created-with-credentials")

    # Reloading shows the list without the password: it was in that one response only.
    page.reload()
    expect(page.get_by_test_id("trunk-credentials")).to_have_count(0)
    assert password not in page.content()
    expect(page.locator(f'tr[data-trunk="{trunk.public_id}"]')).to_contain_text(trunk.username)

    # A number for Xylo, bought through the service; route it to the trunk from its page.
    number = services.number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[0]], client=tenants.x).numbers.get()
    page.goto(f"/numbers/mine/{number.pk}/")
    routing = page.locator("#routing")
    expect(routing.get_by_test_id("route-current")).to_contain_text("No route")
    routing.get_by_label("Trunk", exact=True).select_option(label=f"Xylo office PBX ({trunk.username})")
    expect(routing.get_by_label("A SIP trunk")).to_be_checked()  # choosing a trunk ticks its option
    routing.get_by_role("button", name="Save route").click()
    expect(page.locator(".messages")).to_contain_text("Route saved.")
    expect(page.locator("#routing").get_by_test_id("route-current")).to_contain_text("Xylo office PBX")
    expect(page.locator("#routing").get_by_test_id("route-applied")).to_contain_text("Applies when the number is live.")
    number.refresh_from_db()
    assert number.trunk_id == trunk.pk
    settled(page)
    screenshot("trunks-03-number-with-route")

    # Still there after a reload; the trunk's page lists the number, and its registration follows the PBX.
    page.reload()
    expect(page.locator("#routing").get_by_test_id("route-current")).to_contain_text("Xylo office PBX")
    page.locator("#routing").get_by_role("link", name="Xylo office PBX").click()
    page.wait_for_url(f"**/trunks/{trunk.pk}/")
    expect(page.locator("#trunk-numbers")).to_contain_text("+31 20 700 0001")
    expect(page.locator(f"#trunk-reg-{trunk.pk}")).to_contain_text("Never registered")
    trunks.trunk_registration_update(trunk_id=trunk.pk, registered=True, contact="sip:pbx@198.51.100.7:5060")
    expect(page.locator(f"#trunk-reg-{trunk.pk}")).to_contain_text("Registered", timeout=12_000)
    assert password not in page.content()
    screenshot("trunks-02-trunk-page")

    # New credentials, after the warning: a new password once, the old one no longer accepted.
    page.once("dialog", lambda dialog: dialog.accept() if "disconnects" in dialog.message else dialog.dismiss())
    page.get_by_role("button", name="Regenerate credentials").click()
    expect(page.get_by_test_id("trunk-password")).to_be_visible()
    fresh = page.get_by_test_id("trunk-password").inner_text().strip()
    assert fresh != password
    trunk.refresh_from_db()
    assert trunks.credentials_match(trunk, username=trunk.username, password=fresh)
    assert not trunks.credentials_match(trunk, username=trunk.username, password=password)
    settled(page)
    screenshot("trunks-04-regenerated")

    assert page.js_errors == []
