"""Calls through the SIP edge: to the routed trunk's registered PBX, to a forwarding URI, to an IP trunk;
refusals with the right SIP answer; call records with their duration; metered minutes charged once."""

import json
import re
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client as HttpClient

from billing.ledger import entries_total, wallet_for
from billing.models import LedgerEntry
from numbers_app import services
from numbers_app.models import Call, Number
from numbers_app.tasks import sip_edge_sync_task
from numbers_app.trunks import services as trunks
from numbers_app.voice.services import calls_import
from portal.models import Event
from portal.webhooks import services as webhooks
from tests.portal.webhooks.conftest import Receiver
from tests.voice.conftest import (
    CARRIER_IP,
    IP_TRUNK_IP,
    IP_TRUNK_PORT,
    NL_AMS,
    STRANGER_IP,
    active_trunk,
    live_number,
    register,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)
CALLER = "+31612345678"


def _imported(call_id_count: int = 1, *, status: str | None = None):
    def check():
        calls_import()
        calls = Call.objects.all()
        if status:
            calls = calls.filter(status=status)
        return list(calls) if calls.count() >= call_id_count else None

    return wait_for(check, timeout=15)


def dial(sipp, e164: str, *, ip: str = CARRIER_IP, talk_ms: int | None = 2000, port: int = 5073):
    scenario = "call" if talk_ms is not None else "call_refused"
    return sipp.run(
        scenario, service=e164, ip=ip, port=port, keys={"caller": CALLER}, duration_ms=talk_ms, media_port=15082
    )


@pytest.fixture
def routed(edge, sipp, tenants, stock, django_capture_on_commit_callbacks):
    """A live number routed to a digest trunk whose PBX (SIPp on 127.0.0.1:15072) has registered."""
    number = live_number(tenants, NL_AMS[0], django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    issued = active_trunk(tenants)
    trunks.number_route(actor=tenants.a.owner_actor, number=number, trunk=issued.trunk)
    assert register(sipp, issued.trunk.username, issued.password).returncode == 0
    return number, issued.trunk


def test_a_call_reaches_the_registered_pbx_and_leaves_a_call_record(routed, sipp, tenants, api_as):
    number, trunk = routed
    pbx = sipp.start("pbx", ip="127.0.0.1", port=15072)

    result = dial(sipp, number.e164, talk_ms=2000)

    assert result.returncode == 0, result.messages
    assert pbx.wait(timeout=10) == 0  # the PBX got the call, answered it and saw the caller's BYE
    (call,) = _imported(status=Call.Status.COMPLETED)
    assert call.number_id == number.pk and call.trunk_id == trunk.pk and call.account_id == tenants.a.account.pk
    assert call.caller == CALLER
    assert call.sip_code == 200
    assert call.hangup_side == Call.HangupSide.CALLER
    assert 1900 <= call.duration_ms <= 3500
    assert call.duration_seconds in (2, 3)
    assert call.answered_at >= call.started_at and call.ended_at > call.answered_at
    assert call.charged is None  # not a metered number
    assert Event.objects.filter(type="call.received", subject_id=number.public_id).count() == 1
    completed = Event.objects.get(type="call.completed", subject_id=number.public_id)
    assert completed.data["call"]["id"] == call.public_id
    assert completed.data["call"]["duration"] == call.duration_seconds

    api = api_as(tenants.a.key)
    listed = api.get(f"/api/v1/calls?number={number.public_id}").json()
    assert [c["id"] for c in listed["data"]] == [call.public_id]
    detail = api.get(f"/api/v1/calls/{call.public_id}").json()["data"]
    assert detail["duration"] == call.duration_seconds and detail["hangup_side"] == "caller"
    assert detail["status"] == "completed" and detail["trunk_uuid"] == trunk.public_id
    assert api_as(tenants.b.key).get(f"/api/v1/calls/{call.public_id}").status_code == 404
    assert api_as(tenants.x_key).get("/api/v1/calls").json()["data"] == []  # another client's number

    page = HttpClient()
    page.force_login(tenants.a.owner_actor.user)
    html = page.get(f"/calls/?number={number.pk}").content.decode()
    assert call.public_id in html
    assert f'data-testid="call-duration">{call.duration_seconds} s<' in html
    assert 'data-testid="calls-answer-rate">100 %<' in html
    fragment = page.get(
        f"/calls/?number={number.pk}&status=busy", headers={"HX-Request": "true", "HX-Target": "call-results"}
    )
    assert call.public_id not in fragment.content.decode() and "<html" not in fragment.content.decode()

    # a second import takes nothing again
    assert calls_import() == 0
    assert Call.objects.count() == 1


def test_a_metered_number_is_charged_per_started_minute_exactly_once(routed, sipp, tenants):
    number, _trunk = routed
    number.group.minute_price = Decimal("0.0250")
    number.group.save(update_fields=["minute_price"])
    before = wallet_for(tenants.a.account).balance
    sipp.start("pbx", ip="127.0.0.1", port=15072)

    assert dial(sipp, number.e164, talk_ms=1500).returncode == 0
    (call,) = _imported(status=Call.Status.COMPLETED)

    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.CALL_MINUTES)
    assert entry.amount == Decimal("-0.0250")  # 1.5 s is one started minute
    assert entry.reference_type == "call" and entry.reference_id == call.public_id
    assert call.charged == Decimal("0.0250")
    for _again in range(2):
        calls_import()
    wallet = wallet_for(tenants.a.account)
    assert wallet.balance == before - Decimal("0.0250")
    assert entries_total(wallet) == wallet.balance
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CALL_MINUTES).count() == 1


