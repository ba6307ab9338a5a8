from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AuditLog
from billing.models import LedgerEntry, Wallet
from portal.models import Event
from tests.billing.conftest import assert_balanced, charge, wallet_of
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, staff_actor):
    """Django's test client logged in as a DIDfarm superuser."""
    client.force_login(staff_actor.user)
    return client


def credit_url(wallet: Wallet) -> str:
    return reverse("admin:billing_wallet_credit", args=[wallet.pk])


def written(account) -> tuple[int, int, int]:
    return (
        LedgerEntry.objects.filter(account=account).count(),
        AuditLog.objects.filter(account=account, action__startswith="wallet.").count(),
        Event.objects.filter(account=account).count(),
    )


def test_credit_page_shows_the_form_and_current_balance(tenants, staff):
    response = staff.get(credit_url(wallet_of(tenants.a.account)))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Alpha Telecom" in content
    assert 'name="amount"' in content
    assert 'name="kind"' in content


def test_staff_top_up_through_admin_writes_entry_audit_row_and_event(tenants, staff, staff_actor):
    account = tenants.a.account
    wallet = wallet_of(account)
    entries_before = LedgerEntry.objects.filter(account=account).count()

    response = staff.post(
        credit_url(wallet), {"kind": "top_up", "amount": "25.50", "description": "Bank transfer ref 8841"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:billing_wallet_change", args=[wallet.pk])
    entry = LedgerEntry.objects.filter(account=account).order_by("-id").first()
    assert LedgerEntry.objects.filter(account=account).count() == entries_before + 1
    assert (entry.kind, entry.amount) == ("top_up", Decimal("25.5000"))
    assert entry.description == "Bank transfer ref 8841"
    assert entry.created_by == staff_actor.user.email
    assert assert_balanced(account).balance == Decimal("125.5000")

    (audit,) = AuditLog.objects.filter(account=account, action__startswith="wallet.")
    assert audit.action == "wallet.top_up"
    assert audit.before == {"balance": "100.0000"}
    assert audit.after == {"balance": "125.5000"}
    assert audit.user == staff_actor.user

    (event,) = Event.objects.filter(account=account, type="wallet.credited")
    assert event.data["amount"] == "25.5000"
    assert event.data["balance"] == "125.5000"

    follow = staff.get(response["Location"])
    assert "Recorded 25.5000 EUR for Alpha Telecom." in follow.content.decode()


def test_negative_adjustment_larger_than_the_balance_shows_the_error_and_writes_nothing(tenants, staff):
    account = tenants.a.account
    before = written(account)

    response = staff.post(
        credit_url(wallet_of(account)), {"kind": "adjustment", "amount": "-150", "description": "Too much"}
    )

    assert response.status_code == 200
    assert "too low" in response.content.decode()
    assert response.context["form"].non_field_errors()
    assert written(account) == before
    assert assert_balanced(account).balance == Decimal("100.0000")


def test_negative_adjustment_within_the_balance_is_recorded_as_a_debit(tenants, staff):
    account = tenants.a.account

    response = staff.post(
        credit_url(wallet_of(account)), {"kind": "adjustment", "amount": "-40", "description": "Reversal"}
    )

    assert response.status_code == 302
    assert assert_balanced(account).balance == Decimal("60.0000")
    assert Event.objects.filter(account=account, type="wallet.debited").count() == 1


def test_negative_top_up_is_refused_on_the_amount_field(tenants, staff):
    account = tenants.a.account
    before = written(account)

    response = staff.post(credit_url(wallet_of(account)), {"kind": "top_up", "amount": "-10", "description": "Oops"})

    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert written(account) == before
    assert assert_balanced(account).balance == Decimal("100.0000")


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "top_up", "amount": "", "description": "No amount"},
        {"kind": "number_purchase", "amount": "5", "description": "Not a staff kind"},
        {"kind": "top_up", "amount": "5", "description": ""},
        {"kind": "top_up", "amount": "1.23456", "description": "Five places"},
    ],
)
def test_an_invalid_credit_form_writes_nothing(tenants, staff, data):
    account = tenants.a.account
    before = written(account)

    response = staff.post(credit_url(wallet_of(account)), data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert written(account) == before


def test_credit_of_a_missing_wallet_is_404(tenants, staff):
    missing = Wallet.objects.order_by("-pk").first().pk + 1000
    assert staff.get(reverse("admin:billing_wallet_credit", args=[missing])).status_code == 404


def test_staff_without_the_change_wallet_permission_cannot_credit(tenants, client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk@didfarm.test", PASSWORD, is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_wallet"))
    client.force_login(clerk)
    account = tenants.a.account
    before = written(account)

    response = client.post(credit_url(wallet_of(account)), {"kind": "top_up", "amount": "99", "description": "Me"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert written(account) == before


def test_a_logged_out_visitor_is_sent_to_the_admin_login(tenants, client):
    response = client.get(credit_url(wallet_of(tenants.a.account)))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_ledger_entry_change_page_is_read_only(tenants, staff):
    entry = charge(tenants.a.account, "12.5")
    url = reverse("admin:billing_ledgerentry_change", args=[entry.pk])

    response = staff.get(url)

    assert response.status_code == 200
    content = response.content.decode()
    assert "-12.5000" in content
    assert 'name="amount"' not in content
    assert 'name="_save"' not in content


def test_ledger_entry_cannot_be_changed_by_post(tenants, staff):
    entry = charge(tenants.a.account, "12.5")
    url = reverse("admin:billing_ledgerentry_change", args=[entry.pk])

    response = staff.post(url, {"amount": "-0.01", "balance_after": "999", "description": "Edited", "_save": "Save"})

    assert response.status_code == 403
    entry.refresh_from_db()
    assert (entry.amount, entry.description) == (Decimal("-12.5000"), "Test charge")
    assert_balanced(tenants.a.account)


@pytest.mark.parametrize("method", ["get", "post"])
def test_ledger_entry_cannot_be_deleted(tenants, staff, method):
    entry = charge(tenants.a.account, "12.5")
    url = reverse("admin:billing_ledgerentry_delete", args=[entry.pk])

    response = getattr(staff, method)(url, {"post": "yes"} if method == "post" else None)

    assert response.status_code == 403
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_ledger_entries_cannot_be_added_or_bulk_deleted(tenants, staff):
    entry = charge(tenants.a.account, "12.5")
    before = LedgerEntry.objects.count()

    assert staff.get(reverse("admin:billing_ledgerentry_add")).status_code == 403
    bulk = staff.post(
        reverse("admin:billing_ledgerentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in {200, 302}
    assert LedgerEntry.objects.count() == before


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?kind__exact=top_up",
        "?kind__exact=number_purchase",
        "?reference_type=account",
        "?q=Alpha",
        "?q=Xylo",
        "?o=-5",
    ],
)
def test_ledger_entry_changelist_loads_with_filters(tenants, staff, query):
    charge(tenants.a.account, "3", client=tenants.x)

    response = staff.get(reverse("admin:billing_ledgerentry_changelist") + query)

    assert response.status_code == 200
    assert "Alpha Telecom" in response.content.decode()


def test_ledger_entry_changelist_filter_narrows_the_rows(tenants, staff):
    charge(tenants.a.account, "3", client=tenants.x)
    url = reverse("admin:billing_ledgerentry_changelist")

    everything = staff.get(url).context["cl"]
    purchases = staff.get(url + "?kind__exact=number_purchase").context["cl"]
    bravo = staff.get(url + "?q=Bravo").context["cl"]

    assert everything.result_count == LedgerEntry.objects.count() == 3
    assert [e.kind for e in purchases.result_list] == ["number_purchase"]
    assert [e.account.name for e in bravo.result_list] == ["Bravo Voice"]


def test_ledger_entry_changelist_date_hierarchy_drills_down(tenants, staff):
    entry = charge(tenants.a.account, "3")
    when = entry.created_at
    query = f"?created_at__year={when.year}&created_at__month={when.month}&created_at__day={when.day}"

    response = staff.get(reverse("admin:billing_ledgerentry_changelist") + query)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 3


@pytest.mark.parametrize("query", ["", "?q=Bravo", "?o=3"])
def test_wallet_changelist_loads_with_credit_links(tenants, staff, query):
    response = staff.get(reverse("admin:billing_wallet_changelist") + query)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Bravo Voice" in content
    assert credit_url(wallet_of(tenants.b.account)) in content


def test_wallet_change_page_shows_the_balance_read_only_and_ignores_posts(tenants, staff):
    wallet = wallet_of(tenants.a.account)
    url = reverse("admin:billing_wallet_change", args=[wallet.pk])

    page = staff.get(url)
    assert page.status_code == 200
    assert credit_url(wallet) in page.content.decode()
    assert 'name="balance"' not in page.content.decode()

    staff.post(url, {"balance": "999999", "currency": "USD", "_save": "Save"})

    assert assert_balanced(tenants.a.account).balance == Decimal("100.0000")
    assert wallet_of(tenants.a.account).currency == "EUR"


def test_wallets_cannot_be_added_or_deleted_in_admin(tenants, staff):
    wallet = wallet_of(tenants.a.account)

    assert staff.get(reverse("admin:billing_wallet_add")).status_code == 403
    assert staff.post(reverse("admin:billing_wallet_delete", args=[wallet.pk]), {"post": "yes"}).status_code == 403
    assert Wallet.objects.filter(pk=wallet.pk).exists()


def test_staff_refund_selected_charges_after_confirming_with_a_reason(tenants, staff):
    account = tenants.a.account
    first = charge(account, "2.50", client=tenants.x)
    second = charge(account, "1.00")
    url = reverse("admin:billing_ledgerentry_changelist")
    selected = {"action": "refund_charges", "_selected_action": [first.pk, second.pk]}

    asked = staff.post(url, selected)
    assert asked.status_code == 200 and b"Reason" in asked.content and b"Test charge" in asked.content
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()  # nothing yet

    no_reason = staff.post(url, {**selected, "confirm": "yes", "reason": " "})
    assert no_reason.status_code == 200 and not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()

    done = staff.post(url, {**selected, "confirm": "yes", "reason": "Carrier outage"}, follow=True)
    assert b"Refunded 2 charge(s), EUR 3.5000" in done.content
    refunds = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).order_by("id")
    assert [(r.amount, r.client_id, r.client_amount) for r in refunds] == [
        (Decimal("2.5000"), tenants.x.pk, Decimal("2.5000")),
        (Decimal("1.0000"), None, None),
    ]
    assert all("Carrier outage" in r.description for r in refunds)
    assert AuditLog.objects.filter(account=account, action="wallet.refund").count() == 1

    staff.post(url, {**selected, "confirm": "yes", "reason": "again"})  # refunded once only
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).count() == 2
    assert assert_balanced(account).balance == Decimal("100.0000")
