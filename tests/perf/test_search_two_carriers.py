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
SEARCHES = [
    "country=GB",
    "country=GB&type=local",
    "country=GB&city=City7",
    "country=GB&area_code=2013",
    "country=GB&contains=4321",
    "country=GB&type=local&page=5",
]


def _e164(i: int) -> str:
    return f"+4420{i:08d}"


def _timed(api, rounds: int) -> list[float]:
    latencies = []
    for _ in range(rounds):
        for query in SEARCHES:
            started = time.perf_counter()
            response = api.get(f"/api/v1/numbers/available?{query}")
            latencies.append(time.perf_counter() - started)
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
            AvailableNumber(e164=_e164(i), group=groups[i // per_group], country=gb, type="local")
            for i in range(per_group * GROUPS)
        ]
    )
    stock_counts_refresh()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE numbers_availablenumber")
    group_cache.forget()
    api = api_as(tenants.a.key)
    _timed(api, 3)  # warm caches
    one = _timed(api, ROUNDS)

    carrier = upstream.carrier_save(name="second", kind="didww", api_url="http://127.0.0.1:9/v3", api_key="k",
                                    priority=5, markup_percent=Decimal("20"))  # fmt: skip
    start = per_group * GROUPS * 9 // 10  # a tenth of its numbers the first carrier has too
    catalogue = [
        UpstreamGroup(
            ref=f"g{i}", country="GB", type="local", area_code=f"20{i:02d}", city=f"City{i}", region="",
            capabilities=("voice",), requires_documents=False, sku_ref=f"s{i}", setup_price=Decimal("0"),
            monthly_price=Decimal("0.70"),
            numbers=[(f"ad{n}", _e164(n)) for n in range(start + i * per_group, start + (i + 1) * per_group)],
        )
        for i in range(GROUPS)
    ]  # fmt: skip
    began = time.perf_counter()
    from django.db import transaction

    with transaction.atomic():
        result = upstream._write_stock(carrier, catalogue)
    imported_in = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE numbers_availablenumber")
    group_cache.forget()
    _timed(api, 3)
    two = _timed(api, ROUNDS)

    total = AvailableNumber.objects.count()
    assert total == per_group * GROUPS + result.added  # the shared tenth is in the index once
    assert AvailableNumber.objects.filter(group__carrier="second").count() == per_group * GROUPS
    p50_one, p95_one = _figures(one)
    p50_two, p95_two = _figures(two)
    print(
        f"\none carrier: {per_group * GROUPS:,} numbers, p50 {p50_one:.1f} ms, p95 {p95_one:.1f} ms"
        f"\ntwo carriers: {total:,} numbers ({result.added:,} added, {per_group * GROUPS - result.added:,} shared), "
        f"p50 {p50_two:.1f} ms, p95 {p95_two:.1f} ms"
        f"\nratio two/one: p50 {p50_two / p50_one:.2f}, p95 {p95_two / p95_one:.2f}"
        f"\nimport of the second carrier's {per_group * GROUPS:,} numbers: {imported_in:.1f} s"
    )
    assert Carrier.objects.filter(name="second").exists()
    assert p50_two / p50_one < 1.5
