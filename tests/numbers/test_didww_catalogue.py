"""/api/v3's catalogue and balance, read through the official ``didww`` SDK against the live server:
countries, regions, cities, DID group types, DID groups with their SKUs, available DIDs, pops, balance."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.services import PriceRuleInput, price_rule_save
from numbers_app.models import AvailableNumber
from tests.numbers.conftest import GB_LONDON, NL_AMS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sdk(live_server):
    from didww.client import DidwwClient

    return lambda key: DidwwClient(api_key=key, base_url=live_server.url + "/api/v3")


def test_the_sdk_lists_countries_regions_and_cities_we_sell_in(tenants, stock, sdk):
    from didww.query_params import QueryParams

    client = sdk(tenants.a.key)
    countries = client.countries().list().data
    assert [(c.iso, c.name, c.prefix) for c in countries] == [
        ("DE", "Germany", "49"),
        ("NL", "Netherlands", "31"),
        ("GB", "United Kingdom", "44"),
    ]
    assert client.countries().find("GB").data.name == "United Kingdom"
    regions = client.regions().list(QueryParams().filter("country.id", "NL").include("country")).data
    assert [(r.id, r.name, r.country.iso) for r in regions] == [("NL-noord-holland", "Noord-Holland", "NL")]
    london = client.cities().find("GB-london", QueryParams().include("region", "country")).data
    assert (london.name, london.region.name, london.country.iso) == ("London", "England", "GB")
    assert {t.id for t in client.did_group_types().list().data} == {
        "local", "mobile", "national", "toll_free", "short_code",
    }  # fmt: skip


def test_the_sdk_lists_did_groups_with_a_sku_per_billing_cycle_at_wholesale_prices(tenants, stock, sdk):
    from didww.enums import Feature
    from didww.query_params import QueryParams

    client = sdk(tenants.a.key)
    params = QueryParams().filter("country.id", "NL").include("stock_keeping_units", "city", "did_group_type")
    groups = {g.id: g for g in client.did_groups().list(params).data}
    assert set(groups) == {str(stock.nl_local.pk), str(stock.nl_mobile.pk)}
    mobile = groups[str(stock.nl_mobile.pk)]
    assert mobile.features == [Feature.VOICE_IN, Feature.SMS_IN] and mobile.did_group_type.name == "Mobile"
    skus = {s.id: s for s in mobile.stock_keeping_units}
    assert set(skus) == {f"{stock.nl_mobile.pk}-{c}" for c in ("monthly", "quarterly", "annual")}
    assert {(s.setup_price, s.monthly_price) for s in skus.values()} == {("2.5000", "4.0000")}
    amsterdam = groups[str(stock.nl_local.pk)]
    assert amsterdam.city.name == "Amsterdam" and amsterdam.prefix == "20"


def test_a_client_key_sees_its_price_lists_prices_never_wholesale(tenants, stock, sdk):
    from didww.query_params import QueryParams

    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("50")))
    group = (
        sdk(tenants.x_key).did_groups().find(str(stock.gb_local.pk), QueryParams().include("stock_keeping_units")).data
    )
    assert {s.monthly_price for s in group.stock_keeping_units} == {"1.5000"}
    with pytest.raises(Exception) as refused:
        sdk(tenants.x_key).balance().find()
    assert refused.value.status_code == 403


def test_the_sdk_pages_through_available_dids_of_a_group_with_the_group_included(tenants, stock, sdk):
    from didww.query_params import QueryParams

    client = sdk(tenants.a.key)
    params = QueryParams().filter("did_group.id", str(stock.gb_local.pk)).include("did_group").page(2, 4)
    page = client.available_dids().list(params)
    assert page.meta["total_records"] == len(GB_LONDON)
    assert [d.number for d in page.data] == [n[1:] for n in GB_LONDON[4:8]]
    assert page.data[0].did_group.prefix == "20"
    AvailableNumber.objects.filter(e164=GB_LONDON[0]).update(status=AvailableNumber.Status.SOLD)
    first = client.available_dids().list(QueryParams().filter("country.id", "GB").page(1, 1)).data[0]
    assert first.number == GB_LONDON[1][1:]
    found = client.available_dids().find(first.id).data
    assert found.number == first.number


def test_available_dids_filter_by_digits_and_unknown_ids_are_404(tenants, stock, sdk):
    from didww.exceptions import DidwwApiError
    from didww.query_params import QueryParams

    client = sdk(tenants.a.key)
    hits = client.available_dids().list(QueryParams().filter("number.contains", NL_AMS[3][-5:])).data
    assert [d.number for d in hits] == [NL_AMS[3][1:]]
    with pytest.raises(DidwwApiError) as missing:
        client.available_dids().find("999999")
    assert missing.value.status_code == 404 and missing.value.errors[0]["code"] == "not_found"
    with pytest.raises(DidwwApiError) as bad:
        client.available_dids().list(QueryParams().filter("colour", "red"))
    assert bad.value.status_code == 400


def test_the_sdk_reads_the_balance_and_pops(tenants, stock, sdk):
    client = sdk(tenants.a.key)
    balance = client.balance().find().data
    assert (balance.balance, balance.total_balance, balance.credit) == ("100.0000", "100.0000", "0.0000")
    pops = client.pops().list().data
    assert len(pops) == 1 and pops[0].name
