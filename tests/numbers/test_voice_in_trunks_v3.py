"""/api/v3/voice_in_trunks and voice_in_trunk_groups, and a DID routed through them: through DIDWW's
official SDK against the live server, and over plain HTTP for the error cases."""

from __future__ import annotations

import pytest

from accounts.models import AuditLog
from numbers_app.didww.models import DidVoiceInRoute, VoiceInTrunk
from numbers_app.models import Number
from numbers_app.trunks import services as trunks
from tests.numbers.test_dids_v3 import assert_errors, call, owned, patch_doc  # noqa: F401

TRUNKS = "/api/v3/voice_in_trunks"


class _Include:
    def to_dict(self):
        return {"include": "voice_in_trunk,voice_in_trunk_group"}


ROUTE = _Include()  # what the SDK reads a DID's route from
GROUPS = "/api/v3/voice_in_trunk_groups"


def sip_trunk_doc(name: str, **config) -> dict:
    attributes = {"host": "pbx.example.com", "port": 5070, "username": "{DID}", **config}
    return {
        "data": {
            "type": "voice_in_trunks",
            "attributes": {"name": name, "configuration": {"type": "sip_configurations", "attributes": attributes}},
        }
    }


def create(key, doc) -> dict:
    response = call(key, "POST", TRUNKS, doc)
    assert response.status_code == 201, response.content
    return response.json()["data"]


@pytest.fixture
def sdk(live_server):
    from didww.client import DidwwClient

    return lambda key: DidwwClient(api_key=key, base_url=live_server.url + "/api/v3")


@pytest.mark.django_db(transaction=True)
def test_the_sdk_creates_a_sip_trunk_points_a_did_at_it_and_the_number_is_forwarded_there(tenants, owned, sdk):
    from didww.enums import Codec, TransportProtocol
    from didww.query_params import QueryParams
    from didww.resources.configuration.sip import SipConfiguration
    from didww.resources.did import Did
    from didww.resources.voice_in_trunk import VoiceInTrunk as SdkTrunk

    client = sdk(tenants.a.key)
    trunk = SdkTrunk()
    trunk.name = "Office"
    trunk.capacity_limit = 4
    sip = SipConfiguration()
    sip.host = "pbx.example.com"
    sip.port = 5070
    sip.username = "{DID}"
    sip.transport_protocol_id = TransportProtocol.TCP
    sip.codec_ids = [Codec.PCMA, Codec.PCMU]
    sip.auth_password = "s3cret"
    trunk.configuration = sip
    created = client.voice_in_trunks().create(trunk).data
    assert created.id.startswith("vit_") and created.name == "Office" and created.capacity_limit == 4
    shown = created.configuration
    assert isinstance(shown, SipConfiguration) and shown.host == "pbx.example.com" and shown.port == 5070
    assert shown.codec_ids == [Codec.PCMA, Codec.PCMU] and shown.transport_protocol_id == TransportProtocol.TCP
    assert shown.auth_password is None  # kept encrypted, never shown
    assert VoiceInTrunk.objects.get(uid=created.id[4:]).auth_password == "s3cret"

    found = client.voice_in_trunks().list(QueryParams().filter("name", "Office")).data
    assert [t.id for t in found] == [created.id]
    assert {t.id for t in client.voice_in_trunks().list().data} == {
        owned.pbx.public_id,
        owned.pbx2.public_id,
        owned.x_pbx.public_id,
        created.id,
    }

    did = Did.build(owned.sales.public_id)
    did.voice_in_trunk = SdkTrunk.build(created.id)
    routed = client.dids().update(did, ROUTE).data
    assert routed.voice_in_trunk.id == created.id and routed.capacity_limit == 4
    number = Number.objects.get(pk=owned.sales.pk)
    assert number.forwarding == f"sip:{number.e164[1:]}@pbx.example.com:5070;transport=tcp"
    assert number.trunk_id is None and DidVoiceInRoute.objects.get(number=number).trunk.uid == created.id[4:]
    listed = client.dids().list(QueryParams().filter("voice_in_trunk.id", created.id)).data
    assert [d.id for d in listed] == [owned.sales.public_id]

    # A new destination: the number follows.
    created.configuration = SipConfiguration({"host": "pbx2.example.com", "username": "100"})
    client.voice_in_trunks().update(created)
    assert Number.objects.get(pk=owned.sales.pk).forwarding == "sip:100@pbx2.example.com"
    assert VoiceInTrunk.objects.get(uid=created.id[4:]).auth_password == "s3cret"  # not sent: kept

    # Routed: it cannot go; off the trunk, it can.
    from didww.exceptions import DidwwApiError

    with pytest.raises(DidwwApiError) as refused:
        client.voice_in_trunks().delete(created.id)
    assert refused.value.status_code == 422 and "1 number(s) still route" in str(refused.value)
    did = Did.build(owned.sales.public_id)
    did._null_relationship("voice_in_trunk")
    assert client.dids().update(did, ROUTE).data.voice_in_trunk is None
    assert Number.objects.get(pk=owned.sales.pk).forwarding == ""
    client.voice_in_trunks().delete(created.id)
    assert not VoiceInTrunk.objects.exists()
    assert AuditLog.objects.filter(action="voice_in_trunk.deleted", subject_id=created.id).exists()


