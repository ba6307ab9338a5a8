"""Input checked by a DRF serializer, without building one when the input is plainly valid.

A serializer is the one description of an endpoint's input: OpenAPI documents it, and its errors are the
422's ``fields``. Running it costs more than some endpoints' whole work (the fields are deep-copied per
instance, every value passes through a chain of validators), so ``validated(cls, data)`` first tries what
the serializer would check, written out once per class from its fields: strings with their lengths and
patterns, integers in range, choices, defaults, then the serializer's own ``validate()``. Only when every
field is of a kind it knows, and every value passes, is the answer taken; any doubt (a blank string, a
value out of range, a type it does not know, an error from ``validate()``) runs the serializer itself, so
errors, and anything unusual, are the serializer's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.core import validators as django_validators
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from portal.errors import ValidationFailed


class _Doubt(Exception):
    """The quick check cannot vouch for this input: the serializer decides."""


_SURROGATES = re.compile("[\ud800-\udfff]")
_INTEGER = re.compile(r"-?\d{1,15}")
_STRING_CHECKS = (
    django_validators.MaxLengthValidator,
    django_validators.MinLengthValidator,
    django_validators.ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
)


def _string(field: serializers.CharField) -> Callable[[Any], str] | None:
    patterns = []
    for validator in field.validators:
        if isinstance(validator, django_validators.RegexValidator) and isinstance(field, serializers.RegexField):
            if validator.inverse_match:
                return None
            patterns.append(validator.regex)
        elif not isinstance(validator, _STRING_CHECKS):
            return None
    trim, low, high = field.trim_whitespace, field.min_length, field.max_length

    def check(value: Any) -> str:
        if type(value) is not str:
            raise _Doubt
        text = value.strip() if trim else value
        if (
            not text.strip()
            or (high is not None and len(text) > high)
            or (low is not None and len(text) < low)
            or "\x00" in text
            or _SURROGATES.search(text)
            or any(not pattern.search(text) for pattern in patterns)
        ):
            raise _Doubt
        return text

    return check


def _integer(field: serializers.IntegerField) -> Callable[[Any], int] | None:
    if any(
        not isinstance(v, django_validators.MaxValueValidator | django_validators.MinValueValidator)
        for v in field.validators
    ):
        return None
    low, high = field.min_value, field.max_value

    def check(value: Any) -> int:
        if type(value) is str and _INTEGER.fullmatch(value):
            number = int(value)
        elif type(value) is int:
            number = value
        else:
            raise _Doubt
        if (low is not None and number < low) or (high is not None and number > high):
            raise _Doubt
        return number

    return check


def _choice(field: serializers.ChoiceField) -> Callable[[Any], Any] | None:
    if field.validators:
        return None
    known = dict(field.choice_strings_to_values)
    known.pop("", None)  # (a blank choice: the serializer's rules on blanks decide)

    def check(value: Any) -> Any:
        if type(value) is not str or value not in known:
            raise _Doubt
        return known[value]

    return check


def _checker(field: serializers.Field) -> Callable[[Any], Any] | None:
    kind = type(field)
    if kind in (serializers.CharField, serializers.RegexField):
        return _string(field)
    if kind is serializers.IntegerField:
        return _integer(field)
    if kind is serializers.ChoiceField:
        return _choice(field)
    return None


class _Plan:
    """How one serializer class's input is checked quickly; ``usable`` is False when it cannot be."""

    def __init__(self, serializer_class: type[serializers.Serializer]) -> None:
        self.serializer_class = serializer_class
        self.fields: list[tuple[str, str, Callable[[Any], Any], bool, Any]] = []
        self.usable = issubclass(serializer_class, serializers.Serializer) and not issubclass(
            serializer_class, serializers.ModelSerializer | serializers.ListSerializer
        )
        if not self.usable or getattr(getattr(serializer_class, "Meta", None), "validators", None):
            self.usable = False
            return
        prototype = serializer_class()
        for name, field in prototype.fields.items():
            if field.read_only:
                continue
            check = _checker(field)
            if check is None or len(field.source_attrs) != 1 or hasattr(prototype, f"validate_{name}"):
                self.usable = False
                return
            self.fields.append((name, field.source_attrs[0], check, field.required, field.default))
        self.own_validate = type(prototype).validate is not serializers.Serializer.validate

    def run(self, data: Mapping) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        for name, key, check, required, default in self.fields:
            if name in data:
                attrs[key] = check(data[name])
            elif required:
                raise _Doubt
            elif default is not empty:
                attrs[key] = default() if callable(default) else default
        if self.own_validate:
            try:
                attrs = self.serializer_class(data=data).validate(attrs)
            except serializers.ValidationError:
                raise _Doubt from None
        return attrs


_plans: dict[type, _Plan] = {}


def quick(serializer_class: type[serializers.Serializer], data: Mapping) -> dict[str, Any] | None:
    """What ``serializer_class(data=data)`` would validate ``data`` to, when the quick check can vouch for
    it; None when the serializer itself must decide."""
    plan = _plans.get(serializer_class)
    if plan is None:
        plan = _plans[serializer_class] = _Plan(serializer_class)
    if plan.usable:
        try:
            return plan.run(data)
        except _Doubt:
            pass
    return None


def validated(serializer_class: type[serializers.Serializer], data: Mapping) -> dict[str, Any]:
    """What ``serializer_class(data=data)`` validates ``data`` to; ``ValidationFailed`` (422) with the
    serializer's field errors when it does not."""
    attrs = quick(serializer_class, data)
    if attrs is not None:
        return attrs
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationFailed(fields=serializer.errors)
    return serializer.validated_data
