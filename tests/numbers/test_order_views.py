"""The order pages: every amount charged is a line of the order, the lines add up to what was charged, and a
client admin is shown its own prices in its own words (no wallet, never wholesale)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import LedgerEntry
from billing.services import PriceRuleInput, price_rule_save
from numbers_app import services
from numbers_app.models import Number
from tests.numbers.conftest import NL_AMS, NL_MOBILE, login

pytestmark = pytest.mark.django_db

AMOUNT = re.compile(r"-?[\d,]+\.\d\d")


def amounts(html: str, testid: str) -> list[Decimal]:
    cells = re.findall(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
    return [Decimal(AMOUNT.search(cell).group().replace(",", "")) for cell in cells]


def buy(tenants, *numbers, client=None, **kw):
    return services.number_purchase(actor=tenants.a.owner_actor, numbers=list(numbers), client=client, **kw)


def test_the_order_page_lists_the_sms_add_on_and_its_lines_add_up_to_the_charge(owner, tenants, stock):
    order = buy(tenants, NL_MOBILE[0], NL_AMS[0], sms_where_offered=True)
    charged = -sum(e.amount for e in LedgerEntry.objects.filter(account=tenants.a.account, amount__lt=0))
    assert order.items.get(e164=NL_MOBILE[0]).sms_addon == Decimal("1.0000")  # bought with SMS

    html = owner.get(reverse("number_order", args=[order.pk])).content.decode()

    assert "SMS add-on, first period" in html
    lines = amounts(html, "order-line")
    assert lines == [Decimal("6.50"), Decimal("1.00"), Decimal("1.50")]  # the mobile, its add-on, the landline
    assert sum(lines) == amounts(html, "order-total")[0] == amounts(html, "order-charged")[0] == charged


def test_a_failed_number_refunds_its_sms_add_on_too(owner, tenants, stock):
    order = buy(tenants, NL_MOBILE[0], capabilities=["voice", "sms"])
    number = order.numbers.get()
    Number.objects.filter(pk=number.pk).update(status=Number.Status.FAILED)

    response = owner.get(reverse("number_order", args=[order.pk]))

    assert response.context["refunded"] == Decimal("7.50")  # setup 2.50 + first month 4.00 + add-on 1.00


def test_a_client_admin_sees_its_own_price_without_wallet_words_or_wholesale_amounts(tenants, stock):
    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("100")))
    order = buy(tenants, NL_MOBILE[0], client=tenants.x, capabilities=["voice", "sms"])  # 7.50 wholesale
    owner_html = login("owner@alpha.test").get(reverse("number_order", args=[order.pk])).content.decode()
    assert "Charged to your wallet" in owner_html and amounts(owner_html, "order-charged") == [Decimal("7.50")]

    x_admin = login(tenants.x_admin_email)
    html = x_admin.get(reverse("number_order", args=[order.pk])).content.decode()
    fragment = x_admin.get(reverse("number_order", args=[order.pk]), headers={"HX-Request": "true"}).content.decode()

    main = re.sub(r"<[^>]+>", " ", html.split("<main>", 1)[1])  # the page's words, without the layout's
    assert "wallet" not in main.lower() and "Your price" in main
    lines = amounts(html, "order-line")
    assert lines == [Decimal("13.00"), Decimal("2.00")]  # the number (5.00 + 8.00) and its add-on, doubled
    assert sum(lines) == amounts(html, "order-total")[0] == amounts(html, "order-charged")[0] == Decimal("15.00")
    wholesale = {"2.50", "4.00", "6.50", "1.00", "7.50"}
    for page in (html, fragment):
        assert not wholesale & set(AMOUNT.findall(page)), "a wholesale amount is shown to the client"


def test_a_client_admins_order_history_shows_its_own_totals(tenants, stock):
    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("100")))
    buy(tenants, NL_MOBILE[0], client=tenants.x)  # 6.50 wholesale, 13.00 to the client

    html = login(tenants.x_admin_email).get(reverse("number_orders")).content.decode()
    owner_html = login("owner@alpha.test").get(reverse("number_orders")).content.decode()

    assert "13.00 EUR" in html and "6.50" not in html
    assert "6.50 EUR" in owner_html
