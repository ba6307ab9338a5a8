"""Both SDKs name every event type the portal records (the Python SDK's ``webhooks.EVENT_TYPES`` and the
Node SDK's ``events.list`` filter type), and the OpenAPI schema's filter enum is the same list."""

from __future__ import annotations

import re

from didfarm import webhooks

from portal.events import EVENT_TYPES
from tests.portal.test_web_server import ROOT


def test_the_python_sdk_lists_every_event_type():
    assert set(webhooks.EVENT_TYPES) == set(EVENT_TYPES)


def test_the_node_sdk_event_filter_lists_every_event_type():
    declarations = (ROOT / "sdk" / "node" / "lib" / "index.d.ts").read_text()
    line = re.search(r"interface EventsListParams \{\s*event\?: ([^;]+);", declarations)
    assert line is not None
    assert set(re.findall(r'"([a-z_.]+)"', line.group(1))) == set(EVENT_TYPES)


def test_the_schema_filter_enum_lists_every_event_type(client):
    schema = client.get("/api/v1/schema").json()
    params = schema["paths"]["/api/v1/events"]["get"]["parameters"]
    enum = next(p for p in params if p["name"] == "event")["schema"]["enum"]
    assert set(enum) == set(EVENT_TYPES) and "number.test_call_failed" in enum


def test_the_python_sdk_reads_per_minute_prices_as_decimals_and_keeps_null():
    from decimal import Decimal

    from didfarm._objects import convert

    item = convert({"per_minute_price": "0.0150", "per_minute_cost": None})
    assert item.per_minute_price == Decimal("0.0150") and item.per_minute_cost is None
