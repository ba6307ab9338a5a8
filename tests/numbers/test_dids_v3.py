"""/api/v3/dids: the DIDWW-compatible JSON:API view of owned numbers, over plain HTTP and through the
official ``didww`` SDK against the live server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.test import Client as HttpClient

from accounts.models import AuditLog
from numbers_app import services
from numbers_app.didww import resources as didww
from numbers_app.models import Number, SipTrunk
from numbers_app.trunks import services as trunks
from tests.numbers.conftest import DE_BERLIN, GB_LONDON, NL_AMS, NL_MOBILE

pytestmark = pytest.mark.django_db

MEDIA = "application/vnd.api+json"
DIDS = "/api/v3/dids"


@dataclass
class Owned:
    """Reseller A's numbers in every state a DID can show, and B's one number.

    reception: client X, active, on A's shared trunk ``pbx`` (30 channels), "Reception", oldest
    sales: no client, active, forwarded, set not to renew, "Sales"
    berlin: pending regulatory documents, on trunk ``pbx2`` (5 channels)
    mobile: client Y, suspended for an unpaid renewal
    released, failed: gone from the account
    """

    reception: Number
    sales: Number
    berlin: Number
    mobile: Number
    released: Number
    failed: Number
    b_number: Number
    pbx: SipTrunk
    pbx2: SipTrunk
    x_pbx: SipTrunk
    b_pbx: SipTrunk

    def name_of(self, did_id: str) -> str:
        for name in ("reception", "sales", "berlin", "mobile", "released", "failed", "b_number"):
            if getattr(self, name).public_id == did_id:
                return name
        raise AssertionError(did_id)


def _buy(actor, e164, client=None, provision=True) -> Number:
    number = services.number_purchase(actor=actor, numbers=[e164], client=client).numbers.get()
    if provision:
        services.number_provision(number_id=number.pk)
    return Number.objects.get(pk=number.pk)


@pytest.fixture
def owned(tenants, stock) -> Owned:
    a = tenants.a.owner_actor
    reception = _buy(a, NL_AMS[0], client=tenants.x)
    sales = _buy(a, GB_LONDON[0])
    berlin = _buy(a, DE_BERLIN[0])
    mobile = _buy(a, NL_MOBILE[0], client=tenants.y)
    released = _buy(a, NL_AMS[1])
    failed = _buy(a, NL_AMS[2], provision=False)
    b_number = _buy(tenants.b.owner_actor, GB_LONDON[1])

    pbx = trunks.trunk_create(actor=a, name="Head office PBX", channels=30).trunk
    pbx2 = trunks.trunk_create(actor=a, name="Branch PBX", channels=5).trunk
    x_pbx = trunks.trunk_create(actor=a, name="Xylo PBX", client_id=tenants.x.pk).trunk
    b_pbx = trunks.trunk_create(actor=tenants.b.owner_actor, name="Bravo PBX").trunk
    trunks.number_route(actor=a, number=reception, trunk=pbx)
    trunks.number_route(actor=a, number=berlin, trunk=pbx2)
    services.number_configure(actor=a, number=reception, label="Reception")
    services.number_configure(
        actor=a, number=sales, label="Sales", cancel_at_period_end=True, forwarding_number="+31612345678"
    )
    with transaction.atomic():
        services.number_suspend_unpaid(number=Number.objects.select_for_update().get(pk=mobile.pk))
    services.number_release(actor=a, number=released)
    services.number_provision_failed(number_id=failed.pk, reason="carrier said no")
    # Distinct times and renewal dates, in an order unlike the ids'.
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    for offset, number in enumerate([reception, berlin, sales, mobile]):
        Number.objects.filter(pk=number.pk).update(
            created_at=now + timedelta(hours=offset), paid_through=date(2026, 4, 20) - timedelta(days=offset * 3)
        )
    refreshed = {n.pk: n for n in Number.objects.all()}
    return Owned(
        reception=refreshed[reception.pk],
        sales=refreshed[sales.pk],
        berlin=refreshed[berlin.pk],
        mobile=refreshed[mobile.pk],
        released=refreshed[released.pk],
        failed=refreshed[failed.pk],
        b_number=refreshed[b_number.pk],
        pbx=pbx,
        pbx2=pbx2,
        x_pbx=x_pbx,
        b_pbx=b_pbx,
    )


def call(key: str | None, method: str, path: str, body=None, *, params=None, content_type=MEDIA, raw=None):
    headers = {"Accept": MEDIA}
    if key is not None:
        headers["Api-Key"] = key
    http = HttpClient()
    if method == "GET":
        return http.get(path, params or {}, headers=headers)
    data = raw if raw is not None else json.dumps(body)
    if params:
        path += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return getattr(http, method.lower())(path, data=data, content_type=content_type, headers=headers)


def listed(key, owned: Owned, **params) -> list[str]:
    response = call(key, "GET", DIDS, params=params)
    assert response.status_code == 200, response.content
    return [owned.name_of(item["id"]) for item in response.json()["data"]]


def assert_errors(response, status: int, code: str, *, parameter=None, pointer=None) -> list[dict]:
    """The JSON:API error document: every error with status, code, title and detail."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == MEDIA
    body = response.json()
    assert set(body) == {"errors"} and body["errors"]
    for error in body["errors"]:
        assert error["status"] == str(status) and error["code"] == code
        assert error["title"] and error["detail"]
        assert error["meta"]["request_id"] == response["X-Request-ID"]
    if parameter is not None:
        assert [e["source"] for e in body["errors"]] == [{"parameter": parameter}]
    if pointer is not None:
        assert {"pointer": pointer} in [e.get("source") for e in body["errors"]], body
    return body["errors"]


def patch_doc(number: Number, attributes=None, relationships=None) -> dict:
    data: dict = {"type": "dids", "id": number.public_id}
    if attributes is not None:
        data["attributes"] = attributes
    if relationships is not None:
        data["relationships"] = relationships
    return {"data": data}


def trunk_ref(trunk: SipTrunk | None) -> dict:
    return {"data": None if trunk is None else {"type": "voice_in_trunks", "id": trunk.public_id}}


# --- The list and what each attribute says ---------------------------------------------------------


