"""Celery tasks for billing: thin, idempotent."""

from __future__ import annotations

from celery import shared_task

from .renewals import renewals_run


@shared_task
def renewals_run_task() -> int:
    return renewals_run().renewed
