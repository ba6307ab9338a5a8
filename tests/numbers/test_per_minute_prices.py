"""Per-minute prices where numbers are chosen and compared: a metered group (toll-free, usually) shows its
price per answered minute in search results (pages, /api/v1 search and available items), the cart and
the checkout, a number's page, the price list's examples, and /api/v3's DID groups (``is_metered``, and
``metered_rate`` on their SKUs); a client-scoped viewer sees it with the price list's markup. Unmetered
numbers show none (null in the API)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.services import PriceRuleInput, price_rule_save
from numbers_app import group_cache
from numbers_app import services as number_services

from .conftest import NL_AMS, NL_MOBILE, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def metered(stock):
    """The NL mobile group is metered at EUR 0.0150 a minute; the others are flat."""
    stock.nl_mobile.minute_price = Decimal("0.0150")
    stock.nl_mobile.save(update_fields=["minute_price"])
    group_cache.changed()
    return stock


def test_search_items_give_the_per_minute_price_or_null(tenants, metered, api_as):
    api = api_as(tenants.a.key)
    mobile = api.get("/api/v1/numbers/search?country=NL&number_type=mobile").json()["data"]
    assert mobile and all(item["per_minute_price"] == "0.0150" for item in mobile)
    local = api.get("/api/v1/numbers/search?country=NL&number_type=local").json()["data"]
    assert local and all(item["per_minute_price"] is None for item in local)
    available = api.get("/api/v1/numbers/available?country=NL&type=mobile").json()["data"]
    assert available and all((item["per_minute_cost"], item["currency"]) == ("0.0150", "EUR") for item in available)
    flat = api.get("/api/v1/numbers/available?country=NL&type=local").json()["data"]
    assert flat and all(item["per_minute_cost"] is None for item in flat)


def test_a_client_scoped_key_sees_the_per_minute_price_with_the_markup(tenants, metered, api_as):
    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("20")))
    item = api_as(tenants.x_key).get("/api/v1/numbers/search?country=NL&number_type=mobile").json()["data"][0]
    assert (item["per_minute_price"], item["monthly_price"]) == ("0.0180", 4.8)
    wholesale = api_as(tenants.a.key).get("/api/v1/numbers/search?country=NL&number_type=mobile").json()["data"][0]
    assert wholesale["per_minute_price"] == "0.0150"


def test_the_search_page_cart_and_checkout_show_the_per_minute_price(tenants, metered):
    page = login("owner@alpha.test")
    results = page.get("/numbers/?country=NL").content.decode()
    assert results.count('data-testid="per-minute"') == len(NL_MOBILE)  # the metered rows only
    assert "0.0150" in results
    page.post("/numbers/cart/add/", {"number": NL_MOBILE[0]})
    page.post("/numbers/cart/add/", {"number": NL_AMS[0]})
    cart = page.get("/numbers/cart/", headers={"HX-Request": "true"}).content.decode()
    assert cart.count('data-testid="per-minute"') == 1
    checkout = page.get("/numbers/checkout/").content.decode()
    assert checkout.count('data-testid="per-minute"') == 1 and 'data-testid="metered-note"' in checkout


def test_the_checkout_of_flat_numbers_has_no_metered_note(tenants, metered):
    page = login("owner@alpha.test")
    page.post("/numbers/cart/add/", {"number": NL_AMS[0]})
    checkout = page.get("/numbers/checkout/").content.decode()
    assert NL_AMS[0][3:] in checkout.replace(" ", "")
    assert 'data-testid="metered-note"' not in checkout and 'data-testid="per-minute"' not in checkout


def test_a_metered_numbers_page_shows_the_viewers_price_per_minute(
    tenants, metered, django_capture_on_commit_callbacks
):
    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("10")))
    bought = number_services.number_purchase(
        actor=tenants.a.owner_actor, numbers=[NL_MOBILE[1], NL_AMS[1]], client=tenants.x
    )
    mobile = bought.numbers.get(e164=NL_MOBILE[1])
    local = bought.numbers.get(e164=NL_AMS[1])
    owner = login("owner@alpha.test")
    assert "0.0150" in owner.get(f"/numbers/mine/{mobile.pk}/").content.decode()
    client_html = login(tenants.x_admin_email).get(f"/numbers/mine/{mobile.pk}/").content.decode()
    assert 'data-testid="number-minute-price"' in client_html and "0.0165" in client_html
    assert 'data-testid="number-minute-price"' not in owner.get(f"/numbers/mine/{local.pk}/").content.decode()


def test_the_price_list_shows_what_clients_pay_a_metered_minute(tenants, metered):
    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("10")))
    price_rule_save(
        actor=tenants.a.owner_actor,
        data=PriceRuleInput(country="GB", number_type="local", markup_percent=Decimal("50")),
    )
    html = login("owner@alpha.test").get("/billing/prices/").content.decode()
    cells = html.split('data-testid="example-minute">')[1:]
    shown = sorted(cell.split("</td>")[0] + "|" + cell.split("<strong>")[1].split("<")[0] for cell in cells)
    # the catch-all line covers the metered NL mobile group; GB local has none metered: the sample price
    assert shown == ["0.0150|0.0165", "0.0200|0.0300"]


def test_api_v3_did_groups_say_which_are_metered_and_the_skus_give_the_rate(tenants, metered, api_as):
    api = api_as(tenants.a.key, header="Api-Key")
    body = api.get("/api/v3/did_groups?filter[country.id]=NL&include=stock_keeping_units").json()
    groups = {g["id"]: g for g in body["data"]}
    assert groups[str(metered.nl_mobile.pk)]["attributes"]["is_metered"] is True
    assert groups[str(metered.nl_local.pk)]["attributes"]["is_metered"] is False
    skus = {s["id"]: s["attributes"] for s in body["included"] if s["type"] == "stock_keeping_units"}
    assert skus[f"{metered.nl_mobile.pk}-monthly"]["metered_rate"] == "0.0150"
    assert skus[f"{metered.nl_local.pk}-monthly"]["metered_rate"] is None

    only = api.get("/api/v3/did_groups?filter[is_metered]=true").json()["data"]
    assert [g["id"] for g in only] == [str(metered.nl_mobile.pk)]
    flat = api.get("/api/v3/did_groups?filter[is_metered]=false").json()["data"]
    assert str(metered.nl_mobile.pk) not in {g["id"] for g in flat} and len(flat) == 3

    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("20")))
    client_body = (
        api_as(tenants.x_key, header="Api-Key")
        .get(f"/api/v3/did_groups/{metered.nl_mobile.pk}?include=stock_keeping_units")
        .json()
    )
    assert {s["attributes"]["metered_rate"] for s in client_body["included"]} == {"0.0180"}


def test_the_api_checkout_and_order_give_each_lines_per_minute_price(tenants, metered, api_as):
    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("20")))
    made = api_as(tenants.a.key).post(
        "/api/v1/wallet/checkout",
        {"items": [{"number": NL_MOBILE[2]}, {"number": NL_AMS[2]}], "client_id": tenants.x.pk},
    )
    assert made.status_code == 201, made.content
    lines = {item["number"]: item["per_minute_price"] for item in made.json()["data"]["items"]}
    assert lines == {NL_MOBILE[2]: "0.0150", NL_AMS[2]: None}
    order_id = made.json()["data"]["id"]
    seen = api_as(tenants.x_key).get(f"/api/v1/orders/{order_id}").json()["data"]["items"]
    assert {item["number"]: item["per_minute_price"] for item in seen} == {NL_MOBILE[2]: "0.0180", NL_AMS[2]: None}
