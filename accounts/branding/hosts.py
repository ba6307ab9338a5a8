"""The host names the portal answers on: the configured ``ALLOWED_HOSTS`` plus every verified client portal
domain of a reseller's brand.

``settings.ALLOWED_HOSTS`` is a ``ConfiguredHosts``: Django's host check walks it and stops at the first
match, so the configured names are tried first and the brands' domains are read only for a host that is not
one of them. The domains come from the cache (shared by every process, dropped by ``forget`` whenever a
brand's domain changes or is approved) and, behind it, a database query; a process also keeps its copy for a
few seconds so a burst of requests costs one cache read. Any other host is refused (Django answers 400):
an unverified or unknown domain is never served."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator

logger = logging.getLogger("didfarm.brand")

CACHE_KEY = "didfarm:brand-domains:v1"
CACHE_SECONDS = 300
LOCAL_SECONDS = 5.0

_lock = threading.Lock()
_local: tuple[float, dict[str, int]] | None = None


def _load() -> dict[str, int] | None:
    from django.core.cache import cache
    from django.db import DatabaseError

    from portal.outages import REDIS_ERRORS

    try:
        cached = cache.get(CACHE_KEY)
    except REDIS_ERRORS:
        cached = None
    if cached is not None:
        return cached
    from ..models import Brand

    try:
        rows = Brand.objects.filter(domain__isnull=False, domain_verified_at__isnull=False).values_list(
            "domain", "account_id"
        )
        domains = {domain: account_id for domain, account_id in rows if domain}
    except (DatabaseError, RuntimeError):
        # No database reachable, or none allowed here (a set-up step copying ALLOWED_HOSTS, a test without
        # one): fail closed, the configured names only. Not remembered, so the next request asks again.
        logger.warning("The brands' domains could not be read; only ALLOWED_HOSTS are served.")
        return None
    with contextlib.suppress(*REDIS_ERRORS):
        cache.set(CACHE_KEY, domains, CACHE_SECONDS)
    return domains


def verified_domains() -> dict[str, int]:
    """Verified client portal domain → the reseller account it belongs to."""
    global _local
    now = time.monotonic()
    with _lock:
        if _local is not None and now - _local[0] < LOCAL_SECONDS:
            return _local[1]
    domains = _load()
    if domains is None:
        return {}
    with _lock:
        _local = (now, domains)
    return domains


def forget() -> None:
    """Drop the cached domains (after a brand's domain changed); every process sees it within
    ``LOCAL_SECONDS``."""
    global _local
    from django.core.cache import cache

    from portal.outages import REDIS_ERRORS

    with _lock:
        _local = None
    with contextlib.suppress(*REDIS_ERRORS):
        cache.delete(CACHE_KEY)


def account_for_host(host: str) -> int | None:
    """The reseller account whose verified domain ``host`` (without port) is, or None."""
    return verified_domains().get(host.lower().rstrip(".")) if host else None


class ConfiguredHosts(list):
    """``ALLOWED_HOSTS`` that also holds the brands' verified domains (see the module's docstring). A list
    (Django insists) of the configured names; iterating it goes on to the verified domains."""

    def __iter__(self) -> Iterator[str]:
        configured = list(super().__iter__())
        yield from configured
        if "*" not in configured:
            yield from verified_domains()

    def __contains__(self, host: object) -> bool:
        return any(host == pattern for pattern in self)

    @property
    def configured(self) -> list[str]:
        return list(super().__iter__())

    def __repr__(self) -> str:
        return f"ConfiguredHosts({self.configured!r} + verified brand domains)"


def static_hosts() -> list[str]:
    """The configured names only (never the brands' domains)."""
    from django.conf import settings

    allowed = settings.ALLOWED_HOSTS
    if isinstance(allowed, ConfiguredHosts):
        return allowed.configured
    domains = verified_domains()
    return [host for host in allowed if host not in domains]
