"""The API's JSON encoder (orjson) writes what DRF's encoder writes, and falls back to it for anything
it would write differently."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from portal.renderers import FastJSONRenderer

drf, fast = JSONRenderer(), FastJSONRenderer()

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9),
    st.datetimes(timezones=st.just(UTC)),
    st.dates(),
    st.uuids(),
)
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
)


@given(documents)
def test_answers_are_byte_for_byte_what_drf_writes(document):
    assert fast.render(document) == drf.render(document)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_read_back_the_same(number):
    assert json.loads(fast.render({"rate": number})) == json.loads(drf.render({"rate": number}))


def test_values_orjson_does_not_know_are_encoded_as_drf_does():
    document = {
        "when": datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC),
        "day": date(2026, 11, 23),
        "price": Decimal("0.0080"),
        "label": gettext_lazy("Some fields are invalid."),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "took": timedelta(seconds=90),
        "line": "one\u2028two\u2029three",
        "tags": ("a", "b"),
    }
    assert fast.render(document) == drf.render(document)
    assert b'"when":"2026-11-23T09:30:15.123456Z"' in fast.render(document)
    assert b"\\u2028" in fast.render(document)


def test_what_orjson_refuses_goes_through_drf():
    for document in ({1: "int key"}, {"big": 2**70}, {"nested": [{2: None}]}):
        assert fast.render(document) == drf.render(document)


def test_an_indented_answer_asked_for_is_indented():
    body = fast.render({"a": [1, 2]}, "application/json; indent=2", {})
    assert body == drf.render({"a": [1, 2]}, "application/json; indent=2", {})
    assert b"\n  " in body


def test_the_api_answers_through_it(tenants, api_as):
    response = api_as(tenants.a.key).get("/api/v1/me")
    assert response.status_code == 200
    assert response.content == drf.render(response.data)


def test_where_the_encoders_differ_the_json_still_reads_the_same():
    # (Values the API does not return: money is always a decimal string.)
    assert fast.render({"x": Decimal("0.00001")}) == b'{"x":0.00001}'
    assert drf.render({"x": Decimal("0.00001")}) == b'{"x":1e-05}'
    assert json.loads(fast.render({"x": 1e-07})) == json.loads(drf.render({"x": 1e-07}))
    assert fast.render({"rate": float("nan")}) == b'{"rate":null}'


def test_a_json_number_is_written_with_exactly_its_digits_on_every_path():
    from portal.renderers import json_number

    price = {"monthly_price": json_number(Decimal("2.00")), "tiny": json_number(Decimal("0.0000001"))}
    assert fast.render(price) == b'{"monthly_price":2.00,"tiny":0.0000001}'
    # orjson refuses an integer key: DRF's renderer writes the answer, with the same literals
    assert fast.render({**price, 1: "x"}) == b'{"monthly_price":2.00,"tiny":0.0000001,"1":"x"}'
    indented = fast.render([price, price], "application/json; indent=2", {})
    assert indented.count(b'"monthly_price": 2.00') == 2 and b"\n  " in indented
    assert json.loads(indented, parse_float=Decimal)[1]["tiny"] == Decimal("0.0000001")


def test_a_json_number_is_only_made_from_a_finite_decimal():
    import pytest

    from portal.renderers import json_number

    for value in (2.0, Decimal("NaN"), Decimal("Infinity"), "2.00"):
        with pytest.raises(ValueError):
            json_number(value)
