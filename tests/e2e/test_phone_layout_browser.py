"""The portal on a phone (390 × 844, touch): no page scrolls sideways (a table too wide for the screen
scrolls inside its own box), the sidebar folds into a Menu button, and the main flows work by tapping.
Every main page a reseller and a client admin reach is visited with realistic rows on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import Client, Membership, Role
from accounts.services import member_invite
from billing.invoices import invoice_prepare
from messaging import services as sms
from numbers_app.models import Number
from numbers_app.services import number_configure, number_provision, number_purchase
from numbers_app.trunks import services as trunks
from portal.webhooks import services as webhooks
from tests.conftest import PASSWORD, totp_code, two_factor_device
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.e2e.test_buy_numbers_browser import settled
from tests.numbers.conftest import GB_LONDON, NL_AMS, NL_MOBILE, stock  # noqa: F401 (the fixture, used below)
from tests.numbers.regulatory_fixtures import make_port, make_profile

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]

PHONE = {"width": 390, "height": 844}
OVERFLOW = "document.scrollingElement.scrollWidth - window.innerWidth"


@dataclass
class Rows:
    x_number: Number
    y_number: Number
    x_trunk: int
    order: int
    profile: int
    port: int
    webhook: int
    invoice: int
    contact: str


@pytest.fixture
def rows(tenants, settings, tmp_path) -> Rows:
    """Numbers for X, for Y and for nobody, SMS, a trunk, a compliance profile, a port, a webhook, an
    invoice, a pending invitation: every list has rows, and the longest things the pages show."""
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0
    settings.REGULATORY_DOCUMENTS_DIR = tmp_path / "documents"
    owner = tenants.a.owner_actor
    x, y = tenants.x, tenants.y
    order = number_purchase(actor=owner, numbers=NL_MOBILE[:3], client=x, sms_where_offered=True)
    number_purchase(actor=owner, numbers=NL_AMS[:2], client=y)
    number_purchase(actor=owner, numbers=GB_LONDON[:2])
    for number in Number.objects.all():
        number_provision(number_id=number.pk)
    x_number = Number.objects.filter(client=x, sms_enabled=True).order_by("e164").first()
    y_number = Number.objects.filter(client=y).order_by("e164").first()
    number_configure(actor=owner, number=x_number, label="Front desk, main line", tags=["reception", "eu-west"])
    trunk = trunks.trunk_create(actor=owner, name="Xylo Dental main office PBX", client_id=x.pk).trunk
    trunks.trunk_create(
        actor=owner, name="Yarrow warehouse", client_id=y.pk, auth_type="ip", allowed_ips=["203.0.113.10"]
    )
    trunks.number_route(actor=owner, number=x_number, trunk=trunk)
    contact = "+31612345678"
    for text in ("Your appointment is confirmed for Tuesday 10:30. Reply STOP to opt out.", "See you soon!"):
        sms.sms_send(actor=owner, number=x_number, to=contact, body=text)
    profile, _ = make_profile(owner, client=x, countries=("NL", "DE"), number_types=("local", "mobile"))
    port = make_port(owner, client=x)
    webhook = webhooks.webhook_create(
        actor=owner, url="http://127.0.0.1:9/hooks/didfarm/events-receiver-with-a-rather-long-path", events=["*"]
    ).endpoint
    invoice = invoice_prepare(actor=owner, client_id=x.pk, month=date.today().replace(day=1))
    member_invite(actor=owner, email="new.colleague.with.a.long.address@alpha.test", role=Role.ADMIN, notify=False)
    return Rows(
        x_number=x_number,
        y_number=y_number,
        x_trunk=trunk.pk,
        order=order.pk,
        profile=profile.pk,
        port=port.pk,
        webhook=webhook.pk,
        invoice=invoice.pk,
        contact=contact,
    )


def reseller_pages(tenants, rows: Rows) -> list[str]:
    x = tenants.x
    return [
        reverse("dashboard"),
        reverse("number_search"),
        reverse("number_search") + "?country=NL",
        reverse("number_list"),
        reverse("number_detail", args=[rows.x_number.pk]),
        reverse("number_orders"),
        reverse("number_order", args=[rows.order]),
        reverse("compliance_list"),
        reverse("compliance_detail", args=[rows.profile]),
        reverse("port_list"),
        reverse("port_new"),
        reverse("port_detail", args=[rows.port]),
        reverse("trunk_list"),
        reverse("trunk_detail", args=[rows.x_trunk]),
        reverse("sms_inbox"),
        reverse("sms_threads"),
        reverse("sms_thread", args=[rows.x_number.pk, rows.contact.lstrip("+")]),
        reverse("sms_compose"),
        reverse("wallet"),
        reverse("renewals"),
        reverse("client_costs_list"),
        reverse("client_costs", args=[x.pk]),
        reverse("invoice_list"),
        reverse("invoice_detail", args=[rows.invoice]),
        reverse("legal_profile"),
        reverse("client_billing_profile", args=[x.pk]),
        reverse("price_list"),
        reverse("api_keys"),
        reverse("webhook_list"),
        reverse("webhook_detail", args=[rows.webhook]),
        reverse("clients"),
        reverse("client_detail", args=[x.pk]),
        reverse("team"),
        reverse("audit"),
    ]


def client_admin_pages(tenants, rows: Rows) -> list[str]:
    return [
        reverse("dashboard"),
        reverse("number_list"),
        reverse("number_detail", args=[rows.x_number.pk]),
        reverse("compliance_list"),
        reverse("compliance_detail", args=[rows.profile]),
        reverse("port_list"),
        reverse("port_detail", args=[rows.port]),
        reverse("trunk_list"),
        reverse("trunk_detail", args=[rows.x_trunk]),
        reverse("sms_inbox"),
        reverse("sms_threads"),
        reverse("sms_thread", args=[rows.x_number.pk, rows.contact.lstrip("+")]),
        reverse("sms_compose"),
        reverse("wallet"),
        reverse("client_costs", args=[tenants.x.pk]),
        reverse("invoice_list"),
        reverse("client_billing_profile", args=[tenants.x.pk]),
        reverse("api_keys"),
        reverse("webhook_list"),
        reverse("clients"),
    ]


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized, touch-driven page of its own (own cookies) on the live server."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)  # the pages with every row on them, on a busy machine
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    page.on("response", lambda r: page.js_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield page
    context.close()


def sideways(page: Page, path: str, shot: str) -> list[str]:
    """Open ``path``; what (if anything) makes the page wider than the screen."""
    response = page.goto(path)
    assert response.status == 200, f"{path}: {response.status}"
    page.wait_for_load_state("load")
    settled(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{shot}.png"), full_page=True)
    extra = page.evaluate(OVERFLOW)
    if extra <= 0:
        return []
    widest = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
             .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
             .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))"""
    )
    return [f"{path} is {extra}px too wide ({', '.join(widest)})"]


