"""Periodic jobs run by a real Celery worker over the Redis broker (not eagerly)."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from portal.celery import app
from portal.models import IdempotencyRecord
from portal.tasks import idempotency_purge_task, rate_hits_purge_task


@pytest.fixture
def celery_worker(settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "integration tests need the Redis broker"
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def _wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_worker_purges_expired_idempotency_records(tenants, celery_worker):
    old = IdempotencyRecord.objects.create(
        account=tenants.a.account, key="old", method="POST", path="/x", request_hash="h", state="done"
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=30))
    IdempotencyRecord.objects.create(
        account=tenants.a.account, key="fresh", method="POST", path="/x", request_hash="h", state="done"
    )
    idempotency_purge_task.delay()
    assert _wait_for(lambda: not IdempotencyRecord.objects.filter(key="old").exists())
    assert IdempotencyRecord.objects.filter(key="fresh").exists()


@pytest.mark.django_db(transaction=True)
def test_the_rate_hit_purge_is_safe_to_run_twice(tenants, celery_worker):
    from portal.models import RateBucket, RateHit

    old, current = RateBucket.objects.create(bucket="old"), RateBucket.objects.create(bucket="current")
    RateHit.objects.create(bucket=old, at=timezone.now() - timedelta(hours=3))
    RateHit.objects.create(bucket=current, at=timezone.now())
    first, second = rate_hits_purge_task.delay(), rate_hits_purge_task.delay()
    assert first.id != second.id
    assert _wait_for(lambda: not RateBucket.objects.filter(bucket="old").exists())
    time.sleep(1)  # let the second run finish too
    assert list(RateHit.objects.values_list("bucket__bucket", flat=True)) == ["current"]


def test_every_periodic_job_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, f"beat entry {name} points at an unknown task"
