"""SMS under concurrency, with real threads on PostgreSQL (and the rate limit in Redis): the per-second
limit, the wallet, dispatch and forwarding each stay exact when requests and workers race."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import AuditLog
from billing.models import LedgerEntry
from messaging import services
from messaging.models import CarrierEvent, Message, SmsForward
from numbers_app import services as number_services
from numbers_app.carriers import sandbox
from portal.errors import InsufficientBalance
from portal.models import Event
from tests.conftest import ApiClient
from tests.messaging.conftest import HANDSET, HANDSET_2, assert_balanced, leave_in_wallet, send, sms_charges

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count: int, work) -> list:
    """Start ``count`` threads at the same instant; each returns ``work(index)``'s result or the exception
    it raised. Every thread closes its own database connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - the caller inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def post_send(key: str, number, body: str):
    """One API request, served in the calling thread (each thread with its own client and connection)."""
    return ApiClient(key).post("/api/v1/messages/send", {"from": number.e164, "to": HANDSET, "body": body})


class RateChecks(list):
    """When each send was counted against the per-second limit. ``expect(n)``: the n concurrent sends wait
    for each other just before they are counted, so a loaded machine (slow to get n requests that far)
    still counts them all within the same second."""

    barrier: threading.Barrier | None = None

    def expect(self, sends: int) -> None:
        self.barrier = threading.Barrier(sends, timeout=60)


@pytest.fixture
def rate_checks(monkeypatch) -> RateChecks:
    moments = RateChecks()
    real = services.sms_rate_check

    def timed(account):
        if moments.barrier is not None:
            moments.barrier.wait()
        moments.append(time.monotonic())
        return real(account)

    monkeypatch.setattr(services, "sms_rate_check", timed)
    return moments


def within_one_second(moments: list[float]) -> bool:
    return max(moments) - min(moments) < 1


def test_eleven_sends_in_one_second_let_exactly_ten_through_and_other_accounts_are_not_held_up(
    tenants, sms_number, rate_checks
):
    a_number, b_number = sms_number(tenants.a), sms_number(tenants.b)
    senders = [(tenants.a.key, a_number)] * 11 + [(tenants.b.key, b_number)] * 3
    rate_checks.expect(len(senders))

    responses = run_together(len(senders), lambda i: post_send(*senders[i], body=f"m{i}"))

    assert len(rate_checks) == 14 and within_one_second(rate_checks), "the sends did not land within one second"

    a_statuses = sorted(r.status_code for r in responses[:11])
    assert a_statuses == [201] * 10 + [429]
    (refused,) = [r for r in responses[:11] if r.status_code == 429]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    assert [r.status_code for r in responses[11:]] == [201] * 3
    for tenant, sent in ((tenants.a, 10), (tenants.b, 3)):
        assert Message.objects.filter(account=tenant.account).count() == sent
        assert len(sms_charges(tenant.account)) == sent
        assert_balanced(tenant.account)


def test_an_accounts_own_messages_a_second_raise_the_limit(tenants, sms_number, rate_checks):
    number = sms_number(tenants.a)
    tenants.a.account.sms_rate_limit = 15
    tenants.a.account.save(update_fields=["sms_rate_limit"])
    rate_checks.expect(16)

    responses = run_together(16, lambda i: post_send(tenants.a.key, number, body=f"m{i}"))

    assert len(rate_checks) == 16 and within_one_second(rate_checks), "the sends did not land within one second"

    assert sorted(r.status_code for r in responses) == [201] * 15 + [429]
    assert Message.objects.count() == 15 == len(sms_charges(tenants.a.account))


