"""SIP trunks: credentials shown once, HA1 only, regeneration, routing rules, registration events, and the
Connect guide's four-call onboarding."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditLog
from numbers_app import services
from numbers_app.models import Number, SandboxRoute, SipTrunk
from numbers_app.tasks import number_route_push_task
from numbers_app.trunks import services as trunks
from portal.models import Event
from tests.conftest import assert_error
from tests.numbers.conftest import GB_LONDON, NL_AMS, NL_MOBILE

pytestmark = pytest.mark.django_db


def test_connect_guide_onboarding_in_four_calls(tenants, stock, api_as, django_capture_on_commit_callbacks):
    """Search, checkout, create a trunk, route: the same calls and fields as the guide's example."""
    api = api_as(tenants.a.key)
    found = api.get("/api/v1/numbers/search?country=NL&type=local").json()["data"][0]
    assert isinstance(found["monthly_rate"], int)
    order = api.post(
        "/api/v1/wallet/checkout", {"items": [{"number": found["number"], "country": "NL", "type": "local"}]}
    ).json()
    trunk = api.post("/api/v1/portal/sip-trunks", {"name": "Acme Corp", "auth_type": "digest"})
    assert trunk.status_code == 201
    trunk = trunk.json()
    assert trunk["data"]["username"] and len(trunk["data"]["password"]) >= 20
    routed = api.post(
        "/api/v1/portal/did-routing",
        {"did_number_id": order["data"]["items"][0]["did_number_id"], "sip_trunk_id": trunk["data"]["id"]},
    )
    assert routed.status_code == 200, routed.content
    assert routed.json()["data"]["trunk_uuid"] == trunk["data"]["uuid"]
    # the number goes live and only then gets its route at the carrier
    number = Number.objects.get(pk=order["data"]["items"][0]["did_number_id"])
    assert number.route_applied == ""
    with django_capture_on_commit_callbacks(execute=True):
        services.number_provision(number_id=number.pk)
    number_route_push_task.apply(args=[number.pk])
    number.refresh_from_db()
    assert number.route_applied == f"sip:{trunk['data']['username']}@{trunk['data']['sip_server']}"
    assert SandboxRoute.objects.get(carrier_ref=number.carrier_ref).destination == number.route_applied


def test_number_events_name_the_number_its_country_type_trunk_and_order(
    tenants, stock, api_as, django_capture_on_commit_callbacks
):
    """The Connect guide's ``number.activated`` payload, for a number routed to a trunk before it went live;
    the other events about the number carry the same fields."""
    api = api_as(tenants.a.key)
    order = api.post("/api/v1/wallet/checkout", {"items": [{"number": NL_AMS[0]}]}).json()["data"]
    trunk = api.post("/api/v1/portal/sip-trunks", {"name": "Acme Corp"}).json()["data"]
    number_id = order["items"][0]["did_number_id"]
    api.post("/api/v1/portal/did-routing", {"did_number_id": number_id, "sip_trunk_id": trunk["id"]})
    with django_capture_on_commit_callbacks(execute=True):
        services.number_provision(number_id=number_id)
    api.delete(f"/api/v1/numbers/{number_id}")
    expected = {"number": NL_AMS[0], "country": "NL", "type": "local", "trunk_uuid": trunk["uuid"]}
    expected["order_id"] = order["order_id"]
    for kind in ("number.provisioned", "number.activated", "number.released"):
        event = Event.objects.get(type=kind)
        assert event.as_payload()["data"].items() >= expected.items(), kind
    unrouted = services.number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[1]]).numbers.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.number_provision(number_id=unrouted.pk)
    assert Event.objects.filter(type="number.activated").order_by("pk").last().data["trunk_uuid"] is None


@pytest.fixture
def pushed(monkeypatch) -> list[int]:
    """The trunk ids whose push to the SIP side was enqueued."""
    from numbers_app.tasks import trunk_push_task

    enqueued: list[int] = []
    monkeypatch.setattr(trunk_push_task, "delay", enqueued.append)
    return enqueued


def test_a_new_trunk_is_provisioning_until_the_sip_side_has_it_then_active(
    tenants, api_as, pushed, django_capture_on_commit_callbacks
):
    api = api_as(tenants.a.key)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/portal/sip-trunks", {"name": "Acme Corp", "auth_type": "digest"})
    assert created.status_code == 201
    trunk = created.json()["data"]
    assert trunk["status"] == "provisioning" and trunk["password"]
    assert pushed == [trunk["id"]]
    assert api.get(f"/api/v1/portal/sip-trunks/{trunk['uuid']}").json()["data"]["status"] == "provisioning"

    trunks.trunk_push(trunk_id=trunk["id"])
    trunks.trunk_push(trunk_id=trunk["id"])  # a second push (a retry, the sweeper) changes nothing more
    assert api.get(f"/api/v1/portal/sip-trunks/{trunk['uuid']}").json()["data"]["status"] == "active"
    assert AuditLog.objects.filter(action="trunk.activated", subject_id=trunk["uuid"]).count() == 1
    assert trunks.trunk_push(trunk_id=10**9) is None


