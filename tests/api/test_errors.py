"""Every failure under /api/v1 answers the documented body {"error": {"code", "message", "status"}}."""

import pytest

from accounts.models import Client
from tests.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_unknown_url_under_api_is_a_json_404(tenants, api_as):
    error = assert_error(api_as(tenants.a.key).get("/api/v1/no-such-thing"), 404, "not_found")
    assert "/api/docs" in error["message"]
    assert_error(api_as(None).get("/api/nothing/here"), 404, "not_found")
    assert_error(api_as(None).get("/v1/unknown"), 404, "not_found")


def test_wrong_method_is_405_and_names_the_allowed_ones(tenants, api_as):
    response = api_as(tenants.a.key).delete("/api/v1/wallet/balance")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_validation_error_is_422_with_fields(tenants, api_as):
    response = api_as(tenants.a.key).post("/api/v1/clients", {"name": "", "email": "not-an-email"})
    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"name", "email"}
    assert Client.objects.filter(account=tenants.a.account).count() == 2


def test_malformed_json_is_400_and_writes_nothing(tenants, api_as):
    response = api_as(tenants.a.key).post("/api/v1/clients", raw='{"name": "Half')
    error = assert_error(response, 400, "malformed_json")
    assert "JSON" in error["message"]
    assert Client.objects.filter(account=tenants.a.account).count() == 2


def test_a_json_body_that_is_not_an_object_is_a_validation_error(tenants, api_as):
    assert_error(api_as(tenants.a.key).post("/api/v1/clients", raw="[1, 2]"), 422, "validation_error")


def test_a_domain_error_keeps_its_code(tenants, api_as):
    api = api_as(tenants.a.key)
    error = assert_error(api.post("/api/v1/clients", {"name": "Xylo Dental"}), 422, "validation_error")
    assert error["fields"]["name"]


def test_query_parameter_errors_are_422(tenants, api_as):
    error = assert_error(api_as(tenants.a.key).get("/api/v1/clients?limit=1000"), 422, "validation_error")
    assert "limit" in error["fields"]


def test_a_crash_in_an_api_view_is_a_json_500_without_details(tenants, api_as, monkeypatch):
    from billing import selectors

    def explode(**kwargs):
        raise RuntimeError("database on fire: secret detail")

    monkeypatch.setattr(selectors, "wallet_get", explode)
    response = api_as(tenants.a.key).get("/api/v1/wallet/balance")
    error = assert_error(response, 500, "server_error")
    assert "secret detail" not in response.content.decode()
    assert error["request_id"] == response["X-Request-ID"]


def test_a_crash_outside_drf_under_api_is_still_json(tenants, api_as, monkeypatch):
    from portal import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "json_error", explode)
    response = api_as(None).get("/api/v1/nowhere")
    assert_error(response, 500, "server_error")


def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(tenants, api_as):
    api = api_as(tenants.a.key)
    generated = api.get("/api/v1/wallet/balance")
    assert generated["X-Request-ID"].startswith("req_")
    kept = api.get("/api/v1/wallet/balance", headers={"X-Request-ID": "trace-1234-abcd"})
    assert kept["X-Request-ID"] == "trace-1234-abcd"
    replaced = api.get("/api/v1/wallet/balance", headers={"X-Request-ID": "<script>"})
    assert replaced["X-Request-ID"].startswith("req_")
    assert api_as(None).get("/login/")["X-Request-ID"].startswith("req_")


def test_the_portal_pages_keep_html_errors(tenants, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