def test_concurrent_sends_never_overdraw_the_wallet(tenants, sms_number):
    number = sms_number(tenants.a)
    leave_in_wallet(tenants.a.account, "0.0400")  # five messages

    results = run_together(10, lambda i: send(tenants.a.owner_actor, number, body=f"m{i}"))

    sent = [r for r in results if isinstance(r, Message)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert (len(sent), len(refused)) == (5, 5), [r for r in results if isinstance(r, Exception)][:3]
    assert Message.objects.count() == 5 and len(sms_charges(tenants.a.account)) == 5
    assert assert_balanced(tenants.a.account) == Decimal("0")
    assert Event.objects.filter(type="message.status").count() == 5


def test_one_message_dispatched_by_many_workers_at_once_is_sent_once(tenants, sms_number, monkeypatch):
    calls = []
    real = sandbox.SandboxCarrier.send_sms

    def slow(self, **kwargs):
        calls.append(kwargs["idempotency_key"])
        time.sleep(0.2)  # the carrier takes its time: the others arrive while it works
        return real(self, **kwargs)

    monkeypatch.setattr(sandbox.SandboxCarrier, "send_sms", slow)
    message = send(tenants.a.owner_actor, sms_number(tenants.a))

    results = run_together(8, lambda i: services.message_dispatch(message_id=message.pk))

    assert not [r for r in results if isinstance(r, Exception)]
    assert len([r for r in results if r is not None]) == 1
    assert calls == [message.public_id]
    message.refresh_from_db()
    assert message.status == "sent" and message.dispatch_attempts == 1
    assert list(
        Event.objects.filter(subject_id=message.public_id).order_by("id").values_list("data__status", flat=True)
    ) == ["queued", "sending", "sent"]


def test_one_inbound_message_forwarded_twice_at_once_is_forwarded_once(tenants, sms_number):
    number = sms_number(tenants.a)
    number = number_services.number_configure(actor=tenants.a.owner_actor, number=number, sms_forwarding=HANDSET_2)
    inbound = services.sms_receive(
        carrier="sandbox", provider_id="in_1", from_e164=HANDSET, to_e164=number.e164, body="Ring me"
    )

    results = run_together(4, lambda i: services.sms_forward(message_id=inbound.pk))

    assert not [r for r in results if isinstance(r, Exception)], results
    copies = Message.objects.filter(forwarded_from=inbound)
    assert copies.count() == 1
    assert [c.reference_id for c in sms_charges(tenants.a.account)] == [copies.get().public_id]
    assert_balanced(tenants.a.account)


def test_two_forward_sweepers_at_once_send_each_forward_once(tenants, sms_number, no_sms_limit):
    number = sms_number(tenants.a)
    number = number_services.number_configure(actor=tenants.a.owner_actor, number=number, sms_forwarding=HANDSET_2)
    inbound = [
        services.sms_receive(
            carrier="sandbox", provider_id=f"in_{i}", from_e164=HANDSET, to_e164=number.e164, body=f"Note {i}"
        )
        for i in range(30)
    ]  # (their tasks never run: the sweepers find them due)

    results = run_together(3, lambda i: services.sms_forwards_sweep(limit=10))

    assert not [r for r in results if isinstance(r, Exception)], results
    while services.sms_forwards_sweep(limit=10):
        pass
    assert sum(results) <= 30
    copies = Message.objects.filter(forwarded_from__in=inbound)
    assert copies.count() == 30 and copies.values("forwarded_from").distinct().count() == 30
    assert set(SmsForward.objects.values_list("status", "attempts")) == {("forwarded", 1)}
    assert sorted(c.reference_id for c in sms_charges(tenants.a.account)) == sorted(c.public_id for c in copies)
    assert_balanced(tenants.a.account)


def test_the_same_inbound_callback_arriving_at_once_stores_one_message(tenants, sms_number):
    number = sms_number(tenants.a)
    payload = {"id": "prov-9", "from": HANDSET, "to": number.e164, "body": "Twice?"}

    def arrive(index):
        event, created = services.carrier_event_ingest(
            carrier="sandbox", kind="inbound", provider_id="prov-9", payload=payload
        )
        return created, services.sms_receive(
            carrier="sandbox", provider_id="prov-9", from_e164=HANDSET, to_e164=number.e164, body="Twice?"
        )

    results = run_together(6, arrive)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(created for created, _ in results) == [False] * 5 + [True]
    assert len({message.pk for _, message in results}) == 1
    assert CarrierEvent.objects.count() == 1 and Message.objects.count() == 1
    assert Event.objects.filter(type="message.received").count() == 1
    assert not LedgerEntry.objects.filter(kind="sms_inbound").exists()


def test_switching_sms_on_from_two_requests_at_once_charges_the_add_on_once(tenants, sms_number):
    number = sms_number(tenants.a, sms=False)

    results = run_together(
        4,
        lambda i: number_services.number_configure(
            actor=tenants.a.owner_actor, number=number, capabilities=["voice", "sms"]
        ),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert LedgerEntry.objects.filter(kind="sms_addon", reference_id=number.public_id).count() == 1
    assert AuditLog.objects.filter(subject_id=number.public_id, after__sms_enabled=True).count() == 1
    assert assert_balanced(tenants.a.account) == Decimal("97.25")