def test_a_trunk_the_sip_side_has_not_confirmed_stays_provisioning_and_is_sent_again(
    tenants, settings, pushed, django_capture_on_commit_callbacks
):
    from numbers_app.carriers import CarrierError
    from numbers_app.tasks import provisioning_sweep_task

    with django_capture_on_commit_callbacks(execute=True):
        trunk = trunks.trunk_create(actor=tenants.a.owner_actor, name="Office PBX").trunk
    settings.SANDBOX_FAILURE_RATE = 1
    with pytest.raises(CarrierError):
        trunks.trunk_push(trunk_id=trunk.pk)
    trunk.refresh_from_db()
    assert trunk.status == SipTrunk.Status.PROVISIONING
    assert trunks.trunks_stalled_ids() == []  # its push is recent: still on its way
    SipTrunk.objects.filter(pk=trunk.pk).update(updated_at=timezone.now() - timedelta(minutes=3))
    pushed.clear()
    provisioning_sweep_task()
    assert pushed == [trunk.pk]
    settings.SANDBOX_FAILURE_RATE = 0
    trunks.trunk_push(trunk_id=trunk.pk)
    trunk.refresh_from_db()
    assert trunk.status == SipTrunk.Status.ACTIVE and trunks.trunks_stalled_ids() == []


def test_new_credentials_and_changed_limits_are_sent_to_the_sip_side(
    tenants, pushed, django_capture_on_commit_callbacks
):
    actor = tenants.a.owner_actor
    trunk = trunks.trunk_create(actor=actor, name="Office PBX").trunk
    with django_capture_on_commit_callbacks(execute=True):
        trunks.trunk_update(actor=actor, trunk=trunk, name="Front desk")
    assert pushed == []  # a name is the portal's own
    with django_capture_on_commit_callbacks(execute=True):
        trunks.trunk_update(actor=actor, trunk=trunk, channels=30)
        trunks.trunk_regenerate_credentials(actor=actor, trunk=trunk)
    assert pushed == [trunk.pk, trunk.pk]


def test_the_password_is_shown_once_and_only_its_ha1_is_stored(tenants, api_as):
    api = api_as(tenants.a.key)
    created = api.post("/api/v1/portal/sip-trunks", {"name": "Reception PBX"}).json()["data"]
    password = created["password"]
    trunk = SipTrunk.objects.get(pk=created["id"])
    assert trunk.ha1 == trunks.digest_ha1(trunk.username, trunk.sip_server, password)
    assert password not in repr(SipTrunk.objects.values().get(pk=trunk.pk))
    assert trunks.credentials_match(trunk, username=trunk.username, password=password)
    for url in (
        "/api/v1/portal/sip-trunks",
        f"/api/v1/portal/sip-trunks/{created['uuid']}",
        f"/api/v1/portal/sip-trunks/{created['id']}",
    ):
        body = api.get(url).content.decode()
        assert "password" not in body and password not in body


def test_regeneration_gives_a_new_password_and_the_old_one_stops_working(tenants, api_as):
    api = api_as(tenants.a.key)
    created = api.post("/api/v1/portal/sip-trunks", {"name": "PBX"}).json()["data"]
    fresh = api.post(f"/api/v1/portal/sip-trunks/{created['uuid']}/regenerate-credentials").json()["data"]
    assert fresh["password"] != created["password"] and fresh["username"] == created["username"]
    trunk = SipTrunk.objects.get(pk=created["id"])
    assert not trunks.credentials_match(trunk, username=trunk.username, password=created["password"])
    assert trunks.credentials_match(trunk, username=trunk.username, password=fresh["password"])


def test_ip_trunks_validate_addresses_and_have_no_password(tenants, api_as):
    api = api_as(tenants.a.key)
    bad = api.post("/api/v1/portal/sip-trunks", {"name": "Office", "auth_type": "ip", "allowed_ips": ["10.0.0.300"]})
    assert "allowed_ips" in assert_error(bad, 422, "validation_error")["fields"]
    empty = api.post("/api/v1/portal/sip-trunks", {"name": "Office", "auth_type": "ip"})
    assert_error(empty, 422, "validation_error")
    ok = api.post(
        "/api/v1/portal/sip-trunks",
        {"name": "Office", "auth_type": "ip", "allowed_ips": ["203.0.113.10", "198.51.100.0/24"]},
    )
    assert ok.status_code == 201 and ok.json()["data"]["password"] is None
    uuid = ok.json()["data"]["uuid"]
    assert_error(api.post(f"/api/v1/portal/sip-trunks/{uuid}/regenerate-credentials"), 422, "validation_error")
    patched = api.patch(f"/api/v1/portal/sip-trunks/{uuid}", {"channels": 30, "name": "Office 2"}).json()["data"]
    assert patched["channels"] == 30 and patched["name"] == "Office 2"
    assert_error(api.patch(f"/api/v1/portal/sip-trunks/{uuid}", {"username": "x"}), 422, "validation_error")
    assert_error(api.patch(f"/api/v1/portal/sip-trunks/{uuid}", {"channels": 0}), 422, "validation_error")


