"""/api/v3 beyond dids: the catalogue (countries … available DIDs, pops), the balance, reservations and
orders, as DIDWW's v3 API serves them. Views parse the JSON:API query, call the mapping or the service
and answer a document; the rules live in ``catalogue`` and ``buying``."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.selectors import parse_id
from portal import jsonapi
from portal.api import IDEMPOTENCY_HEADER
from portal.authentication import presented_key
from portal.errors import NotFound, ValidationFailed
from portal.idempotency import idempotent

from . import buying, exports, vault, voice_in
from .catalogue import COLLECTIONS, Collection, balance_resource

TAG = "DIDWW-compatible (v3)"


# --- OpenAPI shapes ------------------------------------------------------------------------------


class V3Resource(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()
    attributes = serializers.DictField(required=False, help_text="Left out when `fields[…]` names none of them")
    relationships = serializers.DictField(required=False)


class V3ListMeta(serializers.Serializer):
    total_records = serializers.IntegerField()


class V3Links(serializers.Serializer):
    first = serializers.URLField()
    last = serializers.URLField()
    prev = serializers.URLField(required=False)
    next = serializers.URLField(required=False)


class V3ListDocument(serializers.Serializer):
    data = V3Resource(many=True)
    included = V3Resource(many=True, required=False)
    meta = V3ListMeta()
    links = V3Links()


class V3Document(serializers.Serializer):
    data = V3Resource()
    included = V3Resource(many=True, required=False)


def _id_parameter(what: str) -> OpenApiParameter:
    return OpenApiParameter("resource_id", str, OpenApiParameter.PATH, description=f"The {what}'s id")


DESCRIPTIONS = {
    "countries": ("countries we sell numbers in", "country"),
    "regions": ("regions our number groups cover (ids like GB-england)", "region"),
    "cities": ("cities our number groups cover (ids like GB-london)", "city"),
    "did_group_types": ("number types (local, mobile, national, toll_free, short_code)", "number type"),
    "did_groups": (
        "number groups (DID groups) with their stock keeping units: one per billing cycle (monthly, quarterly, "
        "annual), with the setup and monthly prices you pay",
        "DID group",
    ),
    "available_dids": ("numbers for sale now, in number order, with their DID group", "available DID"),
    "pops": ("points of presence: the SIP edge your trunks reach", "point of presence"),
    "public_keys": (
        "two RSA public keys (PEM; ids: their SHA-1 fingerprints): encrypt files for encrypted_files with both, "
        "as the SDK does",
        "public key",
    ),
    "proof_types": (
        "kinds of document a proof holds: id_document (Personal), company_registration (Business), "
        "proof_of_address (Address), other (Personal)",
        "proof type",
    ),
    "supporting_document_templates": (
        "forms to fill in and attach to a proof: always empty, there are none here",
        "supporting document template",
    ),
    "address_requirements": (
        "what numbers of a country and type need (ids like DE-local): how many proofs of each kind and which "
        "proof types, from the compliance rules",
        "address requirement",
    ),
}


def _page_document(request, query, resources, total):
    return jsonapi.document(
        resources, query, meta=jsonapi.page_meta(total), links=jsonapi.page_links(request, query, total)
    )


def collection_views(name: str, collection: Collection) -> tuple[type, type]:
    """The list and detail views of a read-only resource type."""
    many, one = DESCRIPTIONS[name]

    class ListApi(jsonapi.JsonApiView):
        schema = jsonapi.JsonApiAutoSchema()

        @extend_schema(
            operation_id=f"{name}_list",
            tags=[TAG],
            parameters=jsonapi.openapi_parameters(
                collection.spec,
                collection=True,
                described_filters=collection.filter_help,
                filter_schemas=collection.filter_schemas,
            ),
            responses=V3ListDocument,
            summary=f"The {many}",
        )
        def get(self, request):
            query = jsonapi.parse_query(request.query_params, collection.spec, collection=True)
            resources, total = collection.page(self.actor, query)
            return Response(_page_document(request, query, resources, total))

    class DetailApi(jsonapi.JsonApiView):
        schema = jsonapi.JsonApiAutoSchema()

        @extend_schema(
            operation_id=f"{name}_get",
            tags=[TAG],
            parameters=[_id_parameter(one), *jsonapi.openapi_parameters(collection.spec, collection=False)],
            responses=V3Document,
            summary=f"One {one}",
        )
        def get(self, request, resource_id: str):
            query = jsonapi.parse_query(request.query_params, collection.spec, collection=False)
            return Response(jsonapi.document(collection.find(self.actor, resource_id), query))

    title = "".join(part.title() for part in name.split("_"))
    ListApi.__name__ = ListApi.__qualname__ = f"{title}ListApi"
    DetailApi.__name__ = DetailApi.__qualname__ = f"{title}DetailApi"
    return ListApi, DetailApi


CATALOGUE_VIEWS = {
    name: collection_views(name, collection) for name, collection in {**COLLECTIONS, **vault.COLLECTIONS}.items()
}

BALANCE_SPEC = jsonapi.Spec(types={"balances": frozenset({"total_balance", "credit", "balance"})})


class BalanceApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="balance_get",
        tags=[TAG],
        parameters=jsonapi.openapi_parameters(BALANCE_SPEC, collection=False),
        responses=V3Document,
        summary="Your wallet as a balance: balance and total_balance in EUR (no credit line, so credit is 0); "
        "client-bound keys cannot see it (403)",
    )
    def get(self, request):
        query = jsonapi.parse_query(request.query_params, BALANCE_SPEC, collection=False)
        return Response(jsonapi.document(balance_resource(actor=self.actor), query))


# --- Reservations --------------------------------------------------------------------------------

RESERVATION_SPEC = jsonapi.Spec(
    types={
        "did_reservations": frozenset({"description", "expires_at", "created_at", "available_did"}),
        "available_dids": frozenset({"number", "did_group", "nanpa_prefix"}),
    },
    filters=frozenset({"description"}),
    sorts=frozenset({"created_at", "expires_at"}),
    includes=frozenset({"available_did"}),
)


def _document_data(body, type_name: str) -> dict:
    """The ``data`` of a create document of ``type_name``: 400 if it is not one, 409 for another type."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("attributes", {}), dict):
        raise jsonapi.InvalidDocument()
    if data.get("type") != type_name:
        raise jsonapi.Conflict(
            _("This endpoint creates resources of type %(type)s.") % {"type": type_name}, pointer="/data/type"
        )
    return data


