"""Search and buy: the number of matches and the pages of results (links that work with and without htmx,
keeping the filters), counted from the search's own counters."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from numbers_app import views
from tests.numbers.conftest import NL_AMS, _fill

pytestmark = pytest.mark.django_db

SEARCH = reverse("number_search")
HTMX = {"HX-Request": "true"}
# 120 more Amsterdam numbers: with the stock's 10, 130 local numbers in NL (three pages of 50).
NL_MORE = [f"+3120{n}" for n in range(7100001, 7100121)]


@pytest.fixture
def many(stock):
    _fill(stock.nl_local, NL_MORE)
    return sorted(NL_AMS + NL_MORE)


def shown(response) -> list[str]:
    return [row.e164 for row in response.context["rows"]]


def links(content: str, rel: str) -> tuple[str, str]:
    """The href and hx-get of the pager's link with ``rel``."""
    tag = re.search(rf'<a [^>]*rel="{rel}"[^>]*>', content, re.S).group(0)
    href = unescape(re.search(r' href="([^"]*)"', tag).group(1))
    hx_get = unescape(re.search(r' hx-get="([^"]*)"', tag).group(1))
    return href, hx_get


def test_the_results_say_how_many_numbers_match_and_page_through_all_of_them(owner, many):
    first = owner.get(SEARCH, {"country": "NL", "type": "local"})
    content = first.content.decode()
    assert "130 numbers match." in content and "Showing 1–50." in content and "Page 1 of 3" in content
    assert shown(first) == many[:50]
    assert 'rel="prev"' not in content

    seen = shown(first)
    href, hx_get = links(content, "next")
    while True:
        # The next page's link keeps every filter, for a plain link and for htmx alike.
        assert href == hx_get == f"{SEARCH}?country=NL&type=local&page={len(seen) // 50 + 1}"
        page = owner.get(href, headers=HTMX)
        assert "HX-Request" in page["Vary"] and "<html" not in page.content.decode()
        seen += shown(page)
        if 'rel="next"' not in page.content.decode():
            break
        href, hx_get = links(page.content.decode(), "next")
    assert seen == many
    last = page.content.decode()
    assert "Showing 101–130." in last and "Page 3 of 3" in last
    assert links(last, "prev")[0] == f"{SEARCH}?country=NL&type=local&page=2"


def test_pager_links_swap_the_results_and_push_the_address(owner, many):
    content = owner.get(SEARCH, {"country": "NL", "city": "Amsterdam", "page": "2"}, headers=HTMX).content.decode()
    tag = re.search(r'<a [^>]*rel="prev"[^>]*>', content, re.S).group(0)
    assert 'hx-target="#results"' in tag and 'hx-push-url="true"' in tag
    assert "city=Amsterdam" in tag and "page=1" in tag


def test_a_page_past_the_end_shows_the_last_page(owner, many):
    response = owner.get(SEARCH, {"country": "NL", "type": "local", "page": "40"})
    assert shown(response) == many[100:]
    assert response.context["page"].number == 3
    assert owner.get(SEARCH, {"country": "NL", "type": "local", "page": "x"}).context["page"].number == 1


def test_a_search_that_fits_one_page_has_a_total_and_no_pager(owner, stock):
    content = owner.get(SEARCH, {"country": "DE"}, headers=HTMX).content.decode()
    assert "5 numbers match." in content
    assert 'data-testid="results-pager"' not in content


def test_one_match_is_counted_in_the_singular(owner, stock):
    content = owner.get(SEARCH, {"country": "NL", "contains": "7000005"}, headers=HTMX).content.decode()
    assert "1 number matches." in content


def test_pages_of_a_search_without_digits_take_their_total_from_the_group_counters(owner, many):
    """The page of numbers is the only inventory query: no COUNT, whichever page."""
    for page in ("1", "2", "3"):
        with CaptureQueriesContext(connection) as queries:
            response = owner.get(SEARCH, {"country": "NL", "type": "local", "page": page}, headers=HTMX)
        assert response.context["page"].total == 130
        statements = [q["sql"] for q in queries.captured_queries]
        assert not [sql for sql in statements if "COUNT(" in sql.upper()]
        assert len([sql for sql in statements if "ORDER BY e164 LIMIT" in sql]) == 1


def test_a_digits_search_counts_only_up_to_its_limit(owner, many, monkeypatch):
    monkeypatch.setattr(views, "SEARCH_COUNT_LIMIT", 60)
    response = owner.get(SEARCH, {"country": "NL", "contains": "31207"}, headers=HTMX)
    content = response.content.decode()
    assert "More than 60 numbers match." in content and "Page 1" in content and "Page 1 of" not in content
    assert len(shown(response)) == 50 and 'rel="next"' in content
    # under the limit the count is exact
    monkeypatch.setattr(views, "SEARCH_COUNT_LIMIT", 100)
    content = owner.get(SEARCH, {"country": "NL", "contains": "312071000"}, headers=HTMX).content.decode()
    assert "99 numbers match." in content and "Page 1 of 2" in content


def test_a_cart_button_on_a_later_page_goes_back_to_that_page(owner, many):
    page = owner.get(SEARCH, {"country": "NL", "type": "local", "page": "2"})
    number = shown(page)[0]
    response = owner.post(reverse("number_cart_add"), {"number": number, "back": page.context["back"]})
    assert response["Location"] == f"{SEARCH}?country=NL&type=local&page=2"


def test_each_number_names_its_type(owner, stock):
    content = owner.get(SEARCH, {"country": "NL", "type": "mobile"}, headers=HTMX).content.decode()
    assert content.count('<div class="muted small">Mobile') == 10


@pytest.mark.parametrize("digits", ["7", "31207", "3120710"])
def test_a_bounded_digits_count_is_the_exact_count_up_to_its_bound(many, digits):
    from numbers_app.selectors import StockFilters, stock_search, stock_total

    filters = StockFilters(country="NL", contains=digits)
    exact = stock_search(filters).count()
    assert exact > 20
    assert stock_total(filters) == exact
    assert stock_total(filters, at_most=20) == 20
    assert stock_total(filters, at_most=exact + 5) == exact
