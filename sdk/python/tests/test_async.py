"""The asyncio client: the same calls, awaited, and async pagination."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import didfarm


def test_the_async_client_searches_orders_and_walks_pages(live):
    async def scenario() -> None:
        async with didfarm.AsyncClient(api_key=live["DIDFARM_API_KEY"], base_url=live["DIDFARM_BASE_URL"]) as client:
            numbers = await client.numbers.search(country_code="GB", number_type="local", limit=3)
            assert isinstance(numbers, didfarm.AsyncPage) and isinstance(numbers[0].monthly_price, Decimal)
            order = await client.numbers.order(number=numbers[0].number, billing_cycle="monthly")
            assert order.id.startswith("num_") and order.status

            page = await client.transactions.list(limit=1)
            assert page.has_more
            seen = [entry.id async for entry in page.auto_paging_iter()]
            assert len(seen) == page.meta.total and len(set(seen)) == len(seen)

            balances = await asyncio.gather(*(client.wallet.balance() for _ in range(3)))
            assert len({b.balance_exact for b in balances}) == 1

            try:
                await client.numbers.get("num_999999999")
            except didfarm.NotFoundError as error:
                assert error.status == 404 and error.request_id
            else:
                raise AssertionError("a missing number was found")

    asyncio.run(scenario())


def test_the_async_client_waits_out_the_rate_limit_too(live):
    limit = int(live["DIDFARM_TEST_RATE_LIMIT"])

    async def scenario() -> None:
        key, base = live["DIDFARM_TEST_LIMITED_KEY"], live["DIDFARM_BASE_URL"]
        async with didfarm.AsyncClient(api_key=key, base_url=base, max_retries=0) as impatient:
            try:
                for _ in range(limit + 1):
                    await impatient.account.me()
            except didfarm.RateLimitError as error:
                assert error.status == 429 and error.retry_after
            else:
                raise AssertionError("the low limit was never reached")
        async with didfarm.AsyncClient(api_key=key, base_url=base, max_retries=5) as patient:
            answers = [await patient.account.me() for _ in range(limit + 1)]
            assert all(a.account_name == "SDK Limited" for a in answers)

    asyncio.run(scenario())


def test_the_async_client_walks_call_records_by_cursor_and_downloads_ubl(live):
    async def scenario() -> None:
        key, base = live["DIDFARM_TEST_VOICE_KEY"], live["DIDFARM_BASE_URL"]
        async with didfarm.AsyncClient(api_key=key, base_url=base) as client:
            page = await client.calls.list(limit=3)
            assert isinstance(page, didfarm.AsyncPage) and page.meta.pagination.has_more
            seen = [call.id async for call in page.auto_paging_iter()]
            assert len(seen) == page.meta.pagination.total == len(set(seen)) == 8
            assert (await client.calls.get(seen[-1])).id == seen[-1]
            invoice = (await client.invoices.list(status="issued"))[0]
            assert f"<cbc:ID>{invoice.number}</cbc:ID>".encode() in await client.invoices.ubl(invoice.id)

    asyncio.run(scenario())
