"""Helpers for the billing tests: each posts through ``billing.ledger`` the way a service does (one
transaction, wallet row locked first), so the tests exercise the real write path."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from billing import ledger
from billing.models import LedgerEntry, Wallet


@pytest.fixture(autouse=True)
def legal_profiles(request):
    """Resellers A and B have their legal profiles, as any reseller must before it issues invoices."""
    if "tenants" not in request.fixturenames:
        return
    from tests.conftest import give_legal_profile

    tenants = request.getfixturevalue("tenants")
    give_legal_profile(tenants.a)
    give_legal_profile(tenants.b, legal_name="Bravo Voice GmbH", country="DE", vat_id="DE136695976", vat_rate="19",
                       postcode="10115", city="Berlin", address_line1="Invalidenstr. 1", iban="DE89370400440532013000",
                       bic="COBADEFFXXX")  # fmt: skip


@pytest.fixture(autouse=True)
def fast_sandbox(settings):
    """Numbers bought in these tests are provisioned at once by the sandbox carrier, which never fails."""
    settings.SANDBOX_PROVISION_SECONDS = 0
    settings.SANDBOX_FAILURE_RATE = 0


def charge(
    account,
    amount: str | Decimal,
    *,
    kind: str = LedgerEntry.Kind.NUMBER_PURCHASE,
    client=None,
    reference: ledger.Reference | None = None,
    dedupe_key: str | None = None,
    description: str = "Test charge",
) -> LedgerEntry:
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        return ledger.debit(
            wallet,
            amount=Decimal(amount),
            kind=kind,
            description=description,
            reference=reference,
            client=client,
            dedupe_key=dedupe_key,
        )


def top_up(account, amount: str | Decimal, *, client=None, reference: ledger.Reference | None = None) -> LedgerEntry:
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        return ledger.credit(
            wallet,
            amount=Decimal(amount),
            kind=LedgerEntry.Kind.TOP_UP,
            description="Test top-up",
            reference=reference,
            client=client,
        )


def wallet_of(account) -> Wallet:
    return Wallet.objects.get(account=account)


def assert_balanced(account) -> Wallet:
    """The ledger's central invariant: the stored balance is the sum of the entries, and the newest
    entry's ``balance_after`` is that balance."""
    wallet = wallet_of(account)
    assert wallet.balance == ledger.entries_total(wallet)
    newest = LedgerEntry.objects.filter(wallet=wallet).order_by("-id").first()
    if newest is not None:
        assert newest.balance_after == wallet.balance
    return wallet


@pytest.fixture
def stripe_fake(settings):
    """The local Stripe stand-in, with the portal configured to use it (keys, webhook secret, api base)."""
    from tests.billing.stripe_fake import WEBHOOK_SECRET, StripeFake

    fake = StripeFake().start()
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.url
    yield fake
    fake.stop()
