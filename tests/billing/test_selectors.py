from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.actor import actor_from_membership
from accounts.models import Membership
from billing import selectors
from billing.models import LedgerEntry
from portal.errors import NotFound, PermissionDenied
from tests.billing.conftest import charge, top_up

pytestmark = pytest.mark.django_db


def client_admin_actor(email: str):
    return actor_from_membership(Membership.objects.select_related("account", "client", "user").get(user__email=email))


def days_ago(entry: LedgerEntry, days: int) -> None:
    # Test set-up only: spread the history over several days.
    LedgerEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_daily_spend_sums_debits_per_day_with_zeros_for_quiet_days(tenants):
    account = tenants.a.account
    charge(account, "3", client=tenants.x)
    charge(account, "2.008", client=tenants.y)
    days_ago(charge(account, "1.5", client=tenants.x), 3)
    days_ago(charge(account, "9"), 40)  # outside the window
    top_up(account, "50")  # credits are not spending

    spend = selectors.daily_spend(actor=tenants.a.owner_actor, days=30)

    today = timezone.localdate()
    assert [s.day for s in spend] == [today - timedelta(days=29 - i) for i in range(30)]
    by_day = {s.day: s.amount for s in spend}
    assert by_day[today] == Decimal("5.0080")
    assert by_day[today - timedelta(days=3)] == Decimal("1.5000")
    assert sum(s.amount for s in spend) == Decimal("6.5080")


def test_daily_spend_of_a_client_admin_counts_only_that_clients_charges(tenants):
    account = tenants.a.account
    charge(account, "3", client=tenants.x)
    charge(account, "2", client=tenants.y)
    charge(account, "4")

    spend = selectors.daily_spend(actor=client_admin_actor(tenants.x_admin_email), days=7)

    assert len(spend) == 7
    assert spend[-1].amount == Decimal("3.0000")
    assert sum(s.amount for s in spend) == Decimal("3.0000")


def test_daily_spend_without_charges_is_all_zeros(tenants):
    spend = selectors.daily_spend(actor=tenants.b.owner_actor, days=3)

    assert [s.amount for s in spend] == [Decimal("0")] * 3


def test_wallet_get_refuses_client_admins_and_returns_the_resellers_wallet_otherwise(tenants):
    with pytest.raises(PermissionDenied):
        selectors.wallet_get(actor=client_admin_actor(tenants.x_admin_email))

    wallet = selectors.wallet_get(actor=tenants.a.owner_actor)
    assert wallet.account == tenants.a.account
    assert wallet.balance == Decimal("100.0000")


def test_transaction_get_is_scoped_to_the_actor(tenants):
    x_entry = charge(tenants.a.account, "1", client=tenants.x)
    y_entry = charge(tenants.a.account, "1", client=tenants.y)
    x_admin = client_admin_actor(tenants.x_admin_email)

    assert selectors.transaction_get(actor=x_admin, transaction_id=x_entry.public_id) == x_entry
    assert selectors.transaction_get(actor=tenants.a.owner_actor, transaction_id=y_entry.pk) == y_entry
    for actor, entry_id in [(x_admin, y_entry.pk), (tenants.b.owner_actor, x_entry.pk), (x_admin, "txn_x")]:
        with pytest.raises(NotFound):
            selectors.transaction_get(actor=actor, transaction_id=entry_id)
