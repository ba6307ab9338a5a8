import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import ledger
from billing.models import LedgerEntry
from tests.billing.conftest import charge, top_up

pytestmark = pytest.mark.django_db

WALLET = reverse("wallet")
EXPORT = reverse("wallet_export")


def login(client, email: str):
    client.force_login(User.objects.get(email=email))
    return client


@pytest.fixture
def owner(client, tenants):
    return login(client, "owner@alpha.test")


@pytest.fixture
def x_admin(client, tenants):
    return login(client, tenants.x_admin_email)


@pytest.fixture
def entries(tenants):
    """A's ledger: opening top-up, X's purchase, Y's SMS (3 days ago), a top-up."""
    x_purchase = charge(tenants.a.account, "10", client=tenants.x, reference=ledger.Reference("order", "ord_5"))
    y_sms = charge(tenants.a.account, "0.008", client=tenants.y, kind=LedgerEntry.Kind.SMS_OUTBOUND)
    LedgerEntry.objects.filter(pk=y_sms.pk).update(created_at=timezone.now() - timedelta(days=3))
    top_up(tenants.a.account, "5")
    return {"x_purchase": x_purchase, "y_sms": y_sms}


def shown(response) -> list[int]:
    return [entry.pk for entry in response.context["entries"]]


def export_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_wallet_page_shows_balance_and_every_entry_to_the_owner(owner, tenants, entries):
    response = owner.get(WALLET)

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    assert response.context["wallet"].account == tenants.a.account
    assert len(shown(response)) == 4
    content = response.content.decode()
    assert "<html" in content
    assert "94.99 EUR" in content
    assert "Balance after" in content
    assert "-10.0000" in content


def test_wallet_page_answers_htmx_with_the_table_partial(owner, tenants, entries):
    response = owner.get(WALLET, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    content = response.content.decode()
    assert "<html" not in content
    assert "<table>" in content
    assert [t.name for t in response.templates][0] == "billing/_transaction_table.html"


def test_wallet_page_restored_from_htmx_history_is_the_whole_page(owner, tenants, entries):
    # htmx re-fetches a page it no longer has cached with HX-Request too: it needs the full page.
    response = owner.get(WALLET, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=sms_outbound", ["y_sms"]),
        ("client={x}", ["x_purchase"]),
        ("client={y}&kind=number_purchase", []),
    ],
)
def test_wallet_page_filters_by_kind_and_client(owner, tenants, entries, query, expected):
    query = query.format(x=tenants.x.pk, y=tenants.y.pk)

    response = owner.get(f"{WALLET}?{query}")

    assert shown(response) == [entries[name].pk for name in expected]


def test_wallet_page_filters_by_date(owner, tenants, entries):
    today = timezone.localdate()

    recent = owner.get(f"{WALLET}?date_from={today.isoformat()}")
    older = owner.get(f"{WALLET}?date_to={(today - timedelta(days=1)).isoformat()}")

    assert entries["y_sms"].pk not in shown(recent)
    assert len(shown(recent)) == 3
    assert shown(older) == [entries["y_sms"].pk]


def test_wallet_page_with_dates_in_the_wrong_order_shows_the_error_and_no_filter(owner, tenants, entries):
    today = timezone.localdate()

    response = owner.get(f"{WALLET}?date_from={today}&date_to={today - timedelta(days=5)}&kind=top_up")

    assert response.status_code == 200
    assert response.context["form"].errors["date_to"]
    assert len(shown(response)) == 4


def test_wallet_page_keeps_filters_out_of_the_page_parameter(owner, tenants):
    for i in range(30):
        charge(tenants.a.account, "0.01", reference=ledger.Reference("message", i))

    response = owner.get(f"{WALLET}?kind=number_purchase&page=2")

    assert response.context["query"] == "kind=number_purchase"
    assert len(shown(response)) == 5
    assert response.context["entries"].number == 2


def test_client_admin_sees_only_their_clients_costs_and_no_wallet(x_admin, tenants, entries):
    response = x_admin.get(WALLET)

    assert response.status_code == 200
    assert response.context["wallet"] is None
    assert shown(response) == [entries["x_purchase"].pk]
    content = response.content.decode()
    assert "Balance after" not in content
    assert "Costs" in content
    # A client filter for another client does not widen the scope.
    assert shown(x_admin.get(f"{WALLET}?client={tenants.x.pk}")) == [entries["x_purchase"].pk]


def test_wallet_page_needs_a_login(client, tenants):
    response = client.get(WALLET)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_export_streams_every_matching_entry_as_csv(owner, tenants, entries):
    response = owner.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="didfarm-transactions-{timezone.localdate():%Y%m%d}.csv"'
    )
    header, *rows = export_rows(response)
    assert header[0] == "id"
    assert header[6] == "balance after"
    assert len(rows) == 4
    purchase = next(row for row in rows if row[0] == entries["x_purchase"].public_id)
    assert purchase[2:] == [
        "number_purchase",
        "Test charge",
        "Xylo Dental",
        "-10.0000",
        "90.0000",
        "EUR",
        "order",
        "ord_5",
    ]
    assert {row[4] for row in rows} == {"", "Xylo Dental", "Yarrow Logistics"}


def test_export_applies_the_filters(owner, tenants, entries):
    rows = export_rows(owner.get(f"{EXPORT}?client={tenants.y.pk}"))[1:]

    assert [row[0] for row in rows] == [entries["y_sms"].public_id]
    assert rows[0][5] == "-0.0080"


def test_export_for_a_client_admin_has_their_rows_without_balance_after(x_admin, tenants, entries):
    rows = export_rows(x_admin.get(EXPORT))[1:]

    assert [row[0] for row in rows] == [entries["x_purchase"].public_id]
    assert rows[0][6] == ""
