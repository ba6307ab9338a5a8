"""Daily test-call sweeps: numbers that prove they ring, every day, before an end client notices they do not.

A reseller who turns the sweep on (``test_call_sweep_settings_save``, default off) has each of its active,
routed numbers test-called once a day, from the hour it chose (UTC), through the same test calls as the
number page's button (``testcalls.py``: SIPp through the edge, on the carrier queue). When a number that
rang on its previous sweep does not ring today, the account's owners and admins get an email and a
``number.test_call_failed`` event is recorded; a number that rings again after failing is a recovery
(``number.test_call_recovered``, an email too).

How it stays safe to run twice, and at once (``test_call_sweeps_run``, a periodic job every minute):
- a day's sweep is one row per account and day (a unique constraint): the run that inserts it also inserts
  its calls, one per number (another unique constraint), in the same transaction; a concurrent run's
  insert fails on the constraint and it moves on;
- calls leave at a pace (``TEST_CALL_SWEEP_PER_MINUTE`` a minute, across all accounts): each run claims the
  waiting calls it may start with ``SKIP LOCKED`` and stamps them dispatched before enqueuing them;
- a call's verdict is written once, under its row lock (``alert`` goes from empty to a value once), and
  the event and email come with that write: one alert per number per day.

A call the edge could not place at all (``failed``: no SIP answer) says nothing about the PBX, so it never
alerts and is not compared against: the comparison uses the latest earlier sweep call that got an answer.
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.models import Account
from accounts.services import audit_record
from portal import events
from portal.errors import ValidationFailed

from ..events import number_event_data
from ..models import Number
from .models import TestCall, TestCallSweep, TestCallSweepSettings
from .selectors import SWEEP_CONCLUSIVE, SWEEP_DONE

logger = logging.getLogger("didfarm.voice")

# A dispatched call whose task has not started after this long was lost (a broker or worker restart): it is
# enqueued again (the task only runs a queued call, so a late duplicate does nothing). A call still
# running after this long died with its worker: it is recorded as not placed.
LOST_AFTER = timedelta(minutes=10)
DONE, CONCLUSIVE = SWEEP_DONE, SWEEP_CONCLUSIVE


def utc_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(timezone.get_fixed_timezone(0)).date()


# --- Settings ---------------------------------------------------------------------------------------


def test_call_sweep_settings_save(*, actor: Actor, enabled: bool, hour: int) -> TestCallSweepSettings:
    """Turn the daily sweep on or off, from ``hour`` (UTC). Owners and admins of the account only (numbers
    are left out one by one: ``test_call_sweep_number_skip``)."""
    actor.require_admin()
    if not 0 <= hour <= 23:
        raise ValidationFailed(fields={"hour": [_("Choose an hour from 0 to 23.")]})
    with transaction.atomic():
        row, _created = TestCallSweepSettings.objects.select_for_update().get_or_create(account=actor.account)
        before = {"enabled": row.enabled, "hour": row.hour}
        row.enabled, row.hour = enabled, hour
        row.save(update_fields=["enabled", "hour", "updated_at"])
        after = {"enabled": enabled, "hour": hour}
        audit_record(actor=actor, action="test_call_sweep.settings_changed", subject=row, before=before, after=after)
    return row


def test_call_sweep_number_skip(*, actor: Actor, number: Number, skipped: bool) -> TestCallSweepSettings:
    """Leave one of the actor's numbers out of the daily sweep, or take it back in."""
    actor.require_admin()
    with transaction.atomic():
        row, _created = TestCallSweepSettings.objects.select_for_update().get_or_create(account=actor.account)
        if skipped:
            row.skipped_numbers.add(number)
            _waiting(TestCall.objects.filter(number=number)).delete()  # today's call, if it has not left yet
        else:
            row.skipped_numbers.remove(number)
        audit_record(
            actor=actor,
            action="test_call_sweep.number_skipped" if skipped else "test_call_sweep.number_included",
            subject=number,
        )
    return row


# --- The periodic job -------------------------------------------------------------------------------