def test_no_page_a_reseller_reaches_scrolls_sideways_on_a_phone(phone, live_server, tenants, rows):
    log_in(phone, live_server, "owner@alpha.test", PASSWORD)

    problems = []
    for index, path in enumerate(reseller_pages(tenants, rows)):
        problems += sideways(phone, path, f"reseller-{index:02d}")

    assert problems == []
    assert phone.js_errors == []


def test_no_page_a_client_admin_reaches_scrolls_sideways_on_a_phone(phone, live_server, tenants, rows):
    log_in(phone, live_server, tenants.x_admin_email, PASSWORD)

    problems = []
    for index, path in enumerate(client_admin_pages(tenants, rows)):
        problems += sideways(phone, path, f"client-admin-{index:02d}")

    assert problems == []
    assert phone.js_errors == []


def test_a_wide_table_scrolls_inside_its_own_box(phone, live_server, tenants, rows):
    log_in(phone, live_server, "owner@alpha.test", PASSWORD)
    phone.goto(reverse("wallet"))

    table = phone.locator("main table").first
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # wider than the screen: scrolls itself
    assert phone.evaluate(OVERFLOW) <= 0
    table.evaluate("t => { t.scrollLeft = 10000; }")
    assert table.evaluate("t => t.scrollLeft") > 0
    assert phone.evaluate("window.scrollX") == 0


def test_the_sidebar_folds_into_a_menu_button_opened_and_closed_by_touch(phone, live_server, tenants, rows):
    log_in(phone, live_server, "owner@alpha.test", PASSWORD)
    menu = phone.get_by_role("button", name="Menu", exact=True)
    nav = phone.get_by_role("navigation", name="Main")

    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.tap()
    expect(nav).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    phone.screenshot(path=str(ARTIFACTS / "phone-menu-open.png"))

    # Tapping beside the drawer closes it; so does Escape; a link in it goes to its page.
    phone.mouse.click(370, 600)
    expect(nav).to_be_hidden()
    menu.tap()
    phone.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()
    menu.tap()
    nav.get_by_role("link", name="Clients").tap()
    phone.wait_for_url("**/settings/clients/")
    expect(phone.get_by_role("navigation", name="Main")).to_be_hidden()


