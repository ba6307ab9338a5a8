"""``REDIS_KEY_PREFIX``: a portal's cache entries, rate-limit counters and Celery queues in Redis all carry
its prefix, so two portals can share one Redis database (the two-portal test relies on it)."""

import json
import subprocess
import sys

import pytest
import redis
from django.conf import settings

from tests.portal.test_security_settings import ROOT, environment

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")

WRITE_KEYS = (
    "import json, django; django.setup(); from django.conf import settings; from django.core.cache import cache; "
    "from portal import ratelimit; from portal.celery import app; "
    "cache.set('probe', 1); ratelimit.hit('probe', limit=5, window_ms=60000); "
    "app.send_task('portal.tasks.nothing_here', queue='default'); "
    "print(json.dumps(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get('global_keyprefix')))"
)


def test_every_key_a_portal_writes_carries_its_prefix(tmp_path):
    for prefix in ("one:", "two:"):
        env = environment(tmp_path, REDIS_URL=settings.REDIS_URL, REDIS_KEY_PREFIX=prefix)
        out = subprocess.run([sys.executable, "-c", WRITE_KEYS], cwd=ROOT, env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout.strip().splitlines()[-1]) == prefix
    keys = {k.decode() for k in redis.Redis.from_url(settings.REDIS_URL).keys("*")}
    for prefix in ("one:", "two:"):
        mine = {k for k in keys if k.startswith(prefix)}
        assert any("probe" in k and ":rl:" not in k for k in mine), keys  # the cache entry
        assert any(k.endswith("didfarm:rl:probe") for k in mine), keys  # the rate-limit counter
        assert any("default" in k for k in mine), keys  # the queue the task went to
    assert not [k for k in keys if "probe" in k and not k.startswith(("one:", "two:"))]
