"""API plumbing every app uses: API-key authentication, the error format, pagination and throttling, the
JSON body checked by its serializer, the ``meta`` stamp of an answer and the ``Idempotency-Key`` header.

Errors everywhere under /api/v1 answer ``{"error": {"code", "message", "status"}}`` (validation errors
add ``fields``), with the request id so support can find the request in the logs.
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.validators import RegexValidator
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actor import Actor
from portal import outages
from portal.authentication import rate_limit_headers
from portal.db import inputs
from portal.errors import ApplicationError, ServiceUnavailable, ValidationFailed

logger = logging.getLogger("didfarm.api")

# --- OpenAPI description of the authentication -----------------------------------------------


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "portal.authentication.ApiKeyAuthentication"
    name = "ApiKeyBearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "df_live_sk_… (full) or df_live_rk_… (read-only)"}


class PortalSessionScheme(OpenApiAuthenticationExtension):
    target_class = "portal.authentication.PortalSessionAuthentication"
    name = "PortalSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


# --- Base view -----------------------------------------------------------------------------------


class ApiView(APIView):
    """Every endpoint's base. Throttling runs before the permission checks, so every authenticated
    request counts against the key's limit, even one that is then refused."""

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        neg = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = neg
        version, scheme = self.determine_version(request, *args, **kwargs)
        request.version, request.versioning_scheme = version, scheme
        self.perform_authentication(request)
        self.check_throttles(request)
        self.check_permissions(request)

    def throttled(self, request, wait):
        decision = getattr(request, "_rate_decision", None)
        raise exceptions.Throttled(wait=decision.retry_after if decision else None)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        decision = getattr(request, "_rate_decision", None)
        if decision is not None:
            for header, value in rate_limit_headers(decision).items():
                response[header] = value
        return response

    @property
    def actor(self) -> Actor:
        return self.request.auth


# --- Input fields that take JSON's types as they are ------------------------------------------------
# DRF's fields coerce: a CharField takes 42 as "42", a BooleanField "yes" or 1 as true. A request body is
# JSON, whose types say what the caller meant, so a number, boolean, list or object where a string is
# expected (or anything but true/false where a boolean is) is a 422, never a silent conversion.


