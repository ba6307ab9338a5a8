from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import ledger
from billing.models import LedgerEntry
from tests.billing.conftest import charge, top_up
from tests.conftest import assert_error
from tests.messaging.conftest import no_sms_limit, sandbox_now, send, sms_number, sms_stock  # noqa: F401 (fixtures)
from tests.numbers.conftest import NL_MOBILE, stock  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

BALANCE = "/api/v1/wallet/balance"
TRANSACTIONS = "/api/v1/wallet/transactions"


@dataclass
class History:
    opening: LedgerEntry
    x_purchase: LedgerEntry
    y_sms: LedgerEntry
    top_up: LedgerEntry
    b_entry: LedgerEntry


def backdate(entry: LedgerEntry, when: datetime) -> None:
    # Test set-up only: the ledger never updates an entry, but a history spread over days needs one.
    LedgerEntry.objects.filter(pk=entry.pk).update(created_at=when)
    entry.refresh_from_db()


@pytest.fixture
def history(tenants) -> History:
    """A's ledger: opening top-up (10 days ago), X's purchase (5 days ago), Y's SMS (2 days ago), a
    top-up (today). B has its own opening top-up."""
    now = timezone.now()
    opening = LedgerEntry.objects.get(account=tenants.a.account)
    backdate(opening, now - timedelta(days=10))
    x_purchase = charge(
        tenants.a.account, "10", client=tenants.x, reference=ledger.Reference("order", "ord_1"), kind="number_purchase"
    )
    backdate(x_purchase, now - timedelta(days=5))
    y_sms = charge(
        tenants.a.account,
        "0.008",
        client=tenants.y,
        reference=ledger.Reference("message", "msg_9"),
        kind="sms_outbound",
    )
    backdate(y_sms, now - timedelta(days=2))
    credit = top_up(tenants.a.account, "20")
    return History(
        opening=opening,
        x_purchase=x_purchase,
        y_sms=y_sms,
        top_up=credit,
        b_entry=LedgerEntry.objects.get(account=tenants.b.account),
    )


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["uuid"] for row in response.json()["data"]]


def day(entry: LedgerEntry, shift: int = 0) -> str:
    return (timezone.localdate(entry.created_at) + timedelta(days=shift)).isoformat()


# --- balance -------------------------------------------------------------------------------------


def test_balance_is_rounded_to_cents_with_the_exact_figure_beside_it(tenants, api_as):
    charge(tenants.a.account, "0.008", kind="sms_outbound")

    response = api_as(tenants.a.key).get(BALANCE)

    assert response.status_code == 200
    assert response.json() == {"balance": "99.99", "balance_exact": "99.9920", "currency": "EUR"}


def test_balance_half_cent_rounds_up(tenants, api_as):
    charge(tenants.a.account, "0.005")

    assert api_as(tenants.a.key).get(BALANCE).json()["balance"] == "100.00"
    charge(tenants.a.account, "0.0001")
    assert api_as(tenants.a.key).get(BALANCE).json() == {
        "balance": "99.99",
        "balance_exact": "99.9949",
        "currency": "EUR",
    }


def test_each_reseller_sees_its_own_balance(tenants, api_as):
    charge(tenants.b.account, "7.5")

    assert api_as(tenants.a.key).get(BALANCE).json()["balance"] == "100.00"
    assert api_as(tenants.b.read_only_key).get(BALANCE).json()["balance"] == "42.50"


def test_client_scoped_key_may_not_see_the_balance(tenants, api_as):
    assert_error(api_as(tenants.x_key).get(BALANCE), 403, "forbidden")


# --- list ----------------------------------------------------------------------------------------


def test_transactions_are_listed_newest_first_with_money_as_exact_strings(tenants, api_as, history):
    response = api_as(tenants.a.key).get(TRANSACTIONS)

    body = response.json()
    assert ids(response) == [
        history.top_up.public_id,
        history.y_sms.public_id,
        history.x_purchase.public_id,
        history.opening.public_id,
    ]
    assert body["meta"] == {"total": 4, "page": 1, "limit": 25, "pages": 1}
    sms = body["data"][1]
    assert sms == {
        "id": history.y_sms.pk,
        "uuid": history.y_sms.public_id,
        "kind": "sms_outbound",
        "amount": "-0.0080",
        "balance_after": "89.9920",
        "currency": "EUR",
        "reference_type": "message",
        "reference_id": None,  # "msg_9" names no message
        "reference_uuid": "msg_9",
        "client_id": tenants.y.pk,
        "client_name": "Yarrow Logistics",
        "description": "Test charge",
        "created_at": sms["created_at"],
    }
    assert datetime.fromisoformat(sms["created_at"].replace("Z", "+00:00")) == history.y_sms.created_at
    assert body["data"][0]["client_id"] is None
    assert body["data"][0]["client_name"] is None


