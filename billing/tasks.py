"""Celery tasks for billing: thin, idempotent."""

from __future__ import annotations

from celery import shared_task

from .invoices import invoices_issue_month
from .renewals import renewals_run


@shared_task
def renewals_run_task() -> int:
    return renewals_run().renewed


@shared_task
def invoices_issue_month_task() -> int:
    return invoices_issue_month().issued


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invoice_send_task(invoice_id: int) -> int:
    """Email an issued invoice or credit note to the client (once; a retry after a failed send only)."""
    from .invoicing.sending import invoice_send

    return invoice_send(invoice_id=invoice_id)


@shared_task
def invoices_remind_overdue_task() -> int:
    from .invoicing.sending import invoices_remind_overdue

    return invoices_remind_overdue()


# Payment tasks live beside their services; imported here so Celery's autodiscovery registers them.
from .payments import tasks as payment_tasks  # noqa: E402, F401
