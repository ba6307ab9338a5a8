"""Celery tasks for numbers: thin, idempotent, taking ids."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import services
from .carriers import CarrierError
from .models import Number

MAX_PROVISION_RETRIES = 5
# An upstream order still pending is polled this many times (about 45 minutes in all) before it is given up.
MAX_PENDING_POLLS = 14
MAX_POLL_SECONDS = 300


@shared_task(bind=True, max_retries=None, acks_late=True)
def number_provision_task(self, number_id: int) -> None:
    try:
        services.number_provision(number_id=number_id)
    except CarrierError as exc:
        # The attempts counted on the number (by every task that claimed it) decide, not this chain's own.
        attempts = Number.objects.filter(pk=number_id).values_list("provision_attempts", flat=True).first() or 0
        # An order the carrier has accepted and not yet completed is waited for longer than a failure.
        limit = MAX_PENDING_POLLS if exc.code == "order_pending" else MAX_PROVISION_RETRIES
        if exc.transient and attempts <= limit:
            # 2, 4, 8, 16, 32 s …, at most 5 minutes: well inside the broker's visibility timeout
            countdown = min(MAX_POLL_SECONDS, 2**attempts)
            services.number_provision_retry_scheduled(
                number_id=number_id, at=timezone.now() + timedelta(seconds=countdown)
            )
            raise self.retry(exc=exc, countdown=countdown) from exc
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
    """Re-enqueue provisioning (of numbers, and of SIP trunks) that a lost or crashed task left behind."""
    from .trunks.services import trunks_stalled_ids

    ids = services.provisioning_stalled_ids()
    for number_id in ids:
        number_provision_task.delay(number_id)
    trunk_ids = trunks_stalled_ids()
    for trunk_id in trunk_ids:
        trunk_push_task.delay(trunk_id)
    return len(ids) + len(trunk_ids)


@shared_task(bind=True, max_retries=8, acks_late=True)
def trunk_push_task(self, trunk_id: int) -> None:
    from .trunks.services import trunk_push

    try:
        trunk_push(trunk_id=trunk_id)
    except CarrierError as exc:
        if exc.transient:
            raise self.retry(exc=exc, countdown=min(300, 2 ** (self.request.retries + 1))) from exc
        raise


@shared_task
def stock_counts_refresh_task() -> int:
    return services.stock_counts_refresh()


@shared_task(bind=True, max_retries=8, acks_late=True)
def number_route_push_task(self, number_id: int) -> None:
    from .trunks.services import number_route_push

    try:
        number_route_push(number_id=number_id)
    except CarrierError as exc:
        if exc.transient:
            raise self.retry(exc=exc, countdown=min(300, 2 ** (self.request.retries + 1))) from exc
        raise


@shared_task
def regulatory_sweep_task() -> dict:
    from .regulatory.services import regulatory_sweep

    return regulatory_sweep()


@shared_task
def porting_sandbox_sweep_task() -> int:
    """The sandbox carrier completes scheduled ports a little after their time."""
    from .porting import services as porting

    ids = porting.sandbox_ports_due_ids()
    return sum(1 for port_id in ids if porting.sandbox_port_complete(port_id=port_id) is not None)


@shared_task(bind=True, max_retries=5, acks_late=True)
def profile_decision_notify_task(self, profile_id: int) -> int:
    from .regulatory.services import profile_decision_notify

    try:
        return profile_decision_notify(profile_id=profile_id)
    except OSError as exc:  # the mail server is away: try again later
        raise self.retry(exc=exc, countdown=60 * (self.request.retries + 1)) from exc


@shared_task(bind=True, max_retries=24, acks_late=True)
def didww_order_callback_task(self, order_id: int) -> str:
    """Send an /api/v3 order's status to its callback URL once it has settled; while its numbers are
    still being provisioned, look again in five seconds (the sweeper takes over after two minutes)."""
    from .didww.buying import order_callback_send

    outcome = order_callback_send(order_id=order_id)
    if outcome == "pending" and self.request.retries < self.max_retries:
        raise self.retry(countdown=5)
    return outcome


@shared_task
def didww_sweep_task() -> dict:
    """Expired reservations go back on sale; order callbacks that are due (settled since, or to retry) go."""
    from .didww.buying import order_callback_send, order_callbacks_due, reservations_expire

    sent = [order_callback_send(order_id=order_id) for order_id in order_callbacks_due()]
    return {"reservations_expired": reservations_expire(), "callbacks": len(sent)}


# --- Upstream carriers (``numbers.upstream``): stock, renewal, reconciliation ------------------------------


@shared_task
def carriers_stock_import_task() -> int:
    """Each enabled carrier's stock is imported by its own task on the ``carrier`` queue."""
    from .upstream.services import carriers_due_for_import

    ids = carriers_due_for_import()
    for carrier_id in ids:
        carrier_stock_import_task.delay(carrier_id)
    return len(ids)


