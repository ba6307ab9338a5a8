import json
import re
from decimal import Decimal

import pytest

from billing import ledger
from billing.models import LedgerEntry
from numbers_app.models import AvailableNumber, Number, Order
from tests.conftest import assert_error
from tests.numbers.conftest import GB_LONDON, NL_AMS, NL_MOBILE

pytestmark = pytest.mark.django_db


def balance(tenants):
    return ledger.wallet_for(tenants.a.account).balance


def test_checkout_buys_all_items_charges_setup_and_first_period_and_enqueues(
    tenants, stock, api_as, django_capture_on_commit_callbacks, monkeypatch
):
    from numbers_app import tasks

    enqueued = []
    monkeypatch.setattr(tasks.number_provision_task, "delay", enqueued.append)
    api = api_as(tenants.a.key)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/wallet/checkout",
            {
                "items": [{"number": NL_AMS[0], "country": "NL", "type": "local"}, {"number": NL_MOBILE[0]}],
                "client_id": str(tenants.x.pk),
            },
        )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["order_id"] == Order.objects.get().pk
    assert [i["number"] for i in data["items"]] == [NL_AMS[0], NL_MOBILE[0]]
    assert all(i["did_number_id"] for i in data["items"])
    assert data["requires_regulatory"] is False
    # 1.50 (local) + 2.50 setup + 4.00 (mobile)
    assert data["total"] == "8.0000"
    assert balance(tenants) == Decimal("92.0000") == ledger.entries_total(ledger.wallet_for(tenants.a.account))
    entries = LedgerEntry.objects.filter(account=tenants.a.account, amount__lt=0)
    assert entries.count() == 3
    assert {e.client_id for e in entries} == {tenants.x.pk}
    assert {e.reference_type for e in entries} == {"number"}
    assert all(data["id"] in e.description for e in entries)
    assert AvailableNumber.objects.filter(e164__in=[NL_AMS[0], NL_MOBILE[0]], status="sold").count() == 2
    assert sorted(enqueued) == sorted(i["did_number_id"] for i in data["items"])


def test_checkout_where_one_number_is_gone_buys_nothing_and_charges_nothing(tenants, stock, api_as):
    AvailableNumber.objects.filter(e164=NL_AMS[2]).update(status="sold")
    response = api_as(tenants.a.key).post("/api/v1/wallet/checkout", {"items": [{"number": n} for n in NL_AMS[:3]]})
    error = assert_error(response, 422, "number_unavailable")
    assert error["numbers"] == [NL_AMS[2]]
    assert not Number.objects.exists() and not Order.objects.exists()
    assert balance(tenants) == Decimal("100.0000")
    assert AvailableNumber.objects.filter(e164__in=NL_AMS[:2], status="available").count() == 2


def test_insufficient_balance_writes_nothing(tenants, stock, api_as):
    from numbers_app.models import NumberGroup

    NumberGroup.objects.filter(pk=stock.gb_local.pk).update(monthly_price=Decimal("60.00"))
    response = api_as(tenants.a.key).post(
        "/api/v1/wallet/checkout", {"items": [{"number": GB_LONDON[0]}, {"number": GB_LONDON[1]}]}
    )
    assert_error(response, 422, "insufficient_balance")
    assert not Number.objects.exists() and balance(tenants) == Decimal("100.0000")
    assert AvailableNumber.objects.filter(e164__in=GB_LONDON[:2], status="available").count() == 2