def test_on_a_laptop_the_sidebar_stays_and_there_is_no_menu_button(browser_page, live_server, tenants):
    log_in(browser_page, live_server, "owner@alpha.test", PASSWORD)

    expect(browser_page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(browser_page.get_by_role("button", name="Menu", exact=True)).to_be_hidden()


def test_a_reseller_runs_a_client_and_its_team_by_touch(phone, live_server, tenants, rows):
    """From the menu to the client's page, its numbers, an edit, a suspension (confirmed) and back; then a
    role changed and an invitation withdrawn on the team page."""
    log_in(phone, live_server, "owner@alpha.test", PASSWORD)
    x = tenants.x
    dialogs = []
    phone.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    phone.get_by_role("button", name="Menu", exact=True).tap()
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").tap()
    phone.get_by_role("link", name="Xylo Dental").tap()
    phone.wait_for_url(f"**/settings/clients/{x.pk}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Xylo Dental")
    expect(phone.locator("#client-trunks")).to_contain_text("Xylo Dental main office PBX")
    expect(phone.locator("#client-messages")).to_contain_text("2 sent, 0 received")

    # Edit the details in place.
    form = phone.get_by_test_id("client-form")
    form.get_by_label("Your reference").fill("XD-2041")
    form.get_by_role("button", name="Save").tap()
    settled(phone)
    expect(phone.locator("#client-page .messages")).to_contain_text("Saved.")
    assert Client.objects.get(pk=x.pk).reference == "XD-2041"

    # Suspend, after the question; then reactivate.
    phone.get_by_role("button", name="Suspend client").tap()
    expect(phone.get_by_test_id("client-status")).to_have_text("Suspended")
    assert dialogs and dialogs[-1].startswith("Suspend Xylo Dental?")
    assert Client.objects.get(pk=x.pk).is_active is False
    assert phone.evaluate(OVERFLOW) <= 0
    phone.screenshot(path=str(ARTIFACTS / "phone-client-suspended.png"), full_page=True)
    phone.get_by_role("button", name="Reactivate client").tap()
    expect(phone.get_by_test_id("client-status")).to_have_text("Active")
    assert Client.objects.get(pk=x.pk).is_active is True

    # The numbers card leads to the number list filtered to this client.
    phone.get_by_test_id("client-numbers-card").tap()
    phone.wait_for_url(f"**/numbers/mine/?client={x.pk}")
    expect(phone.locator(f'tr[data-number="{rows.y_number.e164}"]')).to_have_count(0)
    expect(phone.locator(f'tr[data-number="{rows.x_number.e164}"]')).to_have_count(1)

    # Team: Y's admin becomes a client viewer of Y; the pending invitation is withdrawn.
    phone.goto(reverse("team"))
    row = phone.locator('tr[data-member="admin@yarrow.test"]')
    row.get_by_text("Change role").tap()
    row.get_by_label("Role", exact=True).select_option(Role.CLIENT_VIEWER)
    row.get_by_role("button", name="Save role").tap()
    expect(phone.locator(".messages")).to_contain_text("admin@yarrow.test is now Client viewer · Yarrow Logistics.")
    assert Membership.objects.get(user__email="admin@yarrow.test").role == Role.CLIENT_VIEWER
    invitation = phone.locator('tr[data-invitation="new.colleague.with.a.long.address@alpha.test"]')
    invitation.get_by_role("button", name="Withdraw").tap()
    expect(phone.locator(".messages")).to_contain_text("withdrawn")
    assert not Membership.objects.filter(user__email="new.colleague.with.a.long.address@alpha.test").exists()
    assert phone.evaluate(OVERFLOW) <= 0
    assert phone.js_errors == []


def test_number_group_prices_fit_beside_the_filters_on_a_laptop(browser_page, live_server, staff_actor):
    page = browser_page
    device = two_factor_device(staff_actor.user)
    page.goto("/admin/login/")
    page.get_by_label("Email").fill(staff_actor.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Authentication code").fill(totp_code(device))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    page.goto("/admin/numbers/numbergroup/")

    results = page.locator("#changelist .results")
    expect(results.locator("input.price-input").first).to_be_visible()
    assert results.evaluate("r => r.scrollWidth - r.clientWidth") <= 0
    last = results.locator("td.field-requires_regulatory").first
    assert last.evaluate("td => td.getBoundingClientRect().right") <= results.evaluate(
        "r => r.getBoundingClientRect().right"
    )
    page.screenshot(path=str(ARTIFACTS / "staff-number-groups.png"))
