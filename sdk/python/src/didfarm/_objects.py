"""What calls return: objects whose attributes are the API's field names, and pages of them.

Money stays exact: every JSON number with a fraction is read as :class:`decimal.Decimal`, and the amounts
the API sends as strings (``"balance": "142.50"``) are turned into ``Decimal`` too."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any

# The fields that carry amounts (EUR) or rates as decimal strings.
MONEY_FIELDS = frozenset(
    {
        "amount",
        "auto_recharge_amount",
        "auto_recharge_threshold",
        "balance",
        "balance_after",
        "balance_exact",
        "charged",
        "delivery_rate",
        "delivery_rate_30d",
        "first_period",
        "fixed_monthly",
        "fixed_setup",
        "fixed_sms_addon",
        "fixed_sms_segment",
        "low_balance_threshold",
        "margin",
        "markup_percent",
        "monthly_cost",
        "monthly_price",
        "per_minute_cost",
        "per_minute_price",
        "price",
        "price_per_segment",
        "setup_cost",
        "setup_fee",
        "sms_monthly_cost",
        "sms_monthly_price",
        "total",
        "total_due",
        "vat_total",
        "wholesale",
        "wholesale_total",
    }
)
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")


class DidfarmObject(dict):  # type: ignore[type-arg]
    """A JSON object of the API: ``obj.number`` and ``obj["number"]`` are the same value. A field wins over
    a dictionary method of the same name (``order.items`` is the order's items; ``dict(order).items()``
    gives the pairs)."""

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_") and dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        return super().__getattribute__(name)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None

    def __repr__(self) -> str:
        return f"DidfarmObject({dict.__repr__(self)})"


def convert(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return DidfarmObject({k: convert(v, k) for k, v in value.items()})
    if isinstance(value, list):
        return [convert(v) for v in value]
    if key in MONEY_FIELDS and isinstance(value, str) and _DECIMAL.fullmatch(value):
        return Decimal(value)
    return value


def loads(text: str | bytes) -> Any:
    return convert(json.loads(text, parse_float=Decimal))


def dumps(value: Any) -> bytes:
    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            return str(obj)
        raise TypeError(f"{type(obj).__name__} is not JSON serializable")

    return json.dumps(value, default=default, separators=(",", ":")).encode()


def _next_params(meta: Any, params: dict[str, Any], pagination: str | None, count: int) -> dict[str, Any] | None:
    """The query of the page after this one, or None on the last page."""
    if not isinstance(meta, dict) or not count:
        return None
    if pagination == "cursor":
        info = meta.get("pagination") or {}
        if info.get("has_more") and info.get("cursor"):
            return {**params, "cursor": info["cursor"]}
        return None
    if pagination == "page":
        page, limit = int(meta.get("page") or 1), int(meta.get("limit") or count)
        if "pages" in meta:
            more = page < int(meta["pages"])
        else:
            more = page * limit < int(meta.get("total") or 0)
        return {**params, "page": page + 1} if more else None
    return None


class _PageBase(list):  # type: ignore[type-arg]
    def __init__(
        self,
        items: list[Any],
        *,
        meta: Any,
        params: dict[str, Any],
        pagination: str | None,
        fetch: Callable[[dict[str, Any]], Any] | None,
    ) -> None:
        super().__init__(items)
        self.meta = meta if meta is not None else DidfarmObject()
        self._next = _next_params(meta, params, pagination, len(items))
        self._fetch = fetch

    @property
    def has_more(self) -> bool:
        return self._next is not None


class Page(_PageBase):
    """One page of a list: iterate it, index it, and read ``meta`` (``total``, ``page``, ``limit``, or
    ``pagination.cursor``). ``auto_paging_iter()`` walks every item of every page, fetching as it goes."""

    def next_page(self) -> Page | None:
        if self._next is None or self._fetch is None:
            return None
        page: Page = self._fetch(self._next)
        return page

    def auto_paging_iter(self) -> Iterator[Any]:
        page: Page | None = self
        while page is not None:
            yield from page
            page = page.next_page()


class AsyncPage(_PageBase):
    """A page of the async client: ``async for item in page.auto_paging_iter()`` walks every page."""

    async def next_page(self) -> AsyncPage | None:
        if self._next is None or self._fetch is None:
            return None
        page: AsyncPage = await self._fetch(self._next)
        return page

    async def auto_paging_iter(self) -> AsyncIterator[Any]:
        page: AsyncPage | None = self
        while page is not None:
            for item in page:
                yield item
            page = await page.next_page()
