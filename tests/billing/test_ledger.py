from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import Account, Client
from billing import ledger
from billing.models import LedgerEntry, Wallet
from portal.errors import InsufficientBalance
from tests.billing.conftest import assert_balanced, charge, top_up, wallet_of

pytestmark = pytest.mark.django_db

PURCHASE = LedgerEntry.Kind.NUMBER_PURCHASE


def test_the_opening_top_up_is_the_only_entry_of_a_new_reseller(tenants):
    wallet = assert_balanced(tenants.a.account)
    assert wallet.balance == Decimal("100.0000")
    (entry,) = LedgerEntry.objects.filter(wallet=wallet)
    assert entry.kind == LedgerEntry.Kind.TOP_UP
    assert entry.balance_after == Decimal("100.0000")


def test_debit_writes_one_entry_with_balance_after_and_lowers_the_balance(tenants):
    account = tenants.a.account
    before = LedgerEntry.objects.filter(account=account).count()

    entry = charge(account, "12.34", client=tenants.x, reference=ledger.Reference("order", 42))

    assert LedgerEntry.objects.filter(account=account).count() == before + 1
    entry.refresh_from_db()
    assert entry.amount == Decimal("-12.3400")
    assert entry.balance_after == Decimal("87.6600")
    assert entry.kind == PURCHASE
    assert entry.client == tenants.x
    assert (entry.reference_type, entry.reference_id) == ("order", "42")
    assert entry.currency == "EUR"
    assert not entry.is_credit
    assert wallet_of(account).balance == Decimal("87.6600")
    assert_balanced(account)


def test_credit_writes_one_entry_and_raises_the_balance(tenants):
    account = tenants.a.account
    entry = top_up(account, "25.50")

    entry.refresh_from_db()
    assert entry.amount == Decimal("25.5000")
    assert entry.balance_after == Decimal("125.5000")
    assert entry.is_credit
    assert (entry.reference_type, entry.reference_id, entry.client) == ("", "", None)
    assert wallet_of(account).balance == Decimal("125.5000")
    assert LedgerEntry.objects.filter(account=account).count() == 2
    assert_balanced(account)


@pytest.mark.parametrize(("amount", "expected"), [("7.25", "107.2500"), ("-40", "60.0000")])
def test_adjust_in_either_direction_writes_one_adjustment_entry(tenants, amount, expected):
    account = tenants.a.account
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        entry = ledger.adjust(
            wallet, amount=Decimal(amount), description="Correction", reference=None, created_by="ops@didfarm.test"
        )

    entry.refresh_from_db()
    assert entry.kind == LedgerEntry.Kind.ADJUSTMENT
    assert entry.amount == Decimal(amount)
    assert entry.balance_after == Decimal(expected)
    assert entry.created_by == "ops@didfarm.test"
    assert wallet_of(account).balance == Decimal(expected)
    assert_balanced(account)


def test_negative_adjustment_larger_than_balance_raises_and_writes_nothing(tenants):
    account = tenants.a.account
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        with pytest.raises(InsufficientBalance):
            ledger.adjust(wallet, amount=Decimal("-100.01"), description="Too much", reference=None)

    assert LedgerEntry.objects.filter(account=account).count() == 1
    assert assert_balanced(account).balance == Decimal("100.0000")


def test_debit_larger_than_balance_writes_nothing(tenants):
    account = tenants.a.account
    # The caller catches the error and its transaction commits: the ledger itself must have written
    # nothing, not merely relied on a rollback.
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        with pytest.raises(InsufficientBalance) as caught:
            ledger.debit(wallet, amount=Decimal("100.01"), kind=PURCHASE, description="Too dear", reference=None)
        assert wallet.balance == Decimal("100.0000")

    assert caught.value.code == "insufficient_balance"
    assert caught.value.status == 422
    # The error names the charge but never the balance: it may reach a client of the reseller.
    assert caught.value.extra == {"required": "100.0100"}
    assert "100.00 " not in caught.value.message and "100.01 EUR" in caught.value.message
    assert LedgerEntry.objects.filter(account=account).count() == 1
    assert assert_balanced(account).balance == Decimal("100.0000")


def test_debit_of_the_whole_balance_leaves_exactly_zero(tenants):
    account = tenants.a.account
    entry = charge(account, "100.00")

    assert entry.balance_after == Decimal("0")
    assert assert_balanced(account).balance == Decimal("0")
    with pytest.raises(InsufficientBalance):
        charge(account, "0.0001")
    assert LedgerEntry.objects.filter(account=account).count() == 2


@pytest.mark.parametrize("post", [ledger.debit, ledger.credit], ids=["debit", "credit"])
@pytest.mark.parametrize("amount", ["0", "-5", "-0.0001", "0.00004"])
def test_zero_or_negative_amounts_to_debit_or_credit_raise_value_error(tenants, post, amount):
    account = tenants.a.account
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        with pytest.raises(ValueError):
            post(wallet, amount=Decimal(amount), kind=LedgerEntry.Kind.TOP_UP, description="Nothing", reference=None)

    assert LedgerEntry.objects.filter(account=account).count() == 1
    assert assert_balanced(account).balance == Decimal("100.0000")


