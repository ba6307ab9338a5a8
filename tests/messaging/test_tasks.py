"""SMS tasks: the delivery pipeline run by a real Celery worker over the Redis broker (never eagerly), and
the tasks' retry and sweep behaviour."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.exceptions import Retry
from celery.signals import task_retry
from django.utils import timezone

from billing.models import LedgerEntry
from messaging import services
from messaging.models import CarrierEvent, Message, SmsForward
from messaging.tasks import (
    carrier_event_process_task,
    message_dispatch_task,
    messaging_sweep_task,
    sandbox_delivery_report_task,
    sms_forward_task,
    sms_forwards_sweep_task,
)
from numbers_app import services as number_services
from numbers_app.carriers import CarrierError, sandbox
from portal.celery import app
from portal.errors import RateLimited
from portal.models import Event
from tests.messaging.conftest import HANDSET, HANDSET_2, LANDLINE, assert_balanced, leave_in_wallet, send


def statuses(message: Message) -> list[str]:
    return list(
        Event.objects.filter(type="message.status", subject_id=message.public_id)
        .order_by("id")
        .values_list("data__status", flat=True)
    )


def wait_for(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def reaches(message: Message, status: str, seconds: float = 15) -> Message:
    assert wait_for(lambda: Message.objects.filter(pk=message.pk, status=status).exists(), seconds), (
        Message.objects.filter(pk=message.pk).values_list("status", "error_code").first()
    )
    return Message.objects.get(pk=message.pk)


def sandbox_ref(message: Message) -> str:
    """The reference the sandbox network gives the message (derived from its id, its send key)."""
    return "sbxm_" + hashlib.sha256(f"sms:{message.public_id}".encode()).hexdigest()[:24]


# --- A real worker on Redis ------------------------------------------------------------------------


@pytest.fixture
def worker(settings, tenants, sms_stock):
    """A Celery worker over the Redis broker, as in production. Set up after the data fixtures, so it
    stops before their tables are flushed."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "these tests need the Redis broker"
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    settings.SANDBOX_SMS_DELIVERY_SECONDS = 0.2
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_over_the_api_is_delivered_by_the_worker(tenants, api_as, sms_number, worker):
    number = sms_number(tenants.a)
    response = api_as(tenants.a.key).post("/api/v1/messages/send", {"from": number.e164, "to": HANDSET, "body": "Hi"})
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["data"]["id"])

    message = reaches(message, "delivered")

    assert message.sending_at and message.sent_at and message.delivered_at
    assert message.sending_at <= message.sent_at <= message.delivered_at
    assert message.carrier_ref == sandbox_ref(message) and not message.refunded
    assert statuses(message) == ["queued", "sending", "sent", "delivered"]
    report = CarrierEvent.objects.get(kind="status")
    assert report.provider_id == f"dlr_{message.carrier_ref}" and report.processed_at
    assert assert_balanced(tenants.a.account) == Decimal("97.25") - Decimal("0.0080")


@pytest.mark.django_db(transaction=True)
def test_a_message_to_a_landline_fails_in_the_worker_and_is_refunded(tenants, api_as, sms_number, worker):
    number = sms_number(tenants.a, client=tenants.x)
    before = assert_balanced(tenants.a.account)
    response = api_as(tenants.a.key).post(
        "/api/v1/portal/sms/send", {"from_number_id": number.pk, "to": LANDLINE, "body": "z" * 200}
    )
    message = Message.objects.get(pk=response.json()["message"]["id"])
    assert message.amount == Decimal("0.0160")

    message = reaches(message, "failed")

    assert message.refunded and message.error_code == "unreachable_destination" and message.sent_at is None
    assert wait_for(lambda: statuses(message) == ["queued", "sending", "failed"])
    (charge,) = LedgerEntry.objects.filter(kind="sms_outbound", reference_id=message.public_id)
    (refund,) = LedgerEntry.objects.filter(kind="refund", reference_id=message.public_id)
    assert refund.amount == -charge.amount == message.amount
    assert refund.client_id == charge.client_id == tenants.x.pk
    assert assert_balanced(tenants.a.account) == before