@shared_task(acks_late=True)
def carrier_stock_import_task(carrier_id: int) -> int:
    """(A failed import is recorded on the carrier, not retried: the next scheduled run tries again.)"""
    from .upstream.services import carrier_stock_import

    result = carrier_stock_import(carrier_id=carrier_id)
    return result.numbers if result else 0


@shared_task
def carriers_reconcile_task() -> int:
    from .upstream.services import carriers_due_for_reconciliation

    ids = carriers_due_for_reconciliation()
    for carrier_id in ids:
        carrier_reconcile_task.delay(carrier_id)
    return len(ids)


@shared_task(acks_late=True)
def carrier_reconcile_task(carrier_id: int) -> int:
    from .upstream.services import carrier_reconcile

    return len(carrier_reconcile(carrier_id=carrier_id) or [])


@shared_task(bind=True, max_retries=8, acks_late=True)
def number_renewal_push_task(self, number_id: int) -> None:
    from .upstream.services import number_renewal_push

    try:
        number_renewal_push(number_id=number_id)
    except CarrierError as exc:
        if exc.transient:
            raise self.retry(exc=exc, countdown=min(600, 2 ** (self.request.retries + 2))) from exc
        raise


# --- The SIP edge (``numbers.voice``) ---------------------------------------------------------------------


@shared_task
def sip_edge_sync_task() -> dict:
    """Registration changes and new call records from the SIP edge's tables (nothing without an edge)."""
    from django.conf import settings

    from .voice.services import calls_import, registrations_sync

    if not settings.SIP_EDGE_ENABLED:
        return {"registrations": 0, "calls": 0}
    return {"registrations": registrations_sync(), "calls": calls_import()}


@shared_task(acks_late=True)
def test_call_task(test_call_id: int) -> str:
    """Place one test call through the SIP edge (it waits for the PBX: seconds, on the carrier queue)."""
    from .voice.testcalls import test_call_run

    return test_call_run(test_call_id=test_call_id).status


# --- Regulatory documents sent upstream (numbers/upstream/regulatory.py) ----------------------------


@shared_task(bind=True, max_retries=5, acks_late=True)
def regulatory_upstream_send_task(self, profile_id: int) -> int:
    """(Transient failures are retried here a few times; after that the sweep resends when its backoff is
    over: the submission's ``next_attempt_at``.)"""
    from .upstream.regulatory import regulatory_upstream_send

    try:
        return len(regulatory_upstream_send(profile_id=profile_id))
    except CarrierError as exc:
        raise self.retry(exc=exc, countdown=min(300, 2 ** (self.request.retries + 3))) from exc


@shared_task(acks_late=True)
def regulatory_upstream_submission_send_task(submission_id: int) -> None:
    from .upstream.regulatory import submission_send

    # A transient failure is recorded on the submission, with the time of its next attempt (the sweep's).
    with contextlib.suppress(CarrierError):
        submission_send(submission_id=submission_id)


@shared_task(acks_late=True)
def regulatory_upstream_poll_task(submission_id: int) -> str | None:
    from .upstream.regulatory import submission_poll

    return submission_poll(submission_id=submission_id)


@shared_task
def regulatory_upstream_sweep_task() -> int:
    """Each submission due to be sent again, or asked for its verdict, gets its own task on ``carrier``."""
    from .upstream.regulatory import regulatory_upstream_sweep

    due = regulatory_upstream_sweep()
    for submission_id in due["send"]:
        regulatory_upstream_submission_send_task.delay(submission_id)
    for submission_id in due["poll"]:
        regulatory_upstream_poll_task.delay(submission_id)
    return len(due["send"]) + len(due["poll"])


@shared_task
def vault_files_expire_task() -> int:
    from .didww.vault_files import files_expire

    return files_expire()


@shared_task
def test_call_sweeps_run_task() -> dict:
    """Start the daily test-call sweeps that are due and let their next calls go (at the set pace)."""
    from .voice.sweeps import test_call_sweeps_run

    return test_call_sweeps_run()


@shared_task
def test_call_alert_notify_task(test_call_id: int) -> int:
    """Email that a number stopped ringing on its daily test call (or rings again)."""
    from .voice.sweeps import test_call_alert_notify

    return test_call_alert_notify(test_call_id=test_call_id)