def test_post_numbers_orders_one_number_with_cycle_and_forwarding(tenants, stock, api_as):
    response = api_as(tenants.a.key).post(
        "/api/v1/numbers",
        {"number": "+44 20 7946 0101", "billing_cycle": "quarterly", "forwarding": "sip:100@pbx.example.com"},
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["number"] == "+442079460101" and data["id"].startswith("num_")
    assert data["billing_cycle"] == "quarterly" and data["forwarding"] == "sip:100@pbx.example.com"
    assert data["status"] == "provisioning"
    assert balance(tenants) == Decimal("97.0000")  # 3 months of 1.00


def test_post_numbers_refuses_a_bad_forwarding_target(tenants, stock, api_as):
    response = api_as(tenants.a.key).post("/api/v1/numbers", {"number": GB_LONDON[0], "forwarding": "pbx please"})
    error = assert_error(response, 422, "validation_error")
    assert "forwarding" in error["fields"]
    assert not Number.objects.exists()


def test_orbit_purchase_accepts_number_alias_and_checks_capabilities(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    refused = api.post("/api/v1/numbers/purchase", {"number": NL_MOBILE[1], "capabilities": ["sms", "whatsapp"]})
    assert_error(refused, 422, "capability_unavailable")
    from numbers_app.regulatory.services import profile_create

    profile = profile_create(
        actor=tenants.a.owner_actor, end_user_type="business", name="Alpha Telecom BV", street="Dam 1",
        postal_code="1012 JS", city="Amsterdam", address_country="NL", countries=["NL"], number_types=["mobile"],
    )  # fmt: skip
    bought = api.post(
        "/api/v1/numbers/purchase",
        {
            "number": NL_MOBILE[1],
            "country_code": "NL",
            "capabilities": ["sms"],
            "provider_bundle_id": profile.public_id,
        },
    )
    assert bought.status_code == 201, bought.content
    data = bought.json()["data"]
    assert data["capabilities"] == ["sms"] and data["compliance_profile_id"] == profile.public_id
    wrong_country = api.post("/api/v1/numbers/purchase", {"phone_number": NL_MOBILE[2], "country_code": "DE"})
    assert_error(wrong_country, 422, "validation_error")


def test_an_idempotent_retry_of_a_checkout_charges_once(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    body = {"items": [{"number": NL_AMS[5]}]}
    first = api.post("/api/v1/wallet/checkout", body, headers={"Idempotency-Key": "buy-1"})
    second = api.post("/api/v1/wallet/checkout", body, headers={"Idempotency-Key": "buy-1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Order.objects.count() == 1 and balance(tenants) == Decimal("98.5000")


def test_search_returns_money_in_cents_and_euros_and_meta(tenants, stock, api_as):
    response = api_as(tenants.a.key).get("/api/v1/numbers/search?country=NL&type=local&city=amsterdam&limit=3")
    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {"total": 10, "page": 1, "limit": 3}
    first = body["data"][0]
    assert first["number"] == NL_AMS[0] and first["city"] == "Amsterdam"
    assert first["monthly_rate"] == 150 and first["setup_fee"] == 0 and first["monthly_price"] == 1.5
    assert first["requires_regulatory"] is False and first["sms_enabled"] is False


def _exact(response) -> dict:
    """The body read with every JSON number as a Decimal: what a client doing arithmetic reads."""
    assert response.status_code == 200, response.content
    return json.loads(response.content, parse_float=Decimal)


@pytest.mark.parametrize("indent", [None, "application/json; indent=2"])
def test_search_gives_the_monthly_price_as_a_json_number_with_two_decimals(tenants, stock, api_as, indent):
    headers = {"Accept": indent} if indent else {}
    response = api_as(tenants.a.key).get("/api/v1/numbers/search?country=NL&type=mobile&limit=1", headers=headers)
    item = _exact(response)["data"][0]
    assert item["monthly_price"] == Decimal("4.00") and isinstance(item["monthly_price"], Decimal)
    assert re.search(rb'"monthly_price": ?4\.00,', response.content)
    # The Connect guide's fields at its base (/api/v1): integer cents.
    assert (item["monthly_rate"], item["setup_fee"]) == (400, 250)


def test_search_at_the_api_reference_base_gives_the_setup_fee_in_eur_too(tenants, stock, api_as):
    response = api_as(tenants.a.key).get("/v1/numbers/search?country_code=NL&number_type=mobile&limit=1")
    item = _exact(response)["data"][0]
    assert (item["monthly_price"], item["setup_fee"], item["monthly_rate"]) == (Decimal("4.00"), Decimal("2.50"), 400)
    assert b'"monthly_price":4.00,' in response.content and b'"setup_fee":2.50,' in response.content


def test_search_prices_for_a_client_key_are_exact_json_numbers(tenants, stock, api_as):
    from billing.models import PriceRule

    PriceRule.objects.create(
        account=tenants.a.account, client=tenants.x, markup_percent=Decimal("10"), fixed_monthly=Decimal("0.005")
    )
    item = _exact(api_as(tenants.x_key).get("/v1/numbers/search?country=NL&type=local&limit=1"))["data"][0]
    # 1.50 × 1.10 + 0.005 = 1.655, half-up to cents (a float 1.655 would round down)
    assert item["monthly_price"] == Decimal("1.66") and item["monthly_rate"] == 166


def test_the_schema_declares_the_search_prices_as_numbers(client):
    item = client.get("/api/v1/schema").json()["components"]["schemas"]["SearchItem"]["properties"]
    assert item["monthly_price"]["type"] == "number"
    assert item["monthly_rate"]["type"] == "integer" and item["setup_fee"]["type"] == "integer"


def test_available_filters_by_capability_area_code_and_digits(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    sms = api.get("/api/v1/numbers/available?country=NL&capabilities=sms,voice").json()["data"]
    assert {row["number"] for row in sms} == set(NL_MOBILE)
    area = api.get("/api/v1/numbers/available?country=NL&area_code=20&contains=7000005").json()["data"]
    assert [row["number"] for row in area] == [NL_AMS[4]]
    assert_error(api.get("/api/v1/numbers/available?country=NL&capabilities=whatsapp"), 422, "capability_unavailable")
    assert_error(api.get("/api/v1/numbers/available?type=local"), 422, "validation_error")


def test_search_results_have_exactly_the_documented_fields(tenants, stock, api_as):
    from numbers_app.api import AvailableItem, SearchItem

    api = api_as(tenants.a.key)
    search = api.get("/api/v1/numbers/search?country=NL").json()["data"][0]
    available = api.get("/api/v1/numbers/available?country=NL").json()["data"][0]
    assert set(search) == set(SearchItem().fields)
    assert set(available) == set(AvailableItem().fields)


@pytest.mark.parametrize(
    "query",
    [
        {"country": "NL"},
        {"country": "NL", "type": "local"},
        {"country": "NL", "type": "local", "city": "Amsterdam"},
        {"country": "NL", "area_code": "20"},
        {"country": "NL", "capabilities": ("sms",)},
        {"country": "NL", "contains": "0003"},
        {"country": "NL", "type": "mobile", "contains": "3456"},
        {"country": "NL", "city": "Nowhere"},
    ],
)
def test_the_fast_search_page_matches_the_orm_search(stock, query):
    from numbers_app import selectors

    filters = selectors.StockFilters(**query)
    fast = [row.e164 for row in selectors.stock_page(filters, offset=0, limit=100)]
    orm = list(selectors.stock_search(filters).values_list("e164", flat=True)[:100])
    assert fast == orm
    assert selectors.stock_total(filters) == selectors.stock_search(filters).count()


def test_a_search_over_several_groups_merges_them_in_number_order(stock):
    from numbers_app import selectors
    from numbers_app.models import AvailableNumber, NumberGroup
    from numbers_app.services import stock_counts_refresh

    # a second Amsterdam-area group (another capability set) so "area code 20" spans two groups
    extra = NumberGroup.objects.create(
        country_id="NL",
        type="local",
        area_code="20",
        city="Amstelveen",
        region="Noord-Holland",
        has_sms=True,
        monthly_price="2.00",
    )
    # interleaved with the first group's +31207000001..10
    for e164 in ("+31207000000", "+31207000055", "+31207000099"):
        AvailableNumber.objects.create(e164=e164, group=extra, country_id="NL", type="local")
    stock_counts_refresh()
    for contains in ("", "05", "9"):  # (digits too short for the digits index are matched within the groups)
        filters = selectors.StockFilters(country="NL", type="local", area_code="20", contains=contains)
        assert len(selectors.matching_groups(filters)) == 2
        for offset, limit in ((0, 5), (3, 4), (0, 100)):
            merged = [row.e164 for row in selectors.stock_page(filters, offset=offset, limit=limit)]
            expected = list(selectors.stock_search(filters).values_list("e164", flat=True)[offset : offset + limit])
            assert merged == expected and (merged or offset)


def test_both_searches_have_their_default_and_maximum_limits(tenants, stock, api_as):
    from numbers_app.models import AvailableNumber

    group = stock.gb_local
    AvailableNumber.objects.bulk_create(
        AvailableNumber(e164=f"+44207947{n:04d}", group=group, country_id="GB", type="local") for n in range(600)
    )
    api = api_as(tenants.a.key)
    assert len(api.get("/api/v1/numbers/search?country_code=GB&number_type=local").json()["data"]) == 20
    assert len(api.get("/api/v1/numbers/search?country=GB&limit=100").json()["data"]) == 100
    assert (
        "limit"
        in assert_error(api.get("/api/v1/numbers/search?country=GB&limit=101"), 422, "validation_error")["fields"]
    )
    page2 = api.get("/api/v1/numbers/search?country=GB&limit=5&page=2").json()
    assert page2["meta"]["page"] == 2 and len(page2["data"]) == 5
    assert len(api.get("/api/v1/numbers/available?country=GB").json()["data"]) == 100
    assert len(api.get("/api/v1/numbers/available?country=GB&limit=500").json()["data"]) == 500
    assert (
        "limit"
        in assert_error(api.get("/api/v1/numbers/available?country=GB&limit=501"), 422, "validation_error")["fields"]
    )
    assert_error(api.get("/api/v1/numbers/search?type=local"), 422, "validation_error")


def test_insufficient_balance_names_the_whole_order(tenants, stock, api_as):
    from numbers_app.models import NumberGroup

    NumberGroup.objects.filter(pk=stock.gb_local.pk).update(monthly_price=Decimal("40.00"))
    response = api_as(tenants.a.key).post("/api/v1/wallet/checkout", {"items": [{"number": n} for n in GB_LONDON[:3]]})
    error = assert_error(response, 422, "insufficient_balance")
    assert error["required"] == "120.0000" and "120.00" in error["message"]


def test_orbit_purchase_refuses_an_inventory_id_of_another_number(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    listed = api.get("/api/v1/numbers/available?country=NL&type=mobile").json()["data"]
    wrong = api.post("/api/v1/numbers/purchase", {"phone_number": listed[0]["number"], "id": listed[1]["id"]})
    assert "inventory_id" in assert_error(wrong, 422, "validation_error")["fields"]
    right = api.post("/api/v1/numbers/purchase", {"phone_number": listed[0]["number"], "id": listed[0]["id"]})
    assert right.status_code == 201


@pytest.mark.parametrize(
    "path", ["/api/v1/numbers/²", "/api/v1/numbers/num_²", "/api/v1/orders/²", "/api/v1/numbers?client_id=²"]
)
def test_unicode_digits_in_ids_are_not_found_not_a_crash(tenants, stock, api_as, path):
    response = api_as(tenants.a.key).get(path)
    assert response.status_code in (404, 422) and response.json()["error"]["code"] in ("not_found", "validation_error")


def test_numbers_are_found_by_their_number_in_any_notation(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    api.post("/api/v1/numbers", {"number": "0031 20 700 0003"})
    for written in ("+31207000003", "+31 20 700 0003", "+31-20-700-0003"):
        assert api.get(f"/api/v1/numbers/{written}").json()["data"]["number"] == "+31207000003"


def test_single_number_doors_name_errors_after_their_own_fields(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    error = assert_error(api.post("/api/v1/numbers", {"number": "12345"}), 422, "validation_error")
    assert list(error["fields"]) == ["number"]
    error = assert_error(api.post("/api/v1/numbers/purchase", {"phone_number": "+99 nope"}), 422, "validation_error")
    assert list(error["fields"]) == ["phone_number"]
