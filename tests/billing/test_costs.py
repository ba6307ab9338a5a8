"""Per-client costs: wholesale, client price and margin by kind, number and month, over the API, as CSV
and on the Billing → clients pages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from billing.models import LedgerEntry
from billing.services import PriceRuleInput, price_rule_save
from numbers_app.models import Number
from numbers_app.services import number_provision, number_purchase
from tests.conftest import assert_error
from tests.numbers.conftest import GB_LONDON, NL_AMS, NL_MOBILE, login, make_stock_number, stock  # noqa: F401

pytestmark = [pytest.mark.django_db]


def buy(tenants, e164: str, client) -> Number:
    number = number_purchase(actor=tenants.a.owner_actor, numbers=[e164], client=client).numbers.get()
    number_provision(number_id=number.pk)
    return number


@pytest.fixture
def priced(tenants, stock):
    """X: an NL mobile (4.00 + setup 2.50) and an NL local (1.50) at +25 %; Y: a GB local (1.00) at +10 %."""
    price_rule_save(actor=tenants.a.owner_actor, data=PriceRuleInput(markup_percent=Decimal("25")))
    price_rule_save(
        actor=tenants.a.owner_actor, data=PriceRuleInput(client_id=tenants.y.pk, markup_percent=Decimal("10"))
    )
    mobile = buy(tenants, NL_MOBILE[0], tenants.x)
    local = buy(tenants, NL_AMS[0], tenants.x)
    buy(tenants, GB_LONDON[0], tenants.y)
    return {"mobile": mobile, "local": local}


def costs(api, client, query: str = ""):
    return api.get(f"/api/v1/clients/{client.public_id}/costs{query}")


def test_the_reseller_sees_cost_price_and_margin_by_kind_and_number(tenants, priced, api_as):
    response = costs(api_as(tenants.a.key), tenants.x)
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["total"] == {
        "key": "total",
        "label": "Total",
        "wholesale": "8.0000",  # 2.50 + 4.00 + 1.50
        "price": "10.0000",
        "margin": "2.0000",
        "entries": 3,
    }
    kinds = {line["key"]: (line["wholesale"], line["price"], line["margin"]) for line in data["by_kind"]}
    assert kinds == {
        "setup_fee": ("2.5000", "3.1250", "0.6250"),
        "number_purchase": ("5.5000", "6.8750", "1.3750"),
    }
    numbers = [(line["label"], line["price"]) for line in data["by_number"]]
    assert numbers == [(NL_MOBILE[0], "8.1250"), (NL_AMS[0], "1.8750")]  # the costliest first
    assert [line["key"] for line in data["by_month"]] == [timezone.localdate().strftime("%Y-%m")]


def test_a_client_key_sees_only_its_own_prices(tenants, priced, api_as):
    client_api = api_as(tenants.x_key)
    data = costs(client_api, tenants.x).json()["data"]
    assert data["total"] == {"key": "total", "label": "Total", "price": "10.0000", "entries": 3}
    for line in data["by_kind"] + data["by_number"] + data["by_month"]:
        assert "wholesale" not in line and "margin" not in line
    assert_error(costs(client_api, tenants.y), 404, "not_found")
    csv_text = client_api.get(f"/api/v1/clients/{tenants.x.pk}/costs.csv")
    rows = list(csv.reader(io.StringIO(b"".join(csv_text.streaming_content).decode())))
    assert rows[0] == ["id", "time (UTC)", "kind", "number", "description", "client price"]
    assert sorted(row[5] for row in rows[1:]) == ["1.8750", "3.1250", "5.0000"]


def test_another_resellers_client_is_not_found(tenants, priced, api_as):
    assert_error(costs(api_as(tenants.b.key), tenants.x), 404, "not_found")
    assert_error(api_as(tenants.a.key).get("/api/v1/clients/cli_999999/costs"), 404, "not_found")


@pytest.mark.parametrize(
    "query",
    ["?from=2026-13-01", "?from=2026-11-30&to=2026-11-01", "?to=yesterday", "?from=2026-11-01&to=2026-11-31"],
)
def test_a_bad_period_is_a_validation_error(tenants, priced, api_as, query):
    assert_error(costs(api_as(tenants.a.key), tenants.x, query), 422, "validation_error")


def test_a_long_period_is_answered_like_any_other(tenants, priced, api_as):
    # The OpenAPI document can say what a date is, not how far apart two may be: any valid period answers.
    response = costs(api_as(tenants.a.key), tenants.x, "?from=2000-01-01&to=2026-11-01")
    assert response.status_code == 200
    assert response.json()["data"]["from"] == "2000-01-01"


def test_the_period_bounds_are_whole_days_and_refunds_reduce_the_totals(tenants, priced, api_as):
    from django.db import transaction

    from billing.services import refund_number

    with transaction.atomic():
        refund_number(number=priced["local"], reason="test")
    today = timezone.localdate().isoformat()
    data = costs(api_as(tenants.a.key), tenants.x, f"?from={today}&to={today}").json()["data"]
    assert (data["total"]["wholesale"], data["total"]["price"]) == ("6.5000", "8.1250")
    assert {line["key"]: line["price"] for line in data["by_kind"]}["refund"] == "-1.8750"
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    empty = costs(api_as(tenants.a.key), tenants.x, f"?from={tomorrow}&to={tomorrow}").json()["data"]
    assert empty["total"]["entries"] == 0 and empty["by_kind"] == [] and empty["total"]["price"] == "0.0000"


def test_months_are_split_and_the_query_count_does_not_grow_with_entries(
    tenants, stock, api_as, django_assert_max_num_queries
):
    with time_machine.travel(datetime(2026, 9, 15, 12, tzinfo=UTC)):
        buy(tenants, make_stock_number(), tenants.x)
    with time_machine.travel(datetime(2026, 10, 15, 12, tzinfo=UTC)):
        for _ in range(12):
            buy(tenants, make_stock_number(), tenants.x)
    api = api_as(tenants.a.key)
    with django_assert_max_num_queries(12):
        data = costs(api, tenants.x, "?from=2026-09-01&to=2026-10-31").json()["data"]
    assert [(m["key"], m["entries"]) for m in data["by_month"]] == [("2026-09", 1), ("2026-10", 12)]
    assert LedgerEntry.objects.filter(client=tenants.x).count() == 13


def test_the_client_costs_pages(tenants, priced):
    owner = login("owner@alpha.test")
    listing = owner.get("/billing/clients/").content.decode()
    assert "Xylo Dental" in listing and "10.0000" in listing and "8.0000" in listing
    page = owner.get(f"/billing/clients/{tenants.x.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "Your cost" in html and "Margin" in html and "10.00 EUR" in html
    export = owner.get(f"/billing/clients/{tenants.x.pk}/costs.csv")
    assert export["Content-Type"].startswith("text/csv")
    assert b"wholesale" in b"".join(export.streaming_content)
    assert owner.get(f"/billing/clients/{tenants.x.pk}/?date_from=2026-11-30&date_to=2026-11-01").status_code == 200

    client_admin = login(tenants.x_admin_email)
    assert client_admin.get("/billing/clients/").status_code == 302  # straight to its own page
    own = client_admin.get(f"/billing/clients/{tenants.x.pk}/").content.decode()
    assert "10.00 EUR" in own and "Your cost" not in own and "Margin" not in own and "8.0000" not in own
    assert client_admin.get(f"/billing/clients/{tenants.y.pk}/").status_code == 404
    assert login("owner@bravo.test").get(f"/billing/clients/{tenants.x.pk}/").status_code == 404
