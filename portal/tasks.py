from celery import shared_task

from portal import health, idempotency, ratelimit


@shared_task
def heartbeat_task() -> None:
    """A worker is alive and taking tasks (reported by /readyz)."""
    health.heartbeat_record("worker")


@shared_task
def idempotency_purge_task() -> int:
    return idempotency.purge_expired()


@shared_task
def rate_hits_purge_task() -> int:
    return ratelimit.purge_sql_hits()


# The webhook tasks live with their code; imported here so the worker registers them.
from portal.webhooks.tasks import (  # noqa: E402, F401
    webhook_deliveries_send_task,
    webhook_disabled_notify_task,
    webhook_event_fan_out_task,
    webhooks_sweep_task,
)