def test_adjustment_of_zero_raises_value_error(tenants):
    with transaction.atomic():
        wallet = ledger.lock_wallet(tenants.a.account)
        with pytest.raises(ValueError):
            ledger.adjust(wallet, amount=Decimal("0.00001"), description="Nothing", reference=None)

    assert LedgerEntry.objects.filter(account=tenants.a.account).count() == 1


@pytest.mark.parametrize("post", [ledger.debit, ledger.credit], ids=["debit", "credit"])
@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "-Infinity"])
def test_an_amount_that_is_not_money_raises_value_error_and_writes_nothing(tenants, post, amount):
    account = tenants.a.account
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        with pytest.raises(ValueError):
            post(wallet, amount=amount, kind=LedgerEntry.Kind.TOP_UP, description="Not money", reference=None)

    assert LedgerEntry.objects.filter(account=account).count() == 1
    assert assert_balanced(account).balance == Decimal("100.0000")


@pytest.mark.django_db(transaction=True)
def test_ledger_refuses_to_write_outside_a_transaction(tenants):
    account = tenants.a.account
    assert not connection.in_atomic_block
    wallet = Wallet.objects.get(account=account)

    with pytest.raises(RuntimeError):
        ledger.lock_wallet(account)
    with pytest.raises(RuntimeError):
        ledger.debit(wallet, amount=Decimal("1"), kind=PURCHASE, description="Loose", reference=None)
    with pytest.raises(RuntimeError):
        ledger.credit(wallet, amount=Decimal("1"), kind=LedgerEntry.Kind.TOP_UP, description="Loose", reference=None)
    with pytest.raises(RuntimeError):
        ledger.adjust(wallet, amount=Decimal("1"), description="Loose", reference=None)

    assert LedgerEntry.objects.filter(account=account).count() == 1
    assert assert_balanced(account).balance == Decimal("100.0000")


def test_charge_with_dedupe_key_happens_once(tenants):
    account = tenants.a.account
    first = charge(account, "5.00", kind=LedgerEntry.Kind.NUMBER_RENEWAL, dedupe_key="renewal:num_7:2025-03")
    second = charge(account, "5.00", kind=LedgerEntry.Kind.NUMBER_RENEWAL, dedupe_key="renewal:num_7:2025-03")

    assert second.pk == first.pk
    assert LedgerEntry.objects.filter(account=account, dedupe_key="renewal:num_7:2025-03").count() == 1
    assert LedgerEntry.objects.filter(account=account).count() == 2
    assert assert_balanced(account).balance == Decimal("95.0000")


def test_a_repeated_charge_returns_the_first_entry_even_with_another_amount_or_a_low_balance(tenants):
    account = tenants.a.account
    first = charge(account, "60.00", dedupe_key="idem-1")
    assert wallet_of(account).balance == Decimal("40.0000")

    # A retry of the same request must replay the first charge, not fail for lack of funds.
    again = charge(account, "60.00", dedupe_key="idem-1")
    other_amount = charge(account, "1.00", dedupe_key="idem-1")

    assert again.pk == first.pk == other_amount.pk
    assert assert_balanced(account).balance == Decimal("40.0000")


def test_dedupe_key_is_scoped_to_kind_and_wallet(tenants):
    key = "same-key"
    a_purchase = charge(tenants.a.account, "1.00", kind=PURCHASE, dedupe_key=key)
    a_setup = charge(tenants.a.account, "2.00", kind=LedgerEntry.Kind.SETUP_FEE, dedupe_key=key)
    b_purchase = charge(tenants.b.account, "3.00", kind=PURCHASE, dedupe_key=key)

    assert len({a_purchase.pk, a_setup.pk, b_purchase.pk}) == 3
    assert assert_balanced(tenants.a.account).balance == Decimal("97.0000")
    assert assert_balanced(tenants.b.account).balance == Decimal("47.0000")


def test_sms_price_of_0_008_stays_exact_over_125_debits(tenants):
    account = tenants.a.account
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        for i in range(125):
            ledger.debit(
                wallet,
                amount=Decimal("0.008"),
                kind=LedgerEntry.Kind.SMS_OUTBOUND,
                description="SMS segment",
                reference=ledger.Reference("message", f"msg_{i}"),
            )

    spent = -sum(
        LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.SMS_OUTBOUND).values_list("amount", flat=True)
    )
    assert spent == Decimal("1.0000")
    assert assert_balanced(account).balance == Decimal("99.0000")


