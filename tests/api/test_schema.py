import re

import pytest
from openapi_spec_validator import validate

from portal.api_urls import api_v1

pytestmark = pytest.mark.django_db


def _openapi_path(pattern) -> str:
    return "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))


def test_the_schema_is_a_valid_openapi_3_document_served_without_a_key(client):
    response = client.get("/api/v1/schema")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    validate(document)


def test_the_schema_documents_every_endpoint_and_method(client):
    paths = client.get("/api/v1/schema").json()["paths"]
    for pattern in api_v1:
        path = _openapi_path(pattern)
        assert path in paths, f"{path} is missing from the OpenAPI document"
        view = pattern.callback.view_class
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view, method):
                operation = paths[path].get(method)
                assert operation, f"{method.upper()} {path} is missing from the OpenAPI document"
                assert operation.get("summary"), f"{method.upper()} {path} has no summary"
    assert not any(path.startswith("/v1/") for path in paths), "/v1 mirrors /api/v1 and is documented once"


def test_the_schema_describes_the_error_body_and_key_auth(client):
    document = client.get("/api/v1/schema").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKeyBearer"]["scheme"] == "bearer"
    assert "Idempotency-Key" in {p["name"] for p in document["paths"]["/api/v1/clients"]["post"].get("parameters", [])}


def test_the_docs_page_works_offline(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/schema" in html
    assert "cdn" not in html.lower() and "https://" not in html.split("<body")[0]


def test_every_operation_documents_its_error_answers(client):
    document = client.get("/api/v1/schema").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code in ("401", "404", "422", "429", "500"):
                assert code in operation["responses"], f"{method.upper()} {path} does not document {code}"
                ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Error")
    assert "409" in document["paths"]["/api/v1/clients"]["post"]["responses"]
    assert "200" in document["paths"]["/api/v1/api-keys/{key_id}"]["delete"]["responses"]