def test_the_list_is_a_json_api_document_of_the_callers_live_numbers_newest_first(tenants, owned):
    response = call(tenants.a.key, "GET", DIDS)
    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA
    body = response.json()
    assert [owned.name_of(d["id"]) for d in body["data"]] == ["mobile", "berlin", "sales", "reception"]
    assert body["meta"] == {"total_records": 4}
    assert body["jsonapi"] == {"version": "1.0"}
    assert "included" not in body
    first = body["data"][-1]
    assert first["type"] == "dids" and first["id"] == owned.reception.public_id
    assert first["links"]["self"] == f"http://testserver/api/v3/dids/{owned.reception.public_id}"
    linkage = {name: relationship["data"] for name, relationship in first["relationships"].items()}
    assert linkage["did_group"] == {"type": "did_groups", "id": str(owned.reception.group_id)}
    assert linkage["voice_in_trunk"] == {"type": "voice_in_trunks", "id": owned.pbx.public_id}
    assert linkage["order"] == {"type": "orders", "id": f"ord_{owned.reception.order_id}"}
    for name in didww.EMPTY_RELATIONSHIPS:
        assert linkage[name] is None


def test_each_attribute_is_mapped_from_the_number(tenants, owned):
    body = call(tenants.a.key, "GET", DIDS).json()
    by_name = {owned.name_of(d["id"]): d["attributes"] for d in body["data"]}
    assert by_name["reception"] == {
        "number": NL_AMS[0].removeprefix("+"),
        "description": "Reception",
        "blocked": False,
        "terminated": False,
        "awaiting_registration": False,
        "pending_removal": False,
        "capacity_limit": 30,
        "channels_included_count": 0,
        "dedicated_channels_count": 0,
        "billing_cycles_count": None,
        "expires_at": "2026-04-20T00:00:00.000Z",
        "created_at": "2026-03-01T12:00:00.000Z",
        "emergency_enabled": False,
    }
    sales = by_name["sales"]
    assert (sales["terminated"], sales["billing_cycles_count"], sales["pending_removal"]) == (True, 0, True)
    assert (sales["blocked"], sales["capacity_limit"], sales["description"]) == (False, None, "Sales")
    assert sales["expires_at"] == "2026-04-14T00:00:00.000Z"
    berlin = by_name["berlin"]
    assert (berlin["awaiting_registration"], berlin["capacity_limit"], berlin["description"]) == (True, 5, None)
    mobile = by_name["mobile"]
    assert (mobile["blocked"], mobile["pending_removal"], mobile["terminated"]) == (True, True, False)
    assert mobile["awaiting_registration"] is False and mobile["billing_cycles_count"] is None


def test_a_client_bound_key_sees_only_its_clients_numbers(tenants, owned):
    assert listed(tenants.x_key, owned) == ["reception"]
    assert_errors(call(tenants.x_key, "GET", f"{DIDS}/{owned.mobile.public_id}"), 404, "not_found")
    assert listed(tenants.x_key, owned, **{"filter[number]": NL_MOBILE[0][1:]}) == []


def test_other_accounts_numbers_never_appear(tenants, owned):
    assert listed(tenants.b.key, owned) == ["b_number"]
    every_a_number = ",".join(n.e164[1:] for n in (owned.reception, owned.sales, owned.berlin, owned.mobile))
    assert listed(tenants.b.key, owned, **{"filter[number]": every_a_number}) == []
    assert listed(tenants.b.key, owned, **{"filter[voice_in_trunk.id]": owned.pbx.public_id}) == []
    assert listed(tenants.a.key, owned, **{"filter[number]": GB_LONDON[1][1:]}) == []
    assert "b_number" not in listed(tenants.a.key, owned, **{"filter[country.id]": "GB"})
    for number in (owned.reception, owned.sales):
        assert_errors(call(tenants.b.key, "GET", f"{DIDS}/{number.public_id}"), 404, "not_found")


# --- Filters ---------------------------------------------------------------------------------------


def _filter_cases():
    everyone = ["mobile", "berlin", "sales", "reception"]
    cases = [
        ("number", lambda o: o.reception.e164[1:], ["reception"]),
        ("number", lambda o: o.reception.e164, ["reception"]),
        ("number", lambda o: f"{o.reception.e164[1:]},{o.sales.e164[1:]}", ["sales", "reception"]),
        ("number", lambda o: "", []),
        ("description", lambda o: "Reception", ["reception"]),
        ("description", lambda o: "Reception,Sales", ["sales", "reception"]),
        ("description", lambda o: "", ["mobile", "berlin"]),
        ("terminated", lambda o: "true", ["sales"]),
        ("terminated", lambda o: "False", ["mobile", "berlin", "reception"]),
        ("awaiting_registration", lambda o: "true", ["berlin"]),
        ("awaiting_registration", lambda o: "false", ["mobile", "sales", "reception"]),
        ("pending_removal", lambda o: "true", ["mobile", "sales"]),
        ("pending_removal", lambda o: "false", ["berlin", "reception"]),
        ("blocked", lambda o: "true", ["mobile"]),
        ("blocked", lambda o: "false", ["berlin", "sales", "reception"]),
        ("emergency_enabled", lambda o: "true", []),
        ("emergency_enabled", lambda o: "false", everyone),
        ("billing_cycles_count", lambda o: "0", ["sales"]),
        ("billing_cycles_count", lambda o: "", ["mobile", "berlin", "reception"]),
        ("billing_cycles_count", lambda o: "3", []),
        ("did_group.id", lambda o: str(o.sales.group_id), ["sales"]),
        ("did_group.id", lambda o: f"{o.sales.group_id},{o.mobile.group_id}", ["mobile", "sales"]),
        ("did_group.id", lambda o: "abc", []),
        ("country.id", lambda o: "nl", ["mobile", "reception"]),
        ("country.id", lambda o: "GB,DE", ["berlin", "sales"]),
        ("region.id", lambda o: "GB-england", ["sales"]),
        ("region.id", lambda o: "NL-noord-holland,DE-berlin", ["berlin", "reception"]),
        ("region.id", lambda o: "", ["mobile"]),
        ("city.id", lambda o: "GB-london", ["sales"]),
        ("city.id", lambda o: "NL-amsterdam,FR-paris", ["reception"]),
        ("city.id", lambda o: "", ["mobile"]),
        ("order.id", lambda o: o.reception.order.public_id, ["reception"]),
        ("order.id", lambda o: f"{o.sales.order_id},{o.berlin.order_id}", ["berlin", "sales"]),
        ("order.reference", lambda o: o.mobile.order.public_id, ["mobile"]),
        ("order.reference", lambda o: o.b_number.order.public_id, []),
        ("voice_in_trunk.id", lambda o: o.pbx.public_id, ["reception"]),
        ("voice_in_trunk.id", lambda o: f"{o.pbx.public_id},{o.pbx2.pk}", ["berlin", "reception"]),
        ("voice_in_trunk.id", lambda o: "", ["mobile", "sales"]),
        ("voice_in_trunk.id", lambda o: o.b_pbx.public_id, []),
        ("did_group.features", lambda o: "sms_in", ["mobile"]),
        ("did_group.features", lambda o: "voice_in", everyone),
        ("did_group.features", lambda o: "voice_in,sms_in", ["mobile"]),
        ("did_group.features", lambda o: "voice_in,emergency", []),
        ("voice_in_trunk_group.id", lambda o: "", everyone),  # none is routed to a group here
        ("voice_in_trunk_group.id", lambda o: "vtg_abc", []),
    ]
    for name in didww.EMPTY_FILTERS:
        cases += [(f"{name}.id", lambda o: "", everyone), (f"{name}.id", lambda o: "abc", [])]
    return cases