@pytest.mark.parametrize(
    ("amount", "stored"),
    [("0.00015", "-0.0002"), ("0.00014", "-0.0001"), ("1.23445", "-1.2345"), ("2.5", "-2.5000")],
)
def test_amounts_are_rounded_half_up_to_four_places(tenants, amount, stored):
    entry = charge(tenants.a.account, amount)

    entry.refresh_from_db()
    assert entry.amount == Decimal(stored)
    assert assert_balanced(tenants.a.account).balance == Decimal("100") + Decimal(stored)


def test_rollback_of_the_surrounding_transaction_leaves_no_entry_and_the_balance_unchanged(tenants):
    account = tenants.a.account
    with pytest.raises(RuntimeError, match="provisioning blew up"), transaction.atomic():
        wallet = ledger.lock_wallet(account)
        ledger.debit(wallet, amount=Decimal("30"), kind=PURCHASE, description="Rolled back", reference=None)
        assert ledger.entries_total(wallet) == Decimal("70.0000")
        raise RuntimeError("provisioning blew up")

    assert LedgerEntry.objects.filter(account=account).count() == 1
    assert assert_balanced(account).balance == Decimal("100.0000")


def test_reference_of_uses_the_public_id_when_there_is_one_and_the_pk_otherwise(tenants):
    wallet = wallet_of(tenants.a.account)

    assert ledger.Reference.of(tenants.x) == ledger.Reference("client", f"cli_{tenants.x.pk}")
    assert ledger.Reference.of(wallet) == ledger.Reference("wallet", wallet.pk)

    entry = charge(tenants.a.account, "1", reference=ledger.Reference.of(wallet))
    entry.refresh_from_db()
    assert (entry.reference_type, entry.reference_id) == ("wallet", str(wallet.pk))


def test_long_description_and_author_are_cut_to_their_columns(tenants):
    with transaction.atomic():
        wallet = ledger.lock_wallet(tenants.a.account)
        entry = ledger.credit(
            wallet,
            amount=Decimal("1"),
            kind=LedgerEntry.Kind.REFUND,
            description="d" * 300,
            reference=None,
            created_by="u" * 300,
        )

    entry.refresh_from_db()
    assert entry.description == "d" * 255
    assert entry.created_by == "u" * 200


def test_wallet_for_creates_an_empty_wallet_once(db):
    account = Account.objects.create(name="Walletless Ltd")

    wallet = ledger.wallet_for(account)
    assert ledger.wallet_for(account).pk == wallet.pk
    assert Wallet.objects.filter(account=account).count() == 1
    assert wallet.balance == Decimal("0")
    assert wallet.currency == "EUR"
    assert ledger.entries_total(wallet) == Decimal("0")


def test_lock_wallet_creates_the_wallet_on_first_use(db):
    account = Account.objects.create(name="First Money Ltd")
    with transaction.atomic():
        wallet = ledger.lock_wallet(account)
        ledger.credit(wallet, amount=Decimal("3"), kind=LedgerEntry.Kind.TOP_UP, description="First", reference=None)

    assert assert_balanced(account).balance == Decimal("3.0000")


def test_an_integrity_error_on_a_posting_without_a_key_propagates_and_its_transaction_writes_nothing(tenants):
    account = tenants.a.account
    missing_client = Client(pk=2_000_000_000, account=account, name="Gone")
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        wallet = ledger.lock_wallet(account)
        ledger.debit(
            wallet,
            amount=Decimal("1"),
            kind=PURCHASE,
            description="Bad client",
            reference=None,
            client=missing_client,
        )
    assert LedgerEntry.objects.filter(account=account).count() == 1
    assert assert_balanced(account).balance == Decimal("100.0000")


@pytest.mark.parametrize("dedupe_key", ["charge-with-a-bad-client"])
def test_an_integrity_error_that_is_not_a_repeated_charge_propagates_and_writes_nothing(tenants, dedupe_key):
    account = tenants.a.account
    missing_client = Client(pk=2_000_000_000, account=account, name="Gone")
    with transaction.atomic():
        # Check foreign keys at insert time, so the bad client fails inside the ledger's own savepoint.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        wallet = ledger.lock_wallet(account)
        with pytest.raises(IntegrityError):
            ledger.debit(
                wallet,
                amount=Decimal("1"),
                kind=PURCHASE,
                description="Bad client",
                reference=None,
                client=missing_client,
                dedupe_key=dedupe_key,
            )
        assert wallet.balance == Decimal("100.0000")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    assert LedgerEntry.objects.filter(account=account).count() == 1
    assert assert_balanced(account).balance == Decimal("100.0000")


def test_models_describe_themselves(tenants):
    entry = charge(tenants.a.account, "2.5")
    wallet = wallet_of(tenants.a.account)

    assert str(wallet) == "Alpha Telecom · EUR 97.50"
    assert str(entry) == "Number purchase -2.5000 EUR"
    assert entry.public_id == f"txn_{entry.pk}"