class ReservationCreateAttributes(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True, max_length=100)


class ReservationLinkage(serializers.Serializer):
    type = serializers.CharField(help_text="available_dids")
    id = serializers.CharField(help_text="An available DID's id")


class ReservationAvailableDid(serializers.Serializer):
    data = ReservationLinkage()


class ReservationCreateRelationships(serializers.Serializer):
    available_did = ReservationAvailableDid()


class ReservationCreateResource(serializers.Serializer):
    type = serializers.CharField(help_text="did_reservations")
    attributes = ReservationCreateAttributes(required=False)
    relationships = ReservationCreateRelationships()


class ReservationCreateDocument(serializers.Serializer):
    data = ReservationCreateResource()


class ReservationListApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="did_reservations_list",
        tags=[TAG],
        parameters=jsonapi.openapi_parameters(
            RESERVATION_SPEC, collection=True, described_filters={"description": "Exact descriptions, comma-separated"}
        ),
        responses=V3ListDocument,
        summary="Your DID reservations that have not expired",
    )
    def get(self, request):
        query = jsonapi.parse_query(request.query_params, RESERVATION_SPEC, collection=True)
        qs = buying.reservation_list(actor=self.actor)
        if "description" in query.filters:
            qs = qs.filter(description__in=jsonapi.values_of(query.filters["description"]))
        if query.sort:
            qs = qs.order_by(*[("-" if descending else "") + name for name, descending in query.sort], "id")
        total = qs.count()
        start = (query.page_number - 1) * query.page_size
        resources = [buying.reservation_resource(r) for r in qs[start : start + query.page_size]]
        return Response(_page_document(request, query, resources, total))

    @extend_schema(
        operation_id="did_reservations_create",
        tags=[TAG],
        parameters=[*jsonapi.openapi_parameters(RESERVATION_SPEC, collection=False), IDEMPOTENCY_HEADER],
        request=ReservationCreateDocument,
        responses={201: V3Document},
        summary="Hold an available DID for your account for a while (DIDWW_RESERVATION_MINUTES, 30 by default); "
        "order it by did_reservation_id",
    )
    @idempotent
    def post(self, request):
        query = jsonapi.parse_query(request.query_params, RESERVATION_SPEC, collection=False)
        data = _document_data(request.data, "did_reservations")
        linkage = (
            ((data.get("relationships") or {}).get("available_did") or {}).get("data")
            if isinstance(data.get("relationships"), dict)
            else None
        )
        if not isinstance(linkage, dict) or linkage.get("type") != "available_dids" or not linkage.get("id"):
            raise ValidationFailed(
                fields={"/data/relationships/available_did": [_('Send {"data": {"type": "available_dids", "id": …}}.')]}
            )
        reservation = buying.reservation_create(
            actor=self.actor,
            available_did_id=str(linkage["id"]),
            description=(data.get("attributes") or {}).get("description") or "",
        )
        return Response(jsonapi.document(buying.reservation_resource(reservation), query), status=201)


class ReservationDetailApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="did_reservations_get",
        tags=[TAG],
        parameters=[_id_parameter("reservation"), *jsonapi.openapi_parameters(RESERVATION_SPEC, collection=False)],
        responses=V3Document,
        summary="One of your DID reservations",
    )
    def get(self, request, resource_id: str):
        query = jsonapi.parse_query(request.query_params, RESERVATION_SPEC, collection=False)
        reservation = buying.reservation_get(actor=self.actor, reservation_id=resource_id)
        return Response(jsonapi.document(buying.reservation_resource(reservation), query))

    @extend_schema(
        operation_id="did_reservations_delete",
        tags=[TAG],
        parameters=[_id_parameter("reservation")],
        responses={204: None},
        summary="Give a reserved DID back: it is on sale again at once",
    )
    def delete(self, request, resource_id: str):
        reservation = buying.reservation_get(actor=self.actor, reservation_id=resource_id)
        buying.reservation_delete(actor=self.actor, reservation=reservation)
        return Response(status=204)


# --- Orders --------------------------------------------------------------------------------------

ORDER_SPEC = jsonapi.Spec(
    types={
        "orders": frozenset(
            {
                "amount",
                "status",
                "created_at",
                "description",
                "reference",
                "items",
                "callback_url",
                "callback_method",
                "allow_back_ordering",
                "external_reference_id",
            }
        )
    },  # fmt: skip
    filters=frozenset({"status", "reference", "external_reference_id"}),
    sorts=frozenset({"created_at"}),
)


class OrderItemAttributes(serializers.Serializer):
    sku_id = serializers.CharField(required=False, help_text="A DID group's SKU (<group id>-monthly, …)")
    qty = serializers.IntegerField(required=False, min_value=1, max_value=buying.MAX_QTY)
    available_did_id = serializers.CharField(required=False)
    did_reservation_id = serializers.CharField(required=False)


class OrderItem(serializers.Serializer):
    type = serializers.CharField(help_text="did_order_items")
    attributes = OrderItemAttributes()


class OrderCreateAttributes(serializers.Serializer):
    items = OrderItem(many=True)
    allow_back_ordering = serializers.BooleanField(required=False)
    external_reference_id = serializers.CharField(required=False, max_length=100)
    callback_url = serializers.URLField(required=False)
    callback_method = serializers.ChoiceField(choices=["post", "get"], required=False)


class OrderCreateResource(serializers.Serializer):
    type = serializers.CharField(help_text="orders")
    attributes = OrderCreateAttributes()


class OrderCreateDocument(serializers.Serializer):
    data = OrderCreateResource()


def _order_filter(qs, filters: dict[str, str]):
    for name, value in filters.items():
        wanted = jsonapi.values_of(value)
        if name == "external_reference_id":
            qs = qs.filter(terms__external_reference_id__in=wanted)
        elif name == "reference":
            qs = qs.filter(pk__in=[pk for v in wanted if (pk := parse_id(v, "ord"))])
        elif name == "status":
            ids = [o.pk for o in qs if buying.order_status(o) in wanted]
            qs = qs.filter(pk__in=ids)
    return qs


class OrderListApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="v3_orders_list",
        tags=[TAG],
        parameters=jsonapi.openapi_parameters(
            ORDER_SPEC,
            collection=True,
            described_filters={
                "status": "pending, completed or canceled",
                "reference": "Order references (ord_42)",
                "external_reference_id": "Your own references",
            },
        ),
        responses=V3ListDocument,
        summary="Your orders, newest first (a client-bound key: its client's, at its prices)",
    )
    def get(self, request):
        query = jsonapi.parse_query(request.query_params, ORDER_SPEC, collection=True)
        qs = _order_filter(buying.order_list(actor=self.actor), query.filters)
        if query.sort and not query.sort[0][1]:
            qs = qs.order_by("created_at", "id")
        total = qs.count()
        start = (query.page_number - 1) * query.page_size
        resources = buying.order_resources(qs[start : start + query.page_size], actor=self.actor)
        return Response(_page_document(request, query, resources, total))

    @extend_schema(
        operation_id="v3_orders_create",
        tags=[TAG],
        parameters=[*jsonapi.openapi_parameters(ORDER_SPEC, collection=False), IDEMPOTENCY_HEADER],
        request=OrderCreateDocument,
        responses={201: V3Document},
        summary="Buy numbers: items by SKU and quantity, by available DID or by reservation; paid from your "
        "wallet at once. The same external_reference_id again returns the same order",
        description="Each item is a `did_order_items` with `sku_id` and `qty` (numbers of that DID group, in "
        "number order), `available_did_id`, or `did_reservation_id` (either with a `sku_id` for the billing "
        "cycle; monthly without). One billing cycle per order. The order is `pending` until its numbers are "
        "provisioned, then `completed`; `callback_url` receives the settled status once, signed as DIDWW signs "
        "callbacks with the API key that placed the order. Back-ordering is not offered: numbers not in "
        "stock → 422.",
    )
    @idempotent
    def post(self, request):
        query = jsonapi.parse_query(request.query_params, ORDER_SPEC, collection=False)
        data = _document_data(request.data, "orders")
        attributes = data.get("attributes") or {}
        order_request = buying.OrderRequest(
            items=attributes.get("items"),
            allow_back_ordering=attributes.get("allow_back_ordering", False),
            external_reference_id=attributes.get("external_reference_id") or "",
            callback_url=attributes.get("callback_url") or "",
            callback_method=attributes.get("callback_method") or "post",
        )
        order, created = buying.order_place(
            actor=self.actor, request=order_request, callback_secret=presented_key(request) or ""
        )
        order = buying.order_get(actor=self.actor, order_id=order.public_id)
        document = jsonapi.document(buying.order_resources([order], actor=self.actor)[0], query)
        return Response(document, status=201 if created else 200)


class OrderDetailApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="v3_orders_get",
        tags=[TAG],
        parameters=[_id_parameter("order"), *jsonapi.openapi_parameters(ORDER_SPEC, collection=False)],
        responses=V3Document,
        summary="One of your orders, with its status and items",
    )
    def get(self, request, resource_id: str):
        query = jsonapi.parse_query(request.query_params, ORDER_SPEC, collection=False)
        order = buying.order_get(actor=self.actor, order_id=resource_id)
        return Response(jsonapi.document(buying.order_resources([order], actor=self.actor)[0], query))

    @extend_schema(
        operation_id="v3_orders_cancel",
        tags=[TAG],
        parameters=[_id_parameter("order")],
        responses={204: None},
        summary="Cancel a pending order: its numbers not yet provisioned are given up and refunded (422 once "
        "completed)",
    )
    def delete(self, request, resource_id: str):
        order = buying.order_get(actor=self.actor, order_id=resource_id)
        buying.order_cancel(actor=self.actor, order=order)
        return Response(status=204)


# --- Voice-in trunks and trunk groups ------------------------------------------------------------

TRUNK_SPEC = jsonapi.Spec(
    types={
        "voice_in_trunks": frozenset({*voice_in.TRUNK_ATTRIBUTES, "pop", "voice_in_trunk_group"}),
        "voice_in_trunk_groups": frozenset({*voice_in.GROUP_ATTRIBUTES, "voice_in_trunks"}),
    },
    filters=frozenset({"name", "external_reference_id", "configuration.type"}),
    sorts=frozenset({"name", "created_at", "priority"}),
    includes=frozenset({"voice_in_trunk_group"}),
)
GROUP_SPEC = jsonapi.Spec(
    types=TRUNK_SPEC.types,
    filters=frozenset({"name", "external_reference_id"}),
    sorts=frozenset({"name", "created_at"}),
    includes=frozenset({"voice_in_trunks"}),
)
TRUNK_FILTER_HELP = {
    "name": "Exact names, comma-separated",
    "external_reference_id": "Your own references, comma-separated",
    "configuration.type": "sip_configurations or pstn_configurations",
}
TRUNK_ERRORS = {"name": "/data/attributes/name", "channels": "/data/attributes/capacity_limit"}


