"""/api/v3 beyond dids: the catalogue (countries … available DIDs, pops), the balance, reservations and
orders, as DIDWW's v3 API serves them. Views parse the JSON:API query, call the mapping or the service
and answer a document; the rules live in ``catalogue`` and ``buying``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from portal import jsonapi

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
                collection.spec, collection=True, described_filters=collection.filter_help
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


CATALOGUE_VIEWS = {name: collection_views(name, collection) for name, collection in COLLECTIONS.items()}

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