@pytest.mark.django_db(transaction=True)
def test_the_sdk_creates_a_pstn_trunk_and_a_group_and_trunk_and_group_exclude_each_other(tenants, owned, sdk):
    from didww.resources.configuration.pstn import PstnConfiguration
    from didww.resources.did import Did
    from didww.resources.voice_in_trunk import VoiceInTrunk as SdkTrunk
    from didww.resources.voice_in_trunk_group import VoiceInTrunkGroup

    client = sdk(tenants.a.key)
    pstn = SdkTrunk()
    pstn.name = "Mobile"
    pstn.priority = 2
    config = PstnConfiguration()
    config.dst = "31612345670"
    pstn.configuration = config
    mobile = client.voice_in_trunks().create(pstn).data
    assert isinstance(mobile.configuration, PstnConfiguration) and mobile.configuration.dst == "31612345670"
    first = create(tenants.a.key, sip_trunk_doc("Desk", username="desk"))
    client.voice_in_trunks().update(_priority(first["id"], 1))

    group = VoiceInTrunkGroup()
    group.name = "Reception"
    group.raw_object.relationships["voice_in_trunks"] = {
        "data": [{"type": "voice_in_trunks", "id": mobile.id}, {"type": "voice_in_trunks", "id": first["id"]}]
    }
    made = client.voice_in_trunk_groups().create(group).data
    assert made.id.startswith("vtg_") and made.name == "Reception"

    did = Did.build(owned.reception.public_id)  # on the registration trunk pbx
    did.voice_in_trunk_group = VoiceInTrunkGroup.build(made.id)
    routed = client.dids().update(did, ROUTE).data
    assert routed.voice_in_trunk is None and routed.voice_in_trunk_group.id == made.id
    number = Number.objects.get(pk=owned.reception.pk)
    assert (number.trunk_id, number.forwarding) == (None, "sip:desk@pbx.example.com:5070")  # priority 1 first

    # The group's first trunk leaves it: the number follows the next one.
    client.voice_in_trunks().update(_ungroup(first["id"]))
    assert Number.objects.get(pk=owned.reception.pk).forwarding == "+31612345670"

    did = Did.build(owned.reception.public_id)
    did.voice_in_trunk = SdkTrunk.build(owned.pbx.public_id)
    routed = client.dids().update(did, ROUTE).data
    assert routed.voice_in_trunk.id == owned.pbx.public_id and routed.voice_in_trunk_group is None
    number = Number.objects.get(pk=owned.reception.pk)
    assert (number.trunk_id, number.forwarding) == (owned.pbx.pk, "")
    assert not DidVoiceInRoute.objects.filter(number=number).exists()
    client.voice_in_trunk_groups().delete(made.id)


