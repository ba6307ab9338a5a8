"""What the portal does while Redis (cache, broker, rate limits) is unreachable.

Nothing a request must do needs Redis: rate limits are counted in the database instead
(``portal.ratelimit``), the number-group cache falls back to each process's own copy
(``numbers.group_cache``), and a task that cannot be enqueued is left to its sweeper (every state change is
a row first: a number still ``provisioning``, a message still ``queued``, an event not yet fanned out, a
trunk still ``provisioning``). Whatever still meets a Redis error answers 503 with ``Retry-After`` in the
API's error format (``portal.api.exception_handler``), never a 500.

A dead Redis would otherwise log on every request: ``warn`` logs each kind of outage at most once a minute
per process, saying how many times it happened since.
"""

from __future__ import annotations

import logging
import threading
import time

import redis.exceptions
from kombu.exceptions import OperationalError

logger = logging.getLogger("didfarm.outages")

# Errors that mean "Redis (or the broker on it) is unreachable or too slow", as the redis client and
# Celery's publisher raise them.
REDIS_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OperationalError,
)
# Seconds a caller should wait before retrying a request refused for an outage.
RETRY_AFTER_SECONDS = 30
WARN_EVERY_SECONDS = 60.0

_lock = threading.Lock()
_last: dict[str, tuple[float, int]] = {}  # kind -> (when last logged, times since)


def warn(kind: str, message: str, *args) -> None:
    """Log ``message`` for ``kind`` of outage, at most once every ``WARN_EVERY_SECONDS`` in this process."""
    now = time.monotonic()
    with _lock:
        logged_at, missed = _last.get(kind, (None, 0))
        if logged_at is not None and now - logged_at < WARN_EVERY_SECONDS:
            _last[kind] = (logged_at, missed + 1)
            return
        _last[kind] = (now, 0)
    suffix = f" ({missed} more since the last report)" if missed else ""
    logger.warning(message + suffix, *args)
