import re

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from openapi_spec_validator import validate

from numbers_app.didww import resources as didww
from portal.api_urls import api_v1, api_v3

pytestmark = pytest.mark.django_db


def _openapi_path(pattern, prefix: str = "/api/v1/") -> str:
    return prefix + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))


def _every_pattern():
    return [(p, "/api/v1/") for p in api_v1] + [(p, "/api/v3/") for p in api_v3]


def test_the_schema_is_a_valid_openapi_3_document_served_without_a_key(client):
    response = client.get("/api/v1/schema")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    validate(document)


def test_the_schema_documents_every_endpoint_and_method(client):
    paths = client.get("/api/v1/schema").json()["paths"]
    for pattern, prefix in _every_pattern():
        path = _openapi_path(pattern, prefix)
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
        if path.startswith("/api/v3/"):
            continue  # JSON:API errors, below
        for method, operation in operations.items():
            for code in ("401", "404", "422", "429", "500"):
                assert code in operation["responses"], f"{method.upper()} {path} does not document {code}"
                ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Error")
    assert "409" in document["paths"]["/api/v1/clients"]["post"]["responses"]
    assert "200" in document["paths"]["/api/v1/api-keys/{key_id}"]["delete"]["responses"]


def test_the_v3_operations_document_their_json_api_errors(client):
    document = client.get("/api/v1/schema").json()
    expected = {
        ("/api/v3/dids", "get"): {"400", "401", "429", "500"},
        ("/api/v3/dids/{number_id}", "get"): {"400", "401", "404", "429", "500"},
        ("/api/v3/dids/{number_id}", "patch"): {"400", "401", "403", "404", "409", "415", "422", "429", "500"},
    }
    for (path, method), codes in expected.items():
        responses = document["paths"][path][method]["responses"]
        assert {code for code in responses if code >= "400"} == codes, (method, path)
        for code in codes:
            assert list(responses[code]["content"]) == ["application/vnd.api+json"]
            assert responses[code]["content"]["application/vnd.api+json"]["schema"]["$ref"].endswith("/JsonApiErrors")
            assert responses[code]["description"]
        assert list(responses["200"]["content"]) == ["application/vnd.api+json"]
    errors = document["components"]["schemas"]["ErrorObject"]["properties"]
    assert {"status", "code", "title", "detail", "source"} <= set(errors)


def test_the_v3_list_documents_every_filter_sort_key_include_and_the_attribute_mapping(client):
    document = client.get("/api/v1/schema").json()
    parameters = {p["name"]: p for p in document["paths"]["/api/v3/dids"]["get"]["parameters"]}
    for name in didww.FILTERS:
        assert parameters[f"filter[{name}]"]["description"], name
    for key in didww.SORTS:
        assert f"`{key}`" in parameters["sort"]["description"]
    for path in didww.INCLUDES:
        assert f"`{path}`" in parameters["include"]["description"]
    assert {"page[number]", "page[size]", "fields[dids]"} <= set(parameters)
    attributes = document["components"]["schemas"]["DidAttributes"]["properties"]
    assert set(attributes) == set(didww.DID_ATTRIBUTES)
    assert "suspended" in attributes["blocked"]["description"].lower()
    assert "not to renew" in attributes["terminated"]["description"]
    assert "regulatory" in attributes["awaiting_registration"]["description"]
    assert "null" in attributes["billing_cycles_count"]["description"]


def test_the_schema_builds_without_a_warning_and_validates(tmp_path):
    GENERATOR_STATS.reset()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert not GENERATOR_STATS, "drf-spectacular warned while building the schema"


def test_descriptions_are_for_api_users_not_notes_on_the_implementation(client):
    document = client.get("/api/v1/schema").json()
    keys = {path: ops for path, ops in document["paths"].items() if path.startswith(("/api/v1/api-keys", "/api/v1/me"))}
    assert keys
    texts = [op.get("description", "") for ops in document["paths"].values() for op in ops.values()]
    texts += [schema.get("description", "") for schema in document["components"]["schemas"].values()]
    for text in texts:
        assert "``" not in text, text  # (reStructuredText: a docstring, written for developers)
        assert not re.search(r"\bApiView\b|serializer|selector|Throttling runs", text), text
    for ops in keys.values():
        for operation in ops.values():
            assert "Throttling" not in operation.get("description", "")
            assert operation["summary"]