class StrictCharField(serializers.CharField):
    """A string, and only a string (null where ``allow_null``)."""

    default_error_messages = {"invalid": gettext_lazy("Must be a string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false, and nothing else ("true", 1 and "yes" are refused)."""

    default_error_messages = {"invalid": gettext_lazy("Must be true or false.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIdField(serializers.CharField):
    """An id: a string (``cli_42``) or a whole number (42), given back as a string."""

    default_error_messages = {"invalid": gettext_lazy("Must be an id: a string or a whole number.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        return super().to_internal_value(str(data))


# --- Pagination ----------------------------------------------------------------------------------


class PageParams(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=25)


@functools.cache
def _single_valued(serializer_class) -> tuple[str, ...]:
    """The query parameters of ``serializer_class`` that take one value (all but lists)."""
    return tuple(
        name
        for name, field in serializer_class().fields.items()
        if not isinstance(field, serializers.ListField | serializers.MultipleChoiceField)
    )


def validate_query(serializer_class, request) -> dict[str, Any]:
    """Validate query parameters with a serializer; errors become the usual 422. A parameter that takes
    one value and is given several (``?limit=5&limit=50``) is refused rather than one of them guessed."""
    query = request.query_params
    repeated = [name for name in _single_valued(serializer_class) if len(query.getlist(name)) > 1]
    if repeated:
        raise ValidationFailed(fields={name: [_("Give %(p)s once.") % {"p": name}] for name in repeated})
    return inputs.validated(serializer_class, query)


def paginate(request, queryset, serializer_class, *, context: dict | None = None) -> Response:
    """Page-style pagination: ``{"data": [...], "meta": {"total", "page", "limit", "pages"}}``."""
    params = validate_query(PageParams, request)
    page, limit = params["page"], params["limit"]
    total = queryset.count()
    rows = list(queryset[(page - 1) * limit : page * limit])
    data = serializer_class(rows, many=True, context=context or {"request": request}).data
    return Response({"data": data, "meta": {"total": total, "page": page, "limit": limit, "pages": -(-total // limit)}})


def encode_cursor(last_id: int) -> str:
    return "cur_" + base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = cursor.removeprefix("cur_")
        value = int(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(fields={"cursor": ["This cursor is not one we issued; start without it."]}) from None
    return value


class CursorPagination(serializers.Serializer):
    cursor = serializers.CharField(allow_null=True)
    has_more = serializers.BooleanField()
    total = serializers.IntegerField()


def cursor_page(queryset, *, cursor: str | None, limit: int) -> tuple[list, dict[str, Any]]:
    """Cursor-style pagination over a queryset ordered by descending id: the page's rows after the cursor
    (an id, opaque to the caller) and ``{"cursor", "has_more", "total"}`` for ``meta.pagination``."""
    total = queryset.count()
    page_qs = queryset.filter(pk__lt=decode_cursor(cursor)) if cursor else queryset
    rows = list(page_qs[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return rows, {"cursor": encode_cursor(rows[-1].pk) if has_more else None, "has_more": has_more, "total": total}


@functools.cache
def page_envelope(item_serializer):
    """The OpenAPI shape of a paginated list of ``item_serializer``."""
    name = item_serializer.__name__.removesuffix("Serializer").removesuffix("Output") + "Page"

    meta = type(
        name + "Meta",
        (serializers.Serializer,),
        {
            "total": serializers.IntegerField(),
            "page": serializers.IntegerField(),
            "limit": serializers.IntegerField(),
            "pages": serializers.IntegerField(),
        },
    )
    return type(name, (serializers.Serializer,), {"data": item_serializer(many=True), "meta": meta()})


def context_actor(context: Mapping[str, Any]):
    """The actor a serializer is answering (the request's API key or login), or None."""
    return getattr(context.get("request"), "auth", None)


def client_view(context: Mapping[str, Any]) -> bool:
    """Whether a serializer answers a client-scoped key: it shows that client's view of money (its own
    prices, never the reseller's wholesale cost or balance)."""
    return bool(getattr(context_actor(context), "is_client_scoped", False))


@functools.cache
def data_envelope(item_serializer):
    name = item_serializer.__name__.removesuffix("Serializer").removesuffix("Output") + "Envelope"
    return type(name, (serializers.Serializer,), {"data": item_serializer()})


class ErrorDetail(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    status = serializers.IntegerField()
    request_id = serializers.CharField(required=False)
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetail()


# The pattern of a text that is not blank: at least one character that is not white space.
NOT_BLANK = r"\S"


# --- What every view reads and stamps: the JSON body, the meta stamp, the Idempotency-Key header ----

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
    """The ``meta`` of an answer: the request's id and when it was answered."""
    return {
        "request_id": getattr(request._request, "request_id", None),
        "timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class PortalAutoSchema(AutoSchema):
    """Documents the error answers every operation can give, in the one error format."""

    ERRORS = {
        "400": "Malformed JSON body",
        "401": "Missing, malformed or revoked API key",
        "403": "Not allowed: a read-only key writing, or a role without the right",
        "404": "No such object in your account",
        "422": "Validation failed; `fields` says which",
        "429": "Rate limit exceeded; see Retry-After",
        "500": "Server error; retry with backoff",
    }

    def get_description(self) -> str:
        # Docstrings are notes for developers; what a user reads is written in @extend_schema(description=…).
        return ""

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        schema.pop("description", None)  # (a serializer's docstring, as above)
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and schema.get("type") == "string"
            and not {"pattern", "enum", "format"} & set(schema)
            and not any(isinstance(v, RegexValidator) for v in field.validators)
        ):
            # Input is trimmed, and a value left blank is refused: it needs a character that is not a space.
            schema["pattern"] = NOT_BLANK
        return schema

    def _get_parameters(self):
        parameters = super()._get_parameters()
        if self.path.startswith("/api/v1/"):
            for parameter in parameters:
                if parameter["in"] == "query" and not parameter.get("required"):
                    # An optional query parameter sent empty (`?status=`) counts as not sent.
                    parameter["allowEmptyValue"] = True
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = dict(self.ERRORS)
        if self.method == "POST" and getattr(getattr(self.view, "post", None), "idempotent", False):
            codes["409"] = "A request with this Idempotency-Key is still running"
        if self.method == "GET":
            codes.pop("400")
        for code, description in codes.items():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses


# --- Errors --------------------------------------------------------------------------------------


def error_body(request, *, code: str, message: str, status: int, fields=None, **extra) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": str(message), "status": status}
    if fields:
        error["fields"] = fields
    error.update({k: v for k, v in extra.items() if v is not None})
    request_id = getattr(request, "request_id", None) or getattr(getattr(request, "_request", None), "request_id", None)
    if request_id:
        error["request_id"] = request_id
    return {"error": error}


def _flatten_fields(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for field, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten_fields(value).items():
                    out[f"{field}.{sub}"] = msgs
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, item in enumerate(value):
                    for sub, msgs in _flatten_fields(item).items():
                        out[f"{field}[{index}].{sub}"] = msgs
            else:
                out[field] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return out
    return {"non_field_errors": [str(v) for v in (detail if isinstance(detail, list) else [detail])]}


_DRF_CODES = {
    exceptions.ParseError: ("malformed_json", 400),
    exceptions.AuthenticationFailed: ("unauthorized", 401),
    exceptions.NotAuthenticated: ("unauthorized", 401),
    exceptions.PermissionDenied: ("forbidden", 403),
    exceptions.NotFound: ("not_found", 404),
    exceptions.MethodNotAllowed: ("method_not_allowed", 405),
    exceptions.NotAcceptable: ("not_acceptable", 406),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", 415),
    exceptions.Throttled: ("rate_limited", 429),
}
_DRF_CODES_BY_STATUS = {413: "payload_too_large"}


def exception_handler(exc, context) -> Response:
    request = context.get("request")
    headers: dict[str, str] = {}
    if isinstance(exc, outages.REDIS_ERRORS):
        outages.warn("request", "Redis is unreachable: a request was refused with 503")
        exc = ServiceUnavailable(retry_after=outages.RETRY_AFTER_SECONDS)
    if isinstance(exc, ApplicationError):
        body = error_body(
            request, code=exc.code, message=exc.message, status=exc.status, fields=exc.fields, **exc.extra
        )
        if exc.extra.get("retry_after"):
            headers["Retry-After"] = str(exc.extra["retry_after"])
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return Response(body, status=exc.status, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(exc.detail)
        return Response(
            error_body(
                request, code="validation_error", message=_("Some fields are invalid."), status=422, fields=fields
            ),
            status=422,
        )
    for exc_class, (code, status) in _DRF_CODES.items():
        if isinstance(exc, exc_class):
            message = str(exc.detail)
            if isinstance(exc, exceptions.ParseError):
                message = _("The request body is not valid JSON: %(detail)s") % {"detail": exc.detail}
            elif isinstance(exc, exceptions.Throttled):
                wait = int(exc.wait or 1)
                headers["Retry-After"] = str(wait)
                message = _("Rate limit exceeded; retry in %(s)d seconds.") % {"s": wait}
            elif isinstance(exc, exceptions.MethodNotAllowed):
                allowed = context["view"].allowed_methods if context.get("view") else []
                headers["Allow"] = ", ".join(allowed)
            if status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="api"'
            return Response(
                error_body(request, code=code, message=message, status=status), status=status, headers=headers
            )
    if isinstance(exc, exceptions.APIException):
        code = _DRF_CODES_BY_STATUS.get(exc.status_code, str(exc.default_code))
        return Response(
            error_body(request, code=code, message=str(exc.detail), status=exc.status_code),
            status=exc.status_code,
        )
    logger.exception("Unhandled API error", exc_info=exc)
    return Response(server_error_body(request), status=500)


def server_error_body(request) -> dict[str, Any]:
    return error_body(
        request,
        code="server_error",
        message=_(
            "Something went wrong on our side. Retry with backoff; if it persists, contact support with the request id."
        ),
        status=500,
    )


def json_error(request, *, code: str, message: str, status: int) -> JsonResponse:
    """The error format for responses produced outside DRF (unknown URLs, crashes in middleware)."""
    return JsonResponse(error_body(request, code=code, message=message, status=status), status=status)


def schema_only_canonical_paths(endpoints):
    """/v1/... mirrors /api/v1/...; document each operation once, under /api/v1 (and /api/v3)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(("/api/v1/", "/api/v3/"))]
