"""In a real browser, on a phone (390 px) and in several languages: the login with its code step, the
two-factor set-up with its QR code, the account page and the lockout page. Screenshots go to
test-artifacts/."""

import re

import pytest
from playwright.sync_api import Page

from accounts.models import User
from tests.conftest import PASSWORD, totp_code, two_factor_device
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OVERFLOW = "document.scrollingElement.scrollWidth - window.innerWidth"


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"login-{name}.png"), full_page=True)
    assert page.evaluate(OVERFLOW) <= 0, f"{name} scrolls sideways"


def test_setting_up_two_factor_and_logging_in_with_the_code_on_a_phone(phone, live_server, tenants):
    page = phone
    page.goto("/login/")
    shot(page, "01-login")
    page.get_by_label("Email").fill("owner@alpha.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")

    page.goto("/account/")
    shot(page, "02-account")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    assert page.locator("[data-testid=qr] svg").is_visible()
    shot(page, "03-setup")
    secret = page.get_by_test_id("totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7 ]{20,}", secret)
    device = User.objects.get(email="owner@alpha.test").authenticatordevice_set.get(confirmed=False)
    page.get_by_label("Code from the app").fill(totp_code(device))
    page.get_by_role("button", name="Turn on").click()
    codes = re.findall(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", page.get_by_test_id("recovery-codes").inner_text())
    assert len(codes) == 10
    shot(page, "04-recovery-codes")

    page.get_by_role("button", name="Log out").last.click()  # the account menu's, or the plain page's
    page.goto("/login/")
    page.get_by_label("Email").fill("owner@alpha.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/login/verify/")
    shot(page, "05-code-step")
    page.get_by_label("Authentication code").fill(codes[0])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")
    assert page.js_errors == []


@pytest.mark.parametrize("language", ["de", "ar", "ja", "hi"])
def test_the_account_and_lockout_pages_fit_a_phone_in_other_languages(browser, live_server, tenants, language):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale=language)
    page = context.new_page()
    page.set_default_timeout(20_000)
    owner = User.objects.get(email="owner@alpha.test")
    owner.language = language
    owner.save(update_fields=["language"])
    device = two_factor_device(owner)
    page.goto("/login/")
    page.locator("#id_username").fill("owner@alpha.test")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/login/verify/")
    shot(page, f"{language}-code-step")
    page.locator("#id_code").fill(totp_code(device))
    page.locator("form button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")
    page.goto("/account/")
    assert page.locator("html").get_attribute("lang") == language
    assert "Two-factor authentication" not in page.locator("main").inner_text()
    shot(page, f"{language}-account")

    stranger = browser.new_context(base_url=live_server.url, viewport=PHONE, locale=language).new_page()
    for _ in range(6):
        stranger.goto("/login/")
        stranger.locator("#id_username").fill("owner@alpha.test")
        stranger.locator("#id_password").fill("wrong-password-1")
        stranger.locator("form button[type=submit]").click()
    assert stranger.get_by_test_id("locked-out").is_visible()
    shot(stranger, f"{language}-locked-out")
    context.close()
