"""Number groups (a couple of thousand rows: areas, capabilities, prices, for-sale counters) held in each
process, so an inventory search costs one query: the page of numbers.

Whatever changes groups (a sale, a restock, a price edit, a bulk load) calls ``changed()``, which stamps
a new version in the shared cache; each process compares that stamp (at most once a second) before
using its copy. Without a shared cache (the embedded run's per-process memory cache) copies also expire
after ``LOCAL_TTL`` seconds. Only display uses this copy: buying always reads and locks the rows
themselves, so a stale copy can never charge a price that is not the current one.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from portal import outages

VERSION_KEY = "didfarm:numbers:groups:version"
LOCAL_TTL = 5.0
# The shared stamp is read at most this often per process (a change shows within a second).
CHECK_EVERY = 1.0


# Compared and hashed by identity: each copy of the groups is new objects, and search results built from a
# group are cached per object (hashing a dozen fields per result cost more than building it).
@dataclass(frozen=True, eq=False)
class GroupInfo:
    id: int
    country: str
    type: str
    area_code: str
    city: str
    region: str
    capabilities: tuple[str, ...]
    monthly_price: Decimal
    setup_fee: Decimal
    sms_addon_price: Decimal
    requires_regulatory: bool
    available_count: int
    carrier: str = "sandbox"
    # Metered groups (toll-free, usually): EUR per started minute of an answered call; None when unmetered.
    minute_price: Decimal | None = None


@dataclass(frozen=True)
class Snapshot:
    by_id: dict[int, GroupInfo]
    by_country: dict[str, list[GroupInfo]]


_EMPTY = Snapshot(by_id={}, by_country={})
_lock = threading.Lock()
_state: dict = {"version": None, "loaded_at": 0.0, "checked_at": 0.0, "snapshot": _EMPTY}


def _shared_cache() -> bool:
    return bool(settings.REDIS_URL)


def _current_version() -> str | None:
    """The shared stamp, or None while the shared cache is unreachable (copies then expire after
    ``LOCAL_TTL``, as without a shared cache)."""
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            version = uuid.uuid4().hex
            if not cache.add(VERSION_KEY, version, timeout=None):
                version = cache.get(VERSION_KEY) or version
    except outages.REDIS_ERRORS:
        outages.warn("group-cache", "The shared cache is unreachable: number groups are reloaded every %ss", LOCAL_TTL)
        return None
    return version


def _load() -> Snapshot:
    from .models import CAPABILITIES, NumberGroup

    groups = {}
    for g in NumberGroup.objects.values(
        "id", "country_id", "type", "area_code", "city", "region", "has_voice", "has_sms", "has_mms", "has_fax",
        "monthly_price", "setup_fee", "sms_addon_price", "requires_regulatory", "available_count", "carrier",
        "minute_price",
    ):  # fmt: skip
        groups[g["id"]] = GroupInfo(
            id=g["id"],
            country=g["country_id"],
            type=g["type"],
            area_code=g["area_code"],
            city=g["city"],
            region=g["region"],
            capabilities=tuple(c for c in CAPABILITIES if g[f"has_{c}"]),
            monthly_price=g["monthly_price"],
            setup_fee=g["setup_fee"],
            sms_addon_price=g["sms_addon_price"],
            requires_regulatory=g["requires_regulatory"],
            available_count=g["available_count"],
            carrier=g["carrier"],
            minute_price=g["minute_price"] or None,
        )
    by_country: dict[str, list[GroupInfo]] = {}
    for group in groups.values():
        by_country.setdefault(group.country, []).append(group)
    return Snapshot(by_id=groups, by_country=by_country)


def snapshot() -> Snapshot:
    """Every group, as of the latest ``changed()`` (at most ``CHECK_EVERY`` seconds late)."""
    state = _state
    now = time.monotonic()
    # (A clock that went backwards, as in a test's travel in time, counts as time to check again.)
    if state["version"] is not None and 0 <= now - state["checked_at"] < CHECK_EVERY:
        return state["snapshot"]
    version = _current_version()
    shared = _shared_cache() and version is not None
    if version is None:
        version = state["version"] or "unshared"
    fresh = state["version"] == version and (shared or 0 <= now - state["loaded_at"] < LOCAL_TTL)
    if fresh:
        state["checked_at"] = now
        return state["snapshot"]
    with _lock:
        loaded = _load()
        _state.update(version=version, loaded_at=now, checked_at=now, snapshot=loaded)
    return loaded


def _bump() -> None:
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except outages.REDIS_ERRORS:
        # Other processes see the change when their copies expire (LOCAL_TTL), as they reload while the
        # cache is unreachable; this one reloads now.
        _state["version"] = None
    _state["checked_at"] = 0.0  # this process notices at once


def changed() -> None:
    """Groups changed: every process reloads its copy. Stamped now and again after commit, so no process
    keeps a copy read before the change became visible."""
    _bump()
    transaction.on_commit(_bump)


def forget() -> None:
    """Drop this process's copy."""
    _state.update(version=None, loaded_at=0.0, checked_at=0.0, snapshot=_EMPTY)
