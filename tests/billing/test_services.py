from decimal import Decimal

import pytest

from accounts.models import AuditLog
from billing import services
from billing.models import LedgerEntry
from portal.errors import InsufficientBalance, ValidationFailed
from portal.models import Event
from tests.billing.conftest import assert_balanced

pytestmark = pytest.mark.django_db


def counts(account) -> tuple[int, int, int]:
    return (
        LedgerEntry.objects.filter(account=account).count(),
        AuditLog.objects.filter(account=account, action__startswith="wallet.").count(),
        Event.objects.filter(account=account, type__startswith="wallet.").count(),
    )


@pytest.mark.parametrize(
    ("kind", "amount", "description", "field"),
    [
        ("number_purchase", "10", "Not a staff kind", "kind"),
        ("bonus", "10", "Unknown kind", "kind"),
        ("top_up", "0", "Nothing", "amount"),
        ("adjustment", "0.00001", "Rounds to nothing", "amount"),
        ("top_up", "-5", "Negative top-up", "amount"),
        ("refund", "-5", "Negative refund", "amount"),
        ("top_up", "ten euros", "Not a number", "amount"),
        ("top_up", "NaN", "Not a number", "amount"),
        ("top_up", "10", "", "description"),
        ("adjustment", "10", "   ", "description"),
    ],
)
def test_wallet_credit_with_invalid_input_raises_validation_failed_and_writes_nothing(
    tenants, staff_actor, kind, amount, description, field
):
    account = tenants.a.account
    before = counts(account)

    with pytest.raises(ValidationFailed) as caught:
        services.wallet_credit(actor=staff_actor, amount=amount, kind=kind, description=description)

    assert set(caught.value.fields) == {field}
    assert caught.value.status == 422
    assert counts(account) == before
    assert assert_balanced(account).balance == Decimal("100.0000")


def test_wallet_credit_top_up_writes_entry_audit_row_and_credited_event(tenants, staff_actor):
    account = tenants.a.account

    entry = services.wallet_credit(
        actor=staff_actor, amount=Decimal("25.50"), kind="top_up", description="  Bank transfer 2025-03  "
    )

    entry.refresh_from_db()
    assert (entry.kind, entry.amount, entry.balance_after) == ("top_up", Decimal("25.5000"), Decimal("125.5000"))
    assert entry.description == "Bank transfer 2025-03"
    assert entry.created_by == "ops@didfarm.test"
    assert (entry.reference_type, entry.reference_id) == ("account", f"acc_{account.pk}")
    assert assert_balanced(account).balance == Decimal("125.5000")

    audit = AuditLog.objects.get(account=account, action="wallet.top_up")
    assert audit.before == {"balance": "100.0000"}
    assert audit.after == {"balance": "125.5000"}
    assert audit.user == staff_actor.user

    event = Event.objects.get(account=account, type__startswith="wallet.")
    assert event.type == "wallet.credited"
    assert event.subject_id == entry.public_id
    assert event.data == {
        "transaction_id": entry.public_id,
        "kind": "top_up",
        "amount": "25.5000",
        "balance": "125.5000",
        "currency": "EUR",
    }


def test_wallet_credit_refund_is_a_credit(tenants, staff_actor):
    entry = services.wallet_credit(actor=staff_actor, amount=Decimal("4"), kind="refund", description="Goodwill")

    assert entry.kind == LedgerEntry.Kind.REFUND
    assert entry.amount == Decimal("4.0000")
    assert assert_balanced(tenants.a.account).balance == Decimal("104.0000")
    assert Event.objects.get(account=tenants.a.account, type__startswith="wallet.").type == "wallet.credited"


def test_wallet_credit_negative_adjustment_debits_and_records_a_debited_event(tenants, staff_actor):
    account = tenants.a.account

    entry = services.wallet_credit(
        actor=staff_actor, amount=Decimal("-30"), kind="adjustment", description="Double top-up reversed"
    )

    assert entry.kind == LedgerEntry.Kind.ADJUSTMENT
    assert entry.amount == Decimal("-30.0000")
    assert assert_balanced(account).balance == Decimal("70.0000")
    audit = AuditLog.objects.get(account=account, action="wallet.adjustment")
    assert (audit.before, audit.after) == ({"balance": "100.0000"}, {"balance": "70.0000"})
    event = Event.objects.get(account=account, type__startswith="wallet.")
    assert event.type == "wallet.debited"
    assert event.data["amount"] == "-30.0000"


def test_wallet_credit_negative_adjustment_beyond_the_balance_writes_nothing(tenants, staff_actor):
    account = tenants.a.account
    before = counts(account)

    with pytest.raises(InsufficientBalance):
        services.wallet_credit(actor=staff_actor, amount=Decimal("-100.01"), kind="adjustment", description="Too much")

    assert counts(account) == before
    assert assert_balanced(account).balance == Decimal("100.0000")


def test_wallet_credit_only_touches_the_actors_wallet(tenants, staff_actor):
    services.wallet_credit(actor=staff_actor, amount=Decimal("10"), kind="top_up", description="For Alpha")

    assert assert_balanced(tenants.a.account).balance == Decimal("110.0000")
    assert assert_balanced(tenants.b.account).balance == Decimal("50.0000")
    assert counts(tenants.b.account)[0] == 1
