"""/api/v3/exports (inbound call records) and /api/v3/capacity_pools through DIDWW's SDK."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime

import pytest
import time_machine

from numbers_app.didww.exports import CDR_IN_COLUMNS
from numbers_app.didww.models import CdrExport
from tests.numbers.test_dids_v3 import assert_errors, call

EXPORTS = "/api/v3/exports"


@pytest.fixture
def sdk(live_server):
    from didww.client import DidwwClient

    return lambda key: DidwwClient(api_key=key, base_url=live_server.url + "/api/v3")


@pytest.mark.django_db(transaction=True)
def test_the_sdk_exports_a_months_inbound_calls_and_downloads_a_valid_empty_csv(tenants, sdk, tmp_path):
    from didww.enums import ExportStatus, ExportType
    from didww.resources.export import Export

    client = sdk(tenants.a.key)
    export = Export()
    export.export_type = ExportType.CDR_IN
    export.filters = {"year": 2026, "month": 2, "did_number": "31201234567"}
    export.external_reference_id = "feb"
    made = client.exports().create(export).data
    assert made.status == ExportStatus.COMPLETED and made.is_completed
    assert made.filters == {"year": 2026, "month": 2, "did_number": "31201234567"}
    assert made.url.endswith(f"/api/v3/exports/{made.id}/download")
    assert [e.id for e in client.exports().list().data] == [made.id]
    assert client.exports().find(made.id).data.external_reference_id == "feb"

    target = tmp_path / "cdr.csv"
    client.download_and_decompress_export(made.url, str(target))
    with target.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [list(CDR_IN_COLUMNS)]  # the header, and no calls

    assert sdk(tenants.b.key).exports().list().data == []
    from didww.exceptions import DidwwApiError

    with pytest.raises(DidwwApiError) as other:
        sdk(tenants.b.key).exports().find(made.id)
    assert other.value.status_code == 404


def test_an_export_without_filters_is_of_this_month(tenants):
    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        response = call(tenants.a.key, "POST", EXPORTS, {"data": {"type": "exports", "attributes": {}}})
    assert response.status_code == 201, response.content
    assert response.json()["data"]["attributes"]["filters"] == {"year": 2026, "month": 12}


BAD_EXPORTS = [
    ({"export_type": "cdr_out"}, "/data/attributes/export_type"),
    ({"export_type": "calls"}, "/data/attributes/export_type"),
    ({"filters": {"month": 13}}, "/data/attributes/filters/month"),
    ({"filters": {"year": "2026"}}, "/data/attributes/filters/year"),
    ({"filters": {"did_number": "x1"}}, "/data/attributes/filters/did_number"),
    ({"filters": {"colour": 1}}, "/data/attributes/filters/colour"),
    ({"filters": []}, "/data/attributes/filters"),
    ({"callback_url": "ftp://x"}, "/data/attributes/callback_url"),
    ({"status": "completed"}, "/data/attributes/status"),
]


def test_bad_export_documents_are_422_with_pointers_and_make_nothing(tenants):
    for attributes, pointer in BAD_EXPORTS:
        response = call(tenants.a.key, "POST", EXPORTS, {"data": {"type": "exports", "attributes": attributes}})
        assert_errors(response, 422, "validation_error", pointer=pointer)
    assert_errors(call(tenants.a.read_only_key, "POST", EXPORTS, {"data": {"type": "exports"}}), 403, "forbidden")
    assert_errors(call(tenants.a.key, "GET", f"{EXPORTS}/not-an-id"), 404, "not_found")
    assert not CdrExport.objects.exists()


def test_a_client_key_sees_its_own_exports_only(tenants):
    mine = call(tenants.x_key, "POST", EXPORTS, {"data": {"type": "exports", "attributes": {}}}).json()["data"]
    reseller = call(tenants.a.key, "POST", EXPORTS, {"data": {"type": "exports", "attributes": {}}}).json()["data"]
    assert [e["id"] for e in call(tenants.x_key, "GET", EXPORTS).json()["data"]] == [mine["id"]]
    assert_errors(call(tenants.x_key, "GET", f"{EXPORTS}/{reseller['id']}/download"), 404, "not_found")
    assert {e["id"] for e in call(tenants.a.key, "GET", EXPORTS).json()["data"]} == {mine["id"], reseller["id"]}


@pytest.mark.django_db(transaction=True)
def test_the_sdk_lists_no_capacity_pools_and_finds_none(tenants, sdk):
    from didww.exceptions import DidwwApiError

    response = sdk(tenants.a.key).capacity_pools().list()
    assert response.data == [] and response.meta["total_records"] == 0
    with pytest.raises(DidwwApiError) as missing:
        sdk(tenants.a.key).capacity_pools().find("f288d07c-e2fc-4ae6-9837-b18fb469c324")
    assert missing.value.status_code == 404


def test_downloading_gives_gzip(tenants):
    made = call(tenants.a.key, "POST", EXPORTS, {"data": {"type": "exports", "attributes": {}}}).json()["data"]
    response = call(tenants.a.key, "GET", f"{EXPORTS}/{made['id']}/download")
    assert response.status_code == 200 and response["Content-Type"] == "application/gzip"
    assert gzip.decompress(response.content).decode().startswith("Date/Time Start (UTC),")