class TrunkConfigurationDocument(serializers.Serializer):
    type = serializers.CharField(help_text="sip_configurations or pstn_configurations")
    attributes = serializers.DictField(
        help_text="sip_configurations: host (required), port, username ({DID}: the number), "
        "transport_protocol_id (1 UDP, 2 TCP, 3 TLS), codec_ids and DIDWW's other SIP settings, kept as sent; "
        "pstn_configurations: dst (the number calls go to)"
    )


class TrunkAttributes(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    configuration = TrunkConfigurationDocument()
    capacity_limit = serializers.IntegerField(required=False, allow_null=True)
    priority = serializers.IntegerField(required=False)
    weight = serializers.IntegerField(required=False)
    cli_format = serializers.ChoiceField(choices=voice_in.CLI_FORMATS, required=False)
    cli_prefix = serializers.CharField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_null=True)
    ringing_timeout = serializers.IntegerField(required=False, allow_null=True)
    external_reference_id = serializers.CharField(required=False, allow_null=True)


class TrunkResourceDocument(serializers.Serializer):
    type = serializers.CharField(help_text="voice_in_trunks")
    id = serializers.CharField(required=False, help_text="In an update: the trunk's id")
    attributes = TrunkAttributes()
    relationships = serializers.DictField(
        required=False, help_text='voice_in_trunk_group: {"data": {"type": "voice_in_trunk_groups", "id": …}} or null'
    )


class TrunkDocument(serializers.Serializer):
    data = TrunkResourceDocument()


