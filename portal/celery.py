import logging
import os

from celery import Celery, Task
from celery.beat import PersistentScheduler
from celery.schedules import crontab
from kombu import Queue

logger = logging.getLogger("didfarm.celery")

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


class PortalTask(Task):
    """Every task of the portal. Enqueuing one never fails the caller: services enqueue after their
    transaction has committed, so a broker that cannot take the message (Redis down) would otherwise turn a
    change already made into a 500. The task's row is left as it is (``provisioning``, ``queued``, not yet
    fanned out, ...) and the periodic sweeper for it (``beat_schedule`` below) enqueues it again."""

    def apply_async(self, *args, **kwargs):
        from portal import outages

        try:
            return super().apply_async(*args, **kwargs)
        except outages.REDIS_ERRORS:
            outages.warn("broker", "The broker is unreachable: %s not enqueued; its sweeper will take it", self.name)
            return None


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's own scheduler, stamping the ``beat`` heartbeat each time it has sent a periodic task
    (``/readyz`` reports it; portal/health.py). A send the broker refused stamps nothing."""

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        result = super().apply_async(entry, producer=producer, advance=advance, **kwargs)
        if result is not None:
            try:
                from portal.health import heartbeat_record

                heartbeat_record("beat")
            except Exception:  # noqa: BLE001 - the schedule goes on whether or not the stamp could be written
                logger.warning("Could not record beat's heartbeat", exc_info=True)
        return result


app = Celery("didfarm", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The queues, and why each kind of work has its own: a burst of one kind (a thousand numbers bought at
# once, a webhook receiver that times out) must never delay another. Every worker command (``manage.py
# serve``, the README's production workers) is built from this list; a task routed to a queue no worker
# consumes would wait for ever, so a test checks that every task is routed here, to one of these.
QUEUES = (
    # Whatever is not listed below: emails after a regulatory decision or a disabled webhook endpoint.
    "default",
    # Upstream carrier calls that take seconds each (provisioning, release, routing, trunks): the bulk
    # of a purchase burst, which must not hold up anything else.
    "carrier",
    # SMS hand-over and delivery reports: short, and what a user watches arrive on the page.
    "sms",
    # Deliveries to resellers' URLs, whose answers may take up to their timeout.
    "webhooks",
    # The beat schedule's jobs and sweepers: long-running batches that may wait behind each other.
    "periodic",
)

# Which queue each task goes to, by task name.
TASK_QUEUES = {
    "numbers_app.tasks.number_provision_task": "carrier",
    "numbers_app.tasks.number_carrier_release_task": "carrier",
    "numbers_app.tasks.number_route_push_task": "carrier",
    "numbers_app.tasks.trunk_push_task": "carrier",
    "numbers_app.tasks.number_renewal_push_task": "carrier",
    "numbers_app.tasks.carrier_stock_import_task": "carrier",
    "numbers_app.tasks.carrier_reconcile_task": "carrier",
    "numbers_app.tasks.test_call_task": "carrier",
    # Compliance profiles sent to upstream carriers, and their verdicts asked for.
    "numbers_app.tasks.regulatory_upstream_send_task": "carrier",
    "numbers_app.tasks.regulatory_upstream_submission_send_task": "carrier",
    "numbers_app.tasks.regulatory_upstream_poll_task": "carrier",
    # A number that stopped ringing (or rings again) on its daily test call: ordinary mail.
    "numbers_app.tasks.test_call_alert_notify_task": "default",
    "messaging.tasks.message_dispatch_task": "sms",
    "messaging.tasks.carrier_event_process_task": "sms",
    "messaging.tasks.sandbox_delivery_report_task": "sms",
    "messaging.tasks.sandbox_delivery_reports_task": "sms",
    "messaging.tasks.sms_forward_task": "sms",
    "portal.webhooks.tasks.webhook_event_fan_out_task": "webhooks",
    "portal.webhooks.tasks.webhooks_nudge_task": "webhooks",
    "portal.webhooks.tasks.webhook_deliveries_send_task": "webhooks",
    "portal.webhooks.tasks.webhook_disabled_notify_task": "default",
    "numbers_app.tasks.profile_decision_notify_task": "default",
    # An /api/v3 order's callback goes to the buyer's URL, as a webhook does.
    "numbers_app.tasks.didww_order_callback_task": "webhooks",
    # Every job of the beat schedule below.
    "portal.tasks.idempotency_purge_task": "periodic",
    "portal.tasks.rate_hits_purge_task": "periodic",
    "numbers_app.tasks.provisioning_sweep_task": "periodic",
    "messaging.tasks.messaging_sweep_task": "periodic",
    "messaging.tasks.messages_sent_sweep_task": "periodic",
    "messaging.tasks.sms_forwards_sweep_task": "periodic",
    "portal.webhooks.tasks.webhooks_sweep_task": "periodic",
    "billing.tasks.renewals_run_task": "periodic",
    "billing.tasks.invoices_issue_month_task": "periodic",
    "billing.tasks.invoices_remind_overdue_task": "periodic",
    # An issued invoice is emailed to its client as ordinary mail.
    "billing.tasks.invoice_send_task": "default",
    "numbers_app.tasks.regulatory_sweep_task": "periodic",
    "numbers_app.tasks.porting_sandbox_sweep_task": "periodic",
    "numbers_app.tasks.stock_counts_refresh_task": "periodic",
    "numbers_app.tasks.didww_sweep_task": "periodic",
    "numbers_app.tasks.sip_edge_sync_task": "periodic",
    "numbers_app.tasks.test_call_sweeps_run_task": "periodic",
    "numbers_app.tasks.carriers_stock_import_task": "periodic",
    "numbers_app.tasks.carriers_reconcile_task": "periodic",
    "numbers_app.tasks.regulatory_upstream_sweep_task": "periodic",
    "numbers_app.tasks.vault_files_expire_task": "periodic",
    # Health: the heartbeat is a periodic job like the others (readiness reads when it last ran).
    "portal.tasks.heartbeat_task": "periodic",
    # Payments: Stripe's events are credited as they arrive; the emails about them are ordinary mail; the
    # sweep of lost events and the threshold checks (alerts, auto-recharge) are periodic jobs.
    "billing.payments.tasks.payment_event_process_task": "default",
    "billing.payments.tasks.payment_received_notify_task": "default",
    "billing.payments.tasks.low_balance_notify_task": "default",
    "billing.payments.tasks.auto_recharge_failed_notify_task": "default",
    "billing.payments.tasks.payment_events_sweep_task": "periodic",
    "billing.payments.tasks.wallet_thresholds_check_task": "periodic",
}

app.conf.task_queues = [Queue(name, routing_key=name) for name in QUEUES]
app.conf.task_default_queue = "default"
app.conf.task_default_routing_key = "default"
# Tasks not named here (Celery's own) go to ``default``.
app.conf.task_routes = {name: {"queue": queue, "routing_key": queue} for name, queue in TASK_QUEUES.items()}

# The whole periodic schedule. Every job here is safe to run twice, and concurrently; each is routed to
# the ``periodic`` queue (``TASK_QUEUES``), so a long batch never delays carrier calls, SMS or webhooks.
app.conf.beat_schedule = {
    # The worker's heartbeat for /readyz: proves a worker takes tasks (and, sent by beat, that beat runs).
    "heartbeat": {"task": "portal.tasks.heartbeat_task", "schedule": 30.0},
    # Idempotency-Key responses are replayed for 24 hours; older rows only take space.
    "idempotency-purge": {"task": "portal.tasks.idempotency_purge_task", "schedule": crontab(minute=17)},
    # Without Redis, rate-limit hits are logged in a table; hits older than any window are dropped hourly.
    "rate-hits-purge": {"task": "portal.tasks.rate_hits_purge_task", "schedule": crontab(minute=41)},
    # A provisioning task lost with a broker or a worker must not leave a paid number stuck.
    "numbers-provisioning-sweep": {"task": "numbers_app.tasks.provisioning_sweep_task", "schedule": 60.0},
    # An SMS whose dispatch task was lost, or a carrier callback not yet processed, must not stay stuck.
    "messaging-sweep": {"task": "messaging.tasks.messaging_sweep_task", "schedule": 30.0},
    # Inbound SMS to forward whose task was lost or gave up (rate limit, empty wallet, suspended number) are
    # tried again when due, for up to 24 hours; claimed with SKIP LOCKED, each copy sent once.
    "sms-forwards-sweep": {"task": "messaging.tasks.sms_forwards_sweep_task", "schedule": 30.0},
    # A message the carrier took whose delivery report never came (the report's task was lost with a worker
    # or a Redis restart) is looked up at the carrier, or ends undelivered once past its validity.
    "messages-sent-sweep": {"task": "messaging.tasks.messages_sent_sweep_task", "schedule": 60.0},
    # Webhooks: events whose fan-out task was lost get their deliveries, and deliveries whose next
    # attempt is due (retries wait for hours as rows, never as broker countdowns) are sent.
    "webhooks-sweep": {"task": "portal.webhooks.tasks.webhooks_sweep_task", "schedule": 10.0},
    # Payments: a Stripe event whose processing task was lost, or failed while Stripe was unreachable, is
    # processed again (each event acts once: claimed by a conditional UPDATE, keyed on Stripe's ids).
    "payment-events-sweep": {"task": "billing.payments.tasks.payment_events_sweep_task", "schedule": 60.0},
    # Low-balance alerts and auto-recharges act once per threshold crossing (claim rows); every minute so a
    # wallet emptied by renewals or SMS is noticed quickly, whatever debited it.
    "wallet-thresholds": {"task": "billing.payments.tasks.wallet_thresholds_check_task", "schedule": 60.0},
    # Numbers are renewed (or their unpaid renewals retried, suspended, released) on their paid-through day;
    # run hourly so a day is never missed and a top-up reactivates within the hour. Safe to run twice.
    "renewals": {"task": "billing.tasks.renewals_run_task", "schedule": crontab(minute=23)},
    # Last month's client invoices are issued on the 1st; the later hours retry any that failed (an issued
    # invoice is left as it is). Not at midnight: charges of the month's last seconds have committed by then.
    "invoices-issue": {
        "task": "billing.tasks.invoices_issue_month_task",
        "schedule": crontab(day_of_month="1", hour="0,3,6", minute=37),
    },
    # Overdue invoices: their clients are reminded by email, each at most once in INVOICE_REMINDER_DAYS (a
    # claim on the invoice row), daily in the morning. Safe to run twice.
    "invoices-remind-overdue": {
        "task": "billing.tasks.invoices_remind_overdue_task",
        "schedule": crontab(hour=8, minute=13),
    },
    # Numbers held for documents longer than REGULATORY_HOLD_DAYS are released and refunded, and approvals
    # past their validity expire; hourly, so nobody waits a day for either. Safe to run twice.
    "regulatory-sweep": {"task": "numbers_app.tasks.regulatory_sweep_task", "schedule": crontab(minute=47)},
    # The sandbox carrier completes a scheduled port SANDBOX_PORT_SECONDS after its time, as a real carrier's
    # completion report would arrive; each port completes once (only an open request is completed).
    "porting-sandbox-sweep": {"task": "numbers_app.tasks.porting_sandbox_sweep_task", "schedule": 15.0},
    # /api/v3: a reserved number goes back on sale when its reservation expires, and order callbacks whose
    # task was lost or whose receiver failed are sent when due. Each row is claimed, so running twice is safe.
    "didww-sweep": {"task": "numbers_app.tasks.didww_sweep_task", "schedule": 30.0},
    # Where a SIP edge runs (SIP_EDGE_ENABLED): trunks turn registered or offline, and calls become call records
    # (with their events and charges), within seconds of the edge's REGISTER, expiry or BYE. Each trunk
    # changes once per change (its row is locked) and each call is imported once (its Call-ID is unique).
    "sip-edge-sync": {"task": "numbers_app.tasks.sip_edge_sync_task", "schedule": 3.0},
    # Daily test calls: each account that turned them on gets its day's sweep from the hour it chose, and the
    # sweeps' calls leave at TEST_CALL_SWEEP_PER_MINUTE (each call itself runs on the carrier queue), so a
    # sweep never floods the edge or a PBX. Every minute, to keep that pace. A day's sweep is unique per
    # account, each number has one call in it, and calls are claimed with SKIP LOCKED: safe to run twice.
    "test-call-sweeps": {"task": "numbers_app.tasks.test_call_sweeps_run_task", "schedule": 60.0},
    # Upstream carriers' stock changes all day: each enabled carrier's DID groups, prices and DIDs for sale
    # are imported into the search index every 30 minutes (each import a task on the ``carrier`` queue).
    "carriers-stock-import": {
        "task": "numbers_app.tasks.carriers_stock_import_task",
        "schedule": crontab(minute="*/30"),
    },
    # Our numbers and each carrier's DIDs are compared nightly: renewal mismatches repaired, the rest
    # reported on the staff console. Read-only but for those repairs; safe to run twice.
    "carriers-reconcile": {"task": "numbers_app.tasks.carriers_reconcile_task", "schedule": crontab(hour=2, minute=13)},
    # Compliance profiles sent to upstream carriers: the verdict is asked for when each submission's poll is
    # due (REGULATORY_UPSTREAM_POLL_SECONDS), and sending resumes once a transient failure's backoff is over;
    # each a task on the ``carrier`` queue that claims its row, so running twice is safe.
    "regulatory-upstream-sweep": {"task": "numbers_app.tasks.regulatory_upstream_sweep_task", "schedule": 60.0},
    # /api/v3's vault: encrypted files no proof used are someone's documents; they are deleted once past their
    # expiry (7 days) rather than kept until somebody uploads again. One DELETE; safe to run twice.
    "vault-files-expire": {"task": "numbers_app.tasks.vault_files_expire_task", "schedule": crontab(minute="*/15")},
    # Search totals come from per-group counters; recount them nightly so any drift heals.
    "numbers-stock-recount": {
        "task": "numbers_app.tasks.stock_counts_refresh_task",
        "schedule": crontab(hour=3, minute=7),
    },
}