@pytest.mark.django_db(transaction=True)
def test_a_message_the_network_loses_fails_in_the_worker_without_a_refund(
    tenants, api_as, sms_number, worker, settings
):
    settings.SANDBOX_SMS_FAILURE_RATE = 1
    number = sms_number(tenants.a)
    response = api_as(tenants.a.key).post("/api/v1/messages/send", {"from": number.e164, "to": HANDSET, "body": "?"})
    message = Message.objects.get(pk=response.json()["data"]["id"])
    after_charge = assert_balanced(tenants.a.account)

    message = reaches(message, "failed")

    assert not message.refunded and message.sent_at and message.failed_at
    assert message.error_code in {"handset_unreachable", "carrier_rejected"}
    assert statuses(message) == ["queued", "sending", "sent", "failed"]
    assert not LedgerEntry.objects.filter(kind="refund").exists()
    assert assert_balanced(tenants.a.account) == after_charge


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_hands_on_a_message_left_without_a_task(tenants, sms_number, worker, monkeypatch):
    number = sms_number(tenants.a)
    monkeypatch.setattr(services, "enqueue_dispatch", lambda message_id: None)  # the task is lost
    message = send(tenants.a.owner_actor, number)
    time.sleep(0.5)
    assert Message.objects.get(pk=message.pk).status == "queued"
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    messaging_sweep_task.delay()

    message = reaches(message, "delivered")
    assert message.dispatch_attempts == 1
    assert statuses(message) == ["queued", "sending", "sent", "delivered"]


@pytest.mark.django_db(transaction=True)
def test_a_delivery_report_that_overtakes_the_send_is_retried_until_the_message_is_known(
    tenants, api_as, sms_number, worker, settings, monkeypatch
):
    settings.SANDBOX_SMS_DELIVERY_SECONDS = 30  # the sandbox's own report comes much later
    number = sms_number(tenants.a)
    monkeypatch.setattr(services, "enqueue_dispatch", lambda message_id: None)
    message = send(tenants.a.owner_actor, number)
    report = {
        "id": "early-report",
        "kind": "status",
        "carrier_ref": sandbox_ref(message),
        "delivered": False,
        "error_code": "handset_unreachable",
    }
    retried = []

    def on_retry(sender=None, reason=None, **kwargs):
        retried.append((sender.name, type(reason.exc) if reason else None))

    task_retry.connect(on_retry, weak=False)
    try:
        response = api_as(None).post(
            "/api/v1/carriers/sandbox/sms", report, headers={"X-Sandbox-Secret": settings.SANDBOX_CALLBACK_SECRET}
        )
        assert response.status_code == 200
        # The worker tries the report, does not find the message, and schedules a retry.
        assert wait_for(lambda: retried, seconds=10)
    finally:
        task_retry.disconnect(on_retry)
    assert retried[0] == ("messaging.tasks.carrier_event_process_task", LookupError)
    event = CarrierEvent.objects.get(provider_id="early-report")
    assert event.processed_at is None
    assert Message.objects.get(pk=message.pk).status == "queued"

    services.message_dispatch(message_id=message.pk)

    message = reaches(message, "failed", seconds=10)
    assert message.error_code == "handset_unreachable" and not message.refunded
    event.refresh_from_db()
    assert event.processed_at and event.outcome == f"{message.public_id} failed"