def test_a_forwarded_number_reaches_its_sip_uri(edge, sipp, tenants, stock, django_capture_on_commit_callbacks):
    number = live_number(tenants, NL_AMS[1], django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    trunks.number_route(actor=tenants.a.owner_actor, number=number, forwarding="sip:desk@127.0.0.1:15074")
    target = sipp.start("pbx", ip="127.0.0.1", port=15074)

    assert dial(sipp, number.e164, talk_ms=1000).returncode == 0
    assert target.wait(timeout=10) == 0
    (call,) = _imported(status=Call.Status.COMPLETED)
    assert call.trunk_id is None and call.number_id == number.pk


def test_a_delivery_trunks_codec_list_filters_the_offer_its_pbx_gets(
    edge, sipp, tenants, stock, django_capture_on_commit_callbacks
):
    from numbers_app.didww import voice_in

    number = live_number(tenants, NL_AMS[1], django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    delivery = voice_in.trunk_create(
        actor=tenants.a.owner_actor,
        attributes={
            "name": "Desk phones",
            "configuration": {
                "type": "sip_configurations",
                "attributes": {"host": "127.0.0.1", "port": 15074, "username": "desk", "codec_ids": [10, 6]},
            },
        },
    )
    voice_in.did_apply(actor=tenants.a.owner_actor, number=number, changes={}, route=voice_in.DidRoute(trunk=delivery))
    with connection.cursor() as cursor:
        cursor.execute("SELECT action, target, codecs FROM sip_route WHERE e164 = %s", [number.e164])
        assert cursor.fetchone() == ("uri", "sip:desk@127.0.0.1:15074", "PCMA,telephone-event")
    target = sipp.start("pbx", ip="127.0.0.1", port=15074)

    caller = sipp.run("call_codecs", service=number.e164, ip=CARRIER_IP, port=5073, keys={"caller": CALLER},
                      duration_ms=500, media_port=15082)  # fmt: skip
    assert caller.returncode == 0, caller.messages
    assert target.wait(timeout=10) == 0
    (received,) = [p.read_text() for p in sipp.workdir.glob("pbx-15074-*.log")]
    offer = received[received.index("INVITE sip:") :]
    offer = offer[: offer.index("m=audio") + 400]
    media = re.search(r"^m=audio \d+ RTP/AVP ([\d ]+)$", offer, re.MULTILINE).group(1).split()
    assert media == ["8", "101"]  # PCMU and G729 are gone from the offer
    assert "PCMA/8000" in offer and "telephone-event/8000" in offer
    assert "PCMU/8000" not in offer and "G729/8000" not in offer

    # Without a codec list, the offer goes as it came.
    delivery.configuration = {**delivery.configuration, "codec_ids": None}
    delivery.save(update_fields=["configuration"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT codecs FROM sip_route WHERE e164 = %s", [number.e164])
        assert cursor.fetchone() == ("",)


def test_unrouted_suspended_released_and_unknown_numbers_get_their_sip_answers(
    edge, sipp, tenants, stock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    unrouted = live_number(tenants, NL_AMS[2], django_capture_on_commit_callbacks=capture)
    suspended = live_number(tenants, NL_AMS[3], django_capture_on_commit_callbacks=capture)
    Number.objects.filter(pk=suspended.pk).update(status=Number.Status.SUSPENDED)
    released = live_number(tenants, NL_AMS[4], django_capture_on_commit_callbacks=capture)
    Number.objects.filter(pk=released.pk).update(status=Number.Status.RELEASED)

    assert dial(sipp, unrouted.e164, talk_ms=None).final_code == 404
    assert dial(sipp, suspended.e164, talk_ms=None).final_code == 480
    assert dial(sipp, released.e164, talk_ms=None).final_code == 403
    assert dial(sipp, "+31209999999", talk_ms=None).final_code == 404

    calls = _imported(2)
    by_number = {c.number_id: c for c in calls}
    assert by_number[unrouted.pk].status == Call.Status.REFUSED and by_number[unrouted.pk].sip_code == 404
    assert by_number[suspended.pk].sip_code == 480
    assert released.pk not in by_number  # the released number's calls are nobody's records


def test_a_trunk_without_registration_answers_480(routed, sipp, tenants, stock, django_capture_on_commit_callbacks):
    number = live_number(tenants, NL_AMS[5], django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    lonely = active_trunk(tenants, name="Never registered").trunk
    trunks.number_route(actor=tenants.a.owner_actor, number=number, trunk=lonely)
    assert dial(sipp, number.e164, talk_ms=None).final_code == 480


def test_calls_from_strangers_must_authenticate(routed, sipp):
    number, _trunk = routed
    result = dial(sipp, number.e164, ip=STRANGER_IP, talk_ms=None)
    assert result.final_code == 407  # challenged; without credentials it goes no further
    assert "Proxy-Authenticate" in result.messages


def test_an_ip_trunk_is_recognised_by_its_address_and_a_stranger_is_not(
    edge, sipp, tenants, stock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    number = live_number(tenants, NL_AMS[6], django_capture_on_commit_callbacks=capture)
    ip_trunk = active_trunk(tenants, name="Office", auth_type="ip", allowed_ips=[IP_TRUNK_IP]).trunk
    trunks.number_route(actor=tenants.a.owner_actor, number=number, trunk=ip_trunk)
    target = live_number(tenants, NL_AMS[7], django_capture_on_commit_callbacks=capture)
    trunks.number_route(actor=tenants.a.owner_actor, number=target, forwarding="sip:desk@127.0.0.1:15074")

    # The IP trunk's PBX calls one of our numbers from its address: accepted without credentials.
    desk = sipp.start("pbx", ip="127.0.0.1", port=15074)
    assert dial(sipp, target.e164, ip=IP_TRUNK_IP, talk_ms=500).returncode == 0
    assert desk.wait(timeout=10) == 0
    # The same call from another address is challenged.
    assert dial(sipp, target.e164, ip=STRANGER_IP, talk_ms=None).final_code == 407

    # Calls for the IP trunk's number go to its address.
    pbx = sipp.start("pbx", ip=IP_TRUNK_IP, port=IP_TRUNK_PORT)
    assert dial(sipp, number.e164, talk_ms=500).returncode == 0
    assert pbx.wait(timeout=10) == 0
    calls = _imported(2, status=Call.Status.COMPLETED)
    assert {c.trunk_id for c in calls} == {ip_trunk.pk, None}


def test_the_channel_limit_answers_486_beyond_it(routed, sipp, tenants):
    number, trunk = routed
    trunks.trunk_update(actor=tenants.a.owner_actor, trunk=trunk, channels=1)
    trunks.trunk_push(trunk_id=trunk.pk)
    pbx = sipp.start("pbx", ip="127.0.0.1", port=15072)
    import subprocess

    first = subprocess.Popen(  # noqa: S603 - a call that stays up while the second arrives
        sipp._command(
            "call",
            service=number.e164,
            ip=CARRIER_IP,
            port=5075,
            keys={"caller": CALLER},
            auth=None,
            duration_ms=3000,
            media_port=15090,
            timeout=20,
        ),
        cwd=sipp.workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sipp.background.append(first)
    wait_for(lambda: Call.objects.exists() or calls_import() or False, timeout=1.5)
    second = dial(sipp, number.e164, talk_ms=None)
    assert second.final_code == 486
    assert first.wait(timeout=15) == 0
    assert pbx.wait(timeout=10) == 0


def test_a_numbers_own_capacity_limit_answers_486_to_a_second_call_at_once(routed, sipp, tenants):
    """The trunk has 10 channels; the number itself takes one call at a time (DIDWW's capacity_limit)."""
    number, trunk = routed
    assert trunk.channels == 10
    services.number_configure(actor=tenants.a.owner_actor, number=number, capacity_limit=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT capacity, channels FROM sip_route WHERE e164 = %s", [number.e164])
        assert cursor.fetchone() == (1, 10)
    pbx = sipp.start("pbx", ip="127.0.0.1", port=15072)
    first = subprocess.Popen(  # noqa: S603 - a call that stays up while the second arrives
        sipp._command(
            "call",
            service=number.e164,
            ip=CARRIER_IP,
            port=5075,
            keys={"caller": CALLER},
            auth=None,
            duration_ms=3000,
            media_port=15090,
            timeout=20,
        ),
        cwd=sipp.workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sipp.background.append(first)
    wait_for(lambda: Call.objects.exists() or calls_import() or False, timeout=1.5)
    second = dial(sipp, number.e164, talk_ms=None)
    assert second.final_code == 486
    assert first.wait(timeout=15) == 0
    assert pbx.wait(timeout=10) == 0
    expected = sorted([(Call.Status.COMPLETED, 200), (Call.Status.BUSY, 486)])

    def recorded():
        calls_import()
        return sorted(Call.objects.values_list("status", "sip_code")) == expected

    assert wait_for(recorded, timeout=15), list(Call.objects.values_list("status", "sip_code"))

    # Once the first call has ended, the number takes a call again; without a limit, two at once.
    pbx = sipp.start("pbx", ip="127.0.0.1", port=15072)
    assert dial(sipp, number.e164, talk_ms=500).returncode == 0
    assert pbx.wait(timeout=10) == 0
    services.number_configure(actor=tenants.a.owner_actor, number=number, capacity_limit=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT capacity FROM sip_route WHERE e164 = %s", [number.e164])
        assert cursor.fetchone() == (0,)


def test_a_pbx_that_hangs_up_is_recorded_as_the_callee_and_the_numbers_own_webhook_hears_it(routed, sipp, tenants):
    number, _trunk = routed
    receiver = Receiver()
    try:
        Number.objects.filter(pk=number.pk).update(voice_webhook_url=receiver.url)
        pbx = sipp.start("pbx_hangup", ip="127.0.0.1", port=15072)
        result = sipp.run("call_until_hangup", service=number.e164, ip=CARRIER_IP, port=5073, keys={"caller": CALLER})
        assert result.returncode == 0, result.messages
        assert pbx.wait(timeout=10) == 0
        (call,) = _imported(status=Call.Status.COMPLETED)
        assert call.hangup_side == Call.HangupSide.CALLEE
        assert 900 <= call.duration_ms <= 2500

        webhooks.events_fan_out()
        webhooks.webhooks_sweep(time_budget=10)

        def call_events():
            events = [json.loads(r.body) for r in receiver.requests]
            return sorted(e["event"] for e in events if e["event"].startswith("call."))

        assert wait_for(lambda: call_events() == ["call.completed", "call.received"], timeout=5)
    finally:
        receiver.close()


def test_the_periodic_job_reads_the_edge_only_where_one_runs(edge, settings):
    settings.SIP_EDGE_ENABLED = False
    assert sip_edge_sync_task.apply().get() == {"registrations": 0, "calls": 0}
    settings.SIP_EDGE_ENABLED = True
    assert sip_edge_sync_task.apply().get() == {"registrations": 0, "calls": 0}  # nothing new at the edge