def sweep_numbers(account: Account) -> list[int]:
    """The ids of the account's numbers a sweep calls: active, routed (to a trunk or forwarded), not left
    out by the reseller."""
    skipped = TestCallSweepSettings.skipped_numbers.through.objects.filter(
        testcallsweepsettings__account=account
    ).values("number_id")
    return list(
        Number.objects.filter(account=account, status=Number.Status.ACTIVE)
        .filter(Q(trunk__isnull=False) | ~Q(forwarding=""))
        .exclude(pk__in=skipped)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _sweep_start(settings_row: TestCallSweepSettings, day: date, now: datetime) -> TestCallSweep | None:
    account = settings_row.account
    try:
        with transaction.atomic():
            sweep = TestCallSweep.objects.create(account=account, day=day, created_at=now)
            numbers = Number.objects.filter(pk__in=sweep_numbers(account)).only("pk", "client_id")
            TestCall.objects.bulk_create(
                [
                    TestCall(
                        uid=secrets.token_hex(6),
                        account=account,
                        client_id=number.client_id,
                        number=number,
                        sweep=sweep,
                        created_at=now,
                    )
                    for number in numbers
                ]
            )
            if not numbers:
                sweep.finished_at = now
                sweep.save(update_fields=["finished_at"])
    except IntegrityError:
        return None  # today's sweep exists: another run made it
    return sweep


def sweeps_start(*, now: datetime | None = None) -> int:
    """Start today's sweep of every account whose sweep is on and whose hour has come. Returns how many."""
    now = now or timezone.now()
    day = utc_today(now)
    due = (
        TestCallSweepSettings.objects.filter(
            enabled=True, hour__lte=now.astimezone(timezone.get_fixed_timezone(0)).hour
        )
        .filter(account__status=Account.Status.ACTIVE)
        .exclude(account__test_call_sweeps__day=day)
        .select_related("account")
    )
    return sum(1 for row in due if _sweep_start(row, day, now) is not None)


def sweep_calls_dispatch(*, now: datetime | None = None) -> int:
    """Enqueue the waiting sweep calls the pace allows (``TEST_CALL_SWEEP_PER_MINUTE`` started in any
    minute), oldest sweep first; enqueue again a dispatched call whose task was lost, and close calls
    whose worker died mid-call. Returns how many calls were enqueued."""
    from ..tasks import test_call_task

    now = now or timezone.now()
    TestCall.objects.filter(
        sweep__isnull=False, status=TestCall.Status.RUNNING, dispatched_at__lt=now - LOST_AFTER
    ).update(status=TestCall.Status.FAILED, finished_at=now)
    # A number released, suspended or stopped since its sweep began is not called.
    _waiting(TestCall.objects.exclude(number__status=Number.Status.ACTIVE)).delete()
    with transaction.atomic():
        lost = list(
            TestCall.objects.select_for_update(skip_locked=True)
            .filter(sweep__isnull=False, status=TestCall.Status.QUEUED, dispatched_at__lt=now - LOST_AFTER)
            .values_list("pk", flat=True)[:100]
        )
        started = TestCall.objects.filter(sweep__isnull=False, dispatched_at__gte=now - timedelta(minutes=1)).count()
        room = max(0, settings.TEST_CALL_SWEEP_PER_MINUTE - started - len(lost))
        waiting = list(
            _waiting(TestCall.objects.select_for_update(skip_locked=True))
            .order_by("id")
            .values_list("pk", flat=True)[:room]
        )
        claimed = lost + waiting
        TestCall.objects.filter(pk__in=claimed).update(dispatched_at=now)
        for pk in claimed:
            transaction.on_commit(lambda pk=pk: test_call_task.delay(pk))
    for sweep_id in TestCallSweep.objects.filter(finished_at__isnull=True).values_list("pk", flat=True):
        _sweep_finish_if_done(sweep_id)
    return len(claimed)


def _waiting(calls):
    """Of ``calls``, the sweep calls still waiting for their turn (no task enqueued for them yet)."""
    return calls.filter(sweep__isnull=False, dispatched_at__isnull=True, status=TestCall.Status.QUEUED)


def test_call_sweeps_run(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: start the sweeps that are due, then let the next calls go."""
    started = sweeps_start(now=now)
    return {"sweeps": started, "calls": sweep_calls_dispatch(now=now)}


def _sweep_finish_if_done(sweep_id: int) -> None:
    if not TestCall.objects.filter(sweep_id=sweep_id).exclude(status__in=DONE).exists():
        TestCallSweep.objects.filter(pk=sweep_id, finished_at__isnull=True).update(finished_at=timezone.now())


# --- The verdict ------------------------------------------------------------------------------------


def previous_result(test_call: TestCall) -> TestCall | None:
    """The number's latest sweep call before this one's day that got an answer from the edge."""
    assert test_call.sweep is not None
    return (
        TestCall.objects.filter(
            number_id=test_call.number_id, sweep__day__lt=test_call.sweep.day, status__in=CONCLUSIVE
        )
        .select_related("sweep")
        .order_by("-sweep__day")
        .first()
    )


def sweep_call_judge(*, test_call_id: int) -> str:
    """Compare a finished sweep call with the number's previous result and, on a change, record it once:
    ``failed`` (rang then, not now: event ``number.test_call_failed`` and an email) or ``recovered``
    (the reverse: ``number.test_call_recovered`` and an email); then close the sweep if it was its last
    call. Returns the verdict ("" for none)."""
    verdict = _judge(test_call_id)
    sweep_id = TestCall.objects.filter(pk=test_call_id).values_list("sweep_id", flat=True).first()
    if sweep_id is not None:
        _sweep_finish_if_done(sweep_id)
    return verdict


def _judge(test_call_id: int) -> str:
    from ..tasks import test_call_alert_notify_task

    with transaction.atomic():
        test_call = (
            TestCall.objects.select_for_update(of=("self",))
            .select_related("sweep", "number__trunk", "number__account")
            .filter(pk=test_call_id, sweep__isnull=False)
            .first()
        )
        if test_call is None or test_call.alert or test_call.status not in CONCLUSIVE:
            return ""
        previous = previous_result(test_call)
        if previous is None or previous.rang == test_call.rang:
            return ""
        test_call.alert = TestCall.Alert.RECOVERED if test_call.rang else TestCall.Alert.FAILED
        test_call.save(update_fields=["alert"])
        number = test_call.number
        events.record(
            "number.test_call_failed" if test_call.alert == TestCall.Alert.FAILED else "number.test_call_recovered",
            account=number.account,
            subject_type="number",
            subject_id=number.public_id,
            data=number_event_data(number)
            | {"test_call": sweep_result_data(test_call), "previous": sweep_result_data(previous)},
        )
        transaction.on_commit(lambda: test_call_alert_notify_task.delay(test_call.pk))
    return test_call.alert


def sweep_result_data(test_call: TestCall) -> dict:
    """One sweep result as the events carry it: the day, whether it rang, the SIP answer."""
    return {
        "id": test_call.public_id,
        "day": test_call.sweep.day.isoformat() if test_call.sweep else None,
        "status": test_call.status,
        "rang": test_call.rang,
        "sip_code": test_call.sip_code,
        "sip_reason": test_call.sip_reason,
    }


def test_call_alert_notify(*, test_call_id: int) -> int:
    """Email the account's owners and admins, each in their language, that a number stopped ringing (or
    rings again). Returns how many people were written to."""
    from accounts.selectors import notification_recipients
    from portal.mail import send_in_languages

    test_call = (
        TestCall.objects.select_related("number__account", "sweep").filter(pk=test_call_id).exclude(alert="").first()
    )
    if test_call is None:
        return 0
    number = test_call.number
    recipients = notification_recipients(account=number.account)
    if not recipients:
        return 0
    previous = previous_result(test_call)
    link = settings.PUBLIC_URL + reverse("number_detail", args=[number.pk])

    def answer(call: TestCall | None) -> str:
        if call is None or call.sip_code is None:
            return "—"
        return f"{call.sip_code} {call.sip_reason}".strip()

    def compose() -> tuple[str, str]:
        values = {
            "number": number.e164,
            "label": number.label or number.e164,
            "answer": answer(test_call),
            "day": test_call.sweep.day.isoformat() if test_call.sweep else "",
            "previous_day": previous.sweep.day.isoformat() if previous and previous.sweep else "—",
            "previous_answer": answer(previous),
            "link": link,
        }
        if test_call.alert == TestCall.Alert.FAILED:
            subject = _("%(number)s stopped ringing") % values
            body = (
                _(
                    "Hello,\n\nToday's test call of %(number)s (%(label)s) did not ring: the answer was %(answer)s. "
                    "On %(previous_day)s it rang (%(previous_answer)s).\n\nCheck that the phone system behind it "
                    "is registered and reachable, then place a test call from the number's page:\n\n%(link)s\n"
                )
                % values
            )
        else:
            subject = _("%(number)s rings again") % values
            body = (
                _(
                    "Hello,\n\nToday's test call of %(number)s (%(label)s) rang again (%(answer)s). On "
                    "%(previous_day)s it did not (%(previous_answer)s).\n\n%(link)s\n"
                )
                % values
            )
        return subject, body

    return send_in_languages(people=recipients, compose=compose)
