import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("didfarm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The whole periodic schedule. Every job here is safe to run twice, and concurrently.
app.conf.beat_schedule = {
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
    # Numbers held for documents longer than REGULATORY_HOLD_DAYS are released and refunded, and approvals
    # past their validity expire; hourly, so nobody waits a day for either. Safe to run twice.
    "regulatory-sweep": {"task": "numbers_app.tasks.regulatory_sweep_task", "schedule": crontab(minute=47)},
    # The sandbox carrier completes a scheduled port SANDBOX_PORT_SECONDS after its time, as a real carrier's
    # completion report would arrive; each port completes once (only an open request is completed).
    "porting-sandbox-sweep": {"task": "numbers_app.tasks.porting_sandbox_sweep_task", "schedule": 15.0},
    # Search totals come from per-group counters; recount them nightly so any drift heals.
    "numbers-stock-recount": {
        "task": "numbers_app.tasks.stock_counts_refresh_task",
        "schedule": crontab(hour=3, minute=7),
    },
}
