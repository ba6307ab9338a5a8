"""Celery tasks for payments: thin, idempotent, each calling one service."""

from __future__ import annotations

from celery import shared_task

from . import gateway, notify, thresholds, webhooks


@shared_task(
    autoretry_for=(gateway.StripeError,), retry_backoff=30, retry_backoff_max=600, max_retries=5, retry_jitter=True
)
def payment_event_process_task(event_pk: int) -> bool:
    return webhooks.payment_event_process(event_pk=event_pk)


@shared_task
def payment_events_sweep_task() -> int:
    done = 0
    for pk in webhooks.payment_events_unprocessed():
        try:
            done += webhooks.payment_event_process(event_pk=pk)
        except gateway.StripeError:
            continue  # Stripe still unreachable: the next sweep tries again
    return done


@shared_task
def wallet_thresholds_check_task(account_id: int | None = None) -> int:
    report = thresholds.wallet_thresholds_check(account_id=account_id)
    return report.alerted + report.recharged


@shared_task
def payment_received_notify_task(top_up_id: int) -> int:
    return notify.payment_received_notify(top_up_id=top_up_id)


@shared_task
def low_balance_notify_task(account_id: int) -> int:
    return notify.low_balance_notify(account_id=account_id)


@shared_task
def auto_recharge_failed_notify_task(top_up_id: int) -> int:
    return notify.auto_recharge_failed_notify(top_up_id=top_up_id)
