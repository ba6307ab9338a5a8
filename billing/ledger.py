"""The ledger: the only code that writes ``LedgerEntry`` rows or changes ``Wallet.balance``.

Invariants
- Entries are append-only; nothing here (or anywhere) updates or deletes one. A correction is a new
  entry with the opposite sign.
- ``wallet.balance`` == Σ ``entry.amount`` for the wallet, after every committed transaction, and
  ``entry.balance_after`` is the balance right after that entry.
- Every posting runs inside the caller's transaction with the wallet row locked (``lock_wallet``,
  ``SELECT … FOR UPDATE``; or ``debit_last``, whose conditional ``UPDATE`` takes the same lock), so
  concurrent debits serialise and none can overdraw.
- A debit larger than the balance raises ``InsufficientBalance`` and writes nothing — except a debit that
  records money which has already left (a card payment refunded or disputed at the bank: ``allow_negative``),
  which may take the balance below zero.
- A posting with a ``dedupe_key`` happens once per (wallet, kind, key); a repeat returns the first entry.
- An entry that names a client carries ``client_amount``, what the reseller bills that client for it
  (from its price list at the time), with the entry's sign; entries without a client carry none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.db import bulk
from portal.errors import InsufficientBalance

from .models import LedgerEntry, Wallet
from .money import quantize, to_cents_str, to_exact_str

if TYPE_CHECKING:
    from accounts.models import Client


def _too_low(amount: str, currency: str) -> str:
    """The message of a refused charge, in the language of whoever reads it (English on the API)."""
    return _("The wallet balance is too low for a charge of %(amount)s %(currency)s.") % {
        "amount": amount,
        "currency": currency,
    }


@dataclass(frozen=True)
class Reference:
    """What an entry pays for: ``("order", 42)``, ``("number", "num_…")``."""

    type: str
    id: str | int

    @classmethod
    def of(cls, obj) -> Reference:
        return cls(type=obj._meta.model_name, id=getattr(obj, "public_id", obj.pk))


def _client_amount(client, amount: Decimal, client_amount: Decimal | None) -> Decimal | None:
    """The client's price of an entry, with the entry's sign: given by the caller (from the price list),
    or the wholesale amount when the caller has none; empty when the entry names no client."""
    if client is None:
        return None
    if client_amount is None:
        return amount
    client_amount = quantize(abs(client_amount))
    return client_amount if amount > 0 else -client_amount


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The ledger must be written inside the transaction of the thing it pays for")


def wallet_for(account) -> Wallet:
    """The account's wallet, created empty on first use."""
    wallet, _ = Wallet.objects.get_or_create(account=account)
    return wallet


def lock_wallet_of(account_id: int) -> Wallet:
    """``lock_wallet`` by the account's id."""
    from accounts.models import Account

    return lock_wallet(Account(pk=account_id))


def lock_wallet(account) -> Wallet:
    """Lock and return the account's wallet row. Call first in any transaction that moves money."""
    _require_transaction()
    try:
        return Wallet.objects.select_for_update().get(account=account)
    except Wallet.DoesNotExist:
        wallet_for(account)
        return Wallet.objects.select_for_update().get(account=account)


