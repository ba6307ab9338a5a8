"""Trunks register with the SIP edge using the password the portal showed, and their state follows the
edge's registrations: registered on a REGISTER, offline on an un-REGISTER or an expiry, one event each."""

import pytest

from numbers_app.models import SipTrunk
from numbers_app.trunks import services as trunks
from numbers_app.voice.services import registrations_sync, trunk_registrations
from portal.models import Event
from portal.webhooks import services as webhooks
from tests.portal.webhooks.conftest import Receiver
from tests.voice.conftest import active_trunk, register, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _events(kind: str, trunk: SipTrunk) -> int:
    return Event.objects.filter(type=kind, subject_id=trunk.public_id).count()


def test_pbx_registers_with_the_shown_password_and_the_trunk_turns_registered(edge, sipp, tenants, api_as):
    receiver = Receiver()
    try:
        webhooks.webhook_create(actor=tenants.a.owner_actor, url=receiver.url, events=["trunk.registered"])
        issued = active_trunk(tenants)
        trunk = issued.trunk

        result = register(sipp, trunk.username, issued.password, expires=60)

        assert result.returncode == 0, result.messages
        assert result.final_code == 200
        assert registrations_sync() == 1
        trunk.refresh_from_db()
        assert trunk.registration == SipTrunk.Registration.REGISTERED
        assert trunk.registered_contact == f"sip:{trunk.username}@127.0.0.1:15072"
        (registration,) = trunk_registrations(trunk)
        assert registration.user_agent == "Yealink-SIPp/1.0"
        assert registration.contact == trunk.registered_contact
        assert _events("trunk.registered", trunk) == 1
        shown = api_as(tenants.a.key).get(f"/api/v1/portal/sip-trunks/{trunk.public_id}").json()["data"]
        assert shown["registration"] == "registered"
        assert [(r["contact"], r["user_agent"]) for r in shown["registrations"]] == [
            (trunk.registered_contact, "Yealink-SIPp/1.0")
        ]
        assert registrations_sync() == 0  # nothing changed: no second event
        assert _events("trunk.registered", trunk) == 1

        webhooks.events_fan_out()
        webhooks.webhooks_sweep(time_budget=10)
        assert wait_for(lambda: receiver.requests, timeout=5)
        body = receiver.requests[0].body.decode()
        assert '"event": "trunk.registered"' in body or '"event":"trunk.registered"' in body
        assert trunk.public_id in body
    finally:
        receiver.close()


def test_wrong_and_previous_passwords_are_refused(edge, sipp, tenants):
    issued = active_trunk(tenants)
    trunk = issued.trunk

    wrong = register(sipp, trunk.username, issued.password + "x")
    assert wrong.returncode != 0
    assert wrong.final_code == 401

    renewed = trunks.trunk_regenerate_credentials(actor=tenants.a.owner_actor, trunk=trunk)
    old = register(sipp, trunk.username, issued.password)
    assert old.returncode != 0
    assert old.final_code == 401
    registrations_sync()
    trunk.refresh_from_db()
    assert trunk.registration == SipTrunk.Registration.UNKNOWN
    assert trunk_registrations(trunk) == []

    new = register(sipp, trunk.username, renewed.password)
    assert new.returncode == 0, new.messages
    registrations_sync()
    trunk.refresh_from_db()
    assert trunk.registration == SipTrunk.Registration.REGISTERED


def test_unregister_and_expiry_make_the_trunk_offline(edge, sipp, tenants):
    issued = active_trunk(tenants)
    trunk = issued.trunk

    assert register(sipp, trunk.username, issued.password, expires=60).returncode == 0
    registrations_sync()
    assert register(sipp, trunk.username, issued.password, expires=0).returncode == 0
    assert registrations_sync() == 1
    trunk.refresh_from_db()
    assert trunk.registration == SipTrunk.Registration.OFFLINE
    assert _events("trunk.offline", trunk) == 1

    # A registration for 2 seconds lapses by itself: no SIP message, and still an offline event.
    assert register(sipp, trunk.username, issued.password, expires=2).returncode == 0
    registrations_sync()
    trunk.refresh_from_db()
    assert trunk.registration == SipTrunk.Registration.REGISTERED
    assert wait_for(lambda: registrations_sync() == 1, timeout=6)
    trunk.refresh_from_db()
    assert trunk.registration == SipTrunk.Registration.OFFLINE
    assert _events("trunk.offline", trunk) == 2
    assert _events("trunk.registered", trunk) == 2


def test_a_trunk_still_provisioning_cannot_register(edge, sipp, tenants):
    issued = trunks.trunk_create(actor=tenants.a.owner_actor, name="Not yet")
    result = register(sipp, issued.trunk.username, issued.password)
    assert result.returncode != 0
    assert result.final_code == 401


def test_repeated_wrong_passwords_ban_the_address_for_a_while(edge, sipp, tenants):
    """The edge here bans an address after 4 wrong passwords, for 8 seconds (tests/voice/conftest.py). Each
    refused SIPp gives up after 2 seconds, so the ban is still on when the right password comes."""
    issued = active_trunk(tenants)
    trunk = issued.trunk
    guesser = "127.0.0.5"
    for _attempt in range(3):
        assert register(sipp, trunk.username, "guess", ip=guesser, timeout=2).final_code == 401
    assert register(sipp, trunk.username, "guess", ip=guesser, timeout=2).final_code == 403  # the fourth: banned
    banned = register(sipp, trunk.username, issued.password, ip=guesser, timeout=2)
    assert banned.returncode != 0 and banned.final_code is None  # the right password meets silence
    assert register(sipp, trunk.username, issued.password).returncode == 0  # other addresses are not affected
    # and the ban lifts by itself
    assert wait_for(
        lambda: register(sipp, trunk.username, issued.password, ip=guesser, timeout=2).returncode == 0, timeout=40
    )