class GroupAttributes(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    capacity_limit = serializers.IntegerField(required=False, allow_null=True)
    external_reference_id = serializers.CharField(required=False, allow_null=True)


class GroupResourceDocument(serializers.Serializer):
    type = serializers.CharField(help_text="voice_in_trunk_groups")
    id = serializers.CharField(required=False, help_text="In an update: the group's id")
    attributes = GroupAttributes()
    relationships = serializers.DictField(
        required=False, help_text='voice_in_trunks: {"data": [{"type": "voice_in_trunks", "id": "vit_…"}, …]}'
    )


class GroupDocument(serializers.Serializer):
    data = GroupResourceDocument()


def _update_data(body, type_name: str, resource_id: str) -> dict:
    """The ``data`` of an update document for the resource ``resource_id`` (409 for another one)."""
    data = _document_data(body, type_name)
    if str(data.get("id", "")) != resource_id:
        raise jsonapi.Conflict(_("The document's id must be this resource's id, %(id)s.") % {"id": resource_id})
    return data


def _sorted_by(items: list, query, default: str = "created_at") -> list:
    for name, descending in reversed(query.sort or [(default, False)]):
        items = sorted(
            items, key=lambda r: (r.attributes.get(name) is None, r.attributes.get(name) or ""), reverse=descending
        )
    return items


class VoiceInTrunkListApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()
    error_pointers = TRUNK_ERRORS

    @extend_schema(
        operation_id="voice_in_trunks_list",
        tags=[TAG],
        parameters=jsonapi.openapi_parameters(TRUNK_SPEC, collection=True, described_filters=TRUNK_FILTER_HELP),
        responses=V3ListDocument,
        summary="Where your DIDs' calls go: the trunks your PBXs register to (trk_…, enabled_sip_registration) and "
        "delivery trunks (vit_…) with a SIP or PSTN configuration",
    )
    def get(self, request):
        query = jsonapi.parse_query(request.query_params, TRUNK_SPEC, collection=True)
        resources = _sorted_by(
            [voice_in.trunk_resource(t) for t in voice_in.trunk_list(actor=self.actor, filters=query.filters)], query
        )
        start = (query.page_number - 1) * query.page_size
        return Response(_page_document(request, query, resources[start : start + query.page_size], len(resources)))

    @extend_schema(
        operation_id="voice_in_trunks_create",
        tags=[TAG],
        parameters=[*jsonapi.openapi_parameters(TRUNK_SPEC, collection=False), IDEMPOTENCY_HEADER],
        request=TrunkDocument,
        responses={201: V3Document},
        summary="A delivery trunk: DIDs routed to it are forwarded to its SIP address (sip:username@host:port) "
        "or its PSTN number (dst)",
    )
    @idempotent
    def post(self, request):
        query = jsonapi.parse_query(request.query_params, TRUNK_SPEC, collection=False)
        data = _document_data(request.data, "voice_in_trunks")
        trunk = voice_in.trunk_create(
            actor=self.actor, attributes=data.get("attributes"), relationships=data.get("relationships")
        )
        return Response(jsonapi.document(voice_in.trunk_resource(trunk), query), status=201)


class VoiceInTrunkDetailApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()
    error_pointers = TRUNK_ERRORS

    @extend_schema(
        operation_id="voice_in_trunks_get",
        tags=[TAG],
        parameters=[_id_parameter("trunk"), *jsonapi.openapi_parameters(TRUNK_SPEC, collection=False)],
        responses=V3Document,
        summary="One of your voice-in trunks",
    )
    def get(self, request, resource_id: str):
        query = jsonapi.parse_query(request.query_params, TRUNK_SPEC, collection=False)
        trunk = voice_in.trunk_get(actor=self.actor, trunk_id=resource_id)
        return Response(jsonapi.document(voice_in.trunk_resource(trunk), query))

    @extend_schema(
        operation_id="voice_in_trunks_update",
        tags=[TAG],
        parameters=[_id_parameter("trunk"), *jsonapi.openapi_parameters(TRUNK_SPEC, collection=False)],
        request=TrunkDocument,
        responses=V3Document,
        summary="Change a voice-in trunk: DIDs routed to it follow a new destination. Registration trunks take "
        "a new name and capacity_limit (channels) only",
    )
    def patch(self, request, resource_id: str):
        query = jsonapi.parse_query(request.query_params, TRUNK_SPEC, collection=False)
        trunk = voice_in.trunk_get(actor=self.actor, trunk_id=resource_id)
        data = _update_data(request.data, "voice_in_trunks", trunk.public_id)
        voice_in.trunk_update(
            actor=self.actor,
            trunk=trunk,
            attributes=data.get("attributes", {}),
            relationships=data.get("relationships"),
        )
        trunk = voice_in.trunk_get(actor=self.actor, trunk_id=trunk.public_id)
        return Response(jsonapi.document(voice_in.trunk_resource(trunk), query))

    @extend_schema(
        operation_id="voice_in_trunks_delete",
        tags=[TAG],
        parameters=[_id_parameter("trunk")],
        responses={204: None},
        summary="Delete a voice-in trunk no DID is routed to (422 lists those that are)",
    )
    def delete(self, request, resource_id: str):
        trunk = voice_in.trunk_get(actor=self.actor, trunk_id=resource_id)
        voice_in.trunk_delete(actor=self.actor, trunk=trunk)
        return Response(status=204)


def _group(group, query) -> jsonapi.Resource:
    trunks = list(group.trunks.order_by("priority", "-weight", "id")) if "voice_in_trunks" in query.include else None
    return voice_in.group_resource(group, trunks=trunks)


class VoiceInTrunkGroupListApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="voice_in_trunk_groups_list",
        tags=[TAG],
        parameters=jsonapi.openapi_parameters(
            GROUP_SPEC, collection=True, described_filters={k: TRUNK_FILTER_HELP[k] for k in GROUP_SPEC.filters}
        ),
        responses=V3ListDocument,
        summary="Your voice-in trunk groups: a DID routed to one is forwarded to its first trunk (lowest priority, "
        "then highest weight)",
    )
    def get(self, request):
        query = jsonapi.parse_query(request.query_params, GROUP_SPEC, collection=True)
        qs = voice_in.trunk_groups(actor=self.actor)
        for name, value in query.filters.items():
            qs = qs.filter(**{f"{name}__in": jsonapi.values_of(value)})
        resources = _sorted_by([_group(g, query) for g in qs], query)
        start = (query.page_number - 1) * query.page_size
        return Response(_page_document(request, query, resources[start : start + query.page_size], len(resources)))

    @extend_schema(
        operation_id="voice_in_trunk_groups_create",
        tags=[TAG],
        parameters=[*jsonapi.openapi_parameters(GROUP_SPEC, collection=False), IDEMPOTENCY_HEADER],
        request=GroupDocument,
        responses={201: V3Document},
        summary="A voice-in trunk group, with the delivery trunks it holds",
    )
    @idempotent
    def post(self, request):
        query = jsonapi.parse_query(request.query_params, GROUP_SPEC, collection=False)
        data = _document_data(request.data, "voice_in_trunk_groups")
        group = voice_in.group_save(
            actor=self.actor, group=None, attributes=data.get("attributes"), relationships=data.get("relationships")
        )
        return Response(jsonapi.document(_group(group, query), query), status=201)


class VoiceInTrunkGroupDetailApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="voice_in_trunk_groups_get",
        tags=[TAG],
        parameters=[_id_parameter("trunk group"), *jsonapi.openapi_parameters(GROUP_SPEC, collection=False)],
        responses=V3Document,
        summary="One of your voice-in trunk groups",
    )
    def get(self, request, resource_id: str):
        query = jsonapi.parse_query(request.query_params, GROUP_SPEC, collection=False)
        return Response(
            jsonapi.document(_group(voice_in.group_get(actor=self.actor, group_id=resource_id), query), query)
        )

    @extend_schema(
        operation_id="voice_in_trunk_groups_update",
        tags=[TAG],
        parameters=[_id_parameter("trunk group"), *jsonapi.openapi_parameters(GROUP_SPEC, collection=False)],
        request=GroupDocument,
        responses=V3Document,
        summary="Rename a group or change its trunks: DIDs routed to it follow its new first trunk",
    )
    def patch(self, request, resource_id: str):
        query = jsonapi.parse_query(request.query_params, GROUP_SPEC, collection=False)
        group = voice_in.group_get(actor=self.actor, group_id=resource_id)
        data = _update_data(request.data, "voice_in_trunk_groups", group.public_id)
        group = voice_in.group_save(
            actor=self.actor,
            group=group,
            attributes=data.get("attributes", {}),
            relationships=data.get("relationships"),
        )
        return Response(jsonapi.document(_group(group, query), query))

    @extend_schema(
        operation_id="voice_in_trunk_groups_delete",
        tags=[TAG],
        parameters=[_id_parameter("trunk group")],
        responses={204: None},
        summary="Delete a group no DID is routed to; its trunks stay",
    )
    def delete(self, request, resource_id: str):
        voice_in.group_delete(actor=self.actor, group=voice_in.group_get(actor=self.actor, group_id=resource_id))
        return Response(status=204)


# --- Exports and capacity pools ------------------------------------------------------------------

EXPORT_SPEC = jsonapi.Spec(types={"exports": frozenset(exports.ATTRIBUTES)}, sorts=frozenset({"created_at"}))
POOL_SPEC = jsonapi.Spec(
    types={
        "capacity_pools": frozenset(
            {
                "name",
                "renew_date",
                "total_channels_count",
                "assigned_channels_count",
                "minimum_limit",
                "minimum_qty_per_order",
                "setup_price",
                "monthly_price",
                "metered_rate",
                "countries",
                "shared_capacity_groups",
                "qty_based_pricings",
            }
        )
    },  # fmt: skip
    sorts=frozenset({"name"}),
    includes=frozenset({"countries", "shared_capacity_groups", "qty_based_pricings"}),
)


class ExportFilters(serializers.Serializer):
    # "from" is a Python keyword: the field is renamed below.
    from_ = serializers.CharField(
        required=False,
        help_text="Calls that started at or after this time: 2026-02-01 00:00:00 (UTC unless an offset is given)"
        " or a date (its start); with to, instead of year and month",
    )
    to = serializers.CharField(
        required=False,
        help_text="Calls that started before this time; a date takes in that whole day. After from.",
    )
    year = serializers.IntegerField(required=False, help_text="DIDWW's older month filter; this year when left out")
    month = serializers.IntegerField(required=False, min_value=1, max_value=12, help_text="This month when left out")
    did_number = serializers.CharField(required=False, help_text="Only this number's calls (its digits)")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class ExportAttributes(serializers.Serializer):
    export_type = serializers.CharField(help_text="cdr_in (cdr_out: there are no outbound calls here → 422)")
    filters = ExportFilters(required=False)
    callback_url = serializers.URLField(
        required=False, help_text="Kept and shown; the export is complete at once, its file written when downloaded"
    )
    callback_method = serializers.CharField(required=False, help_text="post or get")
    external_reference_id = serializers.CharField(required=False, max_length=100)


