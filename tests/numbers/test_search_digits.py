"""Digits searches ("contains") on PostgreSQL: the digits index finds exactly the numbers with the digits, and
every search shape reads the index meant for it."""

from __future__ import annotations

import io
import random
import re

import pytest
from django.core.management import call_command
from django.db import connection

from numbers_app import selectors
from numbers_app.models import AvailableNumber
from numbers_app.selectors import StockFilters

pytestmark = pytest.mark.django_db


@pytest.fixture
def inventory():
    call_command("inventory_load", numbers=20000, stdout=io.StringIO())  # every country: a realistic spread
    with connection.cursor() as cursor:
        # Statistics, as autovacuum gathers soon after a load (``inventory_load`` itself only analyzes
        # after big ones): without any, the planner's choices below are guesses.
        cursor.execute("ANALYZE numbers_availablenumber")
    return list(AvailableNumber.objects.values_list("country_id", "type", "e164", "status"))


def _expected(inventory, filters: StockFilters) -> list[str]:
    return sorted(
        e164
        for country, type_, e164, status in inventory
        if status == AvailableNumber.Status.AVAILABLE
        and country == filters.country
        and (not filters.type or type_ == filters.type)
        and filters.contains in e164
    )


def _searches(inventory, rng: random.Random) -> list[StockFilters]:
    """Digit strings cut from numbers in stock (3 to 8 digits, so they match something, often many), and
    some that match nothing or belong to another country."""
    searches = []
    for country, type_, e164, _status in rng.sample(inventory, 40):
        digits = e164[1:]
        length = rng.randint(3, 8)
        start = rng.randrange(0, len(digits) - length + 1)
        searches.append(
            StockFilters(country=country, type=rng.choice(["", type_]), contains=digits[start : start + length])
        )
    searches += [
        StockFilters(country="GB", contains="31207"),  # a Dutch number's digits: none in GB
        StockFilters(country="NL", type="local", contains="99999999"),
        StockFilters(country="US", contains="555"),
        StockFilters(country="GB", type="mobile", contains="7700"),
    ]
    return searches


def test_digits_searches_find_exactly_the_numbers_that_contain_the_digits(inventory):
    # Some numbers are sold: they leave the digits index with the other indexes of numbers for sale.
    sold = AvailableNumber.objects.order_by("?").values_list("pk", flat=True)[:500]
    AvailableNumber.objects.filter(pk__in=list(sold)).update(status=AvailableNumber.Status.SOLD)
    inventory = list(AvailableNumber.objects.values_list("country_id", "type", "e164", "status"))
    assert any(status == AvailableNumber.Status.SOLD for *_rest, status in inventory)

    matched = 0
    for filters in _searches(inventory, random.Random(20261123)):
        expected = _expected(inventory, filters)
        page = [row.e164 for row in selectors.stock_page(filters, offset=0, limit=500)]
        assert page == expected[:500], filters
        assert list(selectors.stock_search(filters).values_list("e164", flat=True)[:500]) == expected[:500], filters
        assert selectors.stock_total(filters) == len(expected), filters
        matched += bool(expected)
    assert matched >= 40  # (the cut strings all match something; the test is not vacuous)


def test_a_page_further_on_continues_in_number_order(inventory):
    filters = StockFilters(country="US", type="local", contains="5")
    expected = _expected(inventory, filters)
    assert len(expected) > 40
    pages = [selectors.stock_page(filters, offset=offset, limit=20) for offset in (0, 20)]
    assert [row.e164 for page in pages for row in page] == expected[:40]

    filters = StockFilters(country="US", contains="123")
    expected = _expected(inventory, filters)
    assert len(expected) > 10
    assert [row.e164 for row in selectors.stock_page(filters, offset=5, limit=5)] == expected[5:10]


def test_the_keys_are_country_type_and_every_three_digits_in_a_row():
    local = StockFilters(country="gb", type="local", contains="2079")
    assert selectors.digit_keys(local) == [["GBlocal079"], ["GBlocal207"]]
    # any type: one key per type for each three digits, any of which will do
    assert selectors.digit_keys(StockFilters(country="GB", contains="555")) == [
        ["GBlocal555", "GBmobile555", "GBnational555", "GBtoll_free555", "GBshort_code555"]
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT stock_digit_keys('GB', 'local', '+442079')")
        assert cursor.fetchone()[0] == ["GBlocal442", "GBlocal420", "GBlocal207", "GBlocal079"]
        cursor.execute("SELECT stock_digit_keys('US', 'short_code', 'US-20225')")  # a short code's digits count
        keys = set(cursor.fetchone()[0])
    assert all(set(run) & keys for run in selectors.digit_keys(StockFilters(country="US", contains="20225")))


def _plan(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        # A test's few thousand rows fit in a handful of pages, where reading them all and sorting wins
        # (on a million numbers it does not): rule that out, so the plan shows which index serves the
        # statement, and in number order where it can.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (StockFilters(country="GB", type="local", contains="555"), "stock_digit_keys"),
        (StockFilters(country="US", contains="20245"), "stock_digit_keys"),
        (StockFilters(country="US", contains="123"), "stock_digit_keys"),
        (StockFilters(country="GB", type="local", contains="55"), "stock_country_type_e164"),
        (StockFilters(country="GB", type="local"), "stock_country_type_e164"),
        (StockFilters(country="GB", contains="7"), "stock_country_e164"),
    ],
)
def test_each_search_reads_the_index_meant_for_it(inventory, filters, index):
    plan = _plan(*selectors.stock_page_sql(filters, offset=0, limit=20))
    assert re.search(rf"(?:Scan using|Index Scan on) {index}\b", plan), plan
    assert "Gather" not in plan  # no parallel workers: they take longer to start than a search takes
    if index == "stock_digit_keys":
        # ... and so does the page's search, written with the ORM
        qs = selectors.stock_search(filters)[:51]
        sql, params = qs.query.sql_with_params()
        assert index in _plan(sql, list(params)), sql


def test_a_connection_plans_each_search_once_and_keeps_the_plan(inventory):
    # Planning a search took as long as running it: its values are hidden from the planner, so after a few
    # calls PostgreSQL keeps one plan per statement instead of planning each call for its values.
    groups = selectors.matching_groups(StockFilters(country="GB", type="local", capabilities=("voice",)))
    assert 1 < len(groups) <= selectors.MERGE_MAX_GROUPS
    searches = [
        StockFilters(country="GB", type="local", contains="555"),
        StockFilters(country="US", contains="2024"),
        StockFilters(country="GB", type="local", contains="55"),
        StockFilters(country="GB", type="local"),
        StockFilters(country="GB", type="local", city=groups[0].city),  # one group
        StockFilters(country="GB", type="local", capabilities=("voice",)),  # several groups, merged
    ]
    for filters in searches:
        for offset in range(8):
            selectors.stock_page(filters, offset=offset, limit=20)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans FROM pg_prepared_statements "
            "WHERE statement LIKE 'SELECT id, e164, group_id FROM%%' OR statement LIKE 'SELECT s.id, s.e164%%'"
        )
        statements = cursor.fetchall()
    assert len(statements) == len(searches)
    assert all(generic_plans >= 1 for _statement, generic_plans in statements), statements