FILTER_CASES: dict[str, list] = {}
for _name, _value, _expected in _filter_cases():
    FILTER_CASES.setdefault(_name, []).append((_value, _expected))


def test_every_filter_has_cases():
    assert set(FILTER_CASES) == set(didww.FILTERS)


@pytest.mark.parametrize("name", sorted(FILTER_CASES))
def test_filter(tenants, owned, name):
    for value, expected in FILTER_CASES[name]:
        value = value(owned)
        assert listed(tenants.a.key, owned, **{f"filter[{name}]": value}) == expected, value


def test_filters_combine(tenants, owned):
    params = {"filter[country.id]": "NL,GB", "filter[blocked]": "false", "filter[terminated]": "false"}
    assert listed(tenants.a.key, owned, **params) == ["reception"]


BAD_PARAMETERS = [
    ("filter[terminated]", "maybe"),
    ("filter[blocked]", ""),
    ("filter[billing_cycles_count]", "abc"),
    ("filter[did_group.features]", "fax"),
    ("filter[colour]", "blue"),
    ("filter[address_verification]", "x"),
    ("filter[identity.id]", ""),
    ("sort", "colour"),
    ("sort", "-colour"),
    ("sort", ""),
    ("sort", "number,"),
    ("sort", "pending_removal"),
    ("include", "colour"),
    ("include", "did_group.stock_keeping_units"),
    ("include", "did_group,trunk"),
    ("include", "number"),
    ("fields[dids]", "number,colour"),
    ("fields[trunks]", "name"),
    ("fields[orders]", "number"),
    ("page[size]", "0"),
    ("page[size]", "101"),
    ("page[size]", "ten"),
    ("page[number]", "0"),
    ("page[number]", "-1"),
    ("page[offset]", "10"),
    ("page", "2"),
    ("limit", "10"),
]


def test_a_bad_or_unknown_query_parameter_is_400_naming_it(tenants, owned):
    for parameter, value in BAD_PARAMETERS:
        response = call(tenants.a.key, "GET", DIDS, params={parameter: value})
        assert_errors(response, 400, "invalid_parameter", parameter=parameter)


# --- Sorting ---------------------------------------------------------------------------------------


def _expected_order(dids: list[dict], key: str, descending: bool) -> list[str]:
    """The order the page describes: by the attribute, null as the largest value, then newest first."""
    newest_first = sorted(dids, key=lambda d: int(d["id"].removeprefix("num_")), reverse=True)
    value = lambda d: (d["attributes"][key] is None, d["attributes"][key] or 0)  # noqa: E731
    return [d["id"] for d in sorted(newest_first, key=value, reverse=descending)]


@pytest.mark.parametrize("key", sorted(didww.SORTS))
def test_sort_both_ways(tenants, owned, key):
    dids = call(tenants.a.key, "GET", DIDS).json()["data"]
    for descending in (False, True):
        response = call(tenants.a.key, "GET", DIDS, params={"sort": ("-" if descending else "") + key})
        assert response.status_code == 200, response.content
        assert [d["id"] for d in response.json()["data"]] == _expected_order(dids, key, descending), descending


def test_sorts_that_order_differently_from_the_default(tenants, owned):
    assert listed(tenants.a.key, owned, sort="created_at") == ["reception", "berlin", "sales", "mobile"]
    assert listed(tenants.a.key, owned, sort="-expires_at") == ["reception", "berlin", "sales", "mobile"]
    assert listed(tenants.a.key, owned, sort="capacity_limit") == ["berlin", "reception", "mobile", "sales"]
    assert listed(tenants.a.key, owned, sort="-capacity_limit") == ["mobile", "sales", "reception", "berlin"]
    assert listed(tenants.a.key, owned, sort="description") == ["reception", "sales", "mobile", "berlin"]
    assert listed(tenants.a.key, owned, sort="-blocked,number") == ["mobile", "reception", "sales", "berlin"]


# --- Includes and sparse fieldsets -----------------------------------------------------------------


