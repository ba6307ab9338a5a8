"""Inventory search under load: a million numbers in PostgreSQL, 8 concurrent clients, a real gunicorn.

Run with ``./scripts/test tests/perf/test_search_throughput.py -m perf -s`` (``PERF_NUMBERS`` changes the
inventory size, ``PERF_SECONDS`` the time per scenario). It prints throughput and p50/p95 latency for
each search against a bare authenticated endpoint (``GET /api/v1/me``) of the same server in the same
run, and the ratio. Figures measured here are kept in tests/perf/README.md.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from numbers_app.models import AvailableNumber, NumberGroup
from tests.portal.test_security_settings import demo_environment

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
NUMBERS = int(os.environ.get("PERF_NUMBERS", "1000000"))
SECONDS = float(os.environ.get("PERF_SECONDS", "10"))
CONCURRENCY = 8
ROUNDS = 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _load(urls: list[str], headers: dict, seconds: float) -> tuple[float, float, float, int]:
    """Requests/s, p50 ms, p95 ms and request count for CONCURRENCY clients, each cycling through
    ``urls`` (several searches per scenario, so no single hot page flatters the figures)."""
    return _summary([_gets(urls, headers, seconds)])


def _gets(urls: list[str], headers: dict, seconds: float, offset: int = 0) -> tuple[list[float], float]:
    return _run_clients(
        lambda session, i: session.get(urls[(offset + i) % len(urls)], headers=headers, timeout=30), 200, seconds
    )


def _load_posts(url: str, bodies: list[dict], headers: dict, seconds: float, *, expect: int):
    """As ``_load``, for POSTs of JSON bodies taken in turn from ``bodies``."""
    return _summary(
        [
            _run_clients(
                lambda session, i: session.post(url, json=bodies[i % len(bodies)], headers=headers, timeout=30),
                expect,
                seconds,
            )
        ]
    )


def _summary(samples: list[tuple[list[float], float]]) -> tuple[float, float, float, int]:
    """Requests/s, p50 ms, p95 ms and request count over samples of (latencies, elapsed seconds)."""
    latencies = sorted(latency for sample, _elapsed in samples for latency in sample)
    elapsed = sum(elapsed for _sample, elapsed in samples)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p95 * 1000, len(latencies)


def _run_clients(send, expect: int, seconds: float) -> tuple[list[float], float]:
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(offset):
        session = requests.Session()
        mine = []
        index = offset
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            response = send(session, index)
            index += CONCURRENCY
            mine.append(time.perf_counter() - start)
            if response.status_code != expect:
                errors.append(response.status_code)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONCURRENCY)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    assert not errors, f"{len(errors)} failed requests, e.g. {errors[:3]}"
    return latencies, elapsed


def test_search_throughput_against_a_bare_endpoint(tenants):
    started = time.monotonic()
    call_command("inventory_load", numbers=NUMBERS, verbosity=0)
    load_seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        # What autovacuum does soon after a bulk load in production: visibility map and statistics.
        cursor.execute("VACUUM ANALYZE numbers_availablenumber")
        cursor.execute("ANALYZE numbers_numbergroup")
    stock = AvailableNumber.objects.filter(status="available").count()
    tenants.a.account.api_rate_limit = 10**9
    tenants.a.account.save()

    # Searches people make: the biggest countries, their cities and area codes, digits they like.
    countries = ["US", "GB", "DE", "FR", "NL", "AU", "BR", "JP"]
    cities = list(
        NumberGroup.objects.filter(country_id__in=countries, type="local")
        .exclude(city="")
        .values_list("country_id", "city", "area_code")[:40]
    )
    assert cities, "the inventory has no local groups with cities"
    digit_samples = ["006", "123", "555", "2024", "77", "808", "4321", "90"]
    port = _free_port()
    # Plain HTTP on this machine, as the demo serves it (the settings' defaults redirect to HTTPS).
    env = {**os.environ, **demo_environment(), "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL}
    env["DEBUG"] = "false"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "portal.wsgi:application",
            "--config",
            "python:portal.gunicorn_conf",  # as deployed: the request-buffering worker (portal/webserver.py)
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        headers = {"Authorization": f"Bearer {tenants.a.key}"}
        for _ in range(100):
            try:
                if requests.get(f"{base}/me", headers=headers, timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still starting
                time.sleep(0.2)
        scenarios = [
            ("bare endpoint (GET /me)", [f"{base}/me"]),
            (
                "country + type",
                [f"{base}/numbers/search?country={c}&type=local&page={p}" for c in countries for p in (1, 2, 3)],
            ),
            ("+ city", [f"{base}/numbers/search?country={c}&type=local&city={city}" for c, city, _ in cities]),
            (
                "+ area code",
                [f"{base}/numbers/available?country={c}&type=local&area_code={a}&limit=20" for c, _, a in cities if a],
            ),
            (
                "+ contains",
                [
                    f"{base}/numbers/available?country={c}&type=local&contains={d}&limit=20"
                    for c in countries
                    for d in digit_samples
                ],
            ),
        ]
        for _name, urls in scenarios:
            _gets(urls, headers, 1.5)  # warm connections and caches
        # The scenarios take turns, ROUNDS slices each: this machine's speed drifts within a minute, and
        # slices side by side share the drift, where one long run per scenario would not. Each round
        # starts with the next scenario, so none is always the first after a slow or fast neighbour.
        samples: dict[str, list] = {name: [] for name, _urls in scenarios}
        for round_ in range(ROUNDS):
            start = round_ % len(scenarios)
            for name, urls in scenarios[start:] + scenarios[:start]:
                samples[name].append(_gets(urls, headers, SECONDS / ROUNDS, offset=round_ * 1000))
        results = {name: _summary(parts) for name, parts in samples.items()}
    finally:
        server.terminate()
        server.wait(20)

    bare_rps = results["bare endpoint (GET /me)"][0]
    print(
        f"\nInventory: {stock:,} numbers for sale (loaded in {load_seconds:.0f} s); {CONCURRENCY} clients, "
        f"{SECONDS:.0f} s per scenario in {ROUNDS} turns; searches cycle over {', '.join(countries)} local numbers"
    )
    print(f"{'scenario':<26}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'vs bare':>9}{'requests':>10}")
    for name, (rps, p50, p95, count) in results.items():
        print(f"{name:<26}{rps:>9.0f}{p50:>9.1f}{p95:>9.1f}{rps / bare_rps:>8.2f}x{count:>10}")
    assert stock >= NUMBERS * 0.99
