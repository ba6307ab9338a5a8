"""``/api/v1/wallet/top-ups`` and ``/api/v1/wallet/payment-settings``: the same services as the wallet page."""

from __future__ import annotations

import pytest

from billing.models import TopUp
from tests.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_creating_a_top_up_answers_201_with_stripes_checkout_url(tenants, stripe_fake, api_as):
    response = api_as(tenants.a.key).post("/api/v1/wallet/top-ups", {"amount": "25.00", "save_card": True})

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["status"] == "pending" and data["amount"] == "25.0000"
    assert data["checkout_url"].startswith(stripe_fake.url + "/pay/")
    listed = api_as(tenants.a.key).get("/api/v1/wallet/top-ups").json()
    assert [t["id"] for t in listed["data"]] == [data["id"]] and listed["meta"]["total"] == 1
    assert api_as(tenants.a.key).get(f"/api/v1/wallet/top-ups/{data['id']}").json()["data"]["id"] == data["id"]


@pytest.mark.parametrize(
    "body", [{"amount": "1.00"}, {"amount": 25}, {"amount": "25.001"}, {}, {"amount": "25", "save_card": "yes"}]
)
def test_a_bad_top_up_request_is_a_422_in_the_error_format_and_writes_nothing(tenants, stripe_fake, api_as, body):
    assert_error(api_as(tenants.a.key).post("/api/v1/wallet/top-ups", body), 422, "validation_error")
    assert not TopUp.objects.exists()


def test_without_card_payments_a_top_up_is_a_422_and_bank_details_are_still_given(tenants, api_as, settings):
    settings.STRIPE_SECRET_KEY = ""
    assert_error(api_as(tenants.a.key).post("/api/v1/wallet/top-ups", {"amount": "25.00"}), 422, "payments_unavailable")
    data = api_as(tenants.a.key).get("/api/v1/wallet/payment-settings").json()["data"]
    assert data["payment_reference"].startswith("DF-") and data["bank_account"]["iban"]


def test_top_ups_are_the_resellers_own(tenants, stripe_fake, api_as):
    created = api_as(tenants.a.key).post("/api/v1/wallet/top-ups", {"amount": "25.00"}).json()["data"]

    assert_error(api_as(tenants.b.key).get(f"/api/v1/wallet/top-ups/{created['id']}"), 404, "not_found")
    assert_error(api_as(tenants.x_key).get("/api/v1/wallet/top-ups"), 404, "not_found")
    assert_error(api_as(tenants.x_key).post("/api/v1/wallet/top-ups", {"amount": "25.00"}), 404, "not_found")
    assert_error(api_as(tenants.a.read_only_key).post("/api/v1/wallet/top-ups", {"amount": "25.00"}), 403, "forbidden")
    assert TopUp.objects.count() == 1


def test_payment_settings_are_read_and_changed_through_the_api(tenants, api_as):
    client = api_as(tenants.a.key)
    changed = client.patch("/api/v1/wallet/payment-settings", {"low_balance_threshold": "30.00"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["data"]["low_balance_threshold"] == "30.0000"
    assert client.get("/api/v1/wallet/payment-settings").json()["data"]["auto_recharge_enabled"] is False
    refused = client.patch("/api/v1/wallet/payment-settings", {"auto_recharge_enabled": True})
    assert_error(refused, 422, "validation_error")
    assert_error(
        client.patch("/api/v1/wallet/payment-settings", {"low_balance_threshold": "-1"}), 422, "validation_error"
    )


def test_stripe_unreachable_is_a_503_in_the_error_format(tenants, stripe_fake, api_as):
    stripe_fake.fail_all = True
    response = api_as(tenants.a.key).post("/api/v1/wallet/top-ups", {"amount": "25.00"})
    assert_error(response, 503, "payment_provider_unavailable")
