"""Celery tasks for numbers: thin, idempotent, taking ids."""

from __future__ import annotations

from celery import shared_task

from . import services
from .carriers import CarrierError

MAX_PROVISION_RETRIES = 5


@shared_task(bind=True, max_retries=MAX_PROVISION_RETRIES, acks_late=True)
def number_provision_task(self, number_id: int) -> None:
    try:
        services.number_provision(number_id=number_id)
    except CarrierError as exc:
        if exc.transient and self.request.retries < MAX_PROVISION_RETRIES:
            # 2, 4, 8, 16, 32 s: well inside the broker's visibility timeout.
            raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
        services.number_provision_failed(number_id=number_id, reason=str(exc))


@shared_task(bind=True, max_retries=8, acks_late=True)
def number_carrier_release_task(self, number_id: int) -> None:
    try:
        services.number_carrier_release(number_id=number_id)
    except CarrierError as exc:
        if exc.transient:
            raise self.retry(exc=exc, countdown=min(600, 2 ** (self.request.retries + 2))) from exc
        raise


@shared_task
def provisioning_sweep_task() -> int:
    """Re-enqueue provisioning that a lost or crashed task left behind."""
    ids = services.provisioning_stalled_ids()
    for number_id in ids:
        number_provision_task.delay(number_id)
    return len(ids)


@shared_task
def stock_counts_refresh_task() -> int:
    return services.stock_counts_refresh()


@shared_task(bind=True, max_retries=8, acks_late=True)
def number_route_push_task(self, number_id: int) -> None:
    from .trunks import number_route_push

    try:
        number_route_push(number_id=number_id)
    except CarrierError as exc:
        if exc.transient:
            raise self.retry(exc=exc, countdown=min(300, 2 ** (self.request.retries + 1))) from exc
        raise
