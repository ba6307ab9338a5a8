"""Daily test-call sweeps: who is called, when, at what pace, once a day however often the job runs, and the
comparison with the day before that alerts (email, ``number.test_call_failed``) or reports a recovery. The
phone network is played by a stand-in for ``testcalls.place`` (SIPp through the edge); the same flow
through the real edge is in ``test_sweeps_edge.py``."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from numbers_app import tasks
from numbers_app.trunks import services as trunks
from numbers_app.voice import selectors as call_selectors
from numbers_app.voice import sweeps, testcalls
from numbers_app.voice.models import TestCall, TestCallSweep
from portal.models import Event
from tests.numbers.conftest import login

from .conftest import NL_AMS, live_number

DAY1 = dt.datetime(2026, 3, 4, 7, 0, tzinfo=dt.UTC)
DAY2 = DAY1 + dt.timedelta(days=1)


class Network:
    """What each number's PBX does today: "answer", "ring" (rings, then 486), "absent" (480) or "down"
    (the edge does not answer at all). Records the calls placed."""

    def __init__(self):
        self.behaviour: dict[str, str] = {}
        self.placed: list[str] = []

    def place(self, e164: str, *, call_id: str) -> testcalls.Outcome:
        self.placed.append(e164)
        match self.behaviour.get(e164, "answer"):
            case "answer":
                return testcalls.Outcome(rang=True, answered=True, sip_code=200, sip_reason="OK")
            case "ring":
                return testcalls.Outcome(rang=True, answered=False, sip_code=486, sip_reason="Busy Here")
            case "absent":
                return testcalls.Outcome(rang=False, answered=False, sip_code=480, sip_reason="Trunk Not Registered")
            case _:
                return testcalls.Outcome(rang=False, answered=False, sip_code=None, sip_reason="")


@pytest.fixture
def network(monkeypatch, settings):
    settings.SIP_EDGE_TEST_CALL_SOURCE = "127.0.0.2:5079"
    net = Network()
    monkeypatch.setattr(testcalls, "place", net.place)
    return net


@pytest.fixture
def queued(monkeypatch):
    """The carrier queue: test calls enqueued (ids), run by ``work()`` as its worker would."""
    ids: list[int] = []
    monkeypatch.setattr(tasks.test_call_task, "delay", ids.append)
    return ids


@pytest.fixture
def notified(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr(tasks.test_call_alert_notify_task, "delay", ids.append)
    return ids


def work(queued: list[int], notified: list[int], capture) -> None:
    while queued:
        with capture(execute=True):  # (the alert's email task is enqueued on commit)
            tasks.test_call_task(queued.pop(0))
    while notified:
        tasks.test_call_alert_notify_task(notified.pop(0))


@pytest.fixture
def routed(tenants, stock, django_capture_on_commit_callbacks):
    """Three live numbers of reseller A forwarded to a PBX, and one live number not routed anywhere."""
    numbers = []
    for e164 in NL_AMS[:4]:
        numbers.append(
            live_number(tenants, e164, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
        )
    for number in numbers[:3]:
        trunks.number_route(actor=tenants.a.owner_actor, number=number, forwarding="sip:desk@pbx.alpha.test")
    return numbers


def sweep_on(tenants, hour: int = 6):
    return sweeps.test_call_sweep_settings_save(actor=tenants.a.owner_actor, enabled=True, hour=hour)


def run_day(when, queued, notified, django_capture_on_commit_callbacks, *, times: int = 1):
    with time_machine.travel(when, tick=False):
        for _ in range(times):
            with django_capture_on_commit_callbacks(execute=True):
                tasks.test_call_sweeps_run_task()
        work(queued, notified, django_capture_on_commit_callbacks)


def test_sweeps_are_off_by_default_and_nothing_is_called(
    tenants, routed, network, queued, notified, django_capture_on_commit_callbacks
):
    run_day(DAY1, queued, notified, django_capture_on_commit_callbacks)
    assert TestCallSweep.objects.count() == 0 and network.placed == []
    assert call_selectors.sweep_settings_get(account=tenants.a.account).enabled is False


def test_a_sweep_calls_each_active_routed_number_once_a_day_however_often_it_runs(
    tenants, routed, network, queued, notified, django_capture_on_commit_callbacks
):
    sweep_on(tenants, hour=6)
    with time_machine.travel(DAY1.replace(hour=5), tick=False):
        assert tasks.test_call_sweeps_run_task() == {"sweeps": 0, "calls": 0}  # before the chosen hour

    run_day(DAY1, queued, notified, django_capture_on_commit_callbacks, times=3)
    run_day(DAY1 + dt.timedelta(hours=5), queued, notified, django_capture_on_commit_callbacks)

    assert sorted(network.placed) == sorted(n.e164 for n in routed[:3])  # the unrouted one is not called
    sweep = TestCallSweep.objects.get()
    assert (sweep.account, sweep.day, sweep.finished_at is not None) == (tenants.a.account, DAY1.date(), True)
    assert TestCall.objects.filter(sweep=sweep, status=TestCall.Status.ANSWERED).count() == 3
    assert not TestCallSweep.objects.filter(account=tenants.b.account).exists()

    run_day(DAY2, queued, notified, django_capture_on_commit_callbacks)
    assert len(network.placed) == 6 and TestCallSweep.objects.count() == 2


def test_concurrent_sweep_starts_make_one_sweep_with_one_call_per_number(tenants, routed, network):
    from django.db import IntegrityError

    sweep_on(tenants)
    with time_machine.travel(DAY1, tick=False):
        assert sweeps.sweeps_start() == 1
        settings_row = call_selectors.sweep_settings_get(account=tenants.a.account)
        # a second runner that read "no sweep yet" before the first committed: its insert hits the constraint
        assert sweeps._sweep_start(settings_row, DAY1.date(), DAY1) is None
        assert sweeps.sweeps_start() == 0
    assert TestCallSweep.objects.count() == 1 and TestCall.objects.count() == 3
    with pytest.raises(IntegrityError):
        TestCall.objects.create(
            uid="dup", account=tenants.a.account, number=routed[0], sweep=TestCallSweep.objects.get()
        )


def test_calls_leave_at_the_set_pace(
    tenants, routed, network, queued, notified, settings, django_capture_on_commit_callbacks
):
    settings.TEST_CALL_SWEEP_PER_MINUTE = 2
    sweep_on(tenants)
    run_day(DAY1, queued, notified, django_capture_on_commit_callbacks, times=2)  # the same minute, twice
    assert len(network.placed) == 2
    assert TestCall.objects.filter(dispatched_at__isnull=True).count() == 1
    run_day(DAY1 + dt.timedelta(seconds=61), queued, notified, django_capture_on_commit_callbacks)
    assert len(network.placed) == 3 and TestCallSweep.objects.get().finished_at is not None


def test_a_number_that_rang_yesterday_and_not_today_alerts_once_by_email_and_event(
    tenants, routed, network, queued, notified, django_capture_on_commit_callbacks
):
    sweep_on(tenants)
    run_day(DAY1, queued, notified, django_capture_on_commit_callbacks)
    assert mail.outbox == [] and not Event.objects.filter(type__startswith="number.test_call").exists()

    broken = routed[1]
    network.behaviour[broken.e164] = "absent"
    network.behaviour[routed[2].e164] = "ring"  # rings but busy: it still rings, no alert
    run_day(DAY2, queued, notified, django_capture_on_commit_callbacks, times=2)

    event = Event.objects.get(type="number.test_call_failed")
    assert event.account == tenants.a.account and event.client is None and event.subject_id == broken.public_id
    assert event.data["number"] == broken.e164
    assert event.data["test_call"] | {"id": None} == {
        "id": None, "day": "2026-03-05", "status": "not_answered", "rang": False, "sip_code": 480,
        "sip_reason": "Trunk Not Registered",
    }  # fmt: skip
    assert (event.data["previous"]["day"], event.data["previous"]["rang"], event.data["previous"]["sip_code"]) == (
        "2026-03-04", True, 200
    )  # fmt: skip
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@alpha.test"] and broken.e164 in message.subject
    assert "480 Trunk Not Registered" in message.body and "2026-03-04" in message.body
    assert f"/numbers/mine/{broken.pk}/" in message.body

    # the same day again (a late duplicate of the job, or the verdict asked twice): nothing more
    call = TestCall.objects.get(sweep__day=DAY2.date(), number=broken)
    assert sweeps.sweep_call_judge(test_call_id=call.pk) == ""
    run_day(DAY2 + dt.timedelta(hours=2), queued, notified, django_capture_on_commit_callbacks)
    assert Event.objects.filter(type="number.test_call_failed").count() == 1 and len(mail.outbox) == 1

    summary = call_selectors.sweep_summary(actor=tenants.a.owner_actor)
    assert (summary.sweep.day, summary.tested, summary.ringing, summary.failing, summary.alerts) == (
        DAY2.date(), 3, 2, 1, 1
    )  # fmt: skip


def test_a_recovery_is_reported_and_a_second_failing_day_does_not_alert_again(
    tenants, routed, network, queued, notified, django_capture_on_commit_callbacks
):
    sweep_on(tenants)
    number = routed[0]
    run_day(DAY1, queued, notified, django_capture_on_commit_callbacks)
    network.behaviour[number.e164] = "absent"
    run_day(DAY2, queued, notified, django_capture_on_commit_callbacks)
    run_day(DAY2 + dt.timedelta(days=1), queued, notified, django_capture_on_commit_callbacks)  # still absent
    assert Event.objects.filter(type="number.test_call_failed").count() == 1 and len(mail.outbox) == 1

    network.behaviour[number.e164] = "answer"
    run_day(DAY2 + dt.timedelta(days=2), queued, notified, django_capture_on_commit_callbacks)
    recovered = Event.objects.get(type="number.test_call_recovered")
    assert recovered.data["previous"]["sip_code"] == 480 and recovered.data["test_call"]["rang"] is True
    assert len(mail.outbox) == 2 and "rings again" in mail.outbox[1].subject
    history = call_selectors.sweep_history(actor=tenants.a.owner_actor, number=number)
    assert [(c.rang, c.alert) for c in history] == [(True, "recovered"), (False, ""), (False, "failed"), (True, "")]


def test_a_call_the_edge_could_not_place_neither_alerts_nor_hides_the_last_real_result(
    tenants, routed, network, queued, notified, django_capture_on_commit_callbacks
):
    sweep_on(tenants)
    number = routed[0]
    run_day(DAY1, queued, notified, django_capture_on_commit_callbacks)
    network.behaviour[number.e164] = "down"  # the edge did not answer: nothing known about the PBX
    run_day(DAY2, queued, notified, django_capture_on_commit_callbacks)
    assert not Event.objects.filter(type__startswith="number.test_call").exists()
    network.behaviour[number.e164] = "absent"  # compared with day 1, the last day it got an answer
    run_day(DAY2 + dt.timedelta(days=1), queued, notified, django_capture_on_commit_callbacks)
    assert Event.objects.get(type="number.test_call_failed").data["previous"]["day"] == "2026-03-04"


def test_a_number_left_out_is_not_called_and_a_hand_test_call_takes_a_waiting_sweep_call(
    tenants, routed, network, queued, notified, settings, django_capture_on_commit_callbacks
):
    sweep_on(tenants)
    sweeps.test_call_sweep_number_skip(actor=tenants.a.owner_actor, number=routed[0], skipped=True)
    settings.TEST_CALL_SWEEP_PER_MINUTE = 0  # nothing leaves on its own
    with time_machine.travel(DAY1, tick=False):
        tasks.test_call_sweeps_run_task()
        assert TestCall.objects.count() == 2 and queued == []
        waiting = TestCall.objects.get(number=routed[1])
        with django_capture_on_commit_callbacks(execute=True):
            taken = testcalls.test_call_start(actor=tenants.a.owner_actor, number=routed[1])
    assert taken == waiting and queued == [waiting.pk]
    work(queued, notified, django_capture_on_commit_callbacks)
    assert network.placed == [routed[1].e164]


def test_a_number_left_out_or_no_longer_active_after_the_sweep_began_is_not_called(
    tenants, routed, network, queued, notified, settings, django_capture_on_commit_callbacks
):
    from numbers_app.models import Number

    sweep_on(tenants)
    settings.TEST_CALL_SWEEP_PER_MINUTE = 0
    with time_machine.travel(DAY1, tick=False):
        tasks.test_call_sweeps_run_task()
    assert TestCall.objects.count() == 3
    sweeps.test_call_sweep_number_skip(actor=tenants.a.owner_actor, number=routed[0], skipped=True)
    Number.objects.filter(pk=routed[1].pk).update(status=Number.Status.SUSPENDED)
    settings.TEST_CALL_SWEEP_PER_MINUTE = 10
    run_day(DAY1 + dt.timedelta(minutes=2), queued, notified, django_capture_on_commit_callbacks)
    assert network.placed == [routed[2].e164]
    assert TestCallSweep.objects.get().finished_at is not None


def test_only_owners_and_admins_change_the_settings_and_each_change_is_audited(tenants):
    from accounts.actor import Actor
    from accounts.models import AuditLog, Role
    from portal.errors import PermissionDenied, ValidationFailed

    row = sweep_on(tenants, hour=22)
    assert (row.enabled, row.hour) == (True, 22)
    assert AuditLog.objects.filter(action="test_call_sweep.settings_changed", after__hour=22).exists()
    for refused in (
        Actor(account=tenants.a.account, role=Role.CLIENT_ADMIN, client=tenants.x),
        Actor(account=tenants.a.account, role=Role.OWNER, read_only=True),
    ):
        with pytest.raises(PermissionDenied):
            sweeps.test_call_sweep_settings_save(actor=refused, enabled=False, hour=3)
    with pytest.raises(ValidationFailed):
        sweeps.test_call_sweep_settings_save(actor=tenants.a.owner_actor, enabled=True, hour=24)
    assert call_selectors.sweep_settings_get(account=tenants.a.account).hour == 22


def test_the_settings_page_turns_sweeps_on_and_the_pages_show_the_results(
    tenants, routed, network, queued, notified, django_capture_on_commit_callbacks
):
    page = login("owner@alpha.test")
    html = page.get("/settings/test-calls/").content.decode()
    assert 'data-testid="sweep-settings"' in html and 'name="hour"' in html
    saved = page.post("/settings/test-calls/", {"enabled": "on", "hour": "6"})
    assert saved.status_code == 302
    assert call_selectors.sweep_settings_get(account=tenants.a.account).enabled is True
    assert page.post("/settings/test-calls/", {"enabled": "on", "hour": "24"}).status_code == 200  # refused
    assert call_selectors.sweep_settings_get(account=tenants.a.account).hour == 6

    network.behaviour[routed[0].e164] = "absent"
    run_day(DAY1, queued, notified, django_capture_on_commit_callbacks)
    with time_machine.travel(DAY1 + dt.timedelta(hours=1)):
        number_html = page.get(f"/numbers/mine/{routed[0].pk}/").content.decode()
        calls_html = page.get("/calls/").content.decode()
        number_calls_html = page.get(f"/calls/?number={routed[0].pk}").content.decode()
        dashboard = page.get("/").content.decode()
    assert 'data-testid="card-sweep"' in dashboard and 'data-testid="sweep-ringing">2 / 3<' in dashboard
    assert 'data-testid="sweep-history"' in number_html and "480 Trunk Not Registered" in number_html
    assert 'data-testid="sweep-summary"' in calls_html
    assert 'data-testid="sweep-summary"' not in number_calls_html  # the page of one number's calls
    assert 'data-testid="sweep-failing"><span class="badge bad">1<' in calls_html

    skip = page.post(f"/numbers/mine/{routed[0].pk}/test-call/daily/", {"skipped": "1"})
    assert skip.status_code == 302 and call_selectors.number_skipped(routed[0])

    client_page = login(tenants.x_admin_email)
    assert client_page.get("/settings/test-calls/").status_code == 403
    with time_machine.travel(DAY1 + dt.timedelta(hours=1)):
        assert 'data-testid="sweep-summary"' not in client_page.get("/calls/").content.decode()  # none of X's
    other = login("owner@bravo.test")
    assert other.post(f"/numbers/mine/{routed[1].pk}/test-call/daily/", {"skipped": "1"}).status_code == 404
    assert not call_selectors.number_skipped(routed[1])