def _priority(trunk_id: str, priority: int):
    from didww.resources.voice_in_trunk import VoiceInTrunk as SdkTrunk

    trunk = SdkTrunk.build(trunk_id)
    trunk.priority = priority
    return trunk


def _ungroup(trunk_id: str):
    from didww.resources.voice_in_trunk import VoiceInTrunk as SdkTrunk

    trunk = SdkTrunk.build(trunk_id)
    trunk._null_relationship("voice_in_trunk_group")
    return trunk


def test_a_did_cannot_name_a_trunk_and_a_group_at_once(tenants, owned):
    vit = create(tenants.a.key, sip_trunk_doc("Desk"))
    group = call(
        tenants.a.key, "POST", GROUPS, {"data": {"type": "voice_in_trunk_groups", "attributes": {"name": "G"}}}
    )
    relationships = {
        "voice_in_trunk": {"data": {"type": "voice_in_trunks", "id": vit["id"]}},
        "voice_in_trunk_group": {"data": {"type": "voice_in_trunk_groups", "id": group.json()["data"]["id"]}},
    }
    response = call(
        tenants.a.key, "PATCH", f"/api/v3/dids/{owned.sales.public_id}", patch_doc(owned.sales, None, relationships)
    )
    assert_errors(response, 422, "validation_error", pointer="/data/relationships/voice_in_trunk_group")
    empty_group = {"voice_in_trunk_group": relationships["voice_in_trunk_group"]}
    response = call(
        tenants.a.key, "PATCH", f"/api/v3/dids/{owned.sales.public_id}", patch_doc(owned.sales, None, empty_group)
    )
    assert_errors(response, 422, "validation_error", pointer="/data/relationships/voice_in_trunk_group")
    assert Number.objects.get(pk=owned.sales.pk).forwarding == "+31612345678"


BAD_TRUNKS = [
    ({"host": ""}, "/data/attributes/configuration/attributes/host"),
    ({"host": "pbx example"}, "/data/attributes/configuration/attributes/host"),
    ({"port": 70000}, "/data/attributes/configuration/attributes/port"),
    ({"transport_protocol_id": 9}, "/data/attributes/configuration/attributes/transport_protocol_id"),
    ({"codec_ids": [1]}, "/data/attributes/configuration/attributes/codec_ids"),
    ({"username": "a b"}, "/data/attributes/configuration/attributes/username"),
    ({"colour": "blue"}, "/data/attributes/configuration/attributes/colour"),
    ({"enabled_sip_registration": True}, "/data/attributes/configuration/attributes/enabled_sip_registration"),
]


def test_bad_trunk_documents_are_422_with_pointers_and_create_nothing(tenants, owned):
    for config, pointer in BAD_TRUNKS:
        assert_errors(
            call(tenants.a.key, "POST", TRUNKS, sip_trunk_doc("Bad", **config)),
            422,
            "validation_error",
            pointer=pointer,
        )
    no_name = sip_trunk_doc("x")
    del no_name["data"]["attributes"]["name"]
    assert_errors(
        call(tenants.a.key, "POST", TRUNKS, no_name), 422, "validation_error", pointer="/data/attributes/name"
    )
    pstn = {
        "data": {
            "type": "voice_in_trunks",
            "attributes": {"name": "P", "configuration": {"type": "pstn_configurations", "attributes": {"dst": "12"}}},
        }
    }
    assert_errors(
        call(tenants.a.key, "POST", TRUNKS, pstn),
        422,
        "validation_error",
        pointer="/data/attributes/configuration/attributes/dst",
    )
    unknown = sip_trunk_doc("U")
    unknown["data"]["attributes"]["configuration"]["type"] = "h323_configurations"
    assert_errors(
        call(tenants.a.key, "POST", TRUNKS, unknown),
        422,
        "validation_error",
        pointer="/data/attributes/configuration/type",
    )
    assert_errors(call(tenants.a.key, "POST", TRUNKS, {"data": {"type": "dids", "attributes": {}}}), 409, "conflict")
    assert_errors(call(tenants.a.read_only_key, "POST", TRUNKS, sip_trunk_doc("RO")), 403, "forbidden")
    assert not VoiceInTrunk.objects.exists()