def test_including_everything_returns_each_related_resource_once(tenants, owned):
    include = "did_group.country,did_group.city,did_group.region,did_group.did_group_type,voice_in_trunk,order"
    body = call(tenants.a.key, "GET", DIDS, params={"include": include}).json()
    keys = [(r["type"], r["id"]) for r in body["included"]]
    assert len(keys) == len(set(keys)), "each included resource once"
    groups = {owned.reception.group_id, owned.sales.group_id, owned.berlin.group_id, owned.mobile.group_id}
    orders = {n.order.public_id for n in (owned.reception, owned.sales, owned.berlin, owned.mobile)}
    assert set(keys) == (
        {("did_groups", str(pk)) for pk in groups}
        | {("countries", c) for c in ("NL", "GB", "DE")}
        | {("cities", c) for c in ("NL-amsterdam", "GB-london", "DE-berlin")}
        | {("regions", r) for r in ("NL-noord-holland", "GB-england", "DE-berlin")}
        | {("did_group_types", t) for t in ("local", "mobile")}
        | {("voice_in_trunks", t.public_id) for t in (owned.pbx, owned.pbx2)}
        | {("orders", o) for o in orders}
    )
    found = {(r["type"], r["id"]): r for r in body["included"]}
    assert found[("did_groups", str(owned.sales.group_id))]["attributes"] == {
        "prefix": "20",
        "features": ["voice_in"],
        "is_metered": False,
        "area_name": "London",
    }
    assert found[("did_groups", str(owned.sales.group_id))]["relationships"] == {
        "country": {"data": {"type": "countries", "id": "GB"}},
        "city": {"data": {"type": "cities", "id": "GB-london"}},
        "region": {"data": {"type": "regions", "id": "GB-england"}},
        "did_group_type": {"data": {"type": "did_group_types", "id": "local"}},
    }
    mobile_group = found[("did_groups", str(owned.mobile.group_id))]
    assert mobile_group["attributes"]["features"] == ["voice_in", "sms_in"]
    assert mobile_group["attributes"]["area_name"] == "Mobile"
    assert mobile_group["relationships"]["city"] == {"data": None}
    assert found[("countries", "GB")]["attributes"] == {"name": "United Kingdom", "prefix": "44", "iso": "GB"}
    assert found[("cities", "GB-london")]["attributes"] == {"name": "London"}
    assert found[("cities", "GB-london")]["relationships"]["region"] == {
        "data": {"type": "regions", "id": "GB-england"}
    }
    assert found[("did_group_types", "local")]["attributes"] == {"name": "Local"}
    trunk = found[("voice_in_trunks", owned.pbx.public_id)]
    assert trunk["attributes"]["name"] == "Head office PBX" and trunk["attributes"]["capacity_limit"] == 30
    assert trunk["attributes"]["configuration"] == {
        "type": "sip_configurations",
        "attributes": {
            "enabled_sip_registration": True,
            "incoming_auth_username": owned.pbx.username,
            "username": owned.pbx.username,
            "host": owned.pbx.sip_server,
        },
    }
    assert "ha1" not in json.dumps(trunk) and owned.pbx.ha1 not in json.dumps(body)
    order = found[("orders", owned.sales.order.public_id)]
    assert order["attributes"] == {
        "amount": "1.0000",
        "status": "completed",
        "reference": owned.sales.order.public_id,
        "created_at": order["attributes"]["created_at"],
    }


INCLUDED_TYPES = {
    "did_group": {"did_groups"},
    "did_group.country": {"did_groups", "countries"},
    "did_group.city": {"did_groups", "cities"},
    "did_group.region": {"did_groups", "regions"},
    "did_group.did_group_type": {"did_groups", "did_group_types"},
    "voice_in_trunk": {"voice_in_trunks"},
    "voice_in_trunk.voice_in_trunk_group": {"voice_in_trunks"},
    "voice_in_trunk.pop": {"voice_in_trunks"},
    "order": {"orders"},
    "voice_in_trunk_group": set(),  # no number of these owners is routed to a group
    **{name: set() for name in didww.EMPTY_RELATIONSHIPS},
}


def test_every_include_path_has_a_case():
    assert set(INCLUDED_TYPES) == didww.INCLUDES


def test_each_include_path(tenants, owned):
    for path, types in INCLUDED_TYPES.items():
        body = call(tenants.a.key, "GET", DIDS, params={"include": path}).json()
        assert {r["type"] for r in body["included"]} == types, path


def test_sparse_fieldsets_limit_attributes_and_relationships_of_each_type(tenants, owned):
    params = {
        "fields[dids]": "number,did_group",
        "fields[did_groups]": "prefix",
        "include": "did_group",
        "filter[number]": owned.sales.e164[1:],
    }
    body = call(tenants.a.key, "GET", DIDS, params=params).json()
    (did,) = body["data"]
    assert did["attributes"] == {"number": owned.sales.e164[1:]}
    assert set(did["relationships"]) == {"did_group"}
    (group,) = body["included"]
    assert group == {"type": "did_groups", "id": str(owned.sales.group_id), "attributes": {"prefix": "20"}}
    bare = call(tenants.a.key, "GET", f"{DIDS}/{owned.sales.public_id}", params={"fields[dids]": ""}).json()
    assert set(bare["data"]) == {"type", "id", "links"}


# --- Pages -----------------------------------------------------------------------------------------


def _page_of(url: str) -> tuple[str, str, dict]:
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    return query.pop("page[number]")[0], query.pop("page[size]")[0], query


def test_pages_have_total_records_and_first_last_prev_next_links_keeping_the_query(tenants, owned):
    params = {"page[size]": "1", "page[number]": "2", "sort": "number", "filter[blocked]": "false"}
    body = call(tenants.a.key, "GET", DIDS, params=params).json()
    assert [owned.name_of(d["id"]) for d in body["data"]] == ["sales"]
    assert body["meta"]["total_records"] == 3
    links = {name: _page_of(url) for name, url in body["links"].items()}
    kept = {"sort": ["number"], "filter[blocked]": ["false"]}
    assert links == {
        "first": ("1", "1", kept),
        "prev": ("1", "1", kept),
        "next": ("3", "1", kept),
        "last": ("3", "1", kept),
    }
    assert body["links"]["first"].startswith("http://testserver/api/v3/dids?")
    # following next walks every DID once
    seen, url = [], body["links"]["first"]
    while url:
        page = HttpClient().get(url, headers={"Api-Key": tenants.a.key}).json()
        seen += [owned.name_of(d["id"]) for d in page["data"]]
        url = page["links"].get("next")
    assert seen == ["reception", "sales", "berlin"]


def test_the_first_and_last_pages_have_no_prev_or_next_and_past_the_end_is_empty(tenants, owned):
    body = call(tenants.a.key, "GET", DIDS).json()
    assert set(body["links"]) == {"first", "last"}
    assert _page_of(body["links"]["last"])[:2] == ("1", "50")
    past = call(tenants.a.key, "GET", DIDS, params={"page[number]": "9", "page[size]": "2"}).json()
    assert past["data"] == [] and past["meta"]["total_records"] == 4
    assert _page_of(past["links"]["prev"])[0] == "2" and "next" not in past["links"]
    empty = call(tenants.a.key, "GET", DIDS, params={"filter[blocked]": "true", "filter[terminated]": "true"}).json()
    assert empty["data"] == [] and empty["meta"]["total_records"] == 0
    assert _page_of(empty["links"]["last"])[0] == "1"


def test_a_parameter_given_twice_is_400(tenants, owned):
    response = HttpClient().get(
        f"{DIDS}?filter[blocked]=true&filter[blocked]=false", headers={"Api-Key": tenants.a.key}
    )
    assert_errors(response, 400, "invalid_parameter", parameter="filter[blocked]")


