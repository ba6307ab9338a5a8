"""Errors come back typed, with the API's code, status, message and request id."""

from __future__ import annotations

import didfarm
import pytest


def test_a_bad_key_is_an_authentication_error(live):
    client = didfarm.Client(api_key="df_live_sk_not_a_real_key", base_url=live["DIDFARM_BASE_URL"])
    with pytest.raises(didfarm.AuthenticationError) as caught:
        client.wallet.balance()
    error = caught.value
    assert error.status == 401 and error.code and error.message
    assert error.request_id and error.request_id.startswith("req_")


def test_someone_elses_or_no_number_is_not_found(client):
    with pytest.raises(didfarm.NotFoundError) as caught:
        client.numbers.get("num_999999999")
    assert caught.value.status == 404 and caught.value.code == "not_found"


def test_a_refused_order_is_a_validation_error_naming_the_field(client):
    with pytest.raises(didfarm.ValidationError) as caught:
        client.numbers.order(number="not a number", billing_cycle="monthly")
    error = caught.value
    assert error.status == 422 and error.code and error.request_id
    assert "number" in error.fields


def test_a_read_only_key_may_not_write(live):
    client = didfarm.Client(api_key=live["DIDFARM_TEST_READ_ONLY_KEY"], base_url=live["DIDFARM_BASE_URL"])
    assert client.wallet.balance().balance is not None
    with pytest.raises(didfarm.PermissionDeniedError) as caught:
        client.clients.create(name="Not allowed")
    assert caught.value.status == 403


def test_errors_are_one_family(client):
    with pytest.raises(didfarm.APIError):
        client.orders.get("ord_999999999")
    assert issubclass(didfarm.RateLimitError, didfarm.DidfarmError)
    assert issubclass(didfarm.APITimeoutError, didfarm.APIConnectionError)