def test_trunks_and_groups_are_the_owners_only(tenants, owned):
    vit = create(tenants.a.key, sip_trunk_doc("Alpha desk"))
    x_vit = create(tenants.x_key, sip_trunk_doc("Xylo desk"))
    assert VoiceInTrunk.objects.get(uid=x_vit["id"][4:]).client_id == tenants.x.pk
    for other in (vit["id"], x_vit["id"], owned.pbx.public_id):
        assert_errors(call(tenants.b.key, "GET", f"{TRUNKS}/{other}"), 404, "not_found")
    assert_errors(call(tenants.x_key, "GET", f"{TRUNKS}/{vit['id']}"), 404, "not_found")
    x_listed = {t["id"] for t in call(tenants.x_key, "GET", TRUNKS).json()["data"]}
    assert x_listed == {x_vit["id"], owned.x_pbx.public_id}
    # Client X's trunk takes only client X's numbers; B cannot route to A's trunk.
    route = {"voice_in_trunk": {"data": {"type": "voice_in_trunks", "id": x_vit["id"]}}}
    response = call(
        tenants.a.key, "PATCH", f"/api/v3/dids/{owned.sales.public_id}", patch_doc(owned.sales, None, route)
    )
    assert_errors(response, 422, "validation_error", pointer="/data/relationships/voice_in_trunk")
    response = call(
        tenants.a.key, "PATCH", f"/api/v3/dids/{owned.reception.public_id}", patch_doc(owned.reception, None, route)
    )
    assert response.status_code == 200, response.content
    b_route = {"voice_in_trunk": {"data": {"type": "voice_in_trunks", "id": vit["id"]}}}
    b_number = owned.b_number
    response = call(tenants.b.key, "PATCH", f"/api/v3/dids/{b_number.public_id}", patch_doc(b_number, None, b_route))
    assert_errors(response, 404, "not_found")
    assert_errors(call(tenants.b.key, "DELETE", f"{TRUNKS}/{vit['id']}"), 404, "not_found")
    assert VoiceInTrunk.objects.count() == 2


def test_a_registration_trunk_is_renamed_and_resized_here_and_nothing_else(tenants, owned):
    url = f"{TRUNKS}/{owned.pbx2.public_id}"
    doc = {
        "data": {
            "type": "voice_in_trunks",
            "id": owned.pbx2.public_id,
            "attributes": {"name": "Branch", "capacity_limit": 8},
        }
    }
    body = call(tenants.a.key, "PATCH", url, doc).json()["data"]
    assert (body["attributes"]["name"], body["attributes"]["capacity_limit"]) == ("Branch", 8)
    trunk = type(owned.pbx2).objects.get(pk=owned.pbx2.pk)
    assert (trunk.name, trunk.channels) == ("Branch", 8)
    doc["data"]["attributes"] = {"configuration": {"type": "pstn_configurations", "attributes": {"dst": "31612345678"}}}
    assert_errors(
        call(tenants.a.key, "PATCH", url, doc), 422, "validation_error", pointer="/data/attributes/configuration"
    )
    # Routed numbers keep it from going (the same rule as /api/v1/portal/sip-trunks).
    assert_errors(call(tenants.a.key, "DELETE", url), 422, "validation_error")
    spare = trunks.trunk_create(actor=tenants.a.owner_actor, name="Spare").trunk
    assert call(tenants.a.key, "DELETE", f"{TRUNKS}/{spare.public_id}").status_code == 204