class ExportResourceDocument(serializers.Serializer):
    type = serializers.CharField(help_text="exports")
    attributes = ExportAttributes()


class ExportDocument(serializers.Serializer):
    data = ExportResourceDocument()


def _export(request, export) -> jsonapi.Resource:
    url = request.build_absolute_uri(f"/api/v3/exports/{export.uid}/download")
    return exports.export_resource(export, download_url=url)


class ExportListApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="exports_list",
        tags=[TAG],
        parameters=jsonapi.openapi_parameters(EXPORT_SPEC, collection=True),
        responses=V3ListDocument,
        summary="Your call record exports, newest first",
    )
    def get(self, request):
        query = jsonapi.parse_query(request.query_params, EXPORT_SPEC, collection=True)
        qs = exports.export_list(actor=self.actor)
        if query.sort and not query.sort[0][1]:
            qs = qs.order_by("created_at", "id")
        total = qs.count()
        start = (query.page_number - 1) * query.page_size
        resources = [_export(request, e) for e in qs[start : start + query.page_size]]
        return Response(_page_document(request, query, resources, total))

    @extend_schema(
        operation_id="exports_create",
        tags=[TAG],
        parameters=[*jsonapi.openapi_parameters(EXPORT_SPEC, collection=False), IDEMPOTENCY_HEADER],
        request=ExportDocument,
        responses={201: V3Document},
        summary="Export inbound call records (cdr_in) of a range (from/to) or a month (year/month), optionally of "
        "one did_number: completed at once, its url a gzip-compressed CSV in DIDWW's inbound columns (a header "
        "row and one row per call that started in the period, oldest first)",
    )
    @idempotent
    def post(self, request):
        query = jsonapi.parse_query(request.query_params, EXPORT_SPEC, collection=False)
        data = _document_data(request.data, "exports")
        export = exports.export_create(actor=self.actor, attributes=data.get("attributes") or {})
        return Response(jsonapi.document(_export(request, export), query), status=201)


class ExportDetailApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="exports_get",
        tags=[TAG],
        parameters=[_id_parameter("export"), *jsonapi.openapi_parameters(EXPORT_SPEC, collection=False)],
        responses=V3Document,
        summary="One of your call record exports",
    )
    def get(self, request, resource_id: str):
        query = jsonapi.parse_query(request.query_params, EXPORT_SPEC, collection=False)
        export = exports.export_get(actor=self.actor, export_id=resource_id)
        return Response(jsonapi.document(_export(request, export), query))


class ExportDownloadApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="exports_download",
        tags=[TAG],
        parameters=[_id_parameter("export")],
        responses={(200, "application/gzip"): OpenApiTypes.BINARY},
        summary="An export's file: a gzip-compressed CSV (what DIDWW's SDK downloads from the export's url)",
    )
    def get(self, request, resource_id: str):
        export = exports.export_get(actor=self.actor, export_id=resource_id)
        response = HttpResponse(exports.export_csv_gz(export), content_type="application/gzip")
        response["Content-Disposition"] = f'attachment; filename="cdr_in-{export.year}-{export.month:02d}.csv.gz"'
        return response


class CapacityPoolListApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="capacity_pools_list",
        tags=[TAG],
        parameters=jsonapi.openapi_parameters(POOL_SPEC, collection=True),
        responses=V3ListDocument,
        summary="Always empty: channels are not sold in pools here (each trunk has its own, capacity_limit)",
    )
    def get(self, request):
        query = jsonapi.parse_query(request.query_params, POOL_SPEC, collection=True)
        return Response(_page_document(request, query, [], 0))


class CapacityPoolDetailApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="capacity_pools_get",
        tags=[TAG],
        parameters=[_id_parameter("capacity pool"), *jsonapi.openapi_parameters(POOL_SPEC, collection=False)],
        responses=V3Document,
        summary="Always 404: there are no capacity pools here",
    )
    def get(self, request, resource_id: str):
        jsonapi.parse_query(request.query_params, POOL_SPEC, collection=False)
        raise NotFound(_("There are no capacity pools here: each trunk has its own channels."))
