"""The SMS pages: inbox (full page and the HTMX table), compose, conversations with reply and simulated
reply, and the SMS switch on a number's page, for the reseller and for a client admin."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import LedgerEntry
from messaging.models import Message
from numbers_app.models import Number
from tests.messaging.conftest import HANDSET, HANDSET_2, assert_balanced, send
from tests.numbers.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(tenants):
    return login("owner@alpha.test")


def test_the_inbox_shows_messages_stats_and_chart(tenants, owner, sms_number, enqueued):
    number = sms_number(tenants.a)
    send(tenants.a.owner_actor, number, body="Your parcel is on its way")
    response = owner.get("/messaging/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your parcel is on its way" in html
    assert 'data-testid="sms-today"' in html and "sms-chart" in html
    assert response["Cache-Control"] == "no-store"


def test_the_inbox_table_alone_answers_htmx_with_the_filters_applied(tenants, owner, sms_number, enqueued):
    number = sms_number(tenants.a)
    send(tenants.a.owner_actor, number, to=HANDSET, body="first contact")
    send(tenants.a.owner_actor, number, to=HANDSET_2, body="second contact")
    response = owner.get("/messaging/?q=second", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="message-table")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="message-table"' in html
    assert "second contact" in html and "first contact" not in html


def test_a_client_admin_sees_only_their_clients_messages(tenants, sms_number, enqueued):
    x_number = sms_number(tenants.a, client=tenants.x)
    y_number = sms_number(tenants.a, client=tenants.y)
    send(tenants.a.owner_actor, x_number, body="for the dentist")
    send(tenants.a.owner_actor, y_number, body="for the other client")
    x_admin = login(tenants.x_admin_email)
    html = x_admin.get("/messaging/").content.decode()
    assert "for the dentist" in html and "for the other client" not in html
    # Nor the other client's conversation or number.
    url = f"/messaging/threads/{y_number.pk}/{HANDSET[1:]}/"
    assert x_admin.get(url).status_code == 404
    compose = x_admin.get("/messaging/compose/").content.decode()
    assert x_number.e164[3:] in compose.replace(" ", "") and y_number.e164[3:] not in compose.replace(" ", "")


def test_compose_sends_the_message_and_goes_to_its_conversation(
    tenants, owner, sms_number, enqueued, django_capture_on_commit_callbacks
):
    number = sms_number(tenants.a)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            "/messaging/compose/", {"from_number": number.pk, "to": "+31 6 1234 5678", "body": "Line one\r\nLine two"}
        )
    assert response.status_code == 302
    assert response["Location"] == f"/messaging/threads/{number.pk}/{HANDSET[1:]}/"
    message = Message.objects.get()
    assert message.body == "Line one\nLine two" and message.to_e164 == HANDSET
    assert message.amount == Decimal("0.0080")
    assert [t.args for t in enqueued.named("message_dispatch_task")] == [(message.pk,)]
    assert_balanced(tenants.a.account)


def test_compose_shows_the_services_error_on_the_form_and_writes_nothing(tenants, owner, sms_number, enqueued):
    number = sms_number(tenants.a)
    response = owner.post("/messaging/compose/", {"from_number": number.pk, "to": "+3161234", "body": "Hi"})
    assert response.status_code == 200
    assert "This is not a valid phone number for its country." in response.content.decode()
    too_long = owner.post("/messaging/compose/", {"from_number": number.pk, "to": HANDSET, "body": "a" * 1601})
    assert "At most 1,600 characters; this message has 1,601." in too_long.content.decode()
    assert not Message.objects.exists()


def test_a_reply_and_a_simulated_answer_appear_in_the_conversation(tenants, owner, sms_number, enqueued):
    number = sms_number(tenants.a)
    url = f"/messaging/threads/{number.pk}/{HANDSET[1:]}/"
    reply = owner.post(url, {"action": "reply", "body": "Are you coming?"}, HTTP_HX_REQUEST="true")
    assert reply.status_code == 200 and "Are you coming?" in reply.content.decode()
    answer = owner.post(url, {"action": "simulate", "body": "Yes, at 10"}, HTTP_HX_REQUEST="true")
    assert "Yes, at 10" in answer.content.decode()
    inbound = Message.objects.get(direction=Message.Direction.INBOUND)
    assert inbound.from_e164 == HANDSET and inbound.amount == 0
    # The polling fragment is the list of bubbles only.
    fragment = owner.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="thread-messages").content.decode()
    assert 'id="thread-messages"' in fragment and "Simulate a reply" not in fragment


def test_the_number_page_switches_sms_on_with_its_price_and_off_again(tenants, owner, sms_number, enqueued):
    number = sms_number(tenants.a, sms=False)
    page = owner.get(f"/numbers/mine/{number.pk}/").content.decode()
    assert "EUR 0.75 a month" in page and "data-confirm" in page
    on = owner.post(f"/messaging/numbers/{number.pk}/sms/", {"action": "enable"}, HTTP_HX_REQUEST="true")
    assert on.status_code == 200 and "Two-way SMS is on" in on.content.decode()
    number.refresh_from_db()
    assert number.sms_enabled and "sms" in number.capabilities
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SMS_ADDON, reference_id=number.public_id).count() == 1
    off = owner.post(f"/messaging/numbers/{number.pk}/sms/", {"action": "disable"})
    assert off.status_code == 302
    number.refresh_from_db()
    assert not number.sms_enabled and "sms" not in number.capabilities
    assert_balanced(tenants.a.account)


def test_a_client_admin_cannot_switch_sms_on(tenants, sms_number, enqueued):
    number = sms_number(tenants.a, client=tenants.x, sms=False)
    x_admin = login(tenants.x_admin_email)
    assert "Ask your provider to switch SMS on" in x_admin.get(f"/numbers/mine/{number.pk}/").content.decode()
    x_admin.post(f"/messaging/numbers/{number.pk}/sms/", {"action": "enable"})
    assert not Number.objects.get(pk=number.pk).sms_enabled
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SMS_ADDON).exists()
