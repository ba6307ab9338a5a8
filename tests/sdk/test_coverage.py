"""Both SDKs cover every /api/v1 operation of the OpenAPI document, each with a method a caller can reach,
and both carry the API's version."""

from __future__ import annotations

import functools
import inspect
import json
import re
import shutil
import subprocess

import didfarm
import pytest
from django.conf import settings
from django.test import Client

from tests.portal.test_web_server import ROOT

NODE = ROOT / "sdk" / "node"
NODE_MAP = """
const DIDfarm = require(process.argv[1]);
const client = new DIDfarm({ apiKey: 'df_live_sk_coverage' });
const out = {};
for (const [id, op] of Object.entries(DIDfarm.OPERATIONS)) {
  out[id] = { ...op, callable: typeof (client[op.resource] || {})[op.name] === 'function' };
}
console.log(JSON.stringify({ operations: out, version: DIDfarm.VERSION }));
"""


@pytest.fixture(scope="module")
def document(django_db_setup, django_db_blocker) -> dict:
    """The OpenAPI document as the portal serves it (built once for these tests)."""
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema")
    assert response.status_code == 200
    return response.json()


def _documented(document: dict) -> dict[str, tuple[str, str]]:
    return {
        operation["operationId"]: (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
    }


@functools.cache
def _node() -> dict:
    node = shutil.which("node")
    assert node, "Node 18+ is needed (scripts/test installs Debian's nodejs)"
    done = subprocess.run([node, "-e", NODE_MAP, str(NODE)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_python_sdk_has_a_method_for_every_documented_operation_and_no_other(document):
    documented = _documented(document)
    mapped = {oid: (op.method, op.path) for oid, op in didfarm.OPERATIONS.items()}
    assert sorted(set(documented) - set(mapped)) == [], "operations missing from the Python SDK"
    assert sorted(set(mapped) - set(documented)) == [], "the Python SDK maps operations the API does not have"
    assert mapped == documented
    sync, concurrent = didfarm.Client(api_key="df_live_sk_coverage"), didfarm.AsyncClient(api_key="df_live_sk_x")
    for oid, op in didfarm.OPERATIONS.items():
        method = getattr(getattr(sync, op.resource), op.name)
        assert f'"{oid}"' in inspect.getsource(method), f"{op.resource}.{op.name} does not call {oid}"
        assert inspect.iscoroutinefunction(getattr(getattr(concurrent, op.resource), op.name)), oid


def test_the_node_sdk_has_a_method_for_every_documented_operation_and_no_other(document):
    documented = _documented(document)
    node = _node()["operations"]
    assert sorted(set(documented) - set(node)) == [], "operations missing from the Node SDK"
    assert sorted(set(node) - set(documented)) == [], "the Node SDK maps operations the API does not have"
    assert {oid: (op["method"], op["path"]) for oid, op in node.items()} == documented
    assert [oid for oid, op in node.items() if not op["callable"]] == []
    declarations = (NODE / "lib" / "index.d.ts").read_text()
    for oid, op in node.items():
        resource = re.search(
            rf"interface {re.escape(_pascal(op['resource']))}Resource {{(.*?)\n  }}", declarations, re.S
        )
        assert resource and re.search(rf"\n    {op['name']}\(", resource.group(1)), (
            f"{oid} is not declared in index.d.ts"
        )


def test_both_sdks_name_an_operation_the_same_way():
    node = _node()["operations"]
    for oid, op in didfarm.OPERATIONS.items():
        assert _camel(op.resource) == node[oid]["resource"] and _camel(op.name) == node[oid]["name"], oid


def test_the_sdks_versions_are_the_apis(document):
    api_version = settings.SPECTACULAR_SETTINGS["VERSION"]
    assert document["info"]["version"] == api_version
    assert didfarm.__version__ == api_version
    assert json.loads((NODE / "package.json").read_text())["version"] == api_version
    assert _node()["version"] == api_version
    pyproject = (ROOT / "sdk" / "python" / "pyproject.toml").read_text()
    assert 'path = "src/didfarm/_version.py"' in pyproject  # the Python package's version comes from there


def _camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]
