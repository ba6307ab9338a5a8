"""Every failure under /api/v1 answers the documented body {"error": {"code", "message", "status"}}."""

import pytest

from accounts.models import Client
from tests.conftest import assert_error, login_request

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


def test_unsafe_methods_on_unknown_api_urls_get_the_json_404_even_with_csrf_checks(tenants):
    from django.test import Client as HttpClient

    http = HttpClient(enforce_csrf_checks=True)
    for method, path in [("post", "/api/v1/nope"), ("delete", "/v1/api-keys/1/"), ("post", "/api/v1/clients/")]:
        response = getattr(http, method)(path, headers={"Authorization": f"Bearer {tenants.a.key}"})
        assert_error(response, 404, "not_found")
    hint = http.post("/api/v1/clients/").json()["error"]["message"]
    assert "trailing slash" in hint and "/api/v1/clients." in hint


def test_a_session_post_without_csrf_token_is_a_json_403(tenants):
    from django.test import Client as HttpClient

    http = HttpClient(enforce_csrf_checks=True)
    http.login(username="owner@alpha.test", password="correct-horse-battery", request=login_request())
    response = http.post("/api/v1/clients", {"name": "No token"}, content_type="application/json")
    error = assert_error(response, 403, "forbidden")
    assert "CSRF" in error["message"]
    assert not Client.objects.filter(name="No token").exists()


def test_an_absurd_page_number_is_a_validation_error_not_a_crash(tenants, api_as):
    for page in ("999999999999999999999", "92233720368547758", "0", "-1", "two"):
        error = assert_error(
            api_as(tenants.a.key).get(f"/api/v1/wallet/transactions?page={page}"), 422, "validation_error"
        )
        assert "page" in error["fields"]


def test_deeply_nested_json_is_a_400_not_a_crash(tenants, api_as):
    body = "[" * 100_000 + "]" * 100_000
    assert_error(api_as(tenants.a.key).post("/api/v1/clients", raw=body), 400, "malformed_json")


def test_an_oversized_body_is_a_413_and_writes_nothing(tenants, api_as):
    body = '{"name": "' + "x" * (1024 * 1024) + '"}'
    assert_error(api_as(tenants.a.key).post("/api/v1/clients", raw=body), 413, "payload_too_large")
    assert Client.objects.filter(account=tenants.a.account).count() == 2


def test_form_encoded_bodies_are_refused_with_415(tenants, api_as):
    api = api_as(tenants.a.key)
    response = api.http.post(
        "/api/v1/clients",
        "name=x",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {tenants.a.key}"},
    )
    assert_error(response, 415, "unsupported_media_type")


def test_a_query_parameter_given_twice_is_refused_rather_than_one_value_guessed(tenants, api_as):
    error = assert_error(api_as(tenants.a.key).get("/api/v1/clients?limit=5&limit=50"), 422, "validation_error")
    assert set(error["fields"]) == {"limit"}
    error = assert_error(
        api_as(tenants.a.key).get("/api/v1/wallet/transactions?kind=top_up&kind=refund"), 422, "validation_error"
    )
    assert set(error["fields"]) == {"kind"}


def test_an_optional_query_parameter_sent_empty_counts_as_not_sent(tenants, api_as):
    response = api_as(tenants.a.key).get("/api/v1/clients?search=&limit=")
    assert response.status_code == 200
    assert response.json()["meta"]["limit"] == 25
