"""Rate limits: 60 requests a minute per account (all its keys together) by default, exact across threads and
processes."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from tests.conftest import assert_error

BALANCE = "/api/v1/wallet/balance"


@pytest.mark.django_db
def test_the_61st_request_in_a_minute_is_429_with_retry_after(tenants, api_as):
    api = api_as(tenants.a.key)
    statuses = [api.get(BALANCE).status_code for _ in range(60)]
    assert statuses == [200] * 60
    response = api.get(BALANCE)
    assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Limit"] == "60"
    assert response["X-RateLimit-Remaining"] == "0"


@pytest.mark.django_db
def test_rate_limit_headers_count_down(tenants, api_as):
    api = api_as(tenants.a.key)
    first, second = api.get(BALANCE), api.get(BALANCE)
    assert (first["X-RateLimit-Remaining"], second["X-RateLimit-Remaining"]) == ("59", "58")
    assert int(first["X-RateLimit-Reset"]) >= int(second["X-RateLimit-Reset"]) - 1


@pytest.mark.django_db
def test_refused_requests_count_too_so_a_read_only_key_cannot_hammer(tenants, api_as):
    api = api_as(tenants.a.read_only_key)
    for _ in range(60):
        assert api.post("/api/v1/clients", {"name": "n"}).status_code == 403
    assert_error(api.get(BALANCE), 429, "rate_limited")


@pytest.mark.django_db
def test_all_of_an_accounts_keys_share_one_budget_and_other_accounts_keep_theirs(tenants, api_as):
    from accounts.services import api_key_create

    extra = [api_key_create(actor=tenants.a.owner_actor, name=f"k{i}", read_only=False)[1] for i in range(3)]
    keys = [tenants.a.key, tenants.a.read_only_key, tenants.x_key, *extra]
    statuses = [api_as(keys[i % len(keys)]).get("/api/v1/me").status_code for i in range(61)]
    assert statuses == [200] * 60 + [429]  # more keys (client-bound ones too) never meant more requests
    for key in keys:
        assert_error(api_as(key).get("/api/v1/me"), 429, "rate_limited")
    assert api_as(tenants.b.key).get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_staff_can_set_a_per_account_limit(tenants, api_as, staff_actor):
    from accounts.models import AuditLog
    from accounts.services import account_update

    account_update(actor=staff_actor, account=tenants.a.account, api_rate_limit=5)
    api = api_as(tenants.a.key)
    assert [api.get(BALANCE).status_code for _ in range(6)] == [200] * 5 + [429]
    assert api.get(BALANCE)["X-RateLimit-Limit"] == "5"
    audit = AuditLog.objects.get(action="account.updated")
    assert (audit.before, audit.after) == ({"api_rate_limit": None}, {"api_rate_limit": 5})


@pytest.mark.django_db(transaction=True)
def test_100_parallel_requests_on_one_key_let_exactly_60_through(tenants, live_server):
    url = live_server.url + BALANCE
    headers = {"Authorization": f"Bearer {tenants.a.key}"}
    start = threading.Barrier(40)

    def call(i):
        if i < 40:
            start.wait()
        return requests.get(url, headers=headers, timeout=30).status_code

    # 40 at a time (PostgreSQL allows 100 connections in all), 100 requests in flight as fast as they go.
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(call, range(100)))
    assert statuses.count(200) == 60
    assert statuses.count(429) == 40


@pytest.mark.django_db(transaction=True)
def test_without_redis_the_database_counter_is_exact_under_concurrency(tenants, settings):
    from portal import ratelimit

    settings.REDIS_URL = ""
    results = []
    lock = threading.Lock()
    start = threading.Barrier(30)

    def hit():
        start.wait()
        try:
            decision = ratelimit.hit("test:sql", limit=20, window_ms=60_000)
            with lock:
                results.append(decision.allowed)
        finally:
            connection.close()

    threads = [threading.Thread(target=hit) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 20
    assert results.count(False) == 10


@pytest.mark.django_db
def test_the_database_log_frees_one_slot_as_each_hit_leaves_the_window(settings):
    from datetime import timedelta

    from django.utils import timezone

    from portal import ratelimit
    from portal.models import RateHit

    settings.REDIS_URL = ""
    for _ in range(3):
        assert ratelimit.hit("test:window", limit=3, window_ms=60_000).allowed
    refused = ratelimit.hit("test:window", limit=3, window_ms=60_000)
    assert not refused.allowed and 55 <= refused.retry_after <= 60
    oldest = RateHit.objects.order_by("at").first()
    RateHit.objects.filter(pk=oldest.pk).update(at=timezone.now() - timedelta(seconds=61))
    decision = ratelimit.hit("test:window", limit=3, window_ms=60_000)
    assert decision.allowed and decision.remaining == 0
    assert not ratelimit.hit("test:window", limit=3, window_ms=60_000).allowed
    assert ratelimit.purge_sql_hits(older_than=timedelta(seconds=0)) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["redis", "database"])
def test_the_window_slides_instead_of_resetting_at_once(settings, backend):
    """Two allowed per 2 s. A fixed window would let two more through as soon as it resets; a sliding
    log lets exactly one through when the first hit has aged out and the second has not."""
    import time

    from portal import ratelimit

    if backend == "database":
        settings.REDIS_URL = ""
    bucket = f"test:slide:{backend}"
    assert ratelimit.hit(bucket, limit=2, window_ms=2000).allowed  # t = 0
    time.sleep(1.0)
    assert ratelimit.hit(bucket, limit=2, window_ms=2000).allowed  # t = 1.0
    assert not ratelimit.hit(bucket, limit=2, window_ms=2000).allowed
    time.sleep(1.3)  # t = 2.3: the first hit has left the window, the second has not (until t = 3.0)
    assert ratelimit.hit(bucket, limit=2, window_ms=2000).allowed
    assert not ratelimit.hit(bucket, limit=2, window_ms=2000).allowed
