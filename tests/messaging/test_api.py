"""The SMS API: switching SMS on numbers, the two sending doors, reading messages, and the sandbox
carrier's callback intake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditLog
from billing.models import LedgerEntry
from messaging import services
from messaging.models import CarrierEvent, Message
from numbers_app import services as number_services
from numbers_app.models import Number, OrderItem
from portal.models import Event
from tests.conftest import assert_error
from tests.messaging.conftest import (
    ADDON,
    HANDSET,
    HANDSET_2,
    assert_balanced,
    leave_in_wallet,
    next_in_stock,
    send,
    sms_charges,
)
from tests.numbers.conftest import login

pytestmark = pytest.mark.django_db

SEND = "/api/v1/messages/send"
PORTAL_SEND = "/api/v1/portal/sms/send"
LIST = "/api/v1/portal/sms"
CALLBACK = "/api/v1/carriers/sandbox/sms"


def number_url(number) -> str:
    return f"/api/v1/numbers/{number.public_id}"


def put(api, path, body):
    return api.request("PUT", path, body)


def addon_entries(number) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(kind="sms_addon", reference_id=number.public_id))


def fields_of(response, status=422, code="validation_error") -> set[str]:
    return set(assert_error(response, status, code).get("fields", {}))


# --- Switching SMS on and off ----------------------------------------------------------------------


def test_put_capabilities_with_sms_enables_it_and_charges_the_rest_of_the_period(tenants, api_as, sms_number):
    # Bought on 31 January: paid through 28 February, a period of 28 days with 23 left on 5 February.
    with time_machine.travel(datetime(2027, 1, 31, 12, tzinfo=UTC), tick=False) as clock:
        number = sms_number(tenants.a, sms=False)
        clock.shift(timedelta(days=5))
        response = put(api_as(tenants.a.key), number_url(number), {"capabilities": ["voice", "sms"]})
    due = Decimal("0.62")  # 0.75 × 23/28

    assert response.status_code == 200, response.content
    assert response.json()["data"]["capabilities"] == ["voice", "sms"]
    number.refresh_from_db()
    assert number.sms_enabled and number.sms_monthly_price == ADDON
    assert [e.amount for e in addon_entries(number)] == [-due]
    assert assert_balanced(tenants.a.account) == Decimal("98.00") - due
    audit = AuditLog.objects.filter(subject_id=number.public_id, action="number.updated").latest("id")
    assert audit.after["sms_enabled"] is True and audit.api_key is not None


@pytest.mark.parametrize("state", ["provisioning", "pending_regulatory"])
def test_put_sms_on_a_number_not_active_yet_is_422_number_not_active(tenants, api_as, sms_number, sms_stock, state):
    group = sms_stock.regulated if state == "pending_regulatory" else sms_stock.mobile
    number = sms_number(tenants.a, group=group, sms=False, provision=state == "pending_regulatory")
    error = assert_error(
        put(api_as(tenants.a.key), number_url(number), {"capabilities": ["voice", "sms"]}), 422, "number_not_active"
    )
    assert error["message"] == "Number must be active to enable SMS"
    assert not Number.objects.get(pk=number.pk).sms_enabled and addon_entries(number) == []


def test_put_sms_on_a_number_type_without_sms_is_422_sms_not_available(tenants, api_as, sms_number, sms_stock):
    number = sms_number(tenants.a, group=sms_stock.landline, sms=False)
    error = assert_error(
        put(api_as(tenants.a.key), number_url(number), {"capabilities": ["voice", "sms"]}), 422, "sms_not_available"
    )
    assert error["message"] == "SMS not available for this number type"
    assert not Number.objects.get(pk=number.pk).sms_enabled


def test_put_sms_without_the_money_for_the_add_on_is_422_and_writes_nothing(tenants, api_as, sms_number):
    number = sms_number(tenants.a, sms=False)
    leave_in_wallet(tenants.a.account, "0.10")
    audits = AuditLog.objects.count()
    response = put(api_as(tenants.a.key), number_url(number), {"capabilities": ["voice", "sms"], "label": "Sales"})
    assert_error(response, 422, "insufficient_balance")
    number.refresh_from_db()
    assert not number.sms_enabled and number.label == "" and addon_entries(number) == []
    assert assert_balanced(tenants.a.account) == Decimal("0.10")
    assert AuditLog.objects.count() == audits


def test_disabling_and_enabling_again_over_the_api_charges_nothing_more(tenants, api_as, sms_number):
    number = sms_number(tenants.a)
    api = api_as(tenants.a.key)
    assert put(api, number_url(number), {"capabilities": ["voice"]}).json()["data"]["capabilities"] == ["voice"]
    assert not Number.objects.get(pk=number.pk).sms_enabled
    assert put(api, number_url(number), {"capabilities": ["voice", "sms"]}).status_code == 200
    assert Number.objects.get(pk=number.pk).sms_enabled
    assert [e.amount for e in addon_entries(number)] == [-ADDON]


def test_a_client_key_or_a_client_admin_cannot_switch_sms(tenants, api_as, sms_number):
    off = sms_number(tenants.a, client=tenants.x, sms=False)
    on = sms_number(tenants.a, client=tenants.x)
    x_admin = login(tenants.x_admin_email)
    for number, wanted in ((off, ["voice", "sms"]), (on, ["voice"])):
        by_key = put(api_as(tenants.x_key), number_url(number), {"capabilities": wanted})
        by_admin = x_admin.put(
            f"/api/v1/numbers/{number.pk}", data={"capabilities": wanted}, content_type="application/json"
        )
        for response in (by_key, by_admin):
            assert "Only the reseller" in assert_error(response, 403, "forbidden")["message"]
    assert not Number.objects.get(pk=off.pk).sms_enabled and Number.objects.get(pk=on.pk).sms_enabled
    assert addon_entries(off) == []
    # Other settings of their own number stay theirs.
    assert put(api_as(tenants.x_key), number_url(on), {"label": "Front desk"}).status_code == 200


def test_the_sms_numbers_list_shows_only_numbers_with_sms_on(tenants, api_as, sms_number):
    mine = sms_number(tenants.a)
    for_x = sms_number(tenants.a, client=tenants.x)
    sms_number(tenants.a, client=tenants.x, sms=False)
    sms_number(tenants.a, client=tenants.y)
    sms_number(tenants.b)

    listed = api_as(tenants.a.key).get("/api/v1/portal/sms/numbers").json()
    assert listed["meta"]["total"] == 3
    assert mine.e164 in {n["number"] for n in listed["data"]}
    row = next(n for n in listed["data"] if n["id"] == for_x.pk)
    assert row["number_id"] == for_x.public_id and row["sms_monthly_price"] == "0.7500"
    assert row["client_id"] == tenants.x.pk

    for_client = api_as(tenants.x_key).get("/api/v1/portal/sms/numbers").json()
    assert [n["id"] for n in for_client["data"]] == [for_x.pk]


def test_buying_with_sms_over_the_api_charges_the_add_on_in_the_same_order(tenants, api_as, sms_stock):
    e164 = next_in_stock(sms_stock.mobile)
    response = api_as(tenants.a.key).post(
        "/api/v1/numbers/purchase", {"phone_number": e164, "capabilities": ["voice", "sms"]}
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["capabilities"] == ["voice", "sms"]
    number = Number.objects.get(e164=e164)
    assert number.sms_enabled and number.order_id == data["order_id"]
    item = OrderItem.objects.get(number=number)
    assert (item.first_period, item.sms_addon) == (Decimal("2.00"), ADDON)
    kinds = sorted(LedgerEntry.objects.filter(reference_id=number.public_id).values_list("kind", "amount"), key=str)
    assert kinds == [("number_purchase", Decimal("-2.0000")), ("sms_addon", -ADDON)]
    assert all(number.order.public_id in e.description for e in LedgerEntry.objects.filter(kind="number_purchase"))
    assert number.order.total == Decimal("2.75")
    assert assert_balanced(tenants.a.account) == Decimal("97.25")


# --- Sending -------------------------------------------------------------------------------------


def test_messages_send_answers_with_the_queued_message(tenants, api_as, sms_number):
    number = sms_number(tenants.a)
    response = api_as(tenants.a.key).post(SEND, {"from": number.e164, "to": HANDSET, "body": "a" * 161})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"data", "meta"}
    data = body["data"]
    message = Message.objects.get()
    assert data["id"] == message.pk and data["message_id"] == message.public_id
    assert list(data)[:3] == ["id", "message_id", "direction"] and list(data)[3] == "from"
    assert {k: data[k] for k in ("direction", "from", "to", "status", "segments", "carrier", "price")} == {
        "direction": "outbound",
        "from": number.e164,
        "to": HANDSET,
        "status": "queued",
        "segments": 2,
        "carrier": "sandbox",
        "price": "0.0160",
    }
    assert data["body"] == "a" * 161 and data["created_at"] and data["number_id"] == number.pk
    assert [c.amount for c in sms_charges(tenants.a.account)] == [Decimal("-0.0160")]


@pytest.mark.parametrize("reference", ["pk", "public_id", "e164"])
def test_portal_sms_send_takes_the_number_by_any_id_and_answers_success(tenants, api_as, sms_number, reference):
    number = sms_number(tenants.a)
    response = api_as(tenants.a.key).post(
        PORTAL_SEND, {"from_number_id": str(getattr(number, reference)), "to": HANDSET, "body": "Привет"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True and set(body) == {"success", "message"}
    message = body["message"]
    for key in ("id", "direction", "from", "to", "body", "status", "segments", "carrier", "created_at"):
        assert key in message
    assert (message["from"], message["status"], message["encoding"]) == (number.e164, "queued", "UCS-2")
    assert message["price"] == "0.0080"


def test_sending_without_the_money_is_422_and_writes_nothing(tenants, api_as, sms_number):
    number = sms_number(tenants.a)
    leave_in_wallet(tenants.a.account, "0.0050")
    error = assert_error(
        api_as(tenants.a.key).post(SEND, {"from": number.e164, "to": HANDSET, "body": "Hi"}),
        422,
        "insufficient_balance",
    )
    assert error["required"] == "0.0080"
    assert Message.objects.count() == 0 and sms_charges(tenants.a.account) == []
    assert not Event.objects.filter(type="message.status").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"to": "+3161234", "body": "Hi"}, "to"),
        ({"to": "not a number", "body": "Hi"}, "to"),
        ({"to": HANDSET, "body": "x" * 1601}, "body"),
        ({"to": HANDSET, "body": ""}, "body"),
        ({"to": HANDSET, "body": "   "}, "body"),
        ({"to": HANDSET}, "body"),
    ],
)
def test_an_invalid_message_is_422_naming_the_field(tenants, api_as, sms_number, payload, field):
    number = sms_number(tenants.a)
    for path, sender in ((SEND, "from"), (PORTAL_SEND, "from_number_id")):
        response = api_as(tenants.a.key).post(path, {sender: number.e164, **payload})
        assert fields_of(response) == {field}
    assert Message.objects.count() == 0 and sms_charges(tenants.a.account) == []


def test_sending_from_someone_elses_number_is_422_on_the_from_field(tenants, api_as, sms_number):
    theirs = sms_number(tenants.b)
    api = api_as(tenants.a.key)
    assert fields_of(api.post(SEND, {"from": theirs.e164, "to": HANDSET, "body": "Hi"})) == {"from"}
    assert fields_of(api.post(PORTAL_SEND, {"from_number_id": theirs.pk, "to": HANDSET, "body": "Hi"})) == {
        "from_number_id"
    }
    assert Message.objects.count() == 0
    assert sms_charges(tenants.a.account) == [] and sms_charges(tenants.b.account) == []


def test_sending_from_a_number_without_sms_is_422_sms_not_enabled(tenants, api_as, sms_number):
    number = sms_number(tenants.a, sms=False)
    error = assert_error(
        api_as(tenants.a.key).post(SEND, {"from": number.e164, "to": HANDSET, "body": "Hi"}), 422, "sms_not_enabled"
    )
    assert number.e164 in error["message"] and "0.75" in error["message"]
    assert Message.objects.count() == 0


def test_a_read_only_key_cannot_send(tenants, api_as, sms_number):
    number = sms_number(tenants.a)
    api = api_as(tenants.a.read_only_key)
    assert_error(api.post(SEND, {"from": number.e164, "to": HANDSET, "body": "Hi"}), 403, "forbidden")
    assert_error(api.post(PORTAL_SEND, {"from_number_id": number.pk, "to": HANDSET, "body": "Hi"}), 403, "forbidden")
    assert Message.objects.count() == 0


def test_an_idempotency_key_replay_returns_the_same_message_charged_once(tenants, api_as, sms_number):
    number = sms_number(tenants.a)
    api = api_as(tenants.a.key)
    payload = {"from": number.e164, "to": HANDSET, "body": "Once"}
    first = api.post(SEND, payload, headers={"Idempotency-Key": "sms-1"})
    again = api.post(SEND, payload, headers={"Idempotency-Key": "sms-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["data"] == first.json()["data"]
    assert Message.objects.count() == 1 and len(sms_charges(tenants.a.account)) == 1
    reused = api.post(SEND, {**payload, "body": "Twice"}, headers={"Idempotency-Key": "sms-1"})
    assert_error(reused, 422, "idempotency_key_reused")
    assert Message.objects.count() == 1


def test_messages_are_attributed_to_the_numbers_client(tenants, api_as, sms_number):
    for_x = sms_number(tenants.a, client=tenants.x)
    unassigned = sms_number(tenants.a)
    b_client = tenants.b.account.clients.get()
    api = api_as(tenants.a.key)

    by_number = api.post(SEND, {"from": for_x.e164, "to": HANDSET, "body": "a"}).json()["data"]
    assert by_number["client_id"] == tenants.x.pk
    named = api.post(SEND, {"from": unassigned.e164, "to": HANDSET, "body": "b", "client_id": f"cli_{tenants.y.pk}"})
    assert named.json()["data"]["client_id"] == tenants.y.pk
    assert fields_of(api.post(SEND, {"from": for_x.e164, "to": HANDSET, "body": "c", "client_id": tenants.y.pk})) == {
        "client_id"
    }
    assert_error(
        api.post(SEND, {"from": unassigned.e164, "to": HANDSET, "body": "d", "client_id": b_client.pk}),
        404,
        "not_found",
    )
    by_client_key = api_as(tenants.x_key).post(SEND, {"from": for_x.e164, "to": HANDSET, "body": "e"})
    assert by_client_key.json()["data"]["client_id"] == tenants.x.pk
    assert fields_of(api_as(tenants.x_key).post(SEND, {"from": unassigned.e164, "to": HANDSET, "body": "f"})) == {
        "from"
    }
    assert list(Message.objects.order_by("id").values_list("body", "client_id")) == [
        ("a", tenants.x.pk),
        ("b", tenants.y.pk),
        ("e", tenants.x.pk),
    ]
    assert [c.client_id for c in sms_charges(tenants.a.account)] == [tenants.x.pk, tenants.y.pk, tenants.x.pk]


def test_line_breaks_posted_as_crlf_are_stored_and_counted_as_lf(tenants, api_as, sms_number):
    number = sms_number(tenants.a)
    body = "\r\n".join(["w" * 39] * 4) + "\r\n"  # 164 characters posted, 160 sent
    data = api_as(tenants.a.key).post(SEND, {"from": number.e164, "to": HANDSET, "body": body}).json()["data"]
    assert data["body"] == body.replace("\r\n", "\n") and data["segments"] == 1 and data["price"] == "0.0080"


def test_sending_does_not_count_against_the_keys_requests_a_minute(tenants, api_as, sms_number):
    number = sms_number(tenants.a)
    tenants.a.account.api_rate_limit = 2
    tenants.a.account.save(update_fields=["api_rate_limit"])
    api = api_as(tenants.a.key)
    sends = [api.post(SEND, {"from": number.e164, "to": HANDSET, "body": str(i)}) for i in range(5)]
    assert [r.status_code for r in sends] == [201] * 5
    assert "X-RateLimit-Limit" not in sends[0]
    # Both requests of the minute are still there for everything else, and then the limit holds.
    assert [api.get(LIST).status_code for _ in range(2)] == [200, 200]
    assert_error(api.get(LIST), 429, "rate_limited")
    assert Message.objects.count() == 5


def test_the_segment_counter_prices_a_text_and_writes_nothing(tenants, sms_stock, api_as):
    response = api_as(tenants.a.key).post("/api/v1/portal/sms/segments", {"body": "a" * 161, "to": HANDSET})
    data = response.json()["data"]
    assert (data["encoding"], data["segments"], data["price"], data["max_characters"]) == ("GSM-7", 2, "0.0160", 1600)
    assert Message.objects.count() == 0 and LedgerEntry.objects.filter(kind="sms_outbound").count() == 0


# --- Reading -------------------------------------------------------------------------------------


def test_one_message_by_integer_or_msg_id_and_someone_elses_is_404(tenants, api_as, sms_number):
    mine = send(tenants.a.owner_actor, sms_number(tenants.a))
    theirs = send(tenants.b.owner_actor, sms_number(tenants.b))
    api = api_as(tenants.a.key)
    for reference in (mine.pk, mine.public_id):
        data = api.get(f"{LIST}/{reference}").json()["data"]
        assert data["message_id"] == mine.public_id and data["status"] == "queued"
    for reference in (theirs.pk, theirs.public_id, "msg_nothex", "99999999"):
        assert_error(api.get(f"{LIST}/{reference}"), 404, "not_found")


def test_a_client_key_sees_only_its_clients_messages(tenants, api_as, sms_number):
    actor = tenants.a.owner_actor
    x_message = send(actor, sms_number(tenants.a, client=tenants.x))
    y_message = send(actor, sms_number(tenants.a, client=tenants.y))
    unassigned = send(actor, sms_number(tenants.a))
    api = api_as(tenants.x_key)
    assert [m["id"] for m in api.get(LIST).json()["data"]] == [x_message.pk]
    assert api.get(f"{LIST}/{x_message.public_id}").status_code == 200
    for other in (y_message, unassigned):
        assert_error(api.get(f"{LIST}/{other.pk}"), 404, "not_found")
    assert api.get("/api/v1/portal/sms/stats").json()["data"]["today"] == {"outbound": 1, "inbound": 0}
    assert [t["contact"] for t in api.get("/api/v1/portal/sms/threads").json()["data"]] == [HANDSET]
    assert api_as(tenants.a.key).get(LIST).json()["meta"]["total"] == 3


def test_the_list_filters_and_pages(tenants, api_as, sms_number, no_sms_limit):
    actor = tenants.a.owner_actor
    first, second = sms_number(tenants.a), sms_number(tenants.a)
    old = send(actor, first, to=HANDSET_2, body="invoice reminder")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    for i in range(4):
        send(actor, first, body=f"note {i}")
    send(actor, second, body="from the second")
    services.sms_receive(carrier="sandbox", provider_id="in_1", from_e164=HANDSET, to_e164=first.e164, body="reply")
    api = api_as(tenants.a.key)

    def ids(query: str) -> int:
        response = api.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return response.json()["meta"]["total"]

    assert ids("") == 7
    assert ids(f"number={first.public_id}") == ids(f"number_id={first.pk}") == 6
    assert ids(f"number=%2B{first.e164[1:]}") == 6
    assert ids("direction=inbound") == 1 and ids("direction=outbound") == 6
    assert ids("status=received") == 1 and ids("status=queued") == 6
    day = timezone.localdate()
    assert ids(f"date_from={day.isoformat()}") == 6
    assert ids(f"date_to={(day - timedelta(days=1)).isoformat()}") == 1
    assert ids("q=INVOICE") == 1 and ids("q=612999") == 1
    assert ids(f"contact=%2B{HANDSET[1:]}") == 6
    page = api.get(f"{LIST}?limit=3&page=3").json()
    assert page["meta"] == {"total": 7, "page": 3, "limit": 3, "pages": 3}
    assert [m["body"] for m in page["data"]] == ["invoice reminder"]
    assert fields_of(api.get(f"{LIST}?date_from={day}&date_to={day - timedelta(days=1)}"))
    assert fields_of(api.get(f"{LIST}?contact=12")) == {"contact"}
    assert_error(api.get(f"{LIST}?number={sms_number(tenants.b).pk}"), 404, "not_found")


def test_the_list_reads_a_fixed_number_of_queries_however_many_messages(
    tenants, api_as, sms_number, no_sms_limit, django_assert_max_num_queries
):
    actor = tenants.a.owner_actor
    numbers = [sms_number(tenants.a, client=client) for client in (tenants.x, tenants.y, None)]
    api = api_as(tenants.a.key)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"{LIST}?limit=100").status_code == 200
        return len(queries)

    send(actor, numbers[0])
    few = count_queries()
    for i in range(30):
        send(actor, numbers[i % 3], body=f"m{i}")
    with django_assert_max_num_queries(few):
        assert len(api.get(f"{LIST}?limit=100").json()["data"]) == 31


def test_stats_count_today_the_month_and_the_delivery_rate(tenants, api_as, sms_number, no_sms_limit):
    actor = tenants.a.owner_actor
    number = sms_number(tenants.a)
    delivered = [send(actor, number) for _ in range(3)]
    failed = send(actor, number)
    send(actor, number)  # still queued
    Message.objects.filter(pk__in=[m.pk for m in delivered]).update(status="delivered")
    Message.objects.filter(pk=failed.pk).update(status="failed")
    services.sms_receive(carrier="sandbox", provider_id="in_1", from_e164=HANDSET, to_e164=number.e164, body="hey")
    send(tenants.b.owner_actor, sms_number(tenants.b))

    data = api_as(tenants.a.key).get("/api/v1/portal/sms/stats").json()["data"]
    assert data["today"] == {"outbound": 5, "inbound": 1}
    assert data["month"] == {"outbound": 5, "inbound": 1, "segments": 5}
    assert (data["delivered_30d"], data["failed_30d"], data["pending_30d"]) == (3, 1, 1)
    assert data["delivery_rate_30d"] == "75.0"
    assert len(data["days"]) == 30 and data["days"][-1]["day"] == timezone.localdate().isoformat()
    assert data["days"][-1]["delivery_rate"] == "75.0"


def test_threads_group_messages_by_number_and_contact(tenants, api_as, sms_number):
    actor = tenants.a.owner_actor
    first, second = sms_number(tenants.a), sms_number(tenants.a)
    send(actor, first, to=HANDSET, body="one")
    send(actor, first, to=HANDSET_2, body="two")
    send(actor, second, to=HANDSET, body="three")
    services.sms_receive(carrier="sandbox", provider_id="in_1", from_e164=HANDSET, to_e164=first.e164, body="four")
    api = api_as(tenants.a.key)
    threads = api.get("/api/v1/portal/sms/threads").json()
    assert threads["meta"]["total"] == 3
    latest = threads["data"][0]
    assert (latest["number_id"], latest["number"], latest["contact"]) == (first.pk, first.e164, HANDSET)
    assert (latest["messages"], latest["last_body"], latest["last_direction"]) == (2, "four", "inbound")
    only_first = api.get(f"/api/v1/portal/sms/threads?number={first.public_id}").json()["data"]
    assert {t["contact"] for t in only_first} == {HANDSET, HANDSET_2}
    assert_error(api.get(f"/api/v1/portal/sms/threads?number={sms_number(tenants.b).pk}"), 404, "not_found")


# --- Inbound: the sandbox callback and the simulator --------------------------------------------------


def callback(api_as, body, secret: str | None = None):
    headers = {"X-Sandbox-Secret": settings.SANDBOX_CALLBACK_SECRET if secret is None else secret}
    return api_as(None).post(CALLBACK, body, headers=headers)


def test_an_inbound_callback_is_stored_processed_once_and_free(
    tenants, api_as, sms_number, enqueued, django_capture_on_commit_callbacks
):
    number = sms_number(tenants.a, client=tenants.x)
    payload = {"id": "prov-1", "from": HANDSET, "to": number.e164, "body": "Are you open?"}
    entries = LedgerEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = callback(api_as, payload)
    assert response.status_code == 200 and response.json() == {"received": True, "duplicate": False}
    (task,) = enqueued.named("carrier_event_process_task")
    assert services.carrier_event_process(event_id=task.args[0]).endswith(" received")

    message = Message.objects.get()
    assert (message.direction, message.status, message.carrier_ref) == ("inbound", "received", "prov-1")
    assert (message.from_e164, message.to_e164, message.body, message.client) == (
        HANDSET,
        number.e164,
        "Are you open?",
        tenants.x,
    )
    assert LedgerEntry.objects.count() == entries
    event = Event.objects.get(type="message.received")
    assert (event.data["from"], event.data["to"], event.data["body"], event.data["segments"]) == (
        HANDSET,
        number.e164,
        "Are you open?",
        1,
    )

    with django_capture_on_commit_callbacks(execute=True):
        repeated = callback(api_as, payload)
    assert repeated.json() == {"received": True, "duplicate": True}
    assert len(enqueued.named("carrier_event_process_task")) == 1
    assert services.carrier_event_process(event_id=task.args[0]) == "already processed"
    assert CarrierEvent.objects.count() == 1 and Message.objects.count() == 1


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
def test_a_callback_without_the_shared_secret_is_401_and_stores_nothing(tenants, api_as, sms_number, secret):
    number = sms_number(tenants.a)
    response = callback(api_as, {"id": "prov-2", "from": HANDSET, "to": number.e164, "body": "Hi"}, secret=secret)
    assert_error(response, 401, "unauthorized")
    assert CarrierEvent.objects.count() == 0 and Message.objects.count() == 0


def test_a_callback_for_a_number_without_sms_or_not_ours_is_kept_but_makes_no_message(
    tenants, api_as, sms_number, enqueued, django_capture_on_commit_callbacks
):
    no_sms = sms_number(tenants.a, sms=False)
    with django_capture_on_commit_callbacks(execute=True):
        for provider_id, to in (("prov-3", no_sms.e164), ("prov-4", HANDSET_2)):
            assert callback(api_as, {"id": provider_id, "from": HANDSET, "to": to, "body": "Hi"}).status_code == 200
    for task in enqueued.named("carrier_event_process_task"):
        assert services.carrier_event_process(event_id=task.args[0]) == "dropped: no SMS-enabled number"
    assert CarrierEvent.objects.filter(processed_at__isnull=False).count() == 2
    assert Message.objects.count() == 0


def test_a_delivery_report_callback_marks_the_message_delivered(
    tenants, api_as, sms_number, enqueued, django_capture_on_commit_callbacks
):
    message = send(tenants.a.owner_actor, sms_number(tenants.a))
    sent = services.message_dispatch(message_id=message.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = callback(
            api_as, {"id": "dlr-1", "kind": "status", "carrier_ref": sent.carrier_ref, "delivered": True}
        )
    assert response.status_code == 200
    (task,) = enqueued.named("carrier_event_process_task")
    services.carrier_event_process(event_id=task.args[0])
    assert Message.objects.get(pk=message.pk).status == "delivered"
    incomplete = callback(api_as, {"id": "dlr-2", "kind": "status"})
    assert fields_of(incomplete) == {"carrier_ref", "delivered"}


def test_simulate_inbound_works_for_your_sandbox_number_and_404s_for_others(tenants, api_as, sms_number):
    mine = sms_number(tenants.a, client=tenants.x)
    theirs = sms_number(tenants.b)
    api = api_as(tenants.a.key)
    path = "/api/v1/portal/sms/simulate-inbound"
    response = api.post(path, {"to_number_id": mine.public_id, "from": HANDSET, "body": "Ping"})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["direction"], data["status"], data["from"], data["to"]) == ("inbound", "received", HANDSET, mine.e164)
    assert data["price"] == "0.0000" and data["client_id"] == tenants.x.pk
    assert_error(api.post(path, {"to_number_id": theirs.pk, "from": HANDSET, "body": "Ping"}), 404, "not_found")
    assert_error(
        api_as(tenants.x_key).post(path, {"to_number_id": sms_number(tenants.a).pk, "from": HANDSET, "body": "P"}),
        404,
        "not_found",
    )
    switched_off = number_services.number_configure(actor=tenants.a.owner_actor, number=mine, status="inactive")
    response = api.post(path, {"to_number_id": switched_off.pk, "from": HANDSET, "body": "Ping"})
    assert_error(response, 422, "number_not_active")
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_after_commit_still_answers_201_and_the_sweeper_sends_it_later(
    tenants, api_as, sms_number, monkeypatch
):
    from kombu.exceptions import OperationalError

    from messaging import tasks
    from portal.ratelimit import redis_client

    number = sms_number(tenants.a)

    def broker_down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.message_dispatch_task, "delay", broker_down)
    redis_client().delete(services.DISPATCH_NUDGE_KEY)
    response = api_as(tenants.a.key).post(SEND, {"from": number.e164, "to": HANDSET, "body": "Once"})

    assert response.status_code == 201
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert message.status == Message.Status.QUEUED
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SMS_OUTBOUND).count() == 1
