"""/api/v3/exports (inbound call records) and /api/v3/capacity_pools through DIDWW's SDK."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.actor import system_actor
from numbers_app.didww.exports import CDR_IN_COLUMNS
from numbers_app.didww.models import CdrExport
from numbers_app.models import Call
from numbers_app.services import number_purchase
from numbers_app.trunks.services import trunk_create
from tests.numbers.conftest import make_stock_number
from tests.numbers.test_dids_v3 import assert_errors, call

EXPORTS = "/api/v3/exports"


@pytest.fixture
def sdk(live_server):
    from didww.client import DidwwClient

    return lambda key: DidwwClient(api_key=key, base_url=live_server.url + "/api/v3")


@pytest.mark.django_db(transaction=True)
def test_the_sdk_exports_a_month_without_calls_as_a_valid_csv_with_only_its_header(tenants, sdk, tmp_path):
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
    ({"filters": {"from": "2026-02-01"}}, "/data/attributes/filters/to"),
    ({"filters": {"from": "yesterday", "to": "2026-02-01"}}, "/data/attributes/filters/from"),
    ({"filters": {"from": "2026-02-30", "to": "2026-03-01"}}, "/data/attributes/filters/from"),
    ({"filters": {"from": 20260201, "to": "2026-03-01"}}, "/data/attributes/filters/from"),
    ({"filters": {"from": "2026-03-01", "to": "2026-02-01"}}, "/data/attributes/filters/to"),
    ({"filters": {"from": "2026-02-01", "to": "2026-03-01", "month": 2}}, "/data/attributes/filters/month"),
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


def _number(tenant, client=None):
    order = number_purchase(actor=system_actor(tenant.account), numbers=[make_stock_number()], client=client)
    return order.numbers.get()


def _call(number, started: datetime, *, seconds: int = 0, caller: str = "+31612345678", trunk=None, **values):
    """A call record as the edge's import writes it: answered and hung up by the caller when it has talk time,
    otherwise unanswered by the PBX (480)."""
    answered = started + timedelta(seconds=3) if seconds else None
    ended = (answered + timedelta(seconds=seconds)) if answered else started + timedelta(seconds=20)
    defaults = {
        "status": Call.Status.COMPLETED if seconds else Call.Status.MISSED,
        "sip_code": 200 if seconds else 480,
        "sip_reason": "OK" if seconds else "Temporarily Unavailable",
        "hangup_side": Call.HangupSide.CALLER if seconds else "",
    }
    n = Call.objects.count() + 1
    return Call.objects.create(
        uid=f"exp{n}", sip_call_id=f"export-{n}@edge", account=number.account, client=number.client,
        number=number, e164=number.e164, trunk=trunk, caller=caller, started_at=started, answered_at=answered,
        ended_at=ended, duration_ms=seconds * 1000, **(defaults | values),
    )  # fmt: skip


def _download(client, made, tmp_path) -> list[dict]:
    target = tmp_path / f"{made.id}.csv"
    client.download_and_decompress_export(made.url, str(target))
    with target.open(newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == list(CDR_IN_COLUMNS)
        return [dict(zip(CDR_IN_COLUMNS, row, strict=True)) for row in reader]


@pytest.mark.django_db(transaction=True)
def test_the_sdk_exports_a_ranges_calls_in_didwws_columns(tenants, sdk, tmp_path):
    from didww.enums import ExportType
    from didww.resources.export import Export

    trunk = trunk_create(actor=system_actor(tenants.a.account), name="Office PBX").trunk
    number, other = _number(tenants.a, tenants.x), _number(tenants.a)
    answered = _call(number, datetime(2026, 2, 10, 9, 15, 0, tzinfo=UTC), seconds=75, trunk=trunk)
    missed = _call(other, datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC), caller="+442071234567")
    _call(number, datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC), seconds=5)  # after the range
    _call(number, datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC), seconds=5)  # before it
    _call(_number(tenants.b), datetime(2026, 2, 11, tzinfo=UTC), seconds=9)  # another reseller's

    client = sdk(tenants.a.key)
    export = Export()
    export.export_type = ExportType.CDR_IN
    export.filters = {"from": "2026-02-01 00:00:00", "to": "2026-02-28"}  # a date: that whole day
    made = client.exports().create(export).data
    assert made.filters == {"from": "2026-02-01 00:00:00", "to": "2026-03-01 00:00:00"}
    rows = _download(client, made, tmp_path)
    assert [r["Destination DID"] for r in rows] == [answered.e164.lstrip("+"), missed.e164.lstrip("+")]
    first, second = rows
    assert first["Date/Time Start (UTC)"] == "2026-02-10 09:15:00"
    assert first["Date/Time Connect (UTC)"] == "2026-02-10 09:15:03"
    assert first["Date/Time End (UTC)"] == "2026-02-10 09:16:18"
    assert (first["Duration (sec)"], first["Disconnect Code"], first["Response"]) == ("75", "200", "OK")
    assert (first["Status"], first["Source"], first["Attempt"]) == ("completed", "+31612345678", "1")
    assert (first["Disconnect Initiator"], first["Voice IN Trunk"]) == ("Origination", "Office PBX")
    assert (second["Status"], second["Disconnect Code"], second["Response"]) == (
        "missed",
        "480",
        "Temporarily Unavailable",
    )
    assert (second["Date/Time Connect (UTC)"], second["Duration (sec)"], second["Source"]) == ("", "0", "+442071234567")

    # One number's calls; a month by DIDWW's older filters; the client's own key sees only its client's.
    export.filters = {"from": "2026-01-01", "to": "2026-03-31", "did_number": number.e164}
    rows = _download(client, client.exports().create(export).data, tmp_path)
    assert [r["Date/Time Start (UTC)"] for r in rows] == [
        "2026-01-31 23:59:59", "2026-02-10 09:15:00", "2026-03-01 00:00:00"
    ]  # fmt: skip
    export.filters = {"year": 2026, "month": 2}
    rows = _download(client, client.exports().create(export).data, tmp_path)
    assert len(rows) == 2
    export.filters = {"from": "2026-01-01T00:00:00+01:00", "to": "2026-04-01"}
    mine = sdk(tenants.x_key).exports().create(export).data
    assert mine.filters["from"] == "2025-12-31 23:00:00"
    rows = _download(sdk(tenants.x_key), mine, tmp_path)
    assert {r["Destination DID"] for r in rows} == {number.e164.lstrip("+")} and len(rows) == 3


def test_an_export_of_december_ends_with_the_year(tenants):
    number = _number(tenants.a)
    _call(number, datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), seconds=1)
    _call(number, datetime(2027, 1, 1, tzinfo=UTC), seconds=1)
    body = {"data": {"type": "exports", "attributes": {"filters": {"year": 2026, "month": 12}}}}
    made = call(tenants.a.key, "POST", EXPORTS, body).json()["data"]
    response = call(tenants.a.key, "GET", f"{EXPORTS}/{made['id']}/download")
    rows = list(csv.reader(gzip.decompress(response.content).decode().splitlines()))[1:]
    assert [row[0] for row in rows] == ["2026-12-31 23:59:59"]
