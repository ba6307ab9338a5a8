"""``portal.db.inputs``: the quick check of a serializer's input answers as the serializer would, or not at
all. Compared with the serializers themselves on the endpoints' own input classes, over generated input."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from messaging.api import MessageSendInput, PortalSmsSendInput
from numbers_app.api import AvailableParams, SearchParams
from portal.api import PageParams
from portal.db import inputs
from portal.errors import ValidationFailed


def serializer_answer(cls, data):
    serializer = cls(data=data)
    return dict(serializer.validated_data) if serializer.is_valid() else None


# Values people send, good and bad: blanks, padding, digits, signs, long strings, NULs, surrogates.
texts = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "GB",
            "gb",
            " GB ",
            "local",
            "mobile",
            "bogus",
            "20",
            "0",
            "-1",
            "007",
            "1.0",
            "+44",
            "12a",
            "101",
            "500",
            "501",
            "+31612345678",
            " +31612345678 ",
            "a\x00b",
            "\ud800",
            "sms,voice",
            "Hello",
        ]
    ),  # fmt: skip
    st.text(max_size=50),
    st.integers(-5, 1000).map(str),
)
values = st.one_of(texts, st.integers(-5, 1000), st.none(), st.booleans(), st.lists(st.text(max_size=3), max_size=2))


@pytest.mark.parametrize(
    ("cls", "keys"),
    [
        (SearchParams, ["country_code", "country", "number_type", "type", "city", "limit", "page"]),
        (AvailableParams, ["country", "type", "capabilities", "area_code", "contains", "limit"]),
        (PageParams, ["page", "limit"]),
    ],
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_query_parameters_get_the_serializers_answer_or_none(cls, keys, data):
    chosen = data.draw(st.dictionaries(st.sampled_from(keys), texts, max_size=len(keys)))
    query = QueryDict(mutable=True)
    query.update(chosen)
    quick = inputs.quick(cls, query)
    if quick is not None:
        assert quick == serializer_answer(cls, query)


@pytest.mark.parametrize(
    ("cls", "keys"),
    [(MessageSendInput, ["from", "to", "body", "client_id"]), (PortalSmsSendInput, ["from_number_id", "to", "body"])],
)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_json_bodies_get_the_serializers_answer_or_none(cls, keys, data):
    body = data.draw(st.dictionaries(st.sampled_from([*keys, "extra"]), values, max_size=len(keys) + 1))
    quick = inputs.quick(cls, body)
    if quick is not None:
        assert quick == serializer_answer(cls, body)


def test_plain_valid_input_is_answered_by_the_quick_check():
    query = QueryDict("country=gb&type=local&page=2")
    assert inputs.quick(SearchParams, query) == {
        "country": "GB",  # (the serializer's own validate() ran: upper case, aliases resolved)
        "type": "local",
        "limit": 20,
        "page": 2,
    }
    body = {"from": "+447700900123", "to": " +31612345678 ", "body": "  Hi  "}
    assert inputs.quick(MessageSendInput, body) == {"from": "+447700900123", "to": "+31612345678", "body": "  Hi  "}


def test_errors_are_the_serializers_own():
    with pytest.raises(ValidationFailed) as failed:
        inputs.validated(SearchParams, QueryDict("type=local&limit=101"))
    assert set(failed.value.fields) == {"limit"}  # the first failing check; validate() runs after the fields
    with pytest.raises(ValidationFailed) as failed:
        inputs.validated(SearchParams, QueryDict("type=local"))
    assert failed.value.fields == {"country_code": ["Give an ISO 3166-1 alpha-2 country code, e.g. GB."]}
    with pytest.raises(ValidationFailed) as failed:
        inputs.validated(MessageSendInput, {"from": "+447700900123", "to": "", "body": "x"})
    assert failed.value.fields == {"to": ["This field may not be blank."]}


class WithFieldHook(serializers.Serializer):
    name = serializers.CharField()

    def validate_name(self, value):
        return value.title()


class WithListField(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField())


def test_serializers_with_what_the_quick_check_does_not_know_are_left_to_the_serializer():
    assert inputs.quick(WithFieldHook, {"name": "ada"}) is None
    assert inputs.validated(WithFieldHook, {"name": "ada"}) == {"name": "Ada"}
    assert inputs.quick(WithListField, {"tags": ["a"]}) is None
    assert inputs.validated(WithListField, {"tags": ["a"]}) == {"tags": ["a"]}
