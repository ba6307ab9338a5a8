"""Invoice numbers: one gap-free series per account, document kind and year.

``next_number`` must run inside the transaction that issues the document. It locks the series' counter
row (``SELECT … FOR UPDATE``; the row is created first if the year has none, and a creation race is
settled by the unique constraint), so two issuers of one account wait for each other; the number is
taken in the same transaction as the document, so a rollback gives it back and no number is skipped.

Invoices read ``<prefix>-<year>-<0001>``; credit notes have their own series, ``<prefix>-CN-<year>-<0001>``.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ..models import Invoice, InvoiceCounter


def format_number(*, prefix: str, kind: str, year: int, sequence: int) -> str:
    series = f"{prefix}-CN" if kind == Invoice.Kind.CREDIT_NOTE else prefix
    return f"{series}-{year}-{sequence:04d}"


def next_number(*, account_id: int, kind: str, year: int, prefix: str) -> tuple[int, str]:
    """The series' next (sequence, number), taken under the counter row's lock. Inside ``atomic()``."""
    assert transaction.get_connection().in_atomic_block, "a number is taken in the issuing transaction"
    counter = InvoiceCounter.objects.select_for_update().filter(account_id=account_id, kind=kind, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():  # a savepoint: losing the race to create the row is not an error
                InvoiceCounter.objects.create(account_id=account_id, kind=kind, year=year)
        except IntegrityError:
            pass
        counter = InvoiceCounter.objects.select_for_update().get(account_id=account_id, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, format_number(prefix=prefix, kind=kind, year=year, sequence=counter.last)
