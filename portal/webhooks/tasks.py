"""Celery tasks for webhooks: thin, idempotent, each calling one service."""

from __future__ import annotations

from celery import shared_task

from . import notify, services


@shared_task
def webhook_event_fan_out_task(event_id: int) -> int:
    """Right after an event commits: its deliveries, then send what is due."""
    services.events_fan_out(event_ids=[event_id])
    return services.webhooks_sweep(time_budget=5.0)


@shared_task
def webhooks_nudge_task() -> int:
    """After a burst of events: fan out everything pending, then send what is due."""
    from portal.events import nudge_taken

    nudge_taken()
    return services.webhooks_sweep(time_budget=5.0)


@shared_task
def webhook_deliveries_send_task() -> int:
    return services.webhooks_sweep(time_budget=5.0)


@shared_task
def webhooks_sweep_task() -> int:
    return services.webhooks_sweep()


@shared_task
def webhook_disabled_notify_task(endpoint_id: int) -> int:
    return notify.endpoint_disabled_notify(endpoint_id=endpoint_id)