def test_transactions_filter_by_kind(tenants, api_as, history):
    api = api_as(tenants.a.key)

    assert ids(api.get(f"{TRANSACTIONS}?kind=top_up")) == [history.top_up.public_id, history.opening.public_id]
    assert ids(api.get(f"{TRANSACTIONS}?kind=sms_outbound")) == [history.y_sms.public_id]
    assert ids(api.get(f"{TRANSACTIONS}?kind=porting")) == []


def test_transactions_unknown_kind_is_422(tenants, api_as, history):
    error = assert_error(api_as(tenants.a.key).get(f"{TRANSACTIONS}?kind=bonus"), 422, "validation_error")
    assert "kind" in error["fields"]


@pytest.mark.parametrize("form", ["{pk}", "cli_{pk}"])
def test_transactions_filter_by_client_id_in_either_form(tenants, api_as, history, form):
    api = api_as(tenants.a.key)

    x = form.format(pk=tenants.x.pk)
    y = form.format(pk=tenants.y.pk)
    assert ids(api.get(f"{TRANSACTIONS}?client_id={x}")) == [history.x_purchase.public_id]
    assert ids(api.get(f"{TRANSACTIONS}?client_id={y}")) == [history.y_sms.public_id]


@pytest.mark.parametrize("bad", ["abc", "trk_1", "cli_", "-1"])
def test_transactions_malformed_client_id_is_422(tenants, api_as, history, bad):
    error = assert_error(api_as(tenants.a.key).get(f"{TRANSACTIONS}?client_id={bad}"), 422, "validation_error")
    assert "client_id" in error["fields"]


def test_transactions_filter_by_another_resellers_client_finds_nothing(tenants, api_as, history):
    b_client = tenants.b.account.clients.get()
    charge(tenants.b.account, "1", client=b_client)

    assert ids(api_as(tenants.a.key).get(f"{TRANSACTIONS}?client_id={b_client.pk}")) == []


def test_transactions_filter_by_reference(tenants, api_as, history):
    api = api_as(tenants.a.key)

    assert ids(api.get(f"{TRANSACTIONS}?reference_type=order")) == [history.x_purchase.public_id]
    assert ids(api.get(f"{TRANSACTIONS}?reference_id=msg_9")) == [history.y_sms.public_id]
    assert ids(api.get(f"{TRANSACTIONS}?reference_type=message&reference_id=msg_9")) == [history.y_sms.public_id]
    assert ids(api.get(f"{TRANSACTIONS}?reference_type=order&reference_id=msg_9")) == []


def test_a_transaction_names_what_it_pays_for_by_the_ids_the_rest_of_the_api_gives_it(tenants, stock, api_as):
    api = api_as(tenants.a.key)
    order = api.post("/api/v1/wallet/checkout", {"items": [{"number": NL_MOBILE[0]}]}).json()["data"]
    did_number_id = order["items"][0]["did_number_id"]
    number = api.get(f"/api/v1/numbers/{did_number_id}").json()["data"]
    charges = (
        api.get(f"{TRANSACTIONS}?kind=setup_fee").json()["data"]
        + api.get(f"{TRANSACTIONS}?kind=number_purchase").json()["data"]
    )
    assert len(charges) == 2
    for row in charges:
        assert (row["reference_type"], row["reference_id"]) == ("number", did_number_id)
        assert row["reference_uuid"] == number["id"] and number["did_number_id"] == did_number_id
    # the filter takes either form of the id
    for value in (did_number_id, number["id"]):
        assert len(api.get(f"{TRANSACTIONS}?reference_type=number&reference_id={value}").json()["data"]) == 2
    assert len(api.get(f"{TRANSACTIONS}?reference_id={did_number_id}").json()["data"]) == 2
    opening = api.get(f"{TRANSACTIONS}?kind=top_up").json()["data"][-1]
    assert (opening["reference_type"], opening["reference_id"]) == ("account", tenants.a.account.pk)
    assert opening["reference_uuid"] == tenants.a.account.public_id


