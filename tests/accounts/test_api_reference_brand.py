"""The API reference a reseller's clients read (client admins have API keys of their own, so the menu offers it
to them) carries the reseller's brand: on the reseller's verified domain, logged in or not, and for a client
login on the platform's host. The schema (JSON and YAML), Swagger UI and ReDoc are searched for the platform's
name in any case; the resellers' reference on the platform's host stays the platform's."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client as HttpClient

from portal.reference import PLATFORM_NAME
from tests.accounts.brand_fixtures import BRAND_DOMAIN, BRAND_NAME, SUPPORT_EMAIL, make_brand
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REFERENCE_PAGES = ("/api/docs", "/api/redoc", "/api/v1/schema", "/api/v1/schema.yaml")


def _logged_in(email: str, host: str | None = None) -> HttpClient:
    http = HttpClient(HTTP_HOST=host) if host else HttpClient()
    assert http.post("/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return http


def _readers(tenants) -> dict[str, HttpClient]:
    return {
        "anyone on the reseller's domain": HttpClient(HTTP_HOST=BRAND_DOMAIN),
        "a client admin on the reseller's domain": _logged_in(tenants.x_admin_email, BRAND_DOMAIN),
        "a client admin on the platform's host": _logged_in(tenants.x_admin_email),
    }


def test_a_client_admin_is_offered_the_reference_and_has_keys_to_use_it(tenants):
    make_brand(tenants.a.owner_actor)
    page = _logged_in(tenants.x_admin_email, BRAND_DOMAIN).get("/developers/api-keys/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Xylo integration" in body  # the client's own key
    assert 'href="/api/docs"' in body


@pytest.mark.parametrize("path", REFERENCE_PAGES)
def test_the_reference_a_client_reads_never_names_the_platform(tenants, path):
    make_brand(tenants.a.owner_actor)
    for reader, http in _readers(tenants).items():
        response = http.get(path)
        assert response.status_code == 200, (reader, path)
        body = response.content.decode()
        hits = [body[max(0, m.start() - 60) : m.end() + 40] for m in PLATFORM_NAME.finditer(body)]
        assert not hits, (reader, path, hits)
        assert not PLATFORM_NAME.search(response.get("Content-Disposition", "")), (reader, path)
        assert f"{BRAND_NAME} API" in body, (reader, path)


def test_the_branded_schema_keeps_every_operation_and_says_whom_to_ask(tenants):
    make_brand(tenants.a.owner_actor)
    platform = HttpClient().get("/api/v1/schema").json()
    branded = HttpClient(HTTP_HOST=BRAND_DOMAIN).get("/api/v1/schema").json()
    assert branded["paths"].keys() == platform["paths"].keys()
    assert branded["components"]["schemas"].keys() == platform["components"]["schemas"].keys()
    assert branded["info"]["title"] == f"{BRAND_NAME} API"
    assert SUPPORT_EMAIL in branded["info"]["description"]
    # The webhook rules still say how to check a delivery: with the Standard Webhooks headers.
    hooks = json.dumps(branded["paths"]["/api/v1/webhooks"])
    assert "webhook-signature" in hooks and "Signature:" not in hooks
    assert "X-DIDfarm-Signature" in json.dumps(platform["paths"]["/api/v1/webhooks"])


def test_resellers_and_the_public_on_the_platform_host_read_the_platform_reference(tenants):
    make_brand(tenants.a.owner_actor)
    for http in (HttpClient(), _logged_in("owner@alpha.test")):
        schema = http.get("/api/v1/schema").json()
        assert schema["info"]["title"] == "DIDfarm API"
        assert re.search(r"<title>DIDfarm API</title>", http.get("/api/docs").content.decode())
        assert re.search(r"<title>DIDfarm API</title>", http.get("/api/redoc").content.decode())


def test_a_client_of_a_reseller_without_a_brand_reads_the_resellers_name(tenants):
    schema = _logged_in(tenants.x_admin_email).get("/api/v1/schema").json()
    assert schema["info"]["title"] == "Alpha Telecom API"
    assert not PLATFORM_NAME.search(json.dumps(schema))
