"""The API reference's Python snippet, as written there, and what its results carry."""

from __future__ import annotations

from decimal import Decimal

import didfarm
import pytest


def test_the_reference_snippet_finds_a_number_and_orders_it(live, monkeypatch):
    monkeypatch.delenv("DIDFARM_API_KEY")  # only the key and the base URL, given to the constructor
    monkeypatch.delenv("DIDFARM_BASE_URL")
    client = didfarm.Client(api_key=live["DIDFARM_API_KEY"], base_url=live["DIDFARM_BASE_URL"])

    numbers = client.numbers.search(country_code="GB", number_type="local")

    assert isinstance(numbers, list) and len(numbers) > 0
    first = numbers[0]
    assert first.number.startswith("+44") and first.country_code == "GB" and first.type == "local"
    assert isinstance(first.monthly_price, Decimal) and first.monthly_price > 0
    assert numbers.meta.total >= len(numbers) and numbers.meta.page == 1

    order = client.numbers.order(number=first.number_formatted, billing_cycle="monthly")

    assert order.id.startswith("num_") and order.number == first.number
    assert order.status in {"provisioning", "active", "pending_regulatory"}
    assert client.numbers.get(order.id).did_number_id == order.did_number_id


def test_key_and_base_url_come_from_the_environment(live):
    client = didfarm.Client()  # DIDFARM_API_KEY and DIDFARM_BASE_URL
    assert client.base_url == live["DIDFARM_BASE_URL"].rstrip("/")
    assert client.account.me().account_name == "SDK Telecom"


def test_without_a_key_the_client_says_where_to_get_one(monkeypatch):
    monkeypatch.delenv("DIDFARM_API_KEY")
    with pytest.raises(didfarm.ConfigurationError, match="DIDFARM_API_KEY"):
        didfarm.Client()


def test_the_default_base_url_is_the_documented_one(monkeypatch):
    monkeypatch.delenv("DIDFARM_BASE_URL")
    assert didfarm.Client(api_key="df_live_sk_x").base_url == "https://api.didfarm.com/v1"


def test_money_is_decimal_everywhere(client):
    balance = client.wallet.balance()
    assert isinstance(balance.balance, Decimal) and isinstance(balance.balance_exact, Decimal)
    assert balance.balance == balance.balance_exact.quantize(Decimal("0.01"))
    entries = client.transactions.list(limit=5)
    assert entries and all(isinstance(entry.amount, Decimal) for entry in entries)


def test_checkout_charges_the_wallet_exactly(client):
    before = client.wallet.balance().balance_exact
    candidate = client.numbers.search(country_code="NL", number_type="local", limit=1)[0]
    order = client.numbers.checkout(items=[{"number": candidate.number, "country": "NL", "type": "local"}])
    assert order.status and order.items[0].number == candidate.number
    after = client.wallet.balance().balance_exact
    assert before - after == order.total


def test_at_the_references_own_base_fees_are_exact_euros(live):
    root = live["DIDFARM_BASE_URL"].rsplit("/api/v1", 1)[0]
    client = didfarm.Client(api_key=live["DIDFARM_API_KEY"], base_url=f"{root}/v1")
    first = client.numbers.search(country_code="GB", number_type="local", limit=1)[0]
    assert isinstance(first.setup_fee, Decimal) and first.setup_fee.as_tuple().exponent == -2  # EUR, 2 places
    cents = didfarm.Client(api_key=live["DIDFARM_API_KEY"], base_url=live["DIDFARM_BASE_URL"])
    same = cents.numbers.search(country_code="GB", number_type="local", limit=1)[0]
    assert same.number == first.number and same.monthly_rate == int(first.monthly_price * 100)
