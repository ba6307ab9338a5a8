"""What every API view reads and stamps, apart from the view base classes in ``portal/api.py``: the JSON
body checked by its serializer, the ``meta`` stamp of an answer, and the ``Idempotency-Key`` header as
the OpenAPI document describes it."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter

from portal.api import NOT_BLANK
from portal.db import inputs
from portal.errors import ValidationFailed

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": NOT_BLANK},
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID). A retry with the same key and body replays the first response "
    "and charges nothing more.",
)


def valid_body(serializer_class, request) -> dict:
    """The request's JSON object as ``serializer_class`` validates it (422 otherwise). The quick check
    (``portal.db.inputs``) answers first where it can; it must answer as the serializer would."""
    if not isinstance(request.data, dict):
        raise ValidationFailed(fields={"non_field_errors": ["Send a JSON object."]})
    attrs = inputs.quick(serializer_class, request.data)
    if attrs is not None:
        return attrs
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def meta_stamp(request) -> dict:
    return {
        "request_id": getattr(request._request, "request_id", None),
        "timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
