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
    # Without Redis, rate-limit windows live in a table; expired windows are dropped hourly.
    "rate-windows-purge": {"task": "portal.tasks.rate_windows_purge_task", "schedule": crontab(minute=41)},
}
