"""Search with two carriers' stock at the speed of one.

Run with ``.venv/bin/pytest tests/perf/test_search_two_carriers.py -m perf -s`` (``PERF_NUMBERS`` sets the
numbers per carrier). One carrier's numbers are loaded, a set of searches timed through the API; then a
second carrier's stock, as large and overlapping the first by a tenth, goes in through the real import
(``carrier_stock_import``'s writing half, ``_write_stock``), and the same searches are timed again. The
index keeps one row per number (the preferred offer), so search reads the same indexes, one page deep,
whatever the number of carriers. Figures measured here are kept in tests/perf/README.md.
"""

from __future__ import annotations

import os
import statistics
import time
from decimal import Decimal

import pytest
from django.db import connection

from numbers_app import group_cache
from numbers_app.carriers.didww import UpstreamGroup
from numbers_app.models import AvailableNumber, Carrier, Country, NumberGroup
from numbers_app.services import stock_counts_refresh
from numbers_app.upstream import services as upstream
from portal.db import bulk

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

NUMBERS = int(os.environ.get("PERF_NUMBERS", "200000"))
GROUPS = 20
ROUNDS = 30
# Each search, and its filters and offset as the selector gets them (for the pages each one reads).
SEARCHES = {
    "country=GB": ({}, 0),
    "country=GB&type=local": ({"type": "local"}, 0),
    "country=GB&city=City7": ({"city": "City7"}, 0),
    "country=GB&area_code=2013": ({"area_code": "2013"}, 0),
    "country=GB&contains=4321": ({"contains": "4321"}, 0),
    "country=GB&type=local&page=5": ({"type": "local"}, 200),
}


def _pages_read(query: str) -> int:
    """Shared buffers (8 kB pages) the search's statement touches: a measure free of the machine's load."""
    import json

    from numbers_app.selectors import StockFilters, stock_page_sql

    kwargs, offset = SEARCHES[query]
    sql, params = stock_page_sql(StockFilters(country="GB", **kwargs), offset=offset, limit=50)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]


def _e164(group: int, serial: int) -> str:
    """A number of a group: the group's area code, then six digits (as real area numbering goes)."""
    return f"+44{2000 + group}{serial:06d}"


def _timed(api, rounds: int) -> dict[str, list[float]]:
    latencies: dict[str, list[float]] = {query: [] for query in SEARCHES}
    for _ in range(rounds):
        for query in SEARCHES:
            started = time.perf_counter()
            response = api.get(f"/api/v1/numbers/available?{query}")
            latencies[query].append(time.perf_counter() - started)
            assert response.status_code == 200, response.content
    return latencies


def _figures(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def test_search_over_two_carriers_stock_is_as_fast_as_over_one(tenants, api_as):
    gb, _ = Country.objects.get_or_create(code="GB", defaults={"name": "United Kingdom", "dial_code": "+44"})
    groups = [
        NumberGroup.objects.create(
            country=gb, type="local", area_code=f"20{i:02d}", city=f"City{i}", monthly_price=Decimal("1.00")
        )
        for i in range(GROUPS)
    ]
    per_group = NUMBERS // GROUPS
    bulk.insert(
        [
            AvailableNumber(e164=_e164(g, n), group=groups[g], country=gb, type="local")
            for g in range(GROUPS)
            for n in range(per_group)
        ]
    )
    stock_counts_refresh()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE numbers_availablenumber")  # as autovacuum would, soon after
    group_cache.forget()
    tenants.a.account.api_rate_limit = 10**9  # the benchmark's requests, not the rate limit, are measured
    tenants.a.account.save(update_fields=["api_rate_limit"])
    api = api_as(tenants.a.key)
    _timed(api, 10)  # warm caches (the first searches of a fresh index read it from disk)
    one = _timed(api, ROUNDS)
    pages_one = {query: _pages_read(query) for query in SEARCHES}

    carrier = upstream.carrier_save(name="second", kind="didww", api_url="http://127.0.0.1:9/v3", api_key="k",
                                    priority=5, markup_percent=Decimal("20"))  # fmt: skip
    start = per_group * 9 // 10  # a tenth of its numbers the first carrier has too
    catalogue = [
        UpstreamGroup(
            ref=f"g{i}", country="GB", type="local", area_code=f"20{i:02d}", city=f"City{i}", region="",
            capabilities=("voice",), requires_documents=False, sku_ref=f"s{i}", setup_price=Decimal("0"),
            monthly_price=Decimal("0.70"),
            numbers=[(f"ad{i}-{n}", _e164(i, n)) for n in range(start, start + per_group)],
        )
        for i in range(GROUPS)
    ]  # fmt: skip
    began = time.perf_counter()
    from django.db import transaction

    with transaction.atomic():
        result = upstream._write_stock(carrier, catalogue)
    imported_in = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE numbers_availablenumber")  # as autovacuum would, soon after
    group_cache.forget()
    _timed(api, 10)
    two = _timed(api, ROUNDS)
    pages_two = {query: _pages_read(query) for query in SEARCHES}

    total = AvailableNumber.objects.count()
    assert total == per_group * GROUPS + result.added  # the shared tenth is in the index once
    assert AvailableNumber.objects.filter(group__carrier="second").count() == per_group * GROUPS
    p50_one, p95_one = _figures([t for ts in one.values() for t in ts])
    p50_two, p95_two = _figures([t for ts in two.values() for t in ts])
    for query in SEARCHES:
        print(
            f"\n{query:30} p50 one {_figures(one[query])[0]:5.1f} ms, two {_figures(two[query])[0]:5.1f} ms; "
            f"pages read one {pages_one[query]}, two {pages_two[query]}",
            end="",
        )
    print(
        f"\none carrier: {per_group * GROUPS:,} numbers, p50 {p50_one:.1f} ms, p95 {p95_one:.1f} ms"
        f"\ntwo carriers: {total:,} numbers ({result.added:,} added, {per_group * GROUPS - result.added:,} shared), "
        f"p50 {p50_two:.1f} ms, p95 {p95_two:.1f} ms"
        f"\nratio two/one: p50 {p50_two / p50_one:.2f}, p95 {p95_two / p95_one:.2f}"
        f"\nimport of the second carrier's {per_group * GROUPS:,} numbers: {imported_in:.1f} s"
    )
    assert Carrier.objects.filter(name="second").exists()
    # Wall-clock times move with the machine's load; the pages each search reads do not.
    assert sum(pages_two.values()) <= 1.5 * sum(pages_one.values())
