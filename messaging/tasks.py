"""Celery tasks for SMS: thin, idempotent, taking ids."""

from __future__ import annotations

from celery import shared_task

from portal.errors import RateLimited

from . import services


@shared_task(acks_late=True)
def message_dispatch_task(message_id: int) -> None:
    """Hand the message over, with whatever else is queued (``services.dispatch_run``)."""
    services.dispatch_run(message_id=message_id)


@shared_task(bind=True, max_retries=20, acks_late=True)
def carrier_event_process_task(self, event_id: int) -> None:
    try:
        services.carrier_event_process(event_id=event_id)
    except LookupError as exc:
        # A delivery report can overtake the carrier's answer to the send; the message will be there soon.
        raise self.retry(exc=exc, countdown=min(30, 1 + self.request.retries)) from exc


@shared_task(bind=True, max_retries=20, acks_late=True)
def sandbox_delivery_report_task(
    self, *, carrier_ref: str, delivered: bool, error_code: str, error_message: str
) -> None:
    """The sandbox network calling back with a handset's delivery report: stored like any carrier's
    callback, then processed here (it is already in a worker) rather than by one more task."""
    report = {
        "carrier_ref": carrier_ref,
        "delivered": delivered,
        "error_code": error_code,
        "error_message": error_message,
    }
    if services.carrier_status_reports(carrier="sandbox", reports={f"dlr_{carrier_ref}": report}):
        # The report overtook the send's answer: stored, and tried again in a moment.
        raise self.retry(exc=LookupError(carrier_ref), countdown=min(30, 1 + self.request.retries))


@shared_task(bind=True, max_retries=20, acks_late=True)
def sandbox_delivery_reports_task(self, *, reports: list[dict]) -> None:
    """The sandbox network's callback with the delivery reports of a batch of messages. Reports for
    messages not known yet (the report overtook the send's answer) are tried again a moment later."""
    early = services.carrier_status_reports(
        carrier="sandbox", reports={f"dlr_{report['carrier_ref']}": report for report in reports}
    )
    if early:
        if self.request.retries >= self.max_retries:
            return  # left stored and unprocessed: the sweeper takes them
        raise self.retry(kwargs={"reports": early}, countdown=min(30, 1 + self.request.retries))


@shared_task(bind=True, max_retries=30, acks_late=True)
def sms_forward_task(self, message_id: int) -> None:
    """Forward an inbound message now. Whatever this task cannot finish (it is lost, or the rate limit
    outlasts its retries, or the wallet is empty) stays due on the forward's row for the sweeper."""
    try:
        services.sms_forward(message_id=message_id)
    except RateLimited as exc:
        if self.request.retries >= self.max_retries:
            return  # the row is due again already: the sweeper takes it
        raise self.retry(exc=exc, countdown=exc.extra.get("retry_after") or 1) from exc


@shared_task
def sms_forwards_sweep_task() -> int:
    return services.sms_forwards_sweep()


@shared_task
def messaging_sweep_task() -> int:
    """Re-enqueue what a lost task left behind: messages not handed to the carrier, callbacks not processed."""
    message_ids = services.dispatch_stalled_ids()
    for message_id in message_ids:
        message_dispatch_task.delay(message_id)
    event_ids = services.carrier_events_stalled_ids()
    for event_id in event_ids:
        carrier_event_process_task.delay(event_id)
    return len(message_ids) + len(event_ids)


@shared_task
def messages_sent_sweep_task() -> int:
    """Messages whose delivery report never came: looked up at the carrier, or expired."""
    return services.messages_sent_sweep()
