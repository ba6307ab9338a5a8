"""Bodies larger than their kind may be answer 413 before anything reads them: in the API's error format,
as a page for forms. Document uploads keep their own limit (tests/numbers)."""

import json

from accounts.models import Client
from tests.conftest import assert_error

THREE_MIB = 3 * 1024 * 1024


def test_a_json_body_over_django_s_form_limit_is_a_413_naming_the_limit_and_writes_nothing(tenants, api_as):
    before = Client.objects.count()
    body = json.dumps({"name": "x" * THREE_MIB})
    error = assert_error(api_as(tenants.a.key).post("/api/v1/clients", raw=body), 413, "payload_too_large")
    assert "1048576" in error["message"]
    assert Client.objects.count() == before


def test_an_oversized_body_to_the_v1_mirror_and_to_an_unknown_api_path_is_a_413_too(tenants, api_as):
    body = json.dumps({"name": "x" * THREE_MIB})
    assert_error(api_as(tenants.a.key).post("/v1/clients", raw=body), 413, "payload_too_large")
    assert_error(api_as(tenants.a.key).post("/api/v1/nothing-here", raw=body), 413, "payload_too_large")


def test_an_oversized_json_api_document_is_a_json_api_413(tenants, api_as):
    body = json.dumps({"data": {"type": "dids", "id": "1", "attributes": {"description": "x" * THREE_MIB}}})
    response = api_as(tenants.a.key).patch("/api/v3/dids/1", raw=body)
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "payload_too_large"


def test_an_oversized_form_gets_a_page_saying_how_much_a_form_may_send(tenants, client):
    client.force_login(tenants.a.owner_actor.user)
    before = Client.objects.count()
    encoded = client.post(
        "/settings/clients/", "name=" + "x" * THREE_MIB, content_type="application/x-www-form-urlencoded"
    )
    multipart = client.post("/settings/clients/", {"name": "x" * THREE_MIB})
    for response in (encoded, multipart):
        assert response.status_code == 413
        assert "A form may send at most 2.5 MB" in response.content.decode()
    assert Client.objects.count() == before
