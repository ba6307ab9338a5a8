"""Delivery to a real local receiver: retries on the documented schedule with a moved clock, 410, 429 with
Retry-After, redirects, a receiver down for hours, rotation, and the address rules."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
import standardwebhooks
import time_machine

from accounts.models import AuditLog
from portal.errors import ValidationFailed
from portal.webhooks import delivery, notify, services
from portal.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

from .conftest import Answer, emit, readme_verification_code, sweep

pytestmark = pytest.mark.django_db

START = datetime(2030, 4, 5, 14, 30, tzinfo=UTC)  # after the endpoints the tests create


def make_endpoint(tenants, receiver, **kw) -> services.IssuedEndpoint:
    issued = services.webhook_create(
        actor=tenants.a.owner_actor, url=receiver.url, events=kw.pop("events", ["*"]), **kw
    )
    receiver.secrets = [issued.secret]
    return issued


def test_a_receiver_failing_three_times_gets_the_event_once_with_one_id_at_the_documented_times(tenants, receiver):
    make_endpoint(tenants, receiver)
    receiver.answer(500, 502, Answer(status=404, body=b"no such hook"))
    with time_machine.travel(START, tick=False) as clock:
        event = emit(tenants.a.account)
        sweep()
        expected = [timedelta(0)]
        for wait in delivery.SCHEDULE[:3]:
            pending = WebhookDelivery.objects.get()
            assert pending.status == "pending"
            due = pending.next_attempt_at
            since_last = due - pending.last_attempt_at
            assert wait * 0.9 <= since_last <= wait * 1.1, (wait, since_last)
            clock.move_to(due - timedelta(seconds=1))
            assert sweep() == 0  # not due yet: nothing is sent early
            clock.move_to(due)
            assert sweep() == 1
            expected.append(due - START)

    done = WebhookDelivery.objects.get()
    assert done.status == "succeeded" and done.attempts == 4 and done.delivered_at is not None
    assert receiver.ids() == [event.public_id] * 4
    assert all(r.verified for r in receiver.requests)
    assert [r.json for r in receiver.requests] == [event.as_payload()] * 4  # the same body every time
    attempts = list(WebhookAttempt.objects.order_by("number"))
    assert [a.status_code for a in attempts] == [500, 502, 404, 200]
    assert [a.at - START for a in attempts] == expected
    assert attempts[2].response_excerpt == "no such hook"
    assert sweep() == 0  # delivered once, never again


def test_the_schedule_gives_up_within_24_hours_after_ten_attempts(tenants, receiver):
    make_endpoint(tenants, receiver)
    receiver.default = Answer(status=500)
    with time_machine.travel(START, tick=False) as clock:
        emit(tenants.a.account)
        sweep()
        while (pending := WebhookDelivery.objects.get()).status == "pending":
            clock.move_to(pending.next_attempt_at)
            sweep()
    failed = WebhookDelivery.objects.get()
    assert failed.status == "failed" and failed.attempts == delivery.MAX_ATTEMPTS == 10
    last = WebhookAttempt.objects.order_by("-number").first()
    assert last.at - START <= timedelta(hours=24)
    assert last.at - START >= timedelta(hours=21)  # the schedule really spans the day


def test_the_documented_waits_add_up_to_less_than_24_hours():
    assert sum(delivery.SCHEDULE, timedelta()) * 1.1 > timedelta(hours=24)  # jitter may reach the cap…
    assert sum(delivery.SCHEDULE, timedelta()) < timedelta(hours=24)  # …which the code clamps to
    now = START
    due = delivery.next_attempt_at(attempts=9, now=now, retry_until=START + timedelta(hours=2))
    assert due == START + timedelta(hours=2)


def test_410_gone_switches_the_endpoint_off_fails_the_delivery_and_tells_the_owners(
    tenants, receiver, django_capture_on_commit_callbacks, mailoutbox
):
    issued = make_endpoint(tenants, receiver)
    receiver.answer(410)
    emit(tenants.a.account)
    with django_capture_on_commit_callbacks() as callbacks:
        sweep()

    endpoint = WebhookEndpoint.objects.get(pk=issued.endpoint.pk)
    assert endpoint.enabled is False and "410" in endpoint.disabled_reason
    assert WebhookDelivery.objects.get().status == "failed"
    assert AuditLog.objects.filter(action="webhook.disabled", subject_id=endpoint.public_id).exists()
    assert len(callbacks) == 1
    assert notify.endpoint_disabled_notify(endpoint_id=endpoint.pk) == 1
    assert mailoutbox[0].to == ["owner@alpha.test"] and receiver.url in mailoutbox[0].subject

    emit(tenants.a.account, "number.released")
    assert sweep() == 0
    assert len(receiver.requests) == 1  # nothing more goes to a switched-off endpoint


def test_429_with_retry_after_is_honoured_and_capped_at_an_hour(tenants, receiver):
    make_endpoint(tenants, receiver)
    receiver.answer(
        Answer(status=429, headers={"Retry-After": "600"}),
        Answer(status=503, headers={"Retry-After": "86400"}),
        Answer(status=429, headers={"Retry-After": "1"}),
    )
    with time_machine.travel(START, tick=False) as clock:
        emit(tenants.a.account)
        sweep()
        first = WebhookDelivery.objects.get()
        assert first.next_attempt_at == START + timedelta(seconds=600)  # longer than the 30 s of the schedule
        clock.move_to(first.next_attempt_at - timedelta(seconds=1))
        assert sweep() == 0
        clock.move_to(first.next_attempt_at)
        sweep()
        second = WebhookDelivery.objects.get()
        assert second.next_attempt_at == first.next_attempt_at + timedelta(hours=1)  # a day asked, an hour given
        clock.move_to(second.next_attempt_at)
        sweep()
        third = WebhookDelivery.objects.get()
        wait = third.next_attempt_at - second.next_attempt_at
        assert timedelta(minutes=9) <= wait <= timedelta(minutes=11)  # a shorter Retry-After: the schedule's wait


def test_a_retry_after_date_is_understood():
    now = START
    assert delivery.parse_retry_after("Fri, 05 Apr 2030 14:32:00 GMT", now=now) == timedelta(minutes=2)
    assert delivery.parse_retry_after("soon", now=now) is None
    assert delivery.parse_retry_after("", now=now) is None


def test_redirects_are_not_followed_and_count_as_failures(tenants, receiver):
    make_endpoint(tenants, receiver)
    elsewhere = receiver.url.replace("/hooks/didfarm", "/elsewhere")
    receiver.answer(Answer(status=302, headers={"Location": elsewhere}))
    emit(tenants.a.account)
    sweep()
    pending = WebhookDelivery.objects.get()
    assert pending.status == "pending" and pending.last_status_code == 302
    assert "redirect not followed" in pending.last_error
    assert [r.path for r in receiver.requests] == ["/hooks/didfarm"]


def test_a_receiver_down_for_two_hours_gets_everything_afterwards_once_each(tenants, receiver):
    make_endpoint(tenants, receiver)
    receiver.down()
    with time_machine.travel(START, tick=False) as clock:
        sent = [emit(tenants.a.account, kind) for kind in ("number.provisioned", "number.activated", "trunk.offline")]
        minute = START
        while minute < START + timedelta(hours=2):  # the sweeper runs every minute while it is down
            sweep()
            minute += timedelta(minutes=1)
            clock.move_to(minute)
        assert all(d.status == "pending" and d.attempts == 6 for d in WebhookDelivery.objects.all())
        assert "connection failed" in WebhookAttempt.objects.first().error
        receiver.up()
        while WebhookDelivery.objects.filter(status="pending").exists():
            clock.move_to(min(d.next_attempt_at for d in WebhookDelivery.objects.filter(status="pending")))
            sweep()
    assert sorted(receiver.ids()) == sorted(e.public_id for e in sent)
    assert all(r.verified for r in receiver.requests)
    assert WebhookDelivery.objects.filter(status="succeeded").count() == 3
    # Sent at the first retry after the receiver is back: the last failure came before it was back, and
    # the wait after a sixth failure is two hours with its jitter (up to +10 %).
    longest_wait = delivery.SCHEDULE[5] * (1 + delivery.JITTER)
    assert all(d.delivered_at - START <= timedelta(hours=2) + longest_wait for d in WebhookDelivery.objects.all())


def test_a_timeout_is_a_failed_attempt_retried_later(tenants, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "TIMEOUT_SECONDS", 0.3)
    make_endpoint(tenants, receiver)
    receiver.answer(Answer(delay=1.0))
    emit(tenants.a.account)
    sweep()
    pending = WebhookDelivery.objects.get()
    assert pending.status == "pending" and pending.last_status_code is None
    assert pending.last_error.startswith("timeout")


def test_during_24_hours_after_rotation_both_signatures_are_sent_then_only_the_new_one(tenants, receiver):
    old = make_endpoint(tenants, receiver)
    verify = readme_verification_code()["verify_didfarm_signature"]
    with time_machine.travel(START, tick=False) as clock:
        new = services.webhook_rotate_secret(actor=tenants.a.owner_actor, endpoint=old.endpoint)
        assert new.secret != old.secret
        emit(tenants.a.account)
        sweep()
        got = receiver.requests[-1]
        assert got.headers["X-DIDfarm-Signature"].count("v1=") == 2
        assert len(got.headers["webhook-signature"].split(" ")) == 2
        for secret in (old.secret, new.secret):
            assert verify(secret, got.body, got.headers["X-DIDfarm-Signature"])
            standardwebhooks.Webhook(secret).verify(got.body, got.headers)

        clock.move_to(START + timedelta(hours=24, seconds=1))
        emit(tenants.a.account, "number.released")
        sweep()
        got = receiver.requests[-1]
        assert got.headers["X-DIDfarm-Signature"].count("v1=") == 1
        assert verify(new.secret, got.body, got.headers["X-DIDfarm-Signature"])
        assert not verify(old.secret, got.body, got.headers["X-DIDfarm-Signature"])
        standardwebhooks.Webhook(new.secret).verify(got.body, got.headers)
        with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
            standardwebhooks.Webhook(old.secret).verify(got.body, got.headers)


# --- Who receives what -------------------------------------------------------------------------


def test_fan_out_follows_subscriptions_client_scope_and_accounts_and_runs_once(tenants, receiver):
    actor = tenants.a.owner_actor
    everything = services.webhook_create(actor=actor, url=receiver.url, events=["*"]).endpoint
    released_only = services.webhook_create(actor=actor, url=receiver.url, events=["number.released"]).endpoint
    sms = services.webhook_create(actor=actor, url=receiver.url, events=["sms.received"]).endpoint
    x_only = services.webhook_create(actor=actor, url=receiver.url, events=["*"], client_id=tenants.x.pk).endpoint
    off = services.webhook_create(actor=actor, url=receiver.url, events=["*"], enabled=False).endpoint
    b = services.webhook_create(actor=tenants.b.owner_actor, url=receiver.url, events=["*"]).endpoint

    emit(tenants.a.account, "number.activated", client=tenants.x)
    emit(tenants.a.account, "number.released", client=tenants.y)
    emit(tenants.a.account, "message.received", data={"number_id": "num_1"})
    emit(tenants.a.account, "wallet.credited")  # not a webhook event

    def got(endpoint):
        return sorted(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("event__type", flat=True))

    assert got(everything) == ["message.received", "number.activated", "number.released"]
    assert got(released_only) == ["number.released"]
    assert got(sms) == ["message.received"]  # the alias
    assert got(x_only) == ["number.activated"]
    assert got(off) == [] and got(b) == []
    assert services.events_fan_out() == 0  # everything is fanned out already
    before = WebhookDelivery.objects.count()
    from portal.models import Event

    Event.objects.update(fanned_out_at=None)  # even if the marks were lost, nothing is created twice
    services.events_fan_out()
    assert WebhookDelivery.objects.count() == before


def test_a_new_endpoint_hears_only_of_events_after_its_creation_even_ones_still_waiting(tenants, receiver):
    from django.db import transaction

    from portal import events
    from portal.models import Event

    with transaction.atomic():  # recorded, but its fan-out has not run yet (a busy or lost task)
        waiting = events.record("number.activated", account=tenants.a.account, data={"number": "+31201234567"})
    Event.objects.filter(pk=waiting.pk).update(created_at=waiting.created_at - timedelta(seconds=1))
    endpoint = services.webhook_create(actor=tenants.a.owner_actor, url=receiver.url, events=["*"]).endpoint
    later = emit(tenants.a.account, "number.released")

    services.events_fan_out()

    assert list(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("event_id", flat=True)) == [later.pk]


def test_a_numbers_own_urls_receive_its_events_signed_with_the_account_secret(tenants, receiver, stock):
    from accounts.actor import system_actor
    from numbers_app.services import number_configure, number_purchase
    from tests.numbers.conftest import NL_MOBILE

    actor = system_actor(tenants.a.account)
    number = number_purchase(actor=actor, numbers=[NL_MOBILE[0]], client=tenants.x).numbers.get()
    sms_url = receiver.url.replace("/hooks/didfarm", "/sms")
    number_configure(actor=actor, number=number, webhook_url=receiver.url, sms_webhook_url=sms_url)

    emit(tenants.a.account, "number.activated", subject_type="number", subject_id=number.public_id)
    emit(tenants.a.account, "message.received", data={"number_id": number.public_id, "body": "hi"})
    emit(tenants.a.account, "message.status", data={"number_id": "num_999999"})  # not a number of ours
    sweep()

    signer = WebhookEndpoint.objects.get(kind="number_urls")
    assert signer.account == tenants.a.account and signer.client == tenants.x
    assert sorted(r.path for r in receiver.requests) == ["/hooks/didfarm", "/sms"]
    for got in receiver.requests:
        standardwebhooks.Webhook(signer.secret).verify(got.body, got.headers)
    assert {d.number_id for d in WebhookDelivery.objects.all()} == {number.pk}

    # A 410 from the number's URL clears that URL, not the others.
    receiver.answer(410)
    emit(tenants.a.account, "number.released", subject_type="number", subject_id=number.public_id)
    sweep()
    number.refresh_from_db()
    assert number.webhook_url == "" and number.sms_webhook_url == sms_url
    assert WebhookEndpoint.objects.get(pk=signer.pk).enabled


# --- Addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_addresses_are_refused_when_the_setting_is_off(tenants, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationFailed) as refused:
        services.webhook_create(actor=tenants.a.owner_actor, url=url, events=["*"])
    assert "url" in refused.value.fields
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "https://user:pass@example.com/hook", "not a url", "https://", "javascript:x"]
)
def test_only_http_urls_without_credentials_are_accepted(tenants, url):
    with pytest.raises(ValidationFailed) as refused:
        services.webhook_create(actor=tenants.a.owner_actor, url=url, events=["*"])
    assert "url" in refused.value.fields


def test_a_host_resolving_to_a_private_address_is_refused_at_creation(tenants, settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    fake = {"hooks.example.com": "93.184.216.34", "intranet.example.com": "10.0.0.5"}
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **kw: [(2, 1, 6, "", (fake[host], port))])
    services.webhook_create(actor=tenants.a.owner_actor, url="https://hooks.example.com/x", events=["*"])
    with pytest.raises(ValidationFailed):
        services.webhook_create(actor=tenants.a.owner_actor, url="https://intranet.example.com/x", events=["*"])


def test_dns_rebinding_to_a_private_address_is_refused_when_connecting(tenants, settings, receiver, monkeypatch):
    """The name resolved to a public address when the endpoint was saved; now it answers 127.0.0.1."""
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    port = receiver.server.server_address[1]
    answers = {"address": "93.184.216.34"}
    real = socket.getaddrinfo

    def resolve(host, *args, **kw):
        if host == "rebind.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers["address"], port))]
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    services.webhook_create(actor=tenants.a.owner_actor, url=f"http://rebind.example.com:{port}/x", events=["*"])
    answers["address"] = "127.0.0.1"
    emit(tenants.a.account)
    sweep()
    pending = WebhookDelivery.objects.get()
    assert pending.last_error.startswith("address not allowed")
    assert receiver.requests == []

    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the demo and tests deliver locally
    pending.next_attempt_at = pending.last_attempt_at
    pending.save()
    sweep()
    assert len(receiver.requests) == 1


def test_a_numbers_webhook_url_follows_the_same_address_rules(tenants, settings, stock):
    from accounts.actor import system_actor
    from numbers_app.services import number_configure, number_purchase
    from tests.numbers.conftest import NL_AMS

    settings.WEBHOOKS_ALLOW_PRIVATE = False
    actor = system_actor(tenants.a.account)
    number = number_purchase(actor=actor, numbers=[NL_AMS[0]]).numbers.get()
    with pytest.raises(ValidationFailed) as refused:
        number_configure(actor=actor, number=number, webhook_url="http://169.254.169.254/latest")
    assert "webhook_url" in refused.value.fields
    with pytest.raises(ValidationFailed):
        number_configure(actor=actor, number=number, sms_webhook_url="https://user:pw@93.184.216.34/sms")
    number_configure(actor=actor, number=number, webhook_url="https://93.184.216.34/hook", sms_webhook_url="")
    number.refresh_from_db()
    assert number.webhook_url == "https://93.184.216.34/hook"
