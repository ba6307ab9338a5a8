"""Liveness (/healthz) asks nothing; readiness (/readyz) asks every dependency and says which is down."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from celery.beat import ScheduleEntry
from django.utils import timezone

from portal import ratelimit
from portal.celery import HeartbeatScheduler, app
from portal.tasks import heartbeat_task
from tests.portal.test_web_server import _free_port


def test_liveness_answers_without_touching_the_database(client):
    # No database access is allowed in this test (no ``db`` fixture): a query would fail it.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_reports_each_component_with_its_status_and_latency(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert set(checks) == {"database", "redis", "broker", "worker", "beat"}
    for name in ("database", "redis", "broker"):
        assert checks[name]["status"] == "ok" and checks[name]["required"] is True
        assert isinstance(checks[name]["latency_ms"], float)
    # No worker or beat has shown itself yet: reported, not required.
    assert checks["worker"] == {"status": "unknown", "last_seen_seconds": None, "required": False}
    assert checks["beat"]["status"] == "unknown"


@pytest.mark.django_db
def test_the_worker_and_beat_heartbeats_go_stale_after_the_configured_time(client, settings, tmp_path):
    heartbeat_task.apply()
    scheduler = HeartbeatScheduler(app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    entry = ScheduleEntry(name="heartbeat", task="portal.tasks.heartbeat_task", schedule=timedelta(seconds=30), app=app)
    with app.producer_or_acquire() as producer:
        scheduler.apply_entry(entry, producer=producer)
    checks = client.get("/readyz").json()["checks"]
    assert checks["worker"]["status"] == checks["beat"]["status"] == "ok"
    assert checks["worker"]["last_seen_seconds"] < 5
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.HEALTH_STALE_SECONDS + 60)):
        response = client.get("/readyz")
    checks = response.json()["checks"]
    assert checks["worker"]["status"] == checks["beat"]["status"] == "stale"
    assert response.status_code == 200  # web processes keep serving without a worker


@pytest.mark.django_db
def test_readiness_is_a_503_naming_no_host_when_redis_is_unreachable(client, settings):
    port = _free_port()
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    ratelimit._redis.cache_clear()
    try:
        response = client.get("/readyz")
    finally:
        ratelimit._redis.cache_clear()
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["status"] == "down" and body["checks"]["database"]["status"] == "ok"
    text = response.content.decode()
    assert "127.0.0.1" not in text and str(port) not in text


@pytest.mark.django_db
def test_both_probes_answer_plain_http_while_pages_are_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/login/").status_code == 301
