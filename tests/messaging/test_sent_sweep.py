"""Messages left ``sent`` because their delivery report never came (its task was lost with a worker or a
Redis restart): the sweeper asks the carrier, applies its answer as the report would have been, and ends
messages past their validity period; each outcome is shown on the API and the conversation page."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from billing.models import LedgerEntry
from messaging import services
from messaging.models import Message
from numbers_app.carriers import CarrierError, SmsStatus
from numbers_app.carriers.sandbox import SandboxCarrier
from portal.celery import app
from portal.models import Event
from tests.messaging.conftest import HANDSET, assert_balanced, send
from tests.numbers.conftest import login


def statuses(message: Message) -> list[str]:
    return list(
        Event.objects.filter(type="message.status", subject_id=message.public_id)
        .order_by("id")
        .values_list("data__status", flat=True)
    )


def sent_without_report(tenants, number, *, minutes_ago: float, body: str = "Hello") -> Message:
    """A message the carrier took ``minutes_ago`` whose delivery report was lost (its task never ran)."""
    message = send(tenants.a.owner_actor, number, body=body)
    services.message_dispatch(message_id=message.pk)
    Message.objects.filter(pk=message.pk).update(sent_at=timezone.now() - timedelta(minutes=minutes_ago))
    message = Message.objects.get(pk=message.pk)
    assert message.status == "sent" and message.carrier_ref
    return message


@pytest.mark.django_db
def test_a_message_whose_report_was_lost_is_looked_up_at_the_carrier_and_delivered(
    tenants, sms_number, enqueued, settings
):
    settings.SMS_STATUS_QUERY_SECONDS = 900
    number = sms_number(tenants.a)
    message = sent_without_report(tenants, number, minutes_ago=16)
    balance = assert_balanced(tenants.a.account)

    assert services.messages_sent_sweep() == 1

    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at and not message.error_code
    assert statuses(message) == ["queued", "sending", "sent", "delivered"]
    event = Event.objects.filter(type="message.status", subject_id=message.public_id).latest("id")
    assert event.data["status"] == "delivered" and event.account_id == tenants.a.account.pk
    assert assert_balanced(tenants.a.account) == balance
    assert services.messages_sent_sweep() == 0  # nothing left to look up


@pytest.mark.django_db
def test_a_message_sent_recently_waits_for_its_report(tenants, sms_number, enqueued, settings):
    settings.SMS_STATUS_QUERY_SECONDS = 900
    number = sms_number(tenants.a)
    message = sent_without_report(tenants, number, minutes_ago=14)

    assert services.messages_sent_sweep() == 0

    assert Message.objects.get(pk=message.pk).status == "sent"


@pytest.mark.django_db
def test_a_message_the_network_lost_fails_on_lookup_as_its_report_would_have_said_without_a_refund(
    tenants, sms_number, enqueued, settings
):
    settings.SANDBOX_SMS_FAILURE_RATE = 1
    number = sms_number(tenants.a)
    message = sent_without_report(tenants, number, minutes_ago=60)
    (lost_report,) = enqueued.named(".sandbox_delivery_report_task")
    report = lost_report.kwargs

    services.messages_sent_sweep()

    message.refresh_from_db()
    assert message.status == "failed" and not message.refunded
    assert (message.error_code, message.error_message) == (report["error_code"], report["error_message"])
    assert statuses(message)[-1] == "failed"
    assert not LedgerEntry.objects.filter(kind="refund").exists()


@pytest.mark.django_db
def test_a_message_the_carrier_has_no_record_of_fails_and_the_api_and_page_say_why(
    tenants, sms_number, enqueued, api_as
):
    number = sms_number(tenants.a)
    message = sent_without_report(tenants, number, minutes_ago=60, body="Lost in the network")
    Message.objects.filter(pk=message.pk).update(carrier_ref="sbxm_forgotten")

    services.messages_sent_sweep()

    message.refresh_from_db()
    assert message.status == "failed" and message.error_code == "unknown_to_carrier" and not message.refunded
    assert statuses(message)[-1] == "failed"
    data = api_as(tenants.a.key).get(f"/api/v1/portal/sms/{message.public_id}").json()["data"]
    assert data["status"] == "failed" and data["error_code"] == "unknown_to_carrier"
    assert data["error_message"] == "No delivery report came, and the carrier has no record of the message."
    page = login("owner@alpha.test").get(f"/messaging/threads/{number.pk}/{HANDSET[1:]}/").content.decode()
    assert "the carrier has no record of the message" in page


@pytest.mark.django_db
def test_a_message_still_on_its_way_is_asked_about_again_later_and_expires_after_its_validity(
    tenants, sms_number, enqueued, settings, monkeypatch
):
    settings.SMS_STATUS_QUERY_SECONDS = 900
    settings.SMS_VALIDITY_HOURS = 48
    asked = []

    def pending(self, *, carrier_ref):
        asked.append(carrier_ref)
        return SmsStatus(SmsStatus.PENDING)

    monkeypatch.setattr(SandboxCarrier, "sms_status", pending)
    number = sms_number(tenants.a)
    young = sent_without_report(tenants, number, minutes_ago=47 * 60)
    old = sent_without_report(tenants, number, minutes_ago=48 * 60 + 1)

    assert services.messages_sent_sweep() == 2

    assert sorted(asked) == sorted([young.carrier_ref, old.carrier_ref])
    young.refresh_from_db()
    assert young.status == "sent" and young.next_attempt_at > timezone.now() + timedelta(minutes=14)
    assert services.messages_sent_sweep() == 0  # not asked again before its next look is due
    old.refresh_from_db()
    assert old.status == "failed" and old.error_code == "expired" and not old.refunded
    assert old.error_message == "No delivery report came within 48 hours: the message has expired."
    assert statuses(old)[-1] == "failed"
    Message.objects.filter(pk=young.pk).update(next_attempt_at=timezone.now())
    assert services.messages_sent_sweep() == 1 and len(asked) == 3


@pytest.mark.django_db
def test_a_carrier_that_cannot_answer_leaves_the_message_until_its_validity_ends(
    tenants, sms_number, enqueued, monkeypatch
):
    def down(self, *, carrier_ref):
        raise CarrierError("status API timed out")

    monkeypatch.setattr(SandboxCarrier, "sms_status", down)
    number = sms_number(tenants.a)
    waiting = sent_without_report(tenants, number, minutes_ago=60)
    expired = sent_without_report(tenants, number, minutes_ago=49 * 60)

    services.messages_sent_sweep()

    assert Message.objects.get(pk=waiting.pk).status == "sent"
    assert Message.objects.get(pk=expired.pk).error_code == "expired"


@pytest.mark.django_db
def test_a_report_arriving_after_the_lookup_changes_nothing(tenants, sms_number, enqueued):
    number = sms_number(tenants.a)
    message = sent_without_report(tenants, number, minutes_ago=60)
    services.messages_sent_sweep()

    services.carrier_status_reports(
        carrier="sandbox",
        reports={f"dlr_{message.carrier_ref}": {"carrier_ref": message.carrier_ref, "delivered": False}},
    )

    assert Message.objects.get(pk=message.pk).status == "delivered"
    assert statuses(message) == ["queued", "sending", "sent", "delivered"]


def test_the_sandbox_answers_a_lookup_as_its_delivery_report_said(settings):
    sandbox = SandboxCarrier(delay=0)
    for rate in (0, 1):
        settings.SANDBOX_SMS_FAILURE_RATE = rate
        for n in range(5):
            accepted, report = sandbox._accept(to_e164=HANDSET, idempotency_key=f"msg_{n}")
            status = sandbox.sms_status(carrier_ref=accepted.carrier_ref)
            assert status.state == ("delivered" if report["delivered"] else "failed")
            assert (status.error_code, status.error_message) == (report["error_code"], report["error_message"])
    assert sandbox.sms_status(carrier_ref="sbx_0123").state == "unknown"


def test_the_lookup_runs_on_the_beat_schedule():
    (entry,) = [job for job in app.conf.beat_schedule.values() if job["task"].endswith(".messages_sent_sweep_task")]
    assert entry["schedule"] <= 60


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_look_each_message_up_once(tenants, sms_number, enqueued, no_sms_limit, monkeypatch):
    number = sms_number(tenants.a)
    messages = [sent_without_report(tenants, number, minutes_ago=60, body=f"m{n}") for n in range(30)]
    asked: list[str] = []
    real = SandboxCarrier.sms_status

    def counted(self, *, carrier_ref):
        asked.append(carrier_ref)
        return real(self, carrier_ref=carrier_ref)

    monkeypatch.setattr(SandboxCarrier, "sms_status", counted)
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def sweep(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = services.messages_sent_sweep(limit=20)
        except Exception as exc:  # noqa: BLE001 - asserted below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(results) == [10, 20]
    assert sorted(asked) == sorted(m.carrier_ref for m in messages)
    assert set(Message.objects.filter(pk__in=[m.pk for m in messages]).values_list("status", flat=True)) == {
        "delivered"
    }
    for message in messages:
        assert statuses(message) == ["queued", "sending", "sent", "delivered"]
