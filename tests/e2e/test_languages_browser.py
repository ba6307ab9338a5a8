"""The portal in Arabic and Japanese in a real browser: the language is chosen with the header's switcher,
Arabic pages run right to left with the navigation on the right, phone numbers still read left to right,
and no text overflows its box on the dashboard, the number search or the SMS compose page. Screenshots
of each are kept in test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import User
from numbers_app.services import number_configure, number_provision, number_purchase
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.numbers.conftest import NL_AMS, NL_MOBILE, stock  # noqa: F401 (the fixture, used below)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]

# Visible elements holding text that must fit: navigation, buttons, table cells, cards, labels, badges,
# headings. Scroll containers (a wide table's panel) are not boxes text may overflow.
OVERFLOWING = """
() => {
  const selector = [
    'nav a', 'nav h6', 'button', 'a.button', 'th', 'td', '.card', '.card .label', '.card .value', 'label',
    'legend', '.badge', '.tag', '.cap', 'h1', 'h2', '.crumbs', '.topbar strong', '.account-menu summary',
    '.wallet-badge', '.cart-lines li', '.cart-total', '.pager', '.sms-counter', 'dt', 'dd', 'select'
  ].join(',');
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (el.closest('.visually-hidden') || style.visibility === 'hidden' || style.display === 'none') continue;
    if (el.offsetParent === null || el.clientWidth < 3 || !el.textContent.trim()) continue;
    if (['auto', 'scroll'].includes(style.overflowX)) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      out.push(`${el.tagName.toLowerCase()}.${el.className}: "${el.textContent.trim().slice(0, 60)}" ` +
               `(${el.scrollWidth} > ${el.clientWidth})`);
    }
  }
  return out;
}
"""


@pytest.fixture
def sms_number(tenants, settings):
    """A live NL mobile number with SMS on (the compose page offers it), and a landline bought too."""
    settings.SANDBOX_PROVISION_SECONDS = 0
    owner = tenants.a.owner_actor
    numbers = [number_purchase(actor=owner, numbers=[e164]).numbers.get() for e164 in (NL_MOBILE[0], NL_AMS[0])]
    for number in numbers:
        number_provision(number_id=number.pk)
    mobile = numbers[0]
    mobile.refresh_from_db()
    number_configure(actor=owner, number=mobile, capabilities=["voice", "sms"])
    return mobile


def switch_language(page, language: str) -> None:
    """Choose a language in the header's switcher; the page reloads in it."""
    with page.expect_navigation():
        page.get_by_test_id("language-switch").locator("select").select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", language)


def assert_fits(page, where: str) -> None:
    overflowing = page.evaluate(OVERFLOWING)
    assert not overflowing, f"{where}: text overflows its box:\n" + "\n".join(overflowing)


@pytest.mark.parametrize("language", ["ar", "ja"])
def test_dashboard_search_and_compose_in_arabic_and_japanese(
    browser_page, live_server, screenshot, tenants, sms_number, language
):
    page = browser_page
    rtl = language == "ar"
    log_in(page, live_server, "owner@alpha.test", PASSWORD)
    switch_language(page, language)
    assert User.objects.get(email="owner@alpha.test").language == language

    # Dashboard.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if rtl else "ltr")
    assert page.evaluate("getComputedStyle(document.body).direction") == ("rtl" if rtl else "ltr")
    sidebar = page.locator("aside.sidebar").bounding_box()
    main = page.locator("main").bounding_box()
    if rtl:  # the navigation mirrors to the right of the page
        assert sidebar["x"] > main["x"]
    else:
        assert sidebar["x"] < main["x"]
    expect(page.get_by_test_id("wallet-balance")).to_contain_text("EUR")
    assert_fits(page, "dashboard")
    screenshot(f"i18n-{language}-01-dashboard")

    # The account menu opens without scripts' help and lists the languages by their own names.
    page.locator(".account-menu summary").click()
    expect(page.locator(".account-menu .menu")).to_be_visible()
    expect(page.locator('.account-menu button[value="ja"]')).to_have_text("日本語")
    expect(page.locator('.account-menu button[value="ar"]')).to_have_text("العربية")
    assert_fits(page, "account menu")
    screenshot(f"i18n-{language}-02-account-menu")
    page.locator(".account-menu summary").click()

    # Number search with results: numbers read left to right whatever the page's direction.
    page.goto("/numbers/?country=NL")
    expect(page.locator("#results tbody tr").first).to_be_visible()
    number_cell = page.locator("#results tbody tr strong").first
    box = number_cell.bounding_box()
    plus = page.evaluate(
        """(el) => { const r = document.createRange(); const t = el.firstChild;
                     const i = t.textContent.indexOf('+'); r.setStart(t, i); r.setEnd(t, i + 1);
                     return r.getBoundingClientRect().x; }""",
        number_cell.element_handle(),
    )
    assert plus - box["x"] < 12, "the + of a phone number comes first, on the left"
    assert_fits(page, "number search")
    screenshot(f"i18n-{language}-03-number-search")

    # Compose: the live counter and its price in the page's language.
    page.goto("/messaging/compose/")
    page.locator("input[name=to]").fill("+31612345678")
    page.locator("textarea[name=body]").fill("مرحبا 你好 こんにちは")
    counter = page.locator("[data-sms-counter]")
    expect(counter.locator('[data-part="encoding"]')).to_have_text("UCS-2")
    expect(counter.locator('[data-part="price"]')).to_have_text("0.0080")
    assert_fits(page, "compose")
    screenshot(f"i18n-{language}-04-compose")

    assert not page.js_errors, page.js_errors