# --- One DID ---------------------------------------------------------------------------------------


def test_one_did_by_its_id_integer_id_or_number_with_includes(tenants, owned):
    for did_id in (owned.reception.public_id, str(owned.reception.pk), owned.reception.e164):
        response = call(tenants.a.key, "GET", f"{DIDS}/{did_id}", params={"include": "voice_in_trunk,order"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["data"]["id"] == owned.reception.public_id
        assert body["data"]["attributes"]["description"] == "Reception"
        assert {(r["type"], r["id"]) for r in body["included"]} == {
            ("voice_in_trunks", owned.pbx.public_id),
            ("orders", owned.reception.order.public_id),
        }
        assert "meta" not in body and "links" not in body


def test_one_did_takes_no_filter_sort_or_page(tenants, owned):
    for parameter in ("filter[blocked]", "sort", "page[number]"):
        response = call(tenants.a.key, "GET", f"{DIDS}/{owned.sales.public_id}", params={parameter: "1"})
        assert_errors(response, 400, "invalid_parameter", parameter=parameter)


def test_a_did_that_is_not_yours_or_gone_is_404(tenants, owned):
    others = [owned.released.public_id, owned.failed.public_id, owned.b_number.public_id, owned.b_number.e164]
    for did_id in [*others, "num_99999999", "abc"]:
        assert_errors(call(tenants.a.key, "GET", f"{DIDS}/{did_id}"), 404, "not_found")
        body = {"data": {"type": "dids", "id": did_id, "attributes": {"description": "Mine now"}}}
        assert_errors(call(tenants.a.key, "PATCH", f"{DIDS}/{did_id}", body), 404, "not_found")
    assert not Number.objects.filter(label="Mine now").exists()


# --- Authentication, rate limit, other paths -------------------------------------------------------


def test_no_key_or_a_bad_key_is_401(tenants, owned):
    for key in (None, "df_live_sk_not-a-real-key"):
        response = call(key, "GET", DIDS)
        assert_errors(response, 401, "unauthorized")
        assert response["WWW-Authenticate"]


def test_the_other_key_headers_work_too(tenants, owned):
    bearer = HttpClient().get(DIDS, headers={"Authorization": f"Bearer {tenants.a.key}"})
    x_api_key = HttpClient().get(DIDS, headers={"X-API-Key": tenants.a.key})
    assert bearer.json()["meta"]["total_records"] == x_api_key.json()["meta"]["total_records"] == 4


def test_v3_requests_count_against_the_keys_rate_limit(tenants, owned, staff_actor):
    from accounts.services import account_update

    account_update(actor=staff_actor, account=tenants.a.account, api_rate_limit=3)
    statuses = [call(tenants.a.key, "GET", DIDS).status_code for _ in range(3)]
    assert statuses == [200] * 3
    response = call(tenants.a.key, "GET", DIDS)
    assert_errors(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1 and response["X-RateLimit-Limit"] == "3"


def test_unknown_v3_paths_and_methods_answer_json_api_errors(tenants, owned):
    assert_errors(call(tenants.a.key, "GET", "/api/v3/voice_out_trunks"), 404, "not_found")
    response = call(tenants.a.key, "POST", DIDS, {"data": {"type": "dids"}})
    assert_errors(response, 405, "method_not_allowed")
    assert_errors(call(tenants.a.key, "DELETE", f"{DIDS}/{owned.sales.public_id}"), 405, "method_not_allowed")
    assert Number.objects.get(pk=owned.sales.pk).status == "active"


def test_the_list_reads_a_fixed_number_of_queries_however_many_numbers(tenants, owned, django_assert_max_num_queries):
    include = "did_group.country,did_group.city,did_group.region,did_group.did_group_type,voice_in_trunk,order"
    params = {"include": include, "filter[city.id]": "NL-amsterdam,GB-london,DE-berlin,"}
    with django_assert_max_num_queries(5):
        small = call(tenants.a.key, "GET", DIDS, params=params)
    for e164 in NL_AMS[3:8] + GB_LONDON[2:6]:
        number = _buy(tenants.a.owner_actor, e164)
        trunks.number_route(actor=tenants.a.owner_actor, number=number, trunk=owned.pbx2)
    with django_assert_max_num_queries(5):
        large = call(tenants.a.key, "GET", DIDS, params=params)
    assert small.json()["meta"]["total_records"] == 4
    assert large.json()["meta"]["total_records"] == 13


# --- Updates ---------------------------------------------------------------------------------------


def test_patch_changes_description_renewal_and_trunk_with_the_v1_audit_rows(
    tenants, owned, django_capture_on_commit_callbacks
):
    doc = patch_doc(
        owned.berlin,
        attributes={"description": "  Berlin office ", "billing_cycles_count": 0},
        relationships={"voice_in_trunk": trunk_ref(owned.pbx), "voice_in_trunk_group": {"data": None}},
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = call(
            tenants.a.key, "PATCH", f"{DIDS}/{owned.berlin.public_id}", doc, params={"include": "voice_in_trunk"}
        )
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == MEDIA
    body = response.json()
    assert body["data"]["attributes"]["description"] == "Berlin office"
    assert body["data"]["attributes"]["billing_cycles_count"] == 0 and body["data"]["attributes"]["terminated"]
    assert body["data"]["relationships"]["voice_in_trunk"]["data"] == trunk_ref(owned.pbx)["data"]
    assert body["included"][0]["id"] == owned.pbx.public_id
    number = Number.objects.get(pk=owned.berlin.pk)
    assert (number.label, number.cancel_at_period_end, number.trunk_id) == ("Berlin office", True, owned.pbx.pk)
    updated = AuditLog.objects.get(action="number.updated", subject_id=number.public_id, after__label="Berlin office")
    assert updated.before == {"label": "", "cancel_at_period_end": False}
    assert updated.after == {"label": "Berlin office", "cancel_at_period_end": True}
    assert updated.api_key.account_id == tenants.a.account.pk
    routed = AuditLog.objects.filter(action="number.routed", subject_id=number.public_id).latest("id")
    assert routed.after["trunk"] == owned.pbx.public_id and routed.before["trunk"] == owned.pbx2.public_id
    assert len(callbacks) == 1  # the route goes to the carrier after commit


def test_patch_renews_again_with_null_or_terminated_false(tenants, owned):
    url = f"{DIDS}/{owned.sales.public_id}"
    assert call(tenants.a.key, "PATCH", url, patch_doc(owned.sales, {"billing_cycles_count": None})).status_code == 200
    assert Number.objects.get(pk=owned.sales.pk).cancel_at_period_end is False
    assert call(tenants.a.key, "PATCH", url, patch_doc(owned.sales, {"terminated": True})).status_code == 200
    assert Number.objects.get(pk=owned.sales.pk).cancel_at_period_end is True
    response = call(tenants.a.key, "PATCH", url, patch_doc(owned.sales, {"terminated": False}))
    assert response.json()["data"]["attributes"]["pending_removal"] is False


def test_patch_takes_a_number_off_its_trunk_but_keeps_a_forwarding(tenants, owned):
    off = call(
        tenants.a.key,
        "PATCH",
        f"{DIDS}/{owned.reception.public_id}",
        patch_doc(owned.reception, relationships={"voice_in_trunk": trunk_ref(None)}),
    )
    assert off.status_code == 200 and off.json()["data"]["relationships"]["voice_in_trunk"]["data"] is None
    assert Number.objects.get(pk=owned.reception.pk).trunk_id is None
    kept = call(
        tenants.a.key,
        "PATCH",
        f"{DIDS}/{owned.sales.public_id}",
        patch_doc(owned.sales, relationships={"voice_in_trunk": trunk_ref(None)}),
    )
    assert kept.status_code == 200
    assert Number.objects.get(pk=owned.sales.pk).forwarding == "+31612345678"
    assert not AuditLog.objects.filter(action="number.routed", subject_id=owned.sales.public_id).exists()


def test_patch_accepts_plain_json_and_the_integer_id(tenants, owned):
    doc = {"data": {"type": "dids", "id": str(owned.sales.pk), "attributes": {"description": "Plain"}}}
    response = call(tenants.a.key, "PATCH", f"{DIDS}/{owned.sales.pk}", doc, content_type="application/json")
    assert response.status_code == 200, response.content
    assert Number.objects.get(pk=owned.sales.pk).label == "Plain"


def test_a_read_only_key_cannot_patch(tenants, owned):
    response = call(
        tenants.a.read_only_key,
        "PATCH",
        f"{DIDS}/{owned.sales.public_id}",
        patch_doc(owned.sales, {"description": "No"}),
    )
    assert "read-only" in assert_errors(response, 403, "forbidden")[0]["detail"]
    assert Number.objects.get(pk=owned.sales.pk).label == "Sales"
    assert call(tenants.a.read_only_key, "GET", DIDS).status_code == 200


def test_a_client_key_updates_its_own_numbers_but_not_their_renewal_or_anyone_elses(tenants, owned):
    url = f"{DIDS}/{owned.reception.public_id}"
    ok = call(tenants.x_key, "PATCH", url, patch_doc(owned.reception, {"description": "Front desk"}))
    assert ok.status_code == 200 and Number.objects.get(pk=owned.reception.pk).label == "Front desk"
    renewal = call(tenants.x_key, "PATCH", url, patch_doc(owned.reception, {"billing_cycles_count": 0}))
    assert_errors(renewal, 403, "forbidden")
    other = call(
        tenants.x_key, "PATCH", f"{DIDS}/{owned.mobile.public_id}", patch_doc(owned.mobile, {"description": "X"})
    )
    assert_errors(other, 404, "not_found")
    assert Number.objects.get(pk=owned.reception.pk).cancel_at_period_end is False
    assert Number.objects.get(pk=owned.mobile.pk).label == ""


PATCH_422 = [
    ({"description": "x" * 101}, None, "/data/attributes/description"),
    ({"description": 5}, None, "/data/attributes/description"),
    ({"billing_cycles_count": 2}, None, "/data/attributes/billing_cycles_count"),
    ({"billing_cycles_count": "0"}, None, "/data/attributes/billing_cycles_count"),
    ({"billing_cycles_count": True}, None, "/data/attributes/billing_cycles_count"),
    ({"terminated": "yes"}, None, "/data/attributes/terminated"),
    ({"terminated": False, "billing_cycles_count": 0}, None, "/data/attributes/terminated"),
    ({"number": "3120"}, None, "/data/attributes/number"),
    ({"capacity_limit": 0}, None, "/data/attributes/capacity_limit"),
    ({"capacity_limit": "3"}, None, "/data/attributes/capacity_limit"),
    ({"capacity_limit": True}, None, "/data/attributes/capacity_limit"),
    ({"capacity_limit": 10001}, None, "/data/attributes/capacity_limit"),
    ({"colour": "blue"}, None, "/data/attributes/colour"),
    (None, {"order": {"data": None}}, "/data/relationships/order"),
    (
        None,
        {"voice_in_trunk_group": {"data": {"type": "voice_in_trunks", "id": "1"}}},
        "/data/relationships/voice_in_trunk_group/data",
    ),
    (None, {"colour": {"data": None}}, "/data/relationships/colour"),
    (None, {"voice_in_trunk": "trk_1"}, "/data/relationships/voice_in_trunk"),
    (
        None,
        {"voice_in_trunk": {"data": {"type": "voice_out_trunks", "id": "1"}}},
        "/data/relationships/voice_in_trunk/data",
    ),
    (None, {"voice_in_trunk": "x_pbx"}, "/data/relationships/voice_in_trunk"),
]


def test_patch_validation_errors_are_422_with_pointers_and_change_nothing(tenants, owned):
    for attributes, relationships, pointer in PATCH_422:
        if relationships == {"voice_in_trunk": "x_pbx"}:  # client X's trunk takes only client X's numbers
            relationships = {"voice_in_trunk": trunk_ref(owned.x_pbx)}
        doc = patch_doc(owned.sales, {"description": "Changed", **(attributes or {})}, relationships)
        response = call(tenants.a.key, "PATCH", f"{DIDS}/{owned.sales.public_id}", doc)
        assert_errors(response, 422, "validation_error", pointer=pointer)
    number = Number.objects.get(pk=owned.sales.pk)
    assert (number.label, number.cancel_at_period_end, number.trunk_id) == ("Sales", True, None)
    assert not AuditLog.objects.filter(subject_id=number.public_id, after__label="Changed").exists()


def test_patch_to_another_accounts_trunk_is_404_and_changes_nothing(tenants, owned):
    doc = patch_doc(owned.sales, {"description": "Changed"}, {"voice_in_trunk": trunk_ref(owned.b_pbx)})
    assert_errors(call(tenants.a.key, "PATCH", f"{DIDS}/{owned.sales.public_id}", doc), 404, "not_found")
    assert Number.objects.get(pk=owned.sales.pk).label == "Sales"


def test_patch_with_a_document_that_is_not_one_is_refused(tenants, owned):
    cases = [
        ('{"data": ', 400, "malformed_json"),
        ("[]", 400, "invalid_document"),
        ('{"type": "dids"}', 400, "invalid_document"),
        ('{"data": {"type": "dids", "id": "ID", "attributes": []}}', 400, "invalid_document"),
        ('{"data": {"type": "numbers", "id": "ID"}}', 409, "conflict"),
        ('{"data": {"type": "dids", "id": "OTHER"}}', 409, "conflict"),
        ('{"data": {"type": "dids"}}', 409, "conflict"),
    ]
    for raw, status, code in cases:
        raw = raw.replace("ID", owned.sales.public_id).replace("OTHER", owned.reception.public_id)
        response = call(tenants.a.key, "PATCH", f"{DIDS}/{owned.sales.public_id}", raw=raw)
        assert_errors(response, status, code)
    assert Number.objects.get(pk=owned.sales.pk).label == "Sales"


def test_patch_with_a_body_that_is_not_json_is_415(tenants, owned):
    response = call(
        tenants.a.key, "PATCH", f"{DIDS}/{owned.sales.public_id}", raw="description=x", content_type="text/plain"
    )
    assert_errors(response, 415, "unsupported_media_type")


# --- Relationship links ---------------------------------------------------------------------------


def test_every_relationship_of_a_did_carries_self_and_related_links_under_the_dids_url(tenants, owned):
    body = call(tenants.a.key, "GET", DIDS).json()

    for did in body["data"]:
        assert set(did["relationships"]) == set(didww.DID_RELATIONSHIPS)
        for name, relationship in did["relationships"].items():
            own = f"http://testserver{DIDS}/{did['id']}"
            assert relationship["links"] == {"self": f"{own}/relationships/{name}", "related": f"{own}/{name}"}
    sparse = call(tenants.a.key, "GET", DIDS, params={"fields[dids]": "number,order"}).json()["data"][0]
    assert list(sparse["relationships"]) == ["order"] and set(sparse["relationships"]["order"]) == {"data", "links"}


def _follow(key, url: str, **params):
    return call(key, "GET", url.removeprefix("http://testserver"), params=params)


def test_a_relationships_self_link_answers_its_linkage(tenants, owned):
    did = call(tenants.a.key, "GET", f"{DIDS}/{owned.reception.public_id}").json()["data"]

    for name, relationship in did["relationships"].items():
        response = _follow(tenants.a.key, relationship["links"]["self"])
        assert response.status_code == 200 and response["Content-Type"] == MEDIA
        assert response.json() == {
            "links": relationship["links"],
            "data": relationship["data"],
            "jsonapi": {"version": "1.0"},
        }, name
    assert _follow(tenants.a.key, did["relationships"]["voice_in_trunk"]["links"]["self"]).json()["data"] == {
        "type": "voice_in_trunks",
        "id": owned.pbx.public_id,
    }


def test_a_relationships_related_link_answers_the_resource_it_points_to(tenants, owned):
    did = call(tenants.a.key, "GET", f"{DIDS}/{owned.reception.public_id}").json()["data"]
    links = {name: relationship["links"]["related"] for name, relationship in did["relationships"].items()}

    group = _follow(tenants.a.key, links["did_group"], include="country,did_group_type").json()
    assert group["data"]["type"] == "did_groups" and group["data"]["id"] == str(owned.reception.group_id)
    assert group["data"]["attributes"]["prefix"] == "20" and group["links"] == {"self": links["did_group"]}
    assert {(r["type"], r["id"]) for r in group["included"]} == {("countries", "NL"), ("did_group_types", "local")}
    trunk = _follow(tenants.a.key, links["voice_in_trunk"]).json()["data"]
    assert (trunk["type"], trunk["id"], trunk["attributes"]["capacity_limit"]) == (
        "voice_in_trunks",
        owned.pbx.public_id,
        30,
    )
    order = _follow(tenants.a.key, links["order"], **{"fields[orders]": "reference"}).json()["data"]
    reference = f"ord_{owned.reception.order_id}"
    assert order == {"type": "orders", "id": reference, "attributes": {"reference": reference}}
    for name in didww.EMPTY_RELATIONSHIPS:
        assert _follow(tenants.a.key, links[name]).json()["data"] is None
    sales = call(tenants.a.key, "GET", f"{DIDS}/{owned.sales.public_id}").json()["data"]
    assert _follow(tenants.a.key, sales["relationships"]["voice_in_trunk"]["links"]["related"]).json()["data"] is None


def test_relationship_links_answer_json_api_errors_for_what_is_not_there_or_not_yours(tenants, owned):
    reception = f"{DIDS}/{owned.reception.public_id}"
    for path in (
        f"{DIDS}/{owned.b_number.public_id}/did_group",
        f"{DIDS}/{owned.b_number.public_id}/relationships/did_group",
        f"{DIDS}/{owned.released.public_id}/order",
        f"{reception}/colour",
        f"{reception}/relationships/colour",
    ):
        assert_errors(call(tenants.a.key, "GET", path), 404, "not_found")
    x_key_other_client = f"{DIDS}/{owned.sales.public_id}/relationships/did_group"
    assert_errors(call(tenants.x_key, "GET", x_key_other_client), 404, "not_found")
    assert_errors(call(None, "GET", f"{reception}/did_group"), 401, "unauthorized")
    bad_include = call(tenants.a.key, "GET", f"{reception}/did_group", params={"include": "order"})
    assert_errors(bad_include, 400, "invalid_parameter", parameter="include")
    no_params = call(tenants.a.key, "GET", f"{reception}/relationships/did_group", params={"include": "country"})
    assert_errors(no_params, 400, "invalid_parameter", parameter="include")
    assert_errors(call(tenants.a.key, "PATCH", f"{reception}/did_group", {"data": None}), 405, "method_not_allowed")


# --- The official SDK against the live server ------------------------------------------------------


@pytest.fixture
def sdk(live_server):
    from didww.client import DidwwClient

    return lambda key: DidwwClient(api_key=key, base_url=live_server.url + "/api/v3")


class SparseQuery:
    """The SDK's ``QueryParams`` with the ``fields[…]`` parameters it has no method for."""

    def __init__(self, params, fields: dict[str, str]):
        self.params, self.fields = params, fields

    def to_dict(self):
        return self.params.to_dict() | {f"fields[{t}]": v for t, v in self.fields.items()}


@pytest.mark.django_db(transaction=True)
def test_the_didww_sdk_lists_with_a_filter_an_include_a_sort_and_sparse_fields(tenants, owned, sdk):
    from didww.query_params import QueryParams

    params = QueryParams().filter("blocked", False).include("did_group.country", "voice_in_trunk").sort("-number")
    query = SparseQuery(params, {"dids": "number,description,did_group,voice_in_trunk"})
    response = sdk(tenants.a.key).dids().list(query)
    assert response.meta["total_records"] == 3
    dids = response.data
    assert [d.number for d in dids] == sorted(
        (n.e164[1:] for n in (owned.reception, owned.sales, owned.berlin)), reverse=True
    )
    by_number = {d.number: d for d in dids}
    sales = by_number[owned.sales.e164[1:]]
    assert sales.description == "Sales" and sales.terminated is None  # not in the sparse fieldset
    assert sales.did_group.country.name == "United Kingdom" and sales.did_group.country.iso == "GB"
    assert sales.voice_in_trunk is None
    reception = by_number[owned.reception.e164[1:]]
    assert reception.voice_in_trunk.name == "Head office PBX" and reception.voice_in_trunk.capacity_limit == 30
    assert reception.did_group.country.prefix == "31"


@pytest.mark.django_db(transaction=True)
def test_the_didww_sdk_reads_relationship_links_and_what_they_answer(tenants, owned, sdk, live_server):
    from didww.resources.did_group import DidGroup
    from jsonapi_requests.data import JsonApiResponse

    client = sdk(tenants.a.key)
    did = client.dids().find(owned.reception.public_id).data
    links = did.raw_object.relationships["did_group"].links
    assert links["related"] == f"{live_server.url}/api/v3/dids/{owned.reception.public_id}/did_group"
    assert did.raw_object.relationships["did_group"].data.id == str(owned.reception.group_id)  # linkage kept

    body = client.get(links["related"].removeprefix(client.base_url + "/"), params={"include": "country"})
    group = DidGroup.from_response_content(JsonApiResponse.from_data(body))
    assert group.id == str(owned.reception.group_id) and group.prefix == "20"
    assert group.country.iso == "NL" and group.country.name == "Netherlands"
    linkage = client.get(links["self"].removeprefix(client.base_url + "/"))
    assert linkage["data"] == {"type": "did_groups", "id": str(owned.reception.group_id)}


@pytest.mark.django_db(transaction=True)
def test_the_didww_sdk_finds_one_did_and_updates_its_description_and_trunk(tenants, owned, sdk):
    from didww.resources.voice_in_trunk import VoiceInTrunk

    client = sdk(tenants.a.key)
    did = client.dids().find(owned.berlin.public_id).data
    assert did.awaiting_registration is True and did.capacity_limit == 5
    assert did.expires_at == datetime(2026, 4, 17, tzinfo=UTC)
    did.description = "Berlin office"
    did.voice_in_trunk = VoiceInTrunk.build(owned.pbx.public_id)
    updated = client.dids().update(did).data
    assert updated.description == "Berlin office" and updated.capacity_limit == 30
    number = Number.objects.get(pk=owned.berlin.pk)
    assert (number.label, number.trunk_id) == ("Berlin office", owned.pbx.pk)
    assert AuditLog.objects.filter(action="number.updated", subject_id=number.public_id).exists()
    assert AuditLog.objects.filter(action="number.routed", subject_id=number.public_id).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_didww_sdk_sets_and_lifts_a_dids_own_capacity_limit(tenants, owned, sdk):
    """DIDWW's capacity_limit: at most that many calls to the DID at once (the SIP edge enforces it, see
    tests/voice); null lifts the number's own limit, and the trunk's channels show again."""
    client = sdk(tenants.a.key)
    did = client.dids().find(owned.reception.public_id).data
    assert did.capacity_limit == 30  # the channels of the trunk it is routed to
    did.capacity_limit = 2
    updated = client.dids().update(did).data
    assert updated.capacity_limit == 2
    number = Number.objects.get(pk=owned.reception.pk)
    assert (number.capacity_limit, number.trunk_id) == (2, owned.pbx.pk)
    assert AuditLog.objects.filter(
        action="number.updated", subject_id=number.public_id, after__capacity_limit=2
    ).exists()
    assert client.dids().find(owned.reception.public_id).data.capacity_limit == 2

    did = client.dids().find(owned.reception.public_id).data
    did.capacity_limit = None
    assert client.dids().update(did).data.capacity_limit == 30
    assert Number.objects.get(pk=owned.reception.pk).capacity_limit is None

    from didww.exceptions import DidwwApiError

    did = client.dids().find(owned.reception.public_id).data
    did.capacity_limit = 0
    with pytest.raises(DidwwApiError) as refused:
        client.dids().update(did)
    assert refused.value.status_code == 422
    assert refused.value.errors[0]["source"] == {"pointer": "/data/attributes/capacity_limit"}
    assert Number.objects.get(pk=owned.reception.pk).capacity_limit is None


@pytest.mark.django_db(transaction=True)
def test_the_didww_sdk_sees_json_api_errors(tenants, owned, sdk):
    from didww.exceptions import DidwwApiError
    from didww.resources.did import Did

    with pytest.raises(DidwwApiError) as missing:
        sdk(tenants.a.key).dids().find(owned.b_number.public_id)
    assert missing.value.status_code == 404 and missing.value.errors[0]["code"] == "not_found"
    did = Did.build(owned.sales.public_id)
    did.description = "Read-only"
    with pytest.raises(DidwwApiError) as refused:
        sdk(tenants.a.read_only_key).dids().update(did)
    assert refused.value.status_code == 403 and "read-only" in str(refused.value)
    with pytest.raises(DidwwApiError) as invalid:
        did.billing_cycles_count = 12
        sdk(tenants.a.key).dids().update(did)
    assert invalid.value.status_code == 422
    assert invalid.value.errors[0]["source"] == {"pointer": "/data/attributes/billing_cycles_count"}
    assert Number.objects.get(pk=owned.sales.pk).label == "Sales"
