"""A compact JSON:API 1.0 layer for the endpoints under /api/v3.

Views describe what they serve with a ``Spec`` (types and their fields, filters, sort keys, include
paths), parse the query with ``parse_query`` (anything unknown or malformed → 400 naming the parameter),
build ``Resource`` objects from plain dicts and hand them to ``document``, which applies sparse
fieldsets, walks include paths and de-duplicates ``included``. Errors keep the one mapping of
``portal.api.exception_handler`` and are re-shaped as ``{"errors": [...]}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.http import JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation

from portal import api
from portal.errors import ApplicationError
from portal.parsers import SafeJSONParser
from portal.renderers import FastJSONRenderer

MEDIA_TYPE = "application/vnd.api+json"


class JsonApiRenderer(FastJSONRenderer):
    media_type = MEDIA_TYPE
    format = "vnd.api+json"


class JsonApiParser(SafeJSONParser):
    media_type = MEDIA_TYPE


class OnlyJsonApi(BaseContentNegotiation):
    """Every answer is a JSON:API document, whatever ``Accept`` says (curl sends ``*/*``, some clients
    ``application/json``): there is no other representation to choose."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.split(";")[0].strip().lower() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


# --- Errors ----------------------------------------------------------------------------------------


class InvalidParameter(ApplicationError):
    """A query parameter this endpoint does not know, or a value it cannot use."""

    code = "invalid_parameter"
    status = 400

    def __init__(self, parameter: str, message: str):
        super().__init__(message, parameter=parameter)


class InvalidDocument(ApplicationError):
    code = "invalid_document"
    status = 400
    default_message = _('Send a JSON:API document: {"data": {"type": …, "id": …, "attributes": {…}}}.')


class Conflict(ApplicationError):
    code = "conflict"
    status = 409


def exception_handler(exc, context):
    """The API's one error mapping (status, code, message, field errors), as JSON:API error objects."""
    response = api.exception_handler(exc, context)
    pointers = getattr(context.get("view"), "error_pointers", {})
    response.data = {"errors": error_objects(response.data["error"], pointers)}
    return response


def error_objects(error: dict[str, Any], pointers: Mapping[str, str]) -> list[dict[str, Any]]:
    """An /api/v1 error body's ``error`` as JSON:API error objects. Field errors become one object each,
    with ``source.pointer``: keys that already are pointers stay, service field names are translated by
    ``pointers``, anything else is taken as an attribute name."""
    status = str(error["status"])
    title = TITLES.get(error["status"], error["code"].replace("_", " ").capitalize())

    def one(detail: str, source: dict | None) -> dict[str, Any]:
        item: dict[str, Any] = {"status": status, "code": error["code"], "title": title, "detail": detail}
        if source:
            item["source"] = source
        if error.get("request_id"):
            item["meta"] = {"request_id": error["request_id"]}
        return item

    errors = []
    for name, messages in (error.get("fields") or {}).items():
        if name == "non_field_errors":
            source = None
        elif name.startswith("/"):
            source = {"pointer": name}
        else:
            source = {"pointer": pointers.get(name, f"/data/attributes/{name}")}
        errors += [one(message, source) for message in messages]
    return errors or [one(error["message"], {key: error[key] for key in ("pointer", "parameter") if error.get(key)})]


def error_response(request, *, code: str, message: str, status: int) -> JsonResponse:
    """A JSON:API error document for answers given outside the views (unknown paths, URLs too long)."""
    error = api.error_body(request, code=code, message=message, status=status)["error"]
    return JsonResponse({"errors": error_objects(error, {})}, status=status, content_type=MEDIA_TYPE)


def not_found(request, *args) -> JsonResponse:
    """Unknown paths under /api/v3."""
    message = _("No API endpoint at %(path)s. See /api/docs for the list.") % {"path": request.path}
    return error_response(request, code="not_found", message=message, status=404)


def bad_query(request, message: str) -> JsonResponse:
    """A query string refused before any view reads it (NUL bytes), as under /api/v3 every bad query
    parameter is: 400 with JSON:API error objects."""
    error = api.error_body(request, code="invalid_parameter", message=message, status=400)["error"]
    return JsonResponse({"errors": error_objects(error, {})}, status=400, content_type=MEDIA_TYPE)


TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    414: "URI too long",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    429: "Too many requests",
    500: "Server error",
}


# --- Query parameters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What an endpoint serves: every type it may return with its fields (attributes and relationships),
    and the filters, sort keys and include paths it understands."""

    types: Mapping[str, frozenset[str]]
    filters: frozenset[str] = frozenset()
    sorts: frozenset[str] = frozenset()
    includes: frozenset[str] = frozenset()
    default_page_size: int = 50
    max_page_size: int = 100


@dataclass(frozen=True)
class Query:
    filters: dict[str, str] = field(default_factory=dict)
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (key, descending)
    include: list[str] = field(default_factory=list)
    fields: dict[str, frozenset[str]] = field(default_factory=dict)
    page_number: int = 1
    page_size: int = 50


_BRACKETED = re.compile(r"^(filter|fields|page)\[([A-Za-z0-9_.\-]*)\]$")


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.split(",")]


def _positive_int(parameter: str, value: str, *, most: int) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= most:
        raise InvalidParameter(parameter, _("Use a whole number from 1 to %(most)d.") % {"most": most})
    return int(value)


def parse_query(query_params, spec: Spec, *, collection: bool) -> Query:
    """The JSON:API query of a request. Collections take filter, sort and page; a single resource only
    include and fields. Anything else, or anything unknown, raises ``InvalidParameter`` (400)."""
    filters: dict[str, str] = {}
    sort: list[tuple[str, bool]] = []
    include: list[str] = []
    fields: dict[str, frozenset[str]] = {}
    page = {"number": 1, "size": spec.default_page_size}
    for parameter, values in query_params.lists():
        if len(values) > 1:
            raise InvalidParameter(parameter, _("Give %(p)s once.") % {"p": parameter})
        value = values[0]
        bracketed = _BRACKETED.match(parameter)
        family, key = bracketed.groups() if bracketed else (parameter, None)
        if family == "include":
            for path in filter(None, _names(value)):
                if path not in spec.includes:
                    raise InvalidParameter(
                        parameter,
                        _("Cannot include %(path)s; includable: %(known)s.")
                        % {"path": path, "known": ", ".join(sorted(spec.includes)) or "-"},
                    )
                include.append(path)
            continue
        if family == "fields" and key is not None:
            if key not in spec.types:
                raise InvalidParameter(parameter, _("No resources of type %(type)s here.") % {"type": key})
            names = frozenset(filter(None, _names(value)))
            unknown = sorted(names - spec.types[key])
            if unknown:
                raise InvalidParameter(
                    parameter,
                    _("%(type)s have no field %(names)s.") % {"type": key, "names": ", ".join(unknown)},
                )
            fields[key] = names
            continue
        if not collection and family in ("sort", "filter", "page"):
            raise InvalidParameter(parameter, _("A single resource takes only include and fields[…]."))
        if family == "sort":
            for name in _names(value):
                descending = name.startswith("-")
                if name.removeprefix("-") not in spec.sorts:
                    raise InvalidParameter(
                        parameter,
                        _("Cannot sort by %(name)s; sort keys: %(known)s.")
                        % {"name": name or '""', "known": ", ".join(sorted(spec.sorts))},
                    )
                sort.append((name.removeprefix("-"), descending))
        elif family == "filter" and key is not None:
            if key not in spec.filters:
                raise InvalidParameter(
                    parameter,
                    _("Unknown filter %(name)s; filters: %(known)s.")
                    % {"name": key, "known": ", ".join(sorted(spec.filters))},
                )
            filters[key] = value
        elif family == "page" and key == "number":
            page["number"] = _positive_int(parameter, value, most=1_000_000)
        elif family == "page" and key == "size":
            page["size"] = _positive_int(parameter, value, most=spec.max_page_size)
        else:
            raise InvalidParameter(parameter, _("Unknown query parameter %(p)s.") % {"p": parameter})
    return Query(filters, sort, include, fields, page["number"], page["size"])


# The OpenAPI schema of what ``truth`` takes.
BOOLEAN = {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)$"}
# Any text a query parameter may carry: everything but NUL, which every /api/v3 query refuses (``bad_query``).
TEXT = {"type": "string", "pattern": r"^[^\x00]*$"}


def truth(parameter: str, value: str) -> bool:
    """A boolean filter value (``True`` too: Python clients send booleans as ``str(True)``)."""
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise InvalidParameter(parameter, _("Use true or false."))


def values_of(value: str) -> list[str]:
    """The values of a filter that takes several, comma-separated."""
    return _names(value)


# --- Documents -----------------------------------------------------------------------------------


@dataclass
class Resource:
    """One resource: attributes as plain JSON values; a to-one relationship as the related ``Resource``
    (so include paths can be walked) or None when it is empty, a to-many one as a list of them."""

    type: str
    id: str
    attributes: dict[str, Any]
    relationships: dict[str, Resource | list[Resource] | None] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.type, self.id


def timestamp(value: datetime | None) -> str | None:
    """UTC with milliseconds and a Z, as DIDWW writes times."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def linkage(related: Resource | list[Resource] | None) -> dict[str, str] | list[dict[str, str]] | None:
    """A resource identifier object (``{"type", "id"}``), None for an empty to-one relationship, a list of
    them for a to-many one."""
    if isinstance(related, list):
        return [{"type": r.type, "id": r.id} for r in related]
    return None if related is None else {"type": related.type, "id": related.id}


def relationship_links(resource: Resource, name: str) -> dict[str, str]:
    """A relationship's links, under the resource's own URL: ``self`` (the relationship itself, answering
    its linkage) and ``related`` (the related resource); empty when the resource has no URL of its own
    (a resource only ever seen in ``included``)."""
    own = resource.links.get("self")
    if not own:
        return {}
    return {"self": f"{own}/relationships/{name}", "related": f"{own}/{name}"}


def resource_object(
    resource: Resource, fields: Mapping[str, frozenset[str]], expanded: frozenset = frozenset()
) -> dict[str, Any]:
    """The resource as a JSON:API resource object. A to-many relationship is given only where ``include``
    reached it (``expanded`` holds those ``(resource key, name)`` pairs): clients such as DIDWW's SDK
    build an object for every linkage they receive, which they cannot do for one that is not included."""
    wanted = fields.get(resource.type)
    out: dict[str, Any] = {"type": resource.type, "id": resource.id}
    attributes = {k: v for k, v in resource.attributes.items() if wanted is None or k in wanted}
    if attributes:
        out["attributes"] = attributes
    relationships = {}
    for name, related in resource.relationships.items():
        if isinstance(related, list) and (resource.key, name) not in expanded:
            continue
        if wanted is None or name in wanted:
            relationship: dict[str, Any] = {"data": linkage(related)}
            if links := relationship_links(resource, name):
                relationship["links"] = links
            relationships[name] = relationship
    if relationships:
        out["relationships"] = relationships
    if resource.links:
        out["links"] = resource.links
    return out


def included(primary: Sequence[Resource], paths: Sequence[str], expanded: set | None = None) -> list[Resource]:
    """The resources ``paths`` reach from ``primary`` (every step of a dotted path), each once, none of
    them a primary resource. ``expanded`` collects the ``(resource key, relationship)`` pairs walked."""
    seen = {resource.key for resource in primary}
    out: list[Resource] = []
    for path in paths:
        frontier = list(primary)
        for name in path.split("."):
            step: list[Resource] = []
            for r in frontier:
                if expanded is not None:
                    expanded.add((r.key, name))
                related = r.relationships.get(name)
                step += related if isinstance(related, list) else [related] if related is not None else []
            frontier = step
            for resource in frontier:
                if resource.key not in seen:
                    seen.add(resource.key)
                    out.append(resource)
    return out


def document(
    primary: Resource | Sequence[Resource],
    query: Query,
    *,
    meta: dict[str, Any] | None = None,
    links: dict[str, str] | None = None,
) -> dict[str, Any]:
    many = not isinstance(primary, Resource)
    resources = list(primary) if many else [primary]
    walked: set = set()
    extra = included(resources, query.include, walked)
    expanded = frozenset(walked)
    data = [resource_object(r, query.fields, expanded) for r in resources]
    doc: dict[str, Any] = {"data": data if many else data[0]}
    if query.include:
        doc["included"] = [resource_object(r, query.fields, expanded) for r in extra]
    if meta:
        doc["meta"] = meta
    if links:
        doc["links"] = links
    doc["jsonapi"] = {"version": "1.0"}
    return doc


def relationship_document(resource: Resource, name: str) -> dict[str, Any]:
    """What a relationship's ``self`` link answers: its links and its linkage."""
    return {
        "links": relationship_links(resource, name),
        "data": linkage(resource.relationships[name]),
        "jsonapi": {"version": "1.0"},
    }


def related_document(resource: Resource, name: str, query: Query) -> dict[str, Any]:
    """What a to-one relationship's ``related`` link answers: the related resource (with what ``query``
    includes from it), or null data when the relationship is empty."""
    related = resource.relationships[name]
    links = {"self": relationship_links(resource, name)["related"]}
    if related is None:
        return {"data": None, "links": links, "jsonapi": {"version": "1.0"}}
    return document(related, query, links=links)


def page_links(request, query: Query, total: int) -> dict[str, str]:
    """first/last always, prev/next where there is such a page; the request's other parameters kept."""
    last = max(1, -(-total // query.page_size))

    def url(number: int) -> str:
        params = request.query_params.copy()
        params["page[number]"] = str(number)
        params["page[size]"] = str(query.page_size)
        return request.build_absolute_uri(request.path) + "?" + params.urlencode()

    links = {"first": url(1), "last": url(last)}
    if query.page_number > 1:
        links["prev"] = url(min(query.page_number - 1, last))
    if query.page_number < last:
        links["next"] = url(query.page_number + 1)
    return links


def page_meta(total: int) -> dict[str, Any]:
    return {"total_records": total}


# --- Base view -----------------------------------------------------------------------------------


class JsonApiView(api.ApiView):
    """ApiView (API-key authentication, the read-only rule, the per-key rate limit) speaking JSON:API.
    ``error_pointers`` maps the field names a service reports to pointers into the request document."""

    renderer_classes = [JsonApiRenderer]
    parser_classes = [JsonApiParser, SafeJSONParser]
    content_negotiation_class = OnlyJsonApi
    error_pointers: Mapping[str, str] = {}

    def get_exception_handler(self):
        return exception_handler


# --- OpenAPI ---------------------------------------------------------------------------------------


class ErrorSource(serializers.Serializer):
    pointer = serializers.CharField(
        required=False, help_text="Where in the request document, e.g. /data/attributes/description"
    )
    parameter = serializers.CharField(required=False, help_text="The query parameter at fault, e.g. filter[colour]")


class ErrorMeta(serializers.Serializer):
    request_id = serializers.CharField()


class ErrorObject(serializers.Serializer):
    status = serializers.CharField(help_text="The HTTP status, as a string")
    code = serializers.CharField(help_text="Stable machine code, the same as /api/v1 uses")
    title = serializers.CharField()
    detail = serializers.CharField()
    source = ErrorSource(required=False)
    meta = ErrorMeta(required=False)


class JsonApiErrors(serializers.Serializer):
    errors = ErrorObject(many=True)


class JsonApiAutoSchema(api.PortalAutoSchema):
    """Documents the error answers a JSON:API operation can give, as ``{"errors": [...]}``."""

    def _get_request_for_media_type(self, serializer, direction="request"):
        # A PATCH document is checked whole (its `data` is required; what may be left out is inside it),
        # unlike DRF's partial PATCH, where every field is optional.
        method, self.method = self.method, "PUT"
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = method

    READ_ERRORS = {
        "400": "Unknown or malformed query parameter (`source.parameter` names it)",
        "401": "Missing, malformed or revoked API key",
        "404": "No such object in your account",
        "429": "Rate limit exceeded; see Retry-After",
        "500": "Server error; retry with backoff",
    }
    WRITE_ERRORS = {
        "400": "Malformed JSON, not a JSON:API document, or an unknown query parameter",
        "403": "Not allowed: a read-only key, or a client key changing what only the reseller may",
        "409": "The document's type or id is not the one in the path",
        "415": "The body is not JSON",
        "422": "Validation failed; `source.pointer` says where",
    }

    def _get_response_bodies(self, direction="response"):
        responses = super(api.PortalAutoSchema, self)._get_response_bodies(direction)
        codes = dict(self.READ_ERRORS)
        if self.method != "GET":
            codes.update(self.WRITE_ERRORS)
        if "{" not in self.path:  # a collection: nothing to be missing
            codes.pop("404")
        for code, description in sorted(codes.items()):
            if code not in responses:
                response = self._get_response_for_code(JsonApiErrors, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses


def list_of(names, *, empty_items: bool = True, prefix: str = "") -> dict:
    """The OpenAPI schema of a comma-separated list of ``names`` as ``parse_query`` reads it (each item
    trimmed; an empty item skipped, unless ``empty_items`` is False; ``prefix`` allowed before a name)."""
    alternatives = "|".join(re.escape(name) for name in sorted(names))
    choice = f"{prefix}({alternatives}){'?' if empty_items else ''}"
    return {"type": "string", "pattern": rf"^\s*{choice}\s*(,\s*{choice}\s*)*$"}


def openapi_parameters(
    spec: Spec,
    *,
    collection: bool,
    described_filters: Mapping[str, str] | None = None,
    filter_schemas: Mapping[str, dict] | None = None,
):
    """The query parameters of a JSON:API operation, for the OpenAPI document (a filter's value is any
    string unless ``filter_schemas`` says more)."""
    described_filters = described_filters or {}
    filter_schemas = filter_schemas or {}
    params = [
        OpenApiParameter(
            "include",
            list_of(spec.includes),
            description="Comma-separated paths of related resources to return in `included`: "
            + ", ".join(f"`{p}`" for p in sorted(spec.includes)),
        ),
    ]
    for type_name, names in spec.types.items():
        params.append(
            OpenApiParameter(
                f"fields[{type_name}]",
                list_of(names),
                description=f"Sparse fieldset: the {type_name} fields to return, comma-separated, from "
                + ", ".join(f"`{n}`" for n in sorted(names)),
            )
        )
    if not collection:
        return params
    if spec.sorts:  # a collection with one fixed order documents no sort (any value would be refused)
        params.append(
            OpenApiParameter(
                "sort",
                list_of(spec.sorts, empty_items=False, prefix="-?"),
                description="Comma-separated sort keys, `-` before one for descending: "
                + ", ".join(f"`{k}`" for k in sorted(spec.sorts))
                + ". Without it, newest first.",
            )
        )
    params += [
        OpenApiParameter(
            "page[number]", {"type": "integer", "minimum": 1, "maximum": 1_000_000}, description="Page number, from 1"
        ),
        OpenApiParameter(
            "page[size]",
            {"type": "integer", "minimum": 1, "maximum": spec.max_page_size},
            description=f"Resources a page, 1 to {spec.max_page_size} (default {spec.default_page_size})",
        ),
    ]
    for name in sorted(spec.filters):
        params.append(
            OpenApiParameter(
                f"filter[{name}]", filter_schemas.get(name, TEXT), description=described_filters.get(name, "")
            )
        )
    return params
