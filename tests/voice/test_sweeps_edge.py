"""The daily test-call sweep through the real edge: a PBX that answers on day 1 and has gone on day 2 (its
registration withdrawn) makes the day 2 sweep alert, by email and ``number.test_call_failed``."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from numbers_app import tasks
from numbers_app.trunks import services as trunks
from numbers_app.voice import sweeps
from numbers_app.voice.models import TestCall
from portal.models import Event

from .conftest import CARRIER_IP, EDGE_HOST, EDGE_PORT, NL_AMS, active_trunk, live_number, register

pytestmark = pytest.mark.django_db(transaction=True)

DAY1 = dt.datetime(2026, 3, 4, 7, 0, tzinfo=dt.UTC)


def _sweep(day, monkeypatch) -> TestCall:
    """The periodic job at ``day``, then the carrier queue's worker running what it enqueued."""
    queued: list[int] = []
    notified: list[int] = []
    monkeypatch.setattr(tasks.test_call_task, "delay", queued.append)
    monkeypatch.setattr(tasks.test_call_alert_notify_task, "delay", notified.append)
    with time_machine.travel(day):  # (ticking: SIPp's timeouts run on the real clock)
        assert tasks.test_call_sweeps_run_task() == {"sweeps": 1, "calls": 1}
        assert len(queued) == 1
        tasks.test_call_task(queued[0])
        for pk in notified:
            tasks.test_call_alert_notify_task(pk)
    return TestCall.objects.select_related("sweep").get(pk=queued[0])


def test_a_pbx_that_answers_on_day_one_and_is_gone_on_day_two_raises_one_alert(
    edge, settings, sipp, tenants, stock, django_capture_on_commit_callbacks, monkeypatch
):
    settings.SIP_EDGE_LISTEN = f"{EDGE_HOST}:{EDGE_PORT}"
    settings.SIP_EDGE_TEST_CALL_SOURCE = f"{CARRIER_IP}:5079"
    settings.SIP_EDGE_TEST_CALL_SECONDS = 8
    number = live_number(tenants, NL_AMS[5], django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    issued = active_trunk(tenants)
    trunks.number_route(actor=tenants.a.owner_actor, number=number, trunk=issued.trunk)
    sweeps.test_call_sweep_settings_save(actor=tenants.a.owner_actor, enabled=True, hour=6)

    assert register(sipp, issued.trunk.username, issued.password).returncode == 0
    pbx = sipp.start("pbx", ip="127.0.0.1", port=15072)
    day1 = _sweep(DAY1, monkeypatch)
    assert (day1.status, day1.rang, day1.sip_code, day1.alert) == (TestCall.Status.ANSWERED, True, 200, "")
    assert pbx.wait(timeout=10) == 0
    assert mail.outbox == []

    assert register(sipp, issued.trunk.username, issued.password, expires=0).returncode == 0  # the PBX is gone
    day2 = _sweep(DAY1 + dt.timedelta(days=1), monkeypatch)
    assert (day2.status, day2.rang, day2.sip_code) == (TestCall.Status.NOT_ANSWERED, False, 480)
    assert day2.alert == TestCall.Alert.FAILED and day2.sweep.finished_at is not None

    event = Event.objects.get(type="number.test_call_failed")
    assert event.subject_id == number.public_id
    assert (event.data["test_call"]["sip_code"], event.data["previous"]["sip_code"]) == (480, 200)
    assert [m.to for m in mail.outbox] == [["owner@alpha.test"]]
    assert number.e164 in mail.outbox[0].subject and f"480 {day2.sip_reason}" in mail.outbox[0].body
