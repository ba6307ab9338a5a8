"""Liveness and readiness.

``/healthz`` says the process answers and nothing more: no dependency is asked, so an orchestrator never
restarts web processes because the database or Redis is down (restarting would not bring those back).

``/readyz`` asks each dependency, with its latency, and answers 503 when a required one is down (take the
process out of the load balancer's rotation until it is back):

- ``database``: ``SELECT 1`` (required);
- ``redis``: ``PING``, when ``REDIS_URL`` is set (required then: the cache and the broker live there);
- ``broker``: a connection to Celery's broker (Redis), or its folders in the embedded run (required);
- ``worker``: how long ago a worker ran ``heartbeat_task`` (beat sends it every 30 s), and ``beat``: how
  long ago beat sent any periodic task. Either is ``stale`` after ``HEALTH_STALE_SECONDS``, ``unknown``
  before its first beat. Reported, not required: web processes serve without them, and pulling every web
  process out of rotation because the worker stopped would only add an outage.

Answers name components and statuses, never hosts, addresses or error texts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal import outages

OK, DOWN, STALE, UNKNOWN, NOT_CONFIGURED = "ok", "down", "stale", "unknown", "not_configured"


def heartbeat_record(name: str) -> None:
    """Stamp ``name`` (``worker``, ``beat``) as alive now."""
    from portal.models import Heartbeat

    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def _timed(probe: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        probe()
        status = OK
    except Exception:  # noqa: BLE001 - any failure means "down"; its text may name hosts, so it is not shown
        status = DOWN
    return {"status": status, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis() -> None:
    from portal.ratelimit import redis_client

    redis_client().ping()


def _broker() -> None:
    if not settings.REDIS_URL:
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        for folder in (options["data_folder_in"], options["processed_folder"]):
            if not os.access(folder, os.W_OK):
                raise OSError("broker folder not writable")
        return
    from portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)


def _heartbeats(database_ok: bool) -> dict[str, dict]:
    from portal.models import Heartbeat

    seen = {}
    if database_ok:
        try:
            seen = dict(Heartbeat.objects.values_list("name", "at"))
        except Exception:  # noqa: BLE001 - e.g. a database not migrated yet
            seen = {}
    now = timezone.now()
    report = {}
    for name in ("worker", "beat"):
        at = seen.get(name)
        if at is None:
            report[name] = {"status": UNKNOWN, "last_seen_seconds": None}
            continue
        age = max(0.0, (now - at).total_seconds())
        status = OK if age <= settings.HEALTH_STALE_SECONDS else STALE
        report[name] = {"status": status, "last_seen_seconds": round(age, 1)}
    return report


def readiness() -> tuple[bool, dict]:
    """``(ready, report)``: ready when every required component is ok."""
    checks: dict[str, dict] = {"database": {**_timed(_database), "required": True}}
    if settings.REDIS_URL:
        checks["redis"] = {**_timed(_redis), "required": True}
    else:
        checks["redis"] = {"status": NOT_CONFIGURED, "required": False}
    checks["broker"] = {**_timed(_broker), "required": True}
    for name, beat in _heartbeats(checks["database"]["status"] == OK).items():
        checks[name] = {**beat, "required": False}
    ready = all(c["status"] == OK for c in checks.values() if c["required"])
    if not ready:
        down = [name for name, c in checks.items() if c["required"] and c["status"] != OK]
        outages.warn("readiness", "Not ready: %s down", ", ".join(down))
    return ready, {"status": "ok" if ready else "unavailable", "checks": checks}