def test_an_sms_charge_names_the_message_by_its_id(tenants, api_as, sms_number, sandbox_now, no_sms_limit):
    api = api_as(tenants.a.key)
    message = send(tenants.a.owner_actor, sms_number(tenants.a))
    sent = api.get(f"/api/v1/portal/sms/{message.public_id}").json()["data"]
    [paid] = api.get(f"{TRANSACTIONS}?kind=sms_outbound").json()["data"]
    assert (paid["reference_type"], paid["reference_id"], paid["reference_uuid"]) == (
        "message",
        sent["id"],
        sent["message_id"],
    )
    assert ids(api.get(f"{TRANSACTIONS}?reference_type=message&reference_id={sent['id']}")) == [paid["uuid"]]
    assert api.get(f"{TRANSACTIONS}/{paid['uuid']}").json()["data"]["reference_id"] == sent["id"]


def test_transactions_filter_by_date_range(tenants, api_as, history):
    api = api_as(tenants.a.key)

    assert ids(api.get(f"{TRANSACTIONS}?date_from={day(history.y_sms)}")) == [
        history.top_up.public_id,
        history.y_sms.public_id,
    ]
    assert ids(api.get(f"{TRANSACTIONS}?date_to={day(history.x_purchase)}")) == [
        history.x_purchase.public_id,
        history.opening.public_id,
    ]
    between = f"date_from={day(history.x_purchase)}&date_to={day(history.y_sms)}"
    assert ids(api.get(f"{TRANSACTIONS}?{between}")) == [history.y_sms.public_id, history.x_purchase.public_id]
    same_day = f"date_from={day(history.y_sms)}&date_to={day(history.y_sms)}"
    assert ids(api.get(f"{TRANSACTIONS}?{same_day}")) == [history.y_sms.public_id]


def test_transactions_date_to_before_date_from_is_422_with_fields(tenants, api_as, history):
    query = f"date_from={day(history.top_up)}&date_to={day(history.top_up, -1)}"

    error = assert_error(api_as(tenants.a.key).get(f"{TRANSACTIONS}?{query}"), 422, "validation_error")

    assert set(error["fields"]) == {"date_to"}


def test_transactions_malformed_date_is_422(tenants, api_as, history):
    error = assert_error(api_as(tenants.a.key).get(f"{TRANSACTIONS}?date_from=yesterday"), 422, "validation_error")
    assert "date_from" in error["fields"]


def test_transactions_filter_by_direction(tenants, api_as, history):
    api = api_as(tenants.a.key)

    assert ids(api.get(f"{TRANSACTIONS}?direction=credit")) == [history.top_up.public_id, history.opening.public_id]
    assert ids(api.get(f"{TRANSACTIONS}?direction=debit")) == [history.y_sms.public_id, history.x_purchase.public_id]
    error = assert_error(api.get(f"{TRANSACTIONS}?direction=sideways"), 422, "validation_error")
    assert "direction" in error["fields"]


def test_transactions_filters_combine(tenants, api_as, history):
    query = f"direction=debit&client_id=cli_{tenants.x.pk}&kind=number_purchase&date_from={day(history.x_purchase)}"

    assert ids(api_as(tenants.a.key).get(f"{TRANSACTIONS}?{query}")) == [history.x_purchase.public_id]


def test_transactions_are_paginated_with_total_page_limit_and_pages(tenants, api_as):
    for i in range(6):
        charge(tenants.a.account, "1", reference=ledger.Reference("order", i))
    api = api_as(tenants.a.key)
    everything = ids(api.get(f"{TRANSACTIONS}?limit=100"))
    assert len(everything) == 7

    first = api.get(f"{TRANSACTIONS}?limit=3")
    third = api.get(f"{TRANSACTIONS}?limit=3&page=3")
    beyond = api.get(f"{TRANSACTIONS}?limit=3&page=4")

    assert first.json()["meta"] == {"total": 7, "page": 1, "limit": 3, "pages": 3}
    assert ids(first) == everything[:3]
    assert third.json()["meta"] == {"total": 7, "page": 3, "limit": 3, "pages": 3}
    assert ids(third) == everything[6:]
    assert ids(beyond) == []
    assert beyond.json()["meta"]["total"] == 7


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=101", "limit"), ("limit=0", "limit"), ("page=0", "page"), ("page=abc", "page"), ("limit=x", "limit")],
)
def test_transactions_bad_pagination_is_422(tenants, api_as, query, field):
    error = assert_error(api_as(tenants.a.key).get(f"{TRANSACTIONS}?{query}"), 422, "validation_error")
    assert field in error["fields"]


def test_transactions_limit_of_100_is_allowed(tenants, api_as):
    assert api_as(tenants.a.key).get(f"{TRANSACTIONS}?limit=100").json()["meta"]["limit"] == 100


