"""A reseller's brand in Chromium: its clients' portal on the reseller's own domain (mapped to this machine
with Chromium's host resolver rules), at laptop and phone width, and the settings page's live preview."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from accounts.branding.hosts import ConfiguredHosts
from tests.accounts.brand_fixtures import BRAND_DOMAIN, BRAND_NAME, make_brand
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OVERFLOW = "document.scrollingElement.scrollWidth - window.innerWidth"


@pytest.fixture
def live_hosts(settings, live_server):
    """The live server appends its host to a plain-list copy of ALLOWED_HOSTS, made with whatever brand
    domains were verified at that moment (another test's, perhaps); give back the production behaviour."""
    import portal.settings as configured

    live_host = urlsplit(live_server.url).hostname
    settings.ALLOWED_HOSTS = ConfiguredHosts([*configured.ALLOWED_HOSTS.configured, "testserver", live_host])


@pytest.fixture
def branded(tenants, live_hosts, live_server):
    """Alpha Telecom's brand on its verified domain, and the URL of that domain on the live server."""
    make_brand(tenants.a.owner_actor)
    return f"http://{BRAND_DOMAIN}:{urlsplit(live_server.url).port}"


@pytest.fixture
def chromium(monkeypatch):
    """Chromium that sends the brand's domain (and any other name) to this machine."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP * 127.0.0.1"]
        )
        yield browser
        browser.close()
    from django.db import connections

    connections.close_all()


def _no_platform_name(page) -> None:
    text = page.content()
    assert "DIDfarm" not in text, page.url


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE], ids=["laptop", "phone"])
def test_a_client_uses_its_resellers_portal_on_the_resellers_domain(chromium, branded, tenants, viewport):
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(base_url=branded, viewport=viewport, has_touch=viewport is PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    width = "phone" if viewport is PHONE else "laptop"

    page.goto("/login/")
    expect(page.get_by_role("heading", name=BRAND_NAME)).to_be_visible()
    assert page.locator(".auth-box h1 img").evaluate("img => img.naturalWidth") > 0  # the logo loads
    assert page.title().endswith(BRAND_NAME)
    _no_platform_name(page)
    page.screenshot(path=str(ARTIFACTS / f"brand-login-{width}.png"), full_page=True)

    page.get_by_label("Email").fill(tenants.x_admin_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(branded + "/")
    assert page.title().endswith(BRAND_NAME)
    primary = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")
    assert primary == "#8a1538"
    side = page.locator(".sidebar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert side == "rgb(43, 26, 64)"  # #2b1a40
    for path in ("/", "/numbers/mine/", "/billing/invoices/", "/developers/webhooks/", "/account/"):
        page.goto(path)
        _no_platform_name(page)
        assert page.evaluate(OVERFLOW) <= 0, path
    page.goto("/")
    if viewport is PHONE:
        page.get_by_role("button", name="Menu").tap()
        expect(page.locator(".sidebar .brand")).to_contain_text(BRAND_NAME)
    else:
        expect(page.locator(".sidebar .brand")).to_contain_text(BRAND_NAME)
    page.screenshot(path=str(ARTIFACTS / f"brand-client-dashboard-{width}.png"), full_page=True)
    assert not failed, failed
    context.close()


def test_someone_else_cannot_log_in_on_the_resellers_domain(chromium, branded):
    context = chromium.new_context(base_url=branded)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Email").fill("owner@bravo.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    assert urlsplit(page.url).path == "/login/"
    context.close()


def test_an_unknown_host_is_refused(chromium, branded, live_server):
    context = chromium.new_context()
    page = context.new_page()
    response = page.goto(f"http://portal.unknown.example:{urlsplit(live_server.url).port}/login/")
    assert response.status == 400
    context.close()


def test_the_settings_page_previews_the_brand_as_it_is_typed(browser_page, live_server, live_hosts, tenants):
    page = browser_page
    log_in(page, live_server, "owner@alpha.test", PASSWORD)
    page.goto("/settings/brand/")
    preview = page.locator("[data-brand-preview]")
    page.get_by_label("Name your clients see").fill("Northwind Voice")
    expect(preview).to_contain_text("Northwind Voice")
    page.get_by_label("Primary colour").fill("#8a1538")
    colour = preview.evaluate("el => el.style.getPropertyValue('--preview-primary')")
    assert colour == "#8a1538"
    warning = page.locator("[data-contrast-warning]")
    expect(warning).to_be_hidden()
    page.get_by_label("Accent colour").fill("#ffee88")
    expect(warning).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "brand-settings-warning.png"), full_page=True)
    page.get_by_label("Accent colour").fill("#2b1a40")
    expect(warning).to_be_hidden()
    page.get_by_label("Support email").fill("help@northwind.example")
    page.get_by_label("Client portal domain").fill(BRAND_DOMAIN)
    page.get_by_role("button", name="Save the brand").click()
    expect(page.get_by_text("Your brand is saved")).to_be_visible()
    expect(page.get_by_text(f"_portal-verification.{BRAND_DOMAIN}")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "brand-settings.png"), full_page=True)
    assert not page.js_errors, page.js_errors
