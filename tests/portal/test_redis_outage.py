"""With ``REDIS_URL`` set and Redis stopped, the API keeps answering: rate limits are counted in the
database, a purchase is made and waits for the provisioning sweeper, and the outage is logged once, not
once per request. A real web process against a real Redis that the test stops."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from datetime import timedelta

import pytest
import redis
import requests
from django.db import connection

from numbers_app.models import Number
from numbers_app.services import provisioning_stalled_ids
from portal.management.commands.serve import web_command
from tests.numbers.conftest import NL_AMS, stock  # noqa: F401 (the fixture)
from tests.portal.test_security_settings import demo_environment
from tests.portal.test_web_server import ROOT, _free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stock")]


@pytest.fixture
def private_redis():
    """A Redis of the test's own, on a free port, which the test may stop."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [executable, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "the private Redis did not start"
            time.sleep(0.1)
    yield port, proc
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def web_on(private_redis, tmp_path):
    """The web process on the test database and the private Redis."""
    redis_port, redis_proc = private_redis
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items()}
    env.update(
        demo_environment(),
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        DIDFARM_VAR_DIR=str(tmp_path),
        PYTHONUNBUFFERED="1",
    )
    port = _free_port()
    log_path = tmp_path / "web.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            web_command(host="127.0.0.1", port=port, workers=1), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert proc.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.3)
        yield base, redis_proc, log_path
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _stop(redis_proc) -> None:
    redis_proc.terminate()
    redis_proc.wait(timeout=10)


def test_with_redis_stopped_the_api_answers_and_a_purchase_waits_for_its_sweeper(tenants, web_on):
    base, redis_proc, log_path = web_on
    headers = {"Authorization": f"Bearer {tenants.a.key}"}
    assert requests.get(f"{base}/api/v1/wallet/balance", headers=headers, timeout=5).status_code == 200
    _stop(redis_proc)

    timings = []
    for _ in range(10):
        started = time.monotonic()
        response = requests.get(f"{base}/api/v1/wallet/balance", headers=headers, timeout=10)
        timings.append(time.monotonic() - started)
        assert response.status_code == 200, response.text
        assert response.headers["X-RateLimit-Limit"] == "60"  # still counted, in the database
    assert max(timings) < 2.5, timings

    search = requests.get(f"{base}/api/v1/numbers/search?country=NL&type=local", headers=headers, timeout=10)
    assert search.status_code == 200, search.text
    bought = requests.post(
        f"{base}/api/v1/wallet/checkout",
        json={"items": [{"number": NL_AMS[0], "country": "NL", "type": "local"}]},
        headers={**headers, "Idempotency-Key": "outage-1"},
        timeout=10,
    )
    assert bought.status_code == 201, bought.text
    number = Number.objects.get(e164=NL_AMS[0], account=tenants.a.account)
    assert number.status == Number.Status.PROVISIONING
    # The provisioning task could not be enqueued; the sweeper finds the number once it is overdue.
    assert number.pk in provisioning_stalled_ids(older_than=timedelta(0))

    # Alive, but not ready: Redis (the cache) and the broker on it are down.
    assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
    ready = requests.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["redis"]["status"] == checks["broker"]["status"] == "down"
    assert checks["database"]["status"] == "ok"

    log = log_path.read_text()
    assert log.count("rate limits are counted in the database") == 1, log
    assert log.count("The broker is unreachable") == 1, log
    assert "Traceback" not in log, log


def test_a_redis_error_that_reaches_the_api_is_a_503_with_retry_after(tenants, api_as, monkeypatch):
    from portal import ratelimit

    def unreachable(*args, **kwargs):
        raise redis.ConnectionError("Error 111 connecting to redis.internal:6379. Connection refused.")

    monkeypatch.setattr(ratelimit, "_hit_sql", unreachable)  # the database fallback hits Redis too, say
    monkeypatch.setattr(ratelimit.settings, "REDIS_URL", "")
    response = api_as(tenants.a.key).get("/api/v1/wallet/balance")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    error = response.json()["error"]
    assert error["code"] == "service_unavailable" and error["status"] == 503
    assert "redis.internal" not in response.content.decode()