def test_client_scoped_key_sees_only_its_clients_entries_without_balance_after(tenants, api_as, history):
    api = api_as(tenants.x_key)

    response = api.get(TRANSACTIONS)

    assert ids(response) == [history.x_purchase.public_id]
    (row,) = response.json()["data"]
    assert row["balance_after"] is None
    assert row["amount"] == "-10.0000"
    # Asking for another client's entries does not widen the scope.
    assert ids(api.get(f"{TRANSACTIONS}?client_id={tenants.y.pk}")) == []


def test_full_keys_see_balance_after(tenants, api_as, history):
    for key in (tenants.a.key, tenants.a.read_only_key):
        rows = api_as(key).get(f"{TRANSACTIONS}?kind=top_up").json()["data"]
        assert [row["balance_after"] for row in rows] == ["109.9920", "100.0000"]


def test_resellers_never_see_each_others_entries(tenants, api_as, history):
    assert ids(api_as(tenants.b.key).get(TRANSACTIONS)) == [history.b_entry.public_id]
    assert history.b_entry.public_id not in ids(api_as(tenants.a.key).get(f"{TRANSACTIONS}?limit=100"))


def test_transaction_list_query_count_does_not_grow_with_rows(
    tenants, api_as, django_assert_max_num_queries, django_assert_num_queries
):
    api = api_as(tenants.a.key)
    api.get(BALANCE)  # first use of the key settles its one-off writes (last_used_at)

    def add_entries(count: int) -> None:
        for i in range(count):
            client = tenants.x if i % 2 else tenants.y
            charge(tenants.a.account, "0.01", client=client, reference=ledger.Reference("message", i))

    add_entries(4)
    with django_assert_max_num_queries(10) as small:
        response = api.get(f"{TRANSACTIONS}?limit=100")
    assert len(response.json()["data"]) == 5

    add_entries(75)
    with django_assert_num_queries(len(small.captured_queries)):
        response = api.get(f"{TRANSACTIONS}?limit=100")
    assert len(response.json()["data"]) == 80
    assert {row["client_name"] for row in response.json()["data"]} == {"Xylo Dental", "Yarrow Logistics", None}


# --- detail --------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["txn_{pk}", "{pk}"])
def test_transaction_detail_accepts_either_id_form(tenants, api_as, history, form):
    response = api_as(tenants.a.key).get(f"{TRANSACTIONS}/{form.format(pk=history.x_purchase.pk)}")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["uuid"] == history.x_purchase.public_id
    assert data["amount"] == "-10.0000"
    assert data["balance_after"] == "90.0000"
    assert data["client_name"] == "Xylo Dental"


def test_transaction_detail_of_another_resellers_entry_is_404(tenants, api_as, history):
    assert_error(api_as(tenants.a.key).get(f"{TRANSACTIONS}/{history.b_entry.public_id}"), 404, "not_found")
    assert_error(api_as(tenants.a.key).get(f"{TRANSACTIONS}/{history.b_entry.pk}"), 404, "not_found")
    assert api_as(tenants.b.key).get(f"{TRANSACTIONS}/{history.b_entry.public_id}").status_code == 200


@pytest.mark.parametrize("bad", ["txn_abc", "ord_1", "abc", "99999999999999999999"])
def test_transaction_detail_with_a_malformed_id_is_404(tenants, api_as, history, bad):
    assert_error(api_as(tenants.a.key).get(f"{TRANSACTIONS}/{bad}"), 404, "not_found")


def test_client_scoped_key_gets_404_for_another_clients_entry(tenants, api_as, history):
    api = api_as(tenants.x_key)

    assert_error(api.get(f"{TRANSACTIONS}/{history.y_sms.public_id}"), 404, "not_found")
    assert_error(api.get(f"{TRANSACTIONS}/{history.top_up.public_id}"), 404, "not_found")
    own = api.get(f"{TRANSACTIONS}/{history.x_purchase.public_id}")
    assert own.status_code == 200
    assert own.json()["data"]["balance_after"] is None


def test_balances_in_the_list_add_up_to_the_wallet(tenants, api_as, history):
    rows = api_as(tenants.a.key).get(f"{TRANSACTIONS}?limit=100").json()["data"]
    balance = api_as(tenants.a.key).get(BALANCE).json()

    assert sum(Decimal(row["amount"]) for row in rows) == Decimal(balance["balance_exact"])
    assert rows[0]["balance_after"] == balance["balance_exact"]
