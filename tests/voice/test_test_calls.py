"""Test calls: the portal dials its own number through the real edge from the carrier's address (SIPp as the
portal's caller and as the PBX) and records whether the PBX rang and answered, or what was answered."""

from __future__ import annotations

import pytest

from numbers_app.trunks import services as trunks
from numbers_app.voice import testcalls
from numbers_app.voice.models import TestCall

from .conftest import CARRIER_IP, EDGE_HOST, EDGE_PORT, NL_AMS, active_trunk, live_number

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def test_calls(edge, settings):
    settings.SIP_EDGE_LISTEN = f"{EDGE_HOST}:{EDGE_PORT}"
    settings.SIP_EDGE_TEST_CALL_SOURCE = f"{CARRIER_IP}:5079"
    settings.SIP_EDGE_TEST_CALL_SECONDS = 8
    return settings


def _run(tenants, number, monkeypatch) -> TestCall:
    """Ask for a test call and run the task the carrier queue's worker would take."""
    from numbers_app import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.test_call_task, "delay", queued.append)
    test_call = testcalls.test_call_start(actor=tenants.a.owner_actor, number=number)
    assert queued == [test_call.pk] and test_call.status == TestCall.Status.QUEUED
    # asked again while it waits: the same test call, nothing more queued
    assert testcalls.test_call_start(actor=tenants.a.owner_actor, number=number) == test_call
    assert queued == [test_call.pk]
    assert tasks.test_call_task(test_call.pk) != TestCall.Status.QUEUED
    test_call.refresh_from_db()
    return test_call


def test_a_test_call_rings_and_is_answered_by_the_registered_pbx(
    test_calls, sipp, tenants, stock, django_capture_on_commit_callbacks, monkeypatch
):
    from .conftest import register

    number = live_number(tenants, NL_AMS[0], django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    issued = active_trunk(tenants)
    trunks.number_route(actor=tenants.a.owner_actor, number=number, trunk=issued.trunk)
    assert register(sipp, issued.trunk.username, issued.password).returncode == 0
    pbx = sipp.start("pbx", ip="127.0.0.1", port=15072)

    test_call = _run(tenants, number, monkeypatch)

    assert test_call.status == TestCall.Status.ANSWERED, (test_call.status, test_call.sip_code)
    assert pbx.wait(timeout=10) == 0  # the PBX got the INVITE, answered it and saw the BYE
    assert test_call.status == TestCall.Status.ANSWERED and test_call.done
    assert test_call.rang and test_call.sip_code == 200 and test_call.finished_at is not None


def test_a_test_call_to_a_pbx_that_never_registered_reports_480(
    test_calls, sipp, tenants, stock, django_capture_on_commit_callbacks, monkeypatch
):
    number = live_number(tenants, NL_AMS[1], django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    lonely = active_trunk(tenants, name="Never registered").trunk
    trunks.number_route(actor=tenants.a.owner_actor, number=number, trunk=lonely)

    test_call = _run(tenants, number, monkeypatch)

    assert test_call.status == TestCall.Status.NOT_ANSWERED
    assert (test_call.rang, test_call.sip_code) == (False, 480) and test_call.sip_reason


def test_the_outcome_is_the_invites_first_final_answer():
    trace = "SIP/2.0 100 Trying\r\nSIP/2.0 180 Ringing\r\nSIP/2.0 486 Busy Here\r\n"
    outcome = testcalls.outcome_from_trace(trace)
    assert (outcome.rang, outcome.answered, outcome.sip_code, outcome.sip_reason) == (True, False, 486, "Busy Here")
    assert testcalls.outcome_from_trace("SIP/2.0 100 Trying\r\n").sip_code is None


def test_the_api_queues_a_test_call_and_gives_its_outcome_to_the_numbers_owner_only(
    tenants, stock, api_as, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from numbers_app import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.test_call_task, "delay", queued.append)
    number = live_number(tenants, NL_AMS[2], django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    api = api_as(tenants.a.key)
    path = f"/api/v1/numbers/{number.public_id}/test-call"

    settings.SIP_EDGE_TEST_CALL_SOURCE = ""
    assert api.post(path).status_code == 503  # not set up here: said so, nothing queued
    settings.SIP_EDGE_TEST_CALL_SOURCE = f"{CARRIER_IP}:5079"
    assert api.get(path).status_code == 404  # never test-called

    made = api.post(path)
    assert made.status_code == 202, made.content
    data = made.json()["data"]
    assert data["status"] == "queued" and data["done"] is False and data["number_id"] == number.public_id
    assert queued == [TestCall.objects.get().pk]

    TestCall.objects.update(status=TestCall.Status.NOT_ANSWERED, sip_code=486, sip_reason="Busy Here", rang=True)
    result = api.get(path).json()["data"]
    assert (result["id"], result["status"], result["done"]) == (data["id"], "not_answered", True)
    assert (result["rang"], result["answered"], result["sip_code"], result["sip_reason"]) == (
        True, False, 486, "Busy Here"
    )  # fmt: skip

    assert api_as(tenants.b.key).get(path).status_code == 404
    assert api_as(tenants.b.key).post(path).status_code == 404
    assert api_as(tenants.x_key).get(path).status_code == 404  # not this client's number
    assert api_as(tenants.a.read_only_key).post(path).status_code == 403
    assert len(queued) == 1


def test_the_number_page_places_a_test_call_and_polls_until_it_is_done(
    tenants, stock, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django.test import Client as HttpClient

    from numbers_app import tasks

    monkeypatch.setattr(tasks.test_call_task, "delay", lambda pk: None)
    monkeypatch.setattr(testcalls, "ready", lambda: True)
    settings.SIP_EDGE_TEST_CALL_SOURCE = f"{CARRIER_IP}:5079"
    number = live_number(tenants, NL_AMS[3], django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    page = HttpClient()
    page.force_login(tenants.a.owner_actor.user)
    html = page.get(f"/numbers/mine/{number.pk}/").content.decode()
    assert 'data-testid="test-call-button"' in html

    fragment = page.post(f"/numbers/mine/{number.pk}/test-call/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'hx-trigger="every 2s' in fragment
    assert 'data-testid="test-call-button"' not in fragment  # one at a time
    TestCall.objects.update(status=TestCall.Status.NOT_ANSWERED, sip_code=480, sip_reason="Temporarily Unavailable")
    done = page.get(f"/numbers/mine/{number.pk}/test-call/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "480 Temporarily Unavailable" in done
    assert 'data-testid="test-call-button"' in done

    other = HttpClient()
    other.force_login(tenants.b.owner_actor.user)
    assert other.post(f"/numbers/mine/{number.pk}/test-call/").status_code == 404
    assert TestCall.objects.count() == 1
