"""Exact rate limits, shared by every process.

A sliding log: a request is allowed when fewer than ``limit`` requests were allowed in the ``window_ms``
before it, so "60 a minute" holds for every rolling minute, not just per calendar minute, and 100
concurrent requests against a limit of 60 let exactly 60 through, whichever process serves them. Refused
requests are not logged, so a client that keeps retrying gets in as soon as a slot frees.

With Redis (``REDIS_URL``) the log is a sorted set handled by one Lua script (atomic, on Redis's clock);
without it (the embedded run), rows in ``RateHit`` counted in a transaction that locks the bucket's row.
While Redis is unreachable, limits are counted in the database the same way (the API keeps answering, and
keeps its limits); Redis is tried again every ``REDIS_RETRY_SECONDS``, and the outage is logged once a
minute (``portal.outages``).
"""

from __future__ import annotations

import functools
import math
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from portal import outages

_HIT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  count = count + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local reset = window
if oldest[2] then
  reset = tonumber(oldest[2]) + window - now
end
return {allowed, count, reset}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after_ms: int

    @property
    def retry_after(self) -> int:
        """Whole seconds until a slot frees (at least 1)."""
        return max(1, math.ceil(self.reset_after_ms / 1000))

    @property
    def reset_at(self) -> int:
        """Unix time at which the oldest counted request leaves the window."""
        return math.ceil(time.time() + self.reset_after_ms / 1000)


# After Redis failed, limits go to the database for this long before Redis is tried again (so an outage
# does not cost every request a connection attempt).
REDIS_RETRY_SECONDS = 5.0
_redis_retry_at = [0.0]


@functools.cache
def _redis():
    import redis

    # Short timeouts: an unreachable Redis must cost a request a moment, not a hang.
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    return client, client.register_script(_HIT_SCRIPT)


def redis_client():
    """The process's Redis client (``REDIS_URL``), shared with the rate limits."""
    return _redis()[0]


def _hit_redis(bucket: str, limit: int, window_ms: int) -> tuple[bool, int, int]:
    _, script = _redis()
    allowed, count, reset = script(
        keys=[f"{settings.REDIS_KEY_PREFIX}didfarm:rl:{bucket}"], args=[window_ms, limit, uuid.uuid4().hex]
    )
    return bool(allowed), int(count), int(reset)


def _hit_sql(bucket: str, limit: int, window_ms: int) -> tuple[bool, int, int]:
    from portal.models import RateBucket, RateHit

    table = connection.ops.quote_name(RateBucket._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (bucket) VALUES (%s) ON CONFLICT (bucket) DO NOTHING", [bucket])
        row = RateBucket.objects.select_for_update().get(bucket=bucket)  # serialises this bucket's hits
        now = timezone.now()
        window = timedelta(milliseconds=window_ms)
        RateHit.objects.filter(bucket=row, at__lte=now - window).delete()
        logged = RateHit.objects.filter(bucket=row).aggregate(count=Count("pk"), oldest=Min("at"))
        count, oldest = logged["count"], logged["oldest"] or now
        allowed = count < limit
        if allowed:
            RateHit.objects.create(bucket=row, at=now)
            count += 1
        reset_ms = int((oldest + window - now).total_seconds() * 1000)
    return allowed, count, max(0, reset_ms)


def hit(bucket: str, *, limit: int, window_ms: int) -> Decision:
    """Count one request against ``bucket`` and say whether it is within ``limit`` per ``window_ms``."""
    result = None
    if settings.REDIS_URL and time.monotonic() >= _redis_retry_at[0]:
        try:
            result = _hit_redis(bucket, limit, window_ms)
        except outages.REDIS_ERRORS:
            _redis_retry_at[0] = time.monotonic() + REDIS_RETRY_SECONDS
            outages.warn("ratelimit", "Redis is unreachable: rate limits are counted in the database until it is back")
    allowed, count, reset = result if result is not None else _hit_sql(bucket, limit, window_ms)
    return Decision(allowed=allowed, limit=limit, remaining=max(0, limit - count), reset_after_ms=reset)


def purge_sql_hits(*, older_than: timedelta = timedelta(hours=1)) -> int:
    """Drop logged hits (and then empty buckets) older than any window still in use."""
    from portal.models import RateBucket, RateHit

    deleted, _ = RateHit.objects.filter(at__lt=timezone.now() - older_than).delete()
    RateBucket.objects.filter(hits__isnull=True).delete()
    return deleted