@pytest.mark.django_db(transaction=True)
def test_a_delivery_report_is_processed_by_the_sms_worker_while_the_carrier_queue_holds_a_backlog(
    tenants, sms_number, sms_stock, settings
):
    """The sms worker of a production deployment (one worker per queue) reads nothing but ``sms``: the
    report reaches it at once, however many provisioning calls wait on ``carrier``."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "this test needs the Redis broker"
    from numbers_app.tasks import number_provision_task
    from portal.celery import QUEUES
    from portal.ratelimit import redis_client

    number = sms_number(tenants.a)
    message = send(tenants.a.owner_actor, number)
    app.control.purge()  # what buying the number and sending queued: this test sends by hand
    for _ in range(40):  # a purchase burst nobody has got to yet
        number_provision_task.delay(number.pk)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    services.message_dispatch(message_id=message.pk)  # the sandbox queues its delivery report
    assert broker.llen("carrier") == 40 and broker.llen("sms") == 1
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=["sms"]):
            message = reaches(message, "delivered", seconds=10)
        assert broker.llen("carrier") == 40
    finally:
        app.amqp.queues.select(list(QUEUES))  # later workers read every queue again
        app.control.purge()
        redis_client().delete(services.DISPATCH_NUDGE_KEY)


# --- The tasks' own behaviour --------------------------------------------------------------------


@pytest.fixture
def retries(monkeypatch):
    """Retries asked for by the tasks below, recorded (the task then stops, as under a worker)."""
    asked = []

    def record(task):
        def retry(exc=None, countdown=None, **options):
            asked.append((task.name, type(exc), countdown))
            return Retry(exc=exc, when=countdown)

        return retry

    for task in (message_dispatch_task, carrier_event_process_task, sandbox_delivery_report_task, sms_forward_task):
        monkeypatch.setattr(task, "retry", record(task))
    return asked


@pytest.mark.django_db
def test_the_report_task_retries_a_report_for_an_unknown_message_and_then_applies_it(
    tenants, sms_number, enqueued, retries
):
    message = send(tenants.a.owner_actor, sms_number(tenants.a))
    event, created = services.carrier_event_ingest(
        carrier="sandbox",
        kind="status",
        provider_id="r1",
        payload={"carrier_ref": sandbox_ref(message), "delivered": True},
    )
    assert created
    with pytest.raises(LookupError):
        services.carrier_event_process(event_id=event.pk)
    with pytest.raises(Retry):
        carrier_event_process_task(event.pk)
    assert retries == [("messaging.tasks.carrier_event_process_task", LookupError, 1)]
    assert CarrierEvent.objects.get(pk=event.pk).processed_at is None

    services.message_dispatch(message_id=message.pk)
    carrier_event_process_task(event.pk)

    assert Message.objects.get(pk=message.pk).status == "delivered"
    assert CarrierEvent.objects.get(pk=event.pk).processed_at is not None


@pytest.mark.django_db
def test_the_sandbox_report_that_overtakes_the_send_is_kept_and_retried(tenants, sms_number, enqueued, retries):
    message = send(tenants.a.owner_actor, sms_number(tenants.a))
    report = {"carrier_ref": sandbox_ref(message), "delivered": True, "error_code": "", "error_message": ""}
    with pytest.raises(Retry):
        sandbox_delivery_report_task(**report)
    assert retries == [("messaging.tasks.sandbox_delivery_report_task", LookupError, 1)]
    stored = CarrierEvent.objects.get()
    assert stored.processed_at is None and stored.provider_id == f"dlr_{report['carrier_ref']}"

    services.message_dispatch(message_id=message.pk)
    sandbox_delivery_report_task(**report)  # the retry

    assert Message.objects.get(pk=message.pk).status == "delivered"
    assert CarrierEvent.objects.get().processed_at is not None
    assert enqueued.named("carrier_event_process_task") == []


@pytest.mark.django_db
def test_the_dispatch_task_keeps_a_message_sending_and_retries_it_after_a_transient_error(
    tenants, sms_number, enqueued, monkeypatch, django_capture_on_commit_callbacks
):
    def down(self, messages):
        raise CarrierError("sandbox: timed out", transient=True)

    with monkeypatch.context() as patched:
        patched.setattr(sandbox.SandboxCarrier, "send_sms_many", down)
        message = send(tenants.a.owner_actor, sms_number(tenants.a))
        with django_capture_on_commit_callbacks(execute=True):
            message_dispatch_task(message.pk)
    assert [(t.args, t.countdown) for t in enqueued.named("message_dispatch_task")] == [((message.pk,), 2)]
    message.refresh_from_db()
    assert message.status == "sending" and message.dispatch_attempts == 1 and message.next_attempt_at

    # The retry, once due (the carrier is back): the message was sending all along, so one event each.
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    message_dispatch_task(message.pk)
    message.refresh_from_db()
    assert message.status == "sent" and message.dispatch_attempts == 2 and message.next_attempt_at is None
    assert statuses(message) == ["queued", "sending", "sent"]


@pytest.mark.django_db
def test_the_sweeper_hands_on_a_retry_whose_task_was_lost(tenants, sms_number, enqueued, settings):
    message = send(tenants.a.owner_actor, sms_number(tenants.a))
    waiting = timezone.now() - timedelta(seconds=settings.SMS_DISPATCH_STALE_SECONDS + 1)
    Message.objects.filter(pk=message.pk).update(
        status="sending", sending_at=waiting, next_attempt_at=waiting, dispatch_attempts=1
    )
    fresh = send(tenants.a.owner_actor, sms_number(tenants.a))
    Message.objects.filter(pk=fresh.pk).update(
        status="sending", sending_at=timezone.now() - timedelta(minutes=5), next_attempt_at=timezone.now()
    )

    assert services.dispatch_stalled_ids() == [message.pk]  # the other's retry task is on its way


@pytest.mark.django_db
def test_the_sweeper_enqueues_stale_messages_and_unprocessed_callbacks_only(tenants, sms_number, enqueued):
    number = sms_number(tenants.a)
    stale, fresh = send(tenants.a.owner_actor, number), send(tenants.a.owner_actor, number)
    Message.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(seconds=61))
    dead = send(tenants.a.owner_actor, number)
    Message.objects.filter(pk=dead.pk).update(status="sending", sending_at=timezone.now() - timedelta(minutes=2))
    old_event, _ = services.carrier_event_ingest(carrier="sandbox", kind="inbound", provider_id="o", payload={})
    services.carrier_event_ingest(carrier="sandbox", kind="inbound", provider_id="n", payload={})
    CarrierEvent.objects.filter(pk=old_event.pk).update(received_at=timezone.now() - timedelta(minutes=1))

    assert messaging_sweep_task() == 3

    assert sorted(t.args[0] for t in enqueued.named("message_dispatch_task")) == sorted([stale.pk, dead.pk])
    assert [t.args for t in enqueued.named("carrier_event_process_task")] == [(old_event.pk,)]
    assert fresh.pk not in [t.args[0] for t in enqueued]


@pytest.mark.django_db
def test_the_forward_task_leaves_the_message_in_the_inbox_when_the_wallet_is_empty(tenants, sms_number, enqueued):
    number = sms_number(tenants.a)
    number = number_services.number_configure(actor=tenants.a.owner_actor, number=number, sms_forwarding=HANDSET_2)
    inbound = services.sms_receive(
        carrier="sandbox", provider_id="in_1", from_e164=HANDSET, to_e164=number.e164, body="Hello"
    )
    leave_in_wallet(tenants.a.account, "0")
    assert sms_forward_task(inbound.pk) is None
    assert list(Message.objects.values_list("direction", flat=True)) == ["inbound"]
    # … and its forward due again later, for the sweeper.
    forward = SmsForward.objects.get()
    assert forward.status == "pending" and forward.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_a_forward_the_rate_limit_held_back_past_the_task_retries_is_sent_by_the_sweeper(
    tenants, sms_number, enqueued, retries, monkeypatch
):
    number = sms_number(tenants.a)
    number = number_services.number_configure(actor=tenants.a.owner_actor, number=number, sms_forwarding=HANDSET_2)
    inbound = services.sms_receive(
        carrier="sandbox", provider_id="in_1", from_e164=HANDSET, to_e164=number.e164, body="Hello"
    )

    def over_the_limit(account):
        raise RateLimited(retry_after=1)

    with monkeypatch.context() as limited:
        limited.setattr(services, "sms_rate_check", over_the_limit)
        with pytest.raises(Retry):
            sms_forward_task(inbound.pk)
        assert retries == [("messaging.tasks.sms_forward_task", RateLimited, 1)]
        SmsForward.objects.update(next_attempt_at=timezone.now())
        # The last retry gives up; the forward stays due.
        sms_forward_task.apply(args=(inbound.pk,), retries=sms_forward_task.max_retries)
        assert len(retries) == 1
    forward = SmsForward.objects.get()
    assert (forward.status, forward.error_code, forward.attempts) == ("pending", "rate_limited", 2)
    assert not Message.objects.filter(forwarded_from=inbound).exists()

    SmsForward.objects.update(next_attempt_at=timezone.now())
    assert sms_forwards_sweep_task() == 1

    assert Message.objects.get(forwarded_from=inbound).to_e164 == HANDSET_2
    assert SmsForward.objects.get().status == "forwarded"


def test_the_forwards_sweeper_is_on_the_beat_schedule():
    (entry,) = [job for job in app.conf.beat_schedule.values() if job["task"].endswith(".sms_forwards_sweep_task")]
    assert entry["schedule"] <= 60  # a lost forward waits at most a minute or so


@pytest.mark.django_db
def test_a_message_a_dead_dispatcher_left_sending_is_taken_over_even_while_others_are_queued(
    tenants, sms_number, enqueued, no_sms_limit
):
    number = sms_number(tenants.a)
    stale = send(tenants.a.owner_actor, number)
    Message.objects.filter(pk=stale.pk).update(
        status=Message.Status.SENDING, sending_at=timezone.now() - timedelta(minutes=10), dispatch_attempts=1
    )
    send(tenants.a.owner_actor, number, body="steady traffic")

    message_dispatch_task.run(stale.pk)  # what the sweeper enqueues for it

    stale.refresh_from_db()
    assert stale.status == Message.Status.SENT and Message.objects.filter(status="queued").count() == 0