def test_routing_across_accounts_and_clients_is_refused(tenants, stock, api_as):
    a, b = api_as(tenants.a.key), api_as(tenants.b.key)
    x_number = services.number_purchase(actor=tenants.a.owner_actor, numbers=[NL_AMS[0]], client=tenants.x)
    x_number = x_number.numbers.get()
    y_trunk = a.post("/api/v1/portal/sip-trunks", {"name": "Yarrow PBX", "client_id": tenants.y.pk}).json()["data"]
    b_trunk = b.post("/api/v1/portal/sip-trunks", {"name": "Bravo PBX"}).json()["data"]
    # another reseller's trunk, or another reseller's number: 404
    assert_error(
        a.post("/api/v1/portal/did-routing", {"did_number_id": x_number.pk, "sip_trunk_id": b_trunk["id"]}),
        404,
        "not_found",
    )
    assert_error(
        b.post("/api/v1/portal/did-routing", {"did_number_id": x_number.pk, "sip_trunk_id": b_trunk["id"]}),
        404,
        "not_found",
    )
    # a trunk bound to client Y takes only Y's numbers
    crossed = a.post("/api/v1/portal/did-routing", {"did_number_id": x_number.pk, "sip_trunk_id": y_trunk["uuid"]})
    assert "sip_trunk_id" in assert_error(crossed, 422, "validation_error")["fields"]
    # X's key sees neither Y's trunk nor can route to it
    x_api = api_as(tenants.x_key)
    assert_error(x_api.get(f"/api/v1/portal/sip-trunks/{y_trunk['uuid']}"), 404, "not_found")
    assert [t["name"] for t in x_api.get("/api/v1/portal/sip-trunks").json()["data"]] == []
    assert Number.objects.get(pk=x_number.pk).trunk_id is None


def test_forwarding_instead_of_a_trunk_and_removing_a_route(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    number = services.number_purchase(actor=tenants.a.owner_actor, numbers=[GB_LONDON[0]]).numbers.get()
    trunk = api.post("/api/v1/portal/sip-trunks", {"name": "PBX"}).json()["data"]
    api.post("/api/v1/portal/did-routing", {"did_number_id": number.public_id, "sip_trunk_id": trunk["id"]})
    forwarded = api.post("/api/v1/portal/did-routing", {"did_number_id": number.pk, "forwarding": "+44 20 7946 0999"})
    data = forwarded.json()["data"]
    assert data["sip_trunk_id"] is None and data["forwarding"] == "+442079460999"
    both = api.post(
        "/api/v1/portal/did-routing",
        {"did_number_id": number.pk, "sip_trunk_id": trunk["id"], "forwarding": "sip:a@b.example"},
    )
    assert_error(both, 422, "validation_error")
    removed = api.delete(f"/api/v1/portal/did-routing/{number.pk}").json()["data"]
    assert removed["sip_trunk_id"] is None and removed["forwarding"] == ""
    table = api.get("/api/v1/portal/did-routing").json()
    assert table["meta"]["total"] == 1 and table["data"][0]["number"] == GB_LONDON[0]


def test_a_trunk_with_routed_numbers_cannot_be_deleted(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    number = services.number_purchase(actor=tenants.a.owner_actor, numbers=[NL_MOBILE[0]]).numbers.get()
    trunk = api.post("/api/v1/portal/sip-trunks", {"name": "PBX"}).json()["data"]
    api.post("/api/v1/portal/did-routing", {"did_number_id": number.pk, "sip_trunk_id": trunk["id"]})
    assert api.get(f"/api/v1/portal/sip-trunks/{trunk['id']}").json()["data"]["numbers_count"] == 1
    error = assert_error(api.delete(f"/api/v1/portal/sip-trunks/{trunk['id']}"), 422, "validation_error")
    assert error["numbers"] == [NL_MOBILE[0]]
    api.delete(f"/api/v1/portal/did-routing/{number.pk}")
    assert api.delete(f"/api/v1/portal/sip-trunks/{trunk['id']}").status_code == 204
    assert_error(api.get(f"/api/v1/portal/sip-trunks/{trunk['id']}"), 404, "not_found")


def test_registration_changes_are_recorded_once_each(tenants, api_as):
    trunk = api_as(tenants.a.key).post("/api/v1/portal/sip-trunks", {"name": "PBX"}).json()["data"]
    call_command("sandbox_register", "--trunk", trunk["uuid"], stdout=StringIO())
    call_command("sandbox_register", "--trunk", trunk["uuid"], stdout=StringIO())
    call_command("sandbox_register", "--trunk", trunk["username"], "--offline", stdout=StringIO())
    kinds = list(Event.objects.filter(subject_id=trunk["uuid"]).order_by("id").values_list("type", flat=True))
    assert kinds == ["trunk.registered", "trunk.offline"]
    assert (
        api_as(tenants.a.key).get(f"/api/v1/portal/sip-trunks/{trunk['id']}").json()["data"]["registration"]
        == "offline"
    )
