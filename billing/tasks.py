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


# Payment tasks live beside their services; imported here so Celery's autodiscovery registers them.
from .payments import tasks as payment_tasks  # noqa: E402, F401
