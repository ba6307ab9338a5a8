"""Exact rate limits, shared by every process.

A window opens with the first hit on a bucket and lasts ``window_ms``; the hits in it are counted by
one atomic operation, so 100 concurrent requests against a limit of 60 let exactly 60 through, whichever
process serves them. With Redis (``REDIS_URL``) the count is a Lua script; without it (the embedded
run), a single ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on the ``RateWindow`` table.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

_HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after_ms: int

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window closes (at least 1)."""
        return max(1, math.ceil(self.reset_after_ms / 1000))

    @property
    def reset_at(self) -> int:
        """Unix time at which the window closes."""
        return math.ceil(time.time() + self.reset_after_ms / 1000)


@functools.cache
def _redis():
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    return client, client.register_script(_HIT_SCRIPT)


def _hit_redis(bucket: str, window_ms: int) -> tuple[int, int]:
    _, script = _redis()
    count, ttl = script(keys=[f"didfarm:rl:{bucket}"], args=[window_ms])
    return int(count), int(ttl)


def _hit_sql(bucket: str, window_ms: int) -> tuple[int, int]:
    from portal.models import RateWindow

    now = timezone.now()
    expired_before = now - timedelta(milliseconds=window_ms)
    table = connection.ops.quote_name(RateWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (bucket, window_start, count) VALUES (%s, %s, 1)
            ON CONFLICT (bucket) DO UPDATE SET
              count = CASE WHEN {table}.window_start <= %s THEN 1 ELSE {table}.count + 1 END,
              window_start = CASE WHEN {table}.window_start <= %s THEN %s ELSE {table}.window_start END
            RETURNING count, window_start
            """,
            [bucket, now, expired_before, expired_before, now],
        )
        count, window_start = cursor.fetchone()
    if isinstance(window_start, str):  # SQLite hands back text
        from django.utils.dateparse import parse_datetime

        window_start = parse_datetime(window_start)
    if timezone.is_naive(window_start):
        window_start = window_start.replace(tzinfo=UTC)
    elapsed_ms = int((now - window_start).total_seconds() * 1000)
    return int(count), max(0, window_ms - elapsed_ms)


def hit(bucket: str, *, limit: int, window_ms: int) -> Decision:
    """Count one request against ``bucket`` and say whether it is within ``limit``."""
    if settings.REDIS_URL:
        count, ttl = _hit_redis(bucket, window_ms)
    else:
        count, ttl = _hit_sql(bucket, window_ms)
    return Decision(allowed=count <= limit, limit=limit, remaining=max(0, limit - count), reset_after_ms=ttl)


def purge_sql_windows(*, older_than: timedelta = timedelta(hours=1)) -> int:
    from portal.models import RateWindow

    deleted, _ = RateWindow.objects.filter(window_start__lt=timezone.now() - older_than).delete()
    return deleted