def _post(
    wallet: Wallet,
    *,
    amount: Decimal,
    kind: str,
    description: str,
    reference: Reference | None,
    client=None,
    client_amount: Decimal | None = None,
    number_id: int | None = None,
    dedupe_key: str | None = None,
    created_by: str = "",
    allow_negative: bool = False,
) -> LedgerEntry:
    _require_transaction()
    amount = quantize(amount)
    if amount == 0:
        raise ValueError("A ledger entry moves a non-zero amount")
    if dedupe_key is not None:
        existing = LedgerEntry.objects.filter(wallet=wallet, kind=kind, dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    new_balance = wallet.balance + amount
    if amount < 0 and new_balance < 0 and not allow_negative:
        # The message names the charge, not the balance: it may reach a client of the reseller.
        raise InsufficientBalance(
            _too_low(to_cents_str(-amount), wallet.currency),
            required=to_exact_str(-amount),
        )
    entry = LedgerEntry(
        wallet=wallet,
        account_id=wallet.account_id,
        client=client,
        kind=kind,
        amount=amount,
        client_amount=_client_amount(client, amount, client_amount),
        number_id=number_id,
        balance_after=new_balance,
        currency=wallet.currency,
        reference_type=reference.type if reference else "",
        reference_id=str(reference.id) if reference else "",
        description=description[:255],
        dedupe_key=dedupe_key,
        created_by=created_by[:200],
    )
    if dedupe_key is None:
        # Nothing to collide with: no savepoint needed (entries without a key only fail on a bug).
        entry.save(force_insert=True)
        wallet.balance = new_balance
        wallet.save(update_fields=["balance", "updated_at"])
        return entry
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
    except IntegrityError:
        # Only a concurrent posting of the same charge is answered with its entry; any other
        # integrity error is the caller's to see.
        existing = None
        if dedupe_key is not None:
            existing = LedgerEntry.objects.filter(wallet=wallet, kind=kind, dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing
    wallet.balance = new_balance
    wallet.save(update_fields=["balance", "updated_at"])
    return entry


def debit(
    wallet: Wallet,
    *,
    amount: Decimal,
    kind: str,
    description: str,
    reference: Reference | None,
    client=None,
    client_amount: Decimal | None = None,
    number_id: int | None = None,
    dedupe_key: str | None = None,
    created_by: str = "",
    allow_negative: bool = False,
) -> LedgerEntry:
    """Take ``amount`` (positive) from a locked wallet. Raises ``InsufficientBalance`` before writing,
    unless ``allow_negative`` (money that has left already: a refunded or disputed payment).
    ``client_amount`` (positive) is what the entry's client is billed for it."""
    amount = quantize(amount)
    if amount <= 0:
        raise ValueError("A debit takes a positive amount")
    return _post(
        wallet,
        amount=-amount,
        kind=kind,
        description=description,
        reference=reference,
        client=client,
        client_amount=client_amount,
        number_id=number_id,
        dedupe_key=dedupe_key,
        created_by=created_by,
        allow_negative=allow_negative,
    )


def debit_last(
    account,
    *,
    amount: Decimal,
    kind: str,
    description: str,
    reference: Reference | None,
    client=None,
    client_amount: Decimal | None = None,
    number_id: int | None = None,
    created_by: str = "",
) -> LedgerEntry:
    """Take ``amount`` (positive) from the account's wallet in one statement that also takes the wallet
    row's lock (``UPDATE … WHERE balance >= amount RETURNING``), then write the entry.

    For busy transactions that lock nothing else (an SMS: insert the message and its event, then pay):
    called last, the wallet row stays locked only for this statement, the entry's insert and the commit,
    so concurrent payers queue for a moment rather than for the whole transaction. Raises
    ``InsufficientBalance`` (having changed nothing) when the balance does not cover ``amount``."""
    _require_transaction()
    amount = quantize(amount)
    if amount <= 0:
        raise ValueError("A debit takes a positive amount")
    table = connection.ops.quote_name(Wallet._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET balance = balance - %s, updated_at = %s "
            "WHERE account_id = %s AND balance >= %s RETURNING id, balance, currency",
            [amount, timezone.now(), account.pk, amount],
        )
        row = cursor.fetchone()
    if row is None:
        wallet_for(account)  # the wallet exists from now on; its balance did not cover the charge
        raise InsufficientBalance(
            _too_low(to_cents_str(amount), "EUR"),
            required=to_exact_str(amount),
        )
    wallet_id, balance, currency = row
    entry = LedgerEntry(
        wallet_id=wallet_id,
        account_id=account.pk,
        client=client,
        kind=kind,
        amount=-amount,
        client_amount=_client_amount(client, -amount, client_amount),
        number_id=number_id,
        balance_after=quantize(balance),
        currency=currency,
        reference_type=reference.type if reference else "",
        reference_id=str(reference.id) if reference else "",
        description=description[:255],
        created_by=created_by[:200],
    )
    bulk.insert_one(entry)
    return entry


@dataclass(frozen=True)
class Posting:
    """One debit for ``debit_many``."""

    amount: Decimal
    kind: str
    description: str
    reference: Reference
    client: Client | None = None
    client_amount: Decimal | None = None
    number_id: int | None = None
    dedupe_key: str | None = None


def debit_many(wallet: Wallet, postings: list[Posting], *, created_by: str = "") -> list[LedgerEntry]:
    """Many debits from a locked wallet in one statement (a renewal batch): each entry's ``balance_after``
    as if posted one by one, and the wallet updated once. Postings whose key was already posted are left
    out (each charge happens once); the others must fit in the balance, or ``InsufficientBalance`` is
    raised and nothing is written. Returns the entries written."""
    _require_transaction()
    done = _posted(wallet, [(p.kind, p.dedupe_key) for p in postings if p.dedupe_key])
    balance = wallet.balance
    entries = []
    for posting in postings:
        if posting.dedupe_key and (posting.kind, posting.dedupe_key) in done:
            continue
        amount = quantize(posting.amount)
        if amount <= 0:
            raise ValueError("A debit takes a positive amount")
        balance -= amount
        if balance < 0:
            raise InsufficientBalance(
                _too_low(to_cents_str(amount), wallet.currency),
                required=to_exact_str(amount),
            )
        entries.append(
            LedgerEntry(  # (ids rather than objects: cheaper to make, by the thousand)
                wallet_id=wallet.pk,
                account_id=wallet.account_id,
                client_id=posting.client.pk if posting.client is not None else None,
                kind=posting.kind,
                amount=-amount,
                client_amount=_client_amount(posting.client, -amount, posting.client_amount),
                number_id=posting.number_id,
                balance_after=balance,
                currency=wallet.currency,
                reference_type=posting.reference.type,
                reference_id=str(posting.reference.id),
                description=posting.description[:255],
                dedupe_key=posting.dedupe_key,
                created_by=created_by[:200],
            )
        )
    if not entries:
        return []
    bulk.insert(entries)
    wallet.balance = balance
    wallet.save(update_fields=["balance", "updated_at"])
    return entries


def _posted(wallet: Wallet, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (kind, dedupe key) pairs the wallet already has an entry for."""
    if not keys:
        return set()
    if connection.vendor != "postgresql":
        kinds, dedupe_keys = {kind for kind, _key in keys}, [key for _kind, key in keys]
        found = LedgerEntry.objects.filter(wallet=wallet, kind__in=kinds, dedupe_key__in=dedupe_keys)
        return {(kind, key) for kind, key in found.values_list("kind", "dedupe_key") if key is not None} & set(keys)
    # One lookup per pair in the unique index ``ledger_charge_once`` (a lateral subquery is always run
    # row by row): a plain ``IN``, or a join, may be planned as a walk through all the wallet's entries,
    # which grow forever.
    meta = LedgerEntry._meta
    table, wallet_id, kind, key = (
        connection.ops.quote_name(str(name))
        for name in (meta.db_table, meta.get_field("wallet").column, meta.get_field("kind").column, "dedupe_key")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k.kind, k.key FROM unnest(%s::text[], %s::text[]) AS k(kind, key) CROSS JOIN LATERAL "
            f"(SELECT 1 FROM {table} e WHERE e.{wallet_id} = %s AND e.{kind} = k.kind AND e.{key} = k.key "
            "LIMIT 1) found",
            [[kind for kind, _key in keys], [key for _kind, key in keys], wallet.pk],
        )
        return set(cursor.fetchall())


def credit(
    wallet: Wallet,
    *,
    amount: Decimal,
    kind: str,
    description: str,
    reference: Reference | None,
    client=None,
    client_amount: Decimal | None = None,
    number_id: int | None = None,
    dedupe_key: str | None = None,
    created_by: str = "",
) -> LedgerEntry:
    """Add ``amount`` (positive) to a locked wallet (``client_amount``: positive, what the client gets back)."""
    amount = quantize(amount)
    if amount <= 0:
        raise ValueError("A credit takes a positive amount")
    return _post(
        wallet,
        amount=amount,
        kind=kind,
        description=description,
        reference=reference,
        client=client,
        client_amount=client_amount,
        number_id=number_id,
        dedupe_key=dedupe_key,
        created_by=created_by,
    )


def adjust(
    wallet: Wallet, *, amount: Decimal, description: str, reference: Reference | None, created_by: str = ""
) -> LedgerEntry:
    """A staff correction of either sign. A negative adjustment may not overdraw the wallet."""
    return _post(
        wallet,
        amount=amount,
        kind=LedgerEntry.Kind.ADJUSTMENT,
        description=description,
        reference=reference,
        created_by=created_by,
    )


def entries_total(wallet: Wallet) -> Decimal:
    """Σ of the wallet's entries, computed by the database: what ``wallet.balance`` must equal."""
    total = LedgerEntry.objects.filter(wallet=wallet).aggregate(total=Sum("amount"))["total"]
    return quantize(total or 0)
