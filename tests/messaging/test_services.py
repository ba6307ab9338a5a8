"""SMS services: the add-on on numbers, sending (charged per segment), delivery, refunds and inbound
messages, each asserted on the rows, ledger entries and events they write."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.actor import actor_from_membership
from accounts.models import AuditLog, Membership
from billing.models import LedgerEntry
from messaging import services
from messaging.models import CarrierEvent, Message, SmsForward, SmsRate
from messaging.tasks import sandbox_delivery_report_task
from numbers_app import services as number_services
from numbers_app.carriers import CarrierError, sandbox
from numbers_app.models import Number
from portal.errors import (
    InsufficientBalance,
    NotFound,
    NumberNotActive,
    PermissionDenied,
    SmsNotAvailable,
    SmsNotEnabled,
    ValidationFailed,
)
from portal.models import Event
from tests.messaging.conftest import (
    ADDON,
    DE_HANDSET,
    HANDSET,
    HANDSET_2,
    LANDLINE,
    SEGMENT,
    assert_balanced,
    leave_in_wallet,
    next_in_stock,
    send,
    sms_charges,
)

pytestmark = pytest.mark.django_db


def addon_entries(number: Number) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SMS_ADDON, reference_id=number.public_id).order_by("id")
    )


def statuses(message: Message) -> list[str]:
    return list(
        Event.objects.filter(type="message.status", subject_id=message.public_id)
        .order_by("id")
        .values_list("data__status", flat=True)
    )


def client_admin(email: str):
    return actor_from_membership(Membership.objects.select_related("account", "user", "client").get(user__email=email))


def deliver(message: Message, enqueued) -> Message:
    """Hand the message to the sandbox carrier and run the delivery report it schedules, as the worker
    does (the report task stores the callback and processes it itself)."""
    services.message_dispatch(message_id=message.pk)
    (report,) = enqueued.named("sandbox_delivery_report_task")
    sandbox_delivery_report_task(**report.kwargs)
    assert enqueued.named("carrier_event_process_task") == []
    message.refresh_from_db()
    return message


# --- The SMS add-on --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bought", "paid_through", "expected"),
    [
        # 10 March to 10 April is 31 days: 21 left ten days in.
        (datetime(2027, 3, 10, 12, tzinfo=UTC), date(2027, 4, 10), Decimal("0.51")),  # 0.75 × 21/31
        # Bought on 31 January: the period ends on 28 February and is 28 days long, 18 left on 10 February.
        (datetime(2027, 1, 31, 12, tzinfo=UTC), date(2027, 2, 28), Decimal("0.48")),  # 0.75 × 18/28
    ],
)
def test_enabling_sms_ten_days_into_the_period_charges_the_rest_of_the_period(
    tenants, sms_number, bought, paid_through, expected
):
    with time_machine.travel(bought, tick=False) as clock:
        number = sms_number(tenants.a, client=tenants.x, sms=False)
        assert number.paid_through == paid_through
        clock.shift(timedelta(days=10))
        number = number_services.number_configure(
            actor=tenants.a.owner_actor, number=number, capabilities=["voice", "sms"]
        )

    number.refresh_from_db()
    assert number.sms_enabled and number.capabilities == ["voice", "sms"]
    assert number.sms_monthly_price == ADDON
    (entry,) = addon_entries(number)
    assert entry.amount == -expected
    assert entry.client_id == tenants.x.pk
    assert assert_balanced(tenants.a.account) == Decimal("100") - Decimal("2.00") - expected
    audit = AuditLog.objects.filter(action="number.updated", subject_id=number.public_id).latest("id")
    assert audit.before["sms_enabled"] is False and audit.after["sms_enabled"] is True
    assert audit.after["capabilities"] == ["voice", "sms"]


def test_switching_sms_off_and_on_again_in_one_period_charges_once(tenants, sms_number):
    number = sms_number(tenants.a)
    actor = tenants.a.owner_actor
    number = number_services.number_configure(actor=actor, number=number, capabilities=["voice"])
    assert not number.sms_enabled and number.sms_monthly_price == 0
    number = number_services.number_configure(actor=actor, number=number, capabilities=["voice", "sms"])
    assert number.sms_enabled
    assert [e.amount for e in addon_entries(number)] == [-ADDON]
    assert assert_balanced(tenants.a.account) == Decimal("100") - Decimal("2.00") - ADDON
    changes = AuditLog.objects.filter(action="number.updated", subject_id=number.public_id).order_by("id")
    assert [a.after.get("sms_enabled") for a in changes] == [True, False, True]


@pytest.mark.parametrize("state", ["provisioning", "pending_regulatory"])
def test_a_number_not_active_yet_cannot_get_sms_and_nothing_is_written(tenants, sms_number, sms_stock, state):
    group = sms_stock.regulated if state == "pending_regulatory" else sms_stock.mobile
    number = sms_number(tenants.a, group=group, sms=False, provision=state == "pending_regulatory")
    assert number.status == state
    balance = assert_balanced(tenants.a.account)
    audits = AuditLog.objects.count()

    with pytest.raises(NumberNotActive) as raised:
        number_services.number_configure(actor=tenants.a.owner_actor, number=number, capabilities=["voice", "sms"])

    assert raised.value.message == "Number must be active to enable SMS"
    assert not Number.objects.get(pk=number.pk).sms_enabled
    assert addon_entries(number) == []
    assert assert_balanced(tenants.a.account) == balance
    assert AuditLog.objects.count() == audits


def test_a_number_type_without_sms_cannot_get_sms(tenants, sms_number, sms_stock):
    number = sms_number(tenants.a, group=sms_stock.landline, sms=False)
    with pytest.raises(SmsNotAvailable) as raised:
        number_services.number_configure(actor=tenants.a.owner_actor, number=number, capabilities=["voice", "sms"])
    assert raised.value.message == "SMS not available for this number type"
    assert not Number.objects.get(pk=number.pk).sms_enabled
    assert addon_entries(number) == []


def test_enabling_sms_without_the_money_for_the_add_on_writes_nothing(tenants, sms_number):
    number = sms_number(tenants.a, sms=False)
    leave_in_wallet(tenants.a.account, "0.50")
    audits = AuditLog.objects.count()
    with pytest.raises(InsufficientBalance):
        number_services.number_configure(actor=tenants.a.owner_actor, number=number, capabilities=["voice", "sms"])
    number.refresh_from_db()
    assert not number.sms_enabled and number.capabilities == ["voice"]
    assert addon_entries(number) == []
    assert assert_balanced(tenants.a.account) == Decimal("0.50")
    assert AuditLog.objects.count() == audits


def test_a_client_admin_cannot_switch_sms_on_their_own_number(tenants, sms_number):
    number = sms_number(tenants.a, client=tenants.x, sms=False)
    with pytest.raises(PermissionDenied):
        number_services.number_configure(
            actor=client_admin(tenants.x_admin_email), number=number, capabilities=["voice", "sms"]
        )
    assert not Number.objects.get(pk=number.pk).sms_enabled
    assert addon_entries(number) == []


@pytest.mark.parametrize(("cycle", "months"), [("monthly", 1), ("quarterly", 3)])
def test_buying_with_sms_charges_setup_first_period_and_a_whole_add_on_period_in_one_order(
    tenants, sms_stock, cycle, months
):
    sms_stock.mobile.setup_fee = Decimal("1.00")
    sms_stock.mobile.save()
    e164 = next_in_stock(sms_stock.mobile)
    order = number_services.number_purchase(
        actor=tenants.a.owner_actor, numbers=[e164], billing_cycle=cycle, capabilities=["voice", "sms"]
    )
    number = order.numbers.get()
    assert number.sms_enabled and number.capabilities == ["voice", "sms"] and number.sms_monthly_price == ADDON
    charges = {e.kind: e.amount for e in LedgerEntry.objects.filter(reference_id=number.public_id, amount__lt=0)}
    assert charges == {
        "setup_fee": Decimal("-1.00"),
        "number_purchase": -Decimal("2.00") * months,
        "sms_addon": -ADDON * months,
    }
    assert order.total == Decimal("1.00") + (Decimal("2.00") + ADDON) * months
    assert assert_balanced(tenants.a.account) == Decimal("100") - order.total
    # The period just bought is paid for: switching SMS off and on again costs nothing more.
    number_services.number_provision(number_id=number.pk)
    number.refresh_from_db()
    number = number_services.number_configure(actor=tenants.a.owner_actor, number=number, capabilities=["voice"])
    number_services.number_configure(actor=tenants.a.owner_actor, number=number, capabilities=["voice", "sms"])
    assert len(addon_entries(number)) == 1


# --- Sending -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "encoding", "parts"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("€" * 80, "GSM-7", 1),  # each € takes two septets
        ("€" * 81, "GSM-7", 2),
        ("Ж" * 70, "UCS-2", 1),
        ("Ж" * 71, "UCS-2", 2),
        ("a" * 1600, "GSM-7", 11),
    ],
)
def test_a_message_costs_its_segments_times_the_segment_price(tenants, sms_number, body, encoding, parts):
    number = sms_number(tenants.a)
    before = assert_balanced(tenants.a.account)
    message = send(tenants.a.owner_actor, number, body=body)
    assert (message.encoding, message.segments) == (encoding, parts)
    assert message.price_per_segment == SEGMENT
    assert message.amount == SEGMENT * parts
    (charge,) = sms_charges(tenants.a.account)
    assert charge.amount == -SEGMENT * parts
    assert charge.reference_type == "message" and charge.reference_id == message.public_id
    assert assert_balanced(tenants.a.account) == before - SEGMENT * parts


def test_sending_writes_the_message_its_charge_and_its_event_and_enqueues_dispatch_after_commit(
    tenants, sms_number, enqueued, django_capture_on_commit_callbacks
):
    number = sms_number(tenants.a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = send(tenants.a.owner_actor, number, body="x" * 161)
    assert len(callbacks) == 2  # the dispatch, and the webhook fan-out of the message's event
    dispatch = enqueued.named("message_dispatch_task")
    assert [(t.name, t.args) for t in dispatch] == [("messaging.tasks.message_dispatch_task", (message.pk,))]
    message.refresh_from_db()
    assert message.status == "queued" and message.direction == "outbound"
    assert (message.from_e164, message.to_e164, message.remote_e164) == (number.e164, HANDSET, HANDSET)
    assert message.amount == Decimal("0.0160")
    assert statuses(message) == ["queued"]
    event = Event.objects.get(subject_id=message.public_id)
    assert event.data["price"] == "0.0160" and event.data["segments"] == 2


def test_a_longer_prefix_rate_overrides_the_country_rate(tenants, sms_number):
    SmsRate.objects.create(prefix="49151", price_per_segment=Decimal("0.0123"))
    number = sms_number(tenants.a)
    to_germany = send(tenants.a.owner_actor, number, to=DE_HANDSET, body="b" * 200)
    at_home = send(tenants.a.owner_actor, number, to=HANDSET, body="b" * 200)
    assert (to_germany.price_per_segment, to_germany.amount) == (Decimal("0.0123"), Decimal("0.0246"))
    assert (at_home.price_per_segment, at_home.amount) == (SEGMENT, Decimal("0.0160"))
    assert [c.amount for c in sms_charges(tenants.a.account)] == [Decimal("-0.0246"), Decimal("-0.0160")]


def test_a_message_the_wallet_cannot_pay_for_writes_nothing(tenants, sms_number, enqueued):
    number = sms_number(tenants.a)
    leave_in_wallet(tenants.a.account, "0.0100")
    events = Event.objects.count()
    with pytest.raises(InsufficientBalance) as raised:
        send(tenants.a.owner_actor, number, body="c" * 161)  # 0.0160
    assert raised.value.extra["required"] == "0.0160"
    assert Message.objects.count() == 0 and sms_charges(tenants.a.account) == []
    assert Event.objects.count() == events
    # One segment still fits.
    send(tenants.a.owner_actor, number, body="c")
    assert assert_balanced(tenants.a.account) == Decimal("0.0020")


def test_form_line_breaks_are_sent_as_single_line_feeds(tenants, sms_number):
    number = sms_number(tenants.a)
    body = "x" * 79 + "\r\n" + "y" * 79  # 160 characters as posted, 159 as sent
    message = send(tenants.a.owner_actor, number, body=body)
    assert message.body == "x" * 79 + "\n" + "y" * 79
    assert message.segments == 1 and message.amount == SEGMENT


@pytest.mark.parametrize(
    ("to", "body", "field"),
    [
        (HANDSET, "", "body"),
        (HANDSET, " \n ", "body"),
        (HANDSET, "d" * 1601, "body"),
        ("0612345678", "Hi", "to"),
        ("+3161234", "Hi", "to"),
    ],
)
def test_an_invalid_message_is_refused_naming_the_field_and_nothing_is_written(tenants, sms_number, to, body, field):
    number = sms_number(tenants.a)
    balance = assert_balanced(tenants.a.account)
    with pytest.raises(ValidationFailed) as raised:
        send(tenants.a.owner_actor, number, to=to, body=body)
    assert list(raised.value.fields) == [field]
    assert Message.objects.count() == 0
    assert assert_balanced(tenants.a.account) == balance


def test_a_number_must_be_active_offer_sms_and_have_it_on_to_send(tenants, sms_number, sms_stock):
    actor = tenants.a.owner_actor
    with pytest.raises(SmsNotEnabled):
        send(actor, sms_number(tenants.a, sms=False))
    with pytest.raises(SmsNotAvailable):
        send(actor, sms_number(tenants.a, group=sms_stock.landline, sms=False))
    switched_off = number_services.number_configure(actor=actor, number=sms_number(tenants.a), status="inactive")
    with pytest.raises(NumberNotActive):
        send(actor, switched_off)
    assert Message.objects.count() == 0 and sms_charges(tenants.a.account) == []


def test_a_message_is_attributed_to_the_numbers_client(tenants, sms_number):
    actor = tenants.a.owner_actor
    for_x = sms_number(tenants.a, client=tenants.x)
    unassigned = sms_number(tenants.a)

    assert send(actor, for_x).client == tenants.x
    assert send(actor, unassigned, client=tenants.y).client == tenants.y
    assert send(actor, unassigned).client is None
    with pytest.raises(ValidationFailed) as raised:
        send(actor, for_x, client=tenants.y)
    assert list(raised.value.fields) == ["client_id"]
    assert [c.client_id for c in sms_charges(tenants.a.account)] == [tenants.x.pk, tenants.y.pk, None]


def test_a_client_admin_sends_only_from_their_clients_numbers(tenants, sms_number):
    x_admin = client_admin(tenants.x_admin_email)
    message = send(x_admin, sms_number(tenants.a, client=tenants.x))
    assert message.client == tenants.x
    with pytest.raises(NotFound):
        send(x_admin, sms_number(tenants.a, client=tenants.y))
    assert Message.objects.count() == 1


# --- Delivery ------------------------------------------------------------------------------------


def test_a_message_goes_queued_sending_sent_delivered_with_its_times(tenants, sms_number, enqueued):
    message = send(tenants.a.owner_actor, sms_number(tenants.a))

    message = deliver(message, enqueued)

    assert message.status == "delivered" and not message.refunded and message.dispatch_attempts == 1
    assert message.carrier_ref.startswith("sbxm_")
    (report,) = enqueued.named("sandbox_delivery_report_task")
    assert report.kwargs["carrier_ref"] == message.carrier_ref and report.kwargs["delivered"] is True
    assert message.sending_at <= message.sent_at <= message.delivered_at
    assert statuses(message) == ["queued", "sending", "sent", "delivered"]
    event = CarrierEvent.objects.get()
    assert event.kind == "status" and event.processed_at and event.outcome == f"{message.public_id} delivered"


def test_a_landline_destination_fails_at_once_and_the_charge_is_refunded(tenants, sms_number, enqueued):
    message = send(tenants.a.owner_actor, sms_number(tenants.a, client=tenants.x), to=LANDLINE, body="e" * 200)
    before_send = assert_balanced(tenants.a.account) + message.amount

    failed = services.message_dispatch(message_id=message.pk)

    assert failed.status == "failed" and failed.refunded and failed.failed_at
    assert failed.error_code == "unreachable_destination" and "landline" in failed.error_message
    (charge,) = sms_charges(tenants.a.account)
    refund = LedgerEntry.objects.get(kind="refund", reference_id=message.public_id)
    assert refund.amount == -charge.amount == Decimal("0.0160")
    assert refund.client_id == tenants.x.pk
    assert assert_balanced(tenants.a.account) == before_send
    assert statuses(message) == ["queued", "sending", "failed"]
    assert enqueued.named("sandbox_delivery_report_task") == []
    # Failing it again (a second report, a retry) refunds nothing more.
    services.message_failed(message_id=message.pk, code="again", reason="again", refund=True)
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_a_message_the_network_could_not_deliver_fails_without_a_refund(tenants, sms_number, enqueued, settings):
    settings.SANDBOX_SMS_FAILURE_RATE = 1
    message = send(tenants.a.owner_actor, sms_number(tenants.a))
    balance = assert_balanced(tenants.a.account)

    message = deliver(message, enqueued)

    assert message.status == "failed" and not message.refunded
    assert message.error_code in {"handset_unreachable", "carrier_rejected"} and message.error_message
    assert message.sent_at and message.failed_at and message.delivered_at is None
    assert not LedgerEntry.objects.filter(kind="refund").exists()
    assert assert_balanced(tenants.a.account) == balance
    assert statuses(message) == ["queued", "sending", "sent", "failed"]


def test_dispatching_a_message_twice_calls_the_carrier_once(tenants, sms_number, enqueued, monkeypatch):
    calls = []
    real = sandbox.SandboxCarrier.send_sms

    def counted(self, **kwargs):
        calls.append(kwargs)
        return real(self, **kwargs)

    monkeypatch.setattr(sandbox.SandboxCarrier, "send_sms", counted)
    message = send(tenants.a.owner_actor, sms_number(tenants.a))
    assert services.message_dispatch(message_id=message.pk).status == "sent"
    assert services.message_dispatch(message_id=message.pk) is None
    assert len(calls) == 1 and calls[0]["idempotency_key"] == message.public_id
    assert statuses(message) == ["queued", "sending", "sent"]
    assert Message.objects.get(pk=message.pk).dispatch_attempts == 1


def test_a_transient_carrier_error_keeps_the_message_sending_until_the_last_attempt_fails_and_refunds(
    tenants, sms_number, monkeypatch, enqueued
):
    def down(self, **kwargs):
        raise CarrierError("sandbox: timed out", transient=True, code="timeout")

    monkeypatch.setattr(sandbox.SandboxCarrier, "send_sms", down)
    message = send(tenants.a.owner_actor, sms_number(tenants.a))
    for attempt in range(1, services.MAX_DISPATCH_ATTEMPTS):
        waiting = services.message_dispatch(message_id=message.pk)
        assert (waiting.status, waiting.dispatch_attempts) == ("sending", attempt)
        assert waiting.next_attempt_at > timezone.now()
        # Its next try is scheduled, and claims nothing before it is due.
        assert enqueued[-1].args == (message.pk,) and enqueued[-1].countdown == services.retry_delay(attempt)
        assert services.message_dispatch(message_id=message.pk) is None
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    failed = services.message_dispatch(message_id=message.pk)
    assert failed.status == "failed" and failed.refunded and failed.error_code == "timeout"
    assert failed.next_attempt_at is None
    assert LedgerEntry.objects.get(kind="refund", reference_id=message.public_id).amount == message.amount
    assert statuses(message) == ["queued", "sending", "failed"]


def test_a_message_sent_after_transient_errors_records_each_status_once(tenants, sms_number, monkeypatch, enqueued):
    real, calls = sandbox.SandboxCarrier.send_sms, []

    def flaky(self, **kwargs):
        calls.append(kwargs)
        if len(calls) < 3:
            raise CarrierError("sandbox: timed out", transient=True, code="timeout")
        return real(self, **kwargs)

    monkeypatch.setattr(sandbox.SandboxCarrier, "send_sms", flaky)
    message = send(tenants.a.owner_actor, sms_number(tenants.a))
    for _ in range(2):
        assert services.message_dispatch(message_id=message.pk).status == "sending"
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    message = deliver(message, enqueued)

    assert message.status == "delivered" and message.dispatch_attempts == 3 and message.next_attempt_at is None
    assert statuses(message) == ["queued", "sending", "sent", "delivered"]
    assert not LedgerEntry.objects.filter(kind="refund").exists()


def test_a_message_whose_dispatcher_died_is_claimed_again_after_the_timeout(tenants, sms_number, enqueued):
    message = send(tenants.a.owner_actor, sms_number(tenants.a))
    Message.objects.filter(pk=message.pk).update(status="sending", sending_at=timezone.now())
    assert services.message_dispatch(message_id=message.pk) is None  # still being sent by someone
    assert services.dispatch_stalled_ids() == []
    Message.objects.filter(pk=message.pk).update(sending_at=timezone.now() - timedelta(minutes=2))
    assert services.dispatch_stalled_ids() == [message.pk]
    assert services.message_dispatch(message_id=message.pk).status == "sent"


def test_a_callback_with_many_reports_applies_them_together_and_keeps_unknown_ones_for_a_retry(
    tenants, sms_number, enqueued, no_sms_limit, django_assert_max_num_queries
):
    number = sms_number(tenants.a)
    messages = [send(tenants.a.owner_actor, number, to=HANDSET, body=f"Code {i}") for i in range(4)]
    assert services.messages_dispatch(message_id=messages[0].pk) == 4
    (callback,) = enqueued.named("sandbox_delivery_reports_task")
    reports = {f"dlr_{r['carrier_ref']}": dict(r) for r in callback.kwargs["reports"]}
    lost = next(r for r in reports.values() if r["carrier_ref"] == Message.objects.get(pk=messages[3].pk).carrier_ref)
    lost.update(delivered=False, error_code="handset_unreachable", error_message="Switched off.")
    early = {"carrier_ref": "sbxm_not_yet", "delivered": True, "error_code": "", "error_message": ""}
    reports["dlr_sbxm_not_yet"] = early

    with django_assert_max_num_queries(12):  # a handful of statements for the lot, not a few per report
        assert services.carrier_status_reports(carrier="sandbox", reports=reports) == [early]

    for message in messages[:3]:
        message.refresh_from_db()
        assert message.status == "delivered" and message.delivered_at and message.sent_at
        assert statuses(message) == ["queued", "sending", "sent", "delivered"]
    failed = Message.objects.get(pk=messages[3].pk)
    assert (failed.status, failed.error_code) == ("failed", "handset_unreachable")
    assert failed.error_message == "Switched off."
    assert not failed.refunded  # the carrier carried it: a lost message is paid for
    assert statuses(failed) == ["queued", "sending", "sent", "failed"]
    callbacks = {e.provider_id: e for e in CarrierEvent.objects.filter(kind="status")}
    assert len(callbacks) == 5
    assert callbacks["dlr_sbxm_not_yet"].processed_at is None
    for message in Message.objects.filter(pk__in=[m.pk for m in messages]):
        stored = callbacks[f"dlr_{message.carrier_ref}"]
        assert stored.processed_at and stored.outcome == f"{message.public_id} {message.status}"

    # The same callback again: stored once, applied once; the unknown report is still waiting.
    events_before = Event.objects.count()
    assert services.carrier_status_reports(carrier="sandbox", reports=reports) == [early]
    assert CarrierEvent.objects.filter(kind="status").count() == 5 and Event.objects.count() == events_before


def test_a_delivery_report_for_an_unknown_message_raises_lookup_error(db):
    with pytest.raises(LookupError):
        services.message_status_report(carrier="sandbox", carrier_ref="sbxm_nobody", delivered=True)


def test_a_report_after_the_final_status_changes_nothing(tenants, sms_number, enqueued):
    message = deliver(send(tenants.a.owner_actor, sms_number(tenants.a)), enqueued)
    late = services.message_status_report(
        carrier="sandbox", carrier_ref=message.carrier_ref, delivered=False, error_code="late"
    )
    assert late.status == "delivered" and late.error_code == ""
    assert statuses(message) == ["queued", "sending", "sent", "delivered"]


# --- Inbound -------------------------------------------------------------------------------------


def receive(number, *, provider_id="in_1", sender=HANDSET, body="Hi there"):
    return services.sms_receive(
        carrier="sandbox", provider_id=provider_id, from_e164=sender, to_e164=number.e164, body=body
    )


def test_an_inbound_message_is_stored_free_with_a_received_event(tenants, sms_number, enqueued):
    number = sms_number(tenants.a, client=tenants.x)
    entries = LedgerEntry.objects.count()
    message = receive(number, body="Ж" * 71)
    assert message.direction == "inbound" and message.status == "received" and message.received_at
    assert (message.from_e164, message.to_e164, message.remote_e164) == (HANDSET, number.e164, HANDSET)
    assert (message.encoding, message.segments, message.amount) == ("UCS-2", 2, 0)
    assert message.client == tenants.x and message.number == number
    assert LedgerEntry.objects.count() == entries
    event = Event.objects.get(type="message.received")
    assert event.client == tenants.x and event.subject_id == message.public_id
    assert {k: event.data[k] for k in ("from", "to", "body", "segments")} == {
        "from": HANDSET,
        "to": number.e164,
        "body": "Ж" * 71,
        "segments": 2,
    }
    # The same carrier message again is the same message.
    assert receive(number, body="Ж" * 71) == message
    assert Message.objects.count() == 1 and Event.objects.filter(type="message.received").count() == 1


def test_a_message_to_a_number_without_sms_or_not_ours_is_not_stored(tenants, sms_number, sms_stock):
    no_sms = sms_number(tenants.a, sms=False)
    assert receive(no_sms) is None
    assert (
        services.sms_receive(carrier="sandbox", provider_id="in_2", from_e164=HANDSET, to_e164=HANDSET_2, body="?")
        is None
    )
    assert Message.objects.count() == 0


def test_an_inbound_message_is_forwarded_once_as_a_charged_message(
    tenants, sms_number, enqueued, django_capture_on_commit_callbacks
):
    number = sms_number(tenants.a, client=tenants.x)
    number = number_services.number_configure(actor=tenants.a.owner_actor, number=number, sms_forwarding=HANDSET_2)
    with django_capture_on_commit_callbacks(execute=True):
        inbound = receive(number, body="Call me")
    (forward,) = enqueued.named("sms_forward_task")
    assert forward.args == (inbound.pk,)

    copy = services.sms_forward(message_id=inbound.pk)
    assert services.sms_forward(message_id=inbound.pk) is None

    assert copy.forwarded_from == inbound and copy.direction == "outbound" and copy.status == "queued"
    assert (copy.from_e164, copy.to_e164) == (number.e164, HANDSET_2)
    assert copy.body == f"{HANDSET}: Call me" and copy.client == tenants.x
    (charge,) = sms_charges(tenants.a.account)
    assert charge.reference_id == copy.public_id and charge.amount == -SEGMENT
    assert Message.objects.filter(direction="outbound").count() == 1


def forwarding(sms_number, tenant, to: str = HANDSET_2) -> Number:
    number = sms_number(tenant)
    return number_services.number_configure(actor=tenant.owner_actor, number=number, sms_forwarding=to)


def test_an_inbound_message_to_forward_is_stored_with_its_forward_due_now(tenants, sms_number, enqueued):
    inbound = receive(forwarding(sms_number, tenants.a))
    forward = SmsForward.objects.get()
    assert forward.message == inbound and forward.status == "pending" and forward.attempts == 0
    assert forward.next_attempt_at <= timezone.now() < forward.retry_until
    # Without forwarding, no forward.
    receive(sms_number(tenants.a), provider_id="in_2")
    assert SmsForward.objects.count() == 1


def test_a_forward_whose_task_was_lost_is_sent_by_the_sweeper_once(tenants, sms_number, enqueued):
    inbound = receive(forwarding(sms_number, tenants.a), body="Call me")  # its task never runs

    assert services.sms_forwards_sweep() == 1
    assert services.sms_forwards_sweep() == 0

    copy = Message.objects.get(forwarded_from=inbound)
    assert copy.to_e164 == HANDSET_2 and copy.body == f"{HANDSET}: Call me"
    forward = SmsForward.objects.get()
    assert (forward.status, forward.attempts, forward.next_attempt_at) == ("forwarded", 1, None)
    assert forward.finished_at and not forward.error_code
    # The task, arriving late after all, finds it done.
    assert services.sms_forward(message_id=inbound.pk) is None
    assert [c.reference_id for c in sms_charges(tenants.a.account)] == [copy.public_id]
    assert_balanced(tenants.a.account)


def test_a_forward_the_wallet_cannot_pay_is_tried_again_later_and_sent_after_a_top_up(tenants, sms_number, enqueued):
    inbound = receive(forwarding(sms_number, tenants.a))
    leave_in_wallet(tenants.a.account, "0")

    assert services.sms_forward(message_id=inbound.pk) is None
    forward = SmsForward.objects.get()
    assert (forward.status, forward.error_code, forward.attempts) == ("pending", "insufficient_balance", 1)
    assert forward.next_attempt_at - timezone.now() > timedelta(seconds=50)  # a minute on, not at once
    assert services.sms_forwards_sweep() == 0  # not due yet

    leave_in_wallet(tenants.a.account, "5")
    SmsForward.objects.update(next_attempt_at=timezone.now())
    assert services.sms_forwards_sweep() == 1

    forward.refresh_from_db()
    assert (forward.status, forward.attempts) == ("forwarded", 2)
    assert Message.objects.filter(forwarded_from=inbound).count() == 1
    assert_balanced(tenants.a.account)


def test_each_wait_of_an_unpaid_forward_is_longer_until_it_gives_up_after_its_window(tenants, sms_number, enqueued):
    inbound = receive(forwarding(sms_number, tenants.a))
    leave_in_wallet(tenants.a.account, "0")
    waits = []
    for _ in range(4):
        SmsForward.objects.update(next_attempt_at=timezone.now())
        before = timezone.now()
        assert services.sms_forwards_sweep() == 1
        waits.append(round((SmsForward.objects.get().next_attempt_at - before).total_seconds() / 60))
    assert waits == [1, 2, 4, 8]

    SmsForward.objects.update(next_attempt_at=timezone.now(), retry_until=timezone.now() + timedelta(minutes=5))
    assert services.sms_forwards_sweep() == 1

    forward = SmsForward.objects.get()
    assert (forward.status, forward.error_code, forward.next_attempt_at) == ("failed", "insufficient_balance", None)
    assert services.sms_forwards_sweep() == 0
    assert list(Message.objects.values_list("pk", flat=True)) == [inbound.pk]  # it stays in the inbox


def test_a_forward_whose_forwarding_was_switched_off_is_cancelled(tenants, sms_number, enqueued):
    number = forwarding(sms_number, tenants.a)
    inbound = receive(number)
    number_services.number_configure(actor=tenants.a.owner_actor, number=number, sms_forwarding="")

    assert services.sms_forward(message_id=inbound.pk) is None

    forward = SmsForward.objects.get()
    assert (forward.status, forward.error_code) == ("cancelled", "forwarding_off")
    assert not Message.objects.filter(direction="outbound").exists()


def test_a_simulated_inbound_message_arrives_through_the_carrier_callback_intake(tenants, sms_number):
    number = sms_number(tenants.a)
    message = services.sms_simulate_inbound(actor=tenants.a.owner_actor, number=number, from_e164=HANDSET, body="Yo")
    assert message.direction == "inbound" and message.body == "Yo" and message.number == number
    event = CarrierEvent.objects.get()
    assert event.kind == "inbound" and event.provider_id == message.carrier_ref and event.processed_at


def test_a_simulated_message_to_a_switched_off_number_is_refused(tenants, sms_number):
    number = sms_number(tenants.a)
    number = number_services.number_configure(actor=tenants.a.owner_actor, number=number, status="inactive")
    with pytest.raises(NumberNotActive):
        services.sms_simulate_inbound(actor=tenants.a.owner_actor, number=number, from_e164=HANDSET, body="Yo")
    assert Message.objects.count() == 0


def test_mms_without_the_sms_add_on_is_refused_when_configuring_and_buying(tenants, sms_stock, sms_number):
    sms_stock.mobile.has_mms = True
    sms_stock.mobile.save(update_fields=["has_mms"])
    number = sms_number(tenants.a, sms=False)
    with pytest.raises(ValidationFailed) as refused:
        number_services.number_configure(actor=tenants.a.owner_actor, number=number, capabilities=["voice", "mms"])
    assert refused.value.fields == {"capabilities": ["MMS comes with the SMS add-on: ask for sms as well."]}
    with pytest.raises(ValidationFailed):
        number_services.number_purchase(
            actor=tenants.a.owner_actor, numbers=[next_in_stock(sms_stock.mobile)], capabilities=["voice", "mms"]
        )
    number.refresh_from_db()
    assert "mms" not in number.capabilities and not number.sms_enabled
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SMS_ADDON).exists()


def test_one_dispatch_hands_over_a_batch_and_fails_and_refunds_only_the_refused_message(
    tenants, sms_number, enqueued, no_sms_limit
):
    number = sms_number(tenants.a)
    actor = tenants.a.owner_actor
    fine = [send(actor, number, to=HANDSET, body=f"Reminder {i}") for i in range(3)]
    refused = send(actor, number, to=LANDLINE)
    balance_before = assert_balanced(tenants.a.account)

    assert services.messages_dispatch(message_id=fine[1].pk) == 4
    assert services.messages_dispatch(message_id=fine[0].pk) == 0  # nothing left to claim

    for message in fine:
        message.refresh_from_db()
        assert message.status == Message.Status.SENT and message.carrier_ref.startswith("sbxm_")
    refused.refresh_from_db()
    assert refused.status == Message.Status.FAILED and refused.refunded
    assert refused.error_code == "unreachable_destination"
    assert assert_balanced(tenants.a.account) == balance_before + SEGMENT
    # One callback later carries the three delivery reports.
    (callback,) = enqueued.named("sandbox_delivery_reports_task")
    assert sorted(r["carrier_ref"] for r in callback.kwargs["reports"]) == sorted(m.carrier_ref for m in fine)
