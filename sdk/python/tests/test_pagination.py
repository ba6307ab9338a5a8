"""Lists are pages with meta; auto_paging_iter walks every page, by page number and by cursor."""

from __future__ import annotations


def test_page_style_lists_walk_every_page(client, unique):
    names = {f"Pager {unique} {i}" for i in range(5)}
    for name in sorted(names):
        client.clients.create(name=name)

    first = client.clients.list(limit=2)
    assert len(first) == 2 and first.meta.page == 1 and first.meta.pages >= 3 and first.has_more
    second = first.next_page()
    assert second is not None and second.meta.page == 2
    assert {c.id for c in first}.isdisjoint({c.id for c in second})

    everyone = list(first.auto_paging_iter())
    assert len(everyone) == first.meta.total
    assert len({c.id for c in everyone}) == len(everyone)
    assert names <= {c.name for c in everyone}


def test_search_pages_follow_meta_total(client):
    first = client.numbers.search(country_code="GB", number_type="mobile", limit=5)
    assert first.meta.total > 10 and first.has_more
    seen = []
    for number in first.auto_paging_iter():
        seen.append(number.number)
        if len(seen) == 12:
            break
    assert len(set(seen)) == 12  # three pages, no repeats


def test_cursor_style_lists_walk_every_page(client):
    for candidate in client.numbers.search(country_code="US", number_type="local", limit=2):
        client.numbers.order(number=candidate.number)
    first = client.numbers.list(limit=1)
    assert len(first) == 1 and first.meta.pagination.has_more and first.meta.pagination.cursor
    walked = [n.id for n in first.auto_paging_iter()]
    assert len(walked) == first.meta.pagination.total >= 2
    assert len(set(walked)) == len(walked)
