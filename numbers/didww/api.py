"""/api/v3/dids: the caller's numbers as DIDWW's v3 API serves DIDs (JSON:API), so code written for DIDWW
works here by changing its base URL. The mapping is ``numbers.didww``; updates go through
``services.number_update``, the same rules as PUT /api/v1/numbers/{id} and the routing endpoint."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from portal import jsonapi
from portal.errors import NotFound

from . import resources as didww
from . import voice_in

DID_ID = OpenApiParameter(
    "number_id", str, OpenApiParameter.PATH, description="The DID's id (num_42), 42, or the number (+31201234567)"
)

FILTER_HELP = {
    "number": "The number without the plus (a plus is allowed); several comma-separated",
    "description": "Exact description; several comma-separated; blank: numbers without one",
    "terminated": "true: set not to renew; false: renewing",
    "awaiting_registration": "true: waiting for regulatory documents to be approved",
    "pending_removal": "true: set not to renew, or suspended for an unpaid renewal",
    "blocked": "true: suspended for an unpaid renewal",
    "emergency_enabled": "Always false here: true matches nothing",
    "billing_cycles_count": "0: set not to renew; blank: renewing (null); other counts match nothing",
    "did_group.id": "Number group ids, comma-separated",
    "country.id": "ISO country codes (GB), comma-separated",
    "region.id": "Region ids (GB-england), comma-separated; blank: groups without a region",
    "city.id": "City ids (GB-london), comma-separated; blank: groups without a city",
    "order.id": "Order ids (ord_42 or 42), comma-separated",
    "order.reference": "Order references (ord_42), comma-separated",
    "voice_in_trunk.id": "Trunk ids (trk_…, vit_…), comma-separated; blank: numbers not on a trunk",
    "voice_in_trunk_group.id": "Trunk group ids (vtg_…), comma-separated; blank: numbers not routed to a group",
    "did_group.features": "All of these features: voice_in, sms_in, t38 (voice_out, p2p, a2p, emergency and "
    "cnam_out are never offered here)",
    **{f"{name}.id": "Always empty here: blank matches every number, an id none" for name in didww.EMPTY_FILTERS},
}


def _self_url(request):
    return lambda public_id: request.build_absolute_uri(f"/api/v3/dids/{public_id}")


# --- OpenAPI shapes (documents are built as plain dicts by ``portal.jsonapi``) ----------------------


class SparseFieldset(serializers.Serializer):
    """A resource's attributes or relationships: a sparse fieldset (`fields[dids]=…`) may leave any of them
    out, so none is required. (Set on the bound fields: DRF rebuilds declared fields from their
    constructor arguments, so changing the class's fields would not last.)"""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class DidAttributes(SparseFieldset):
    number = serializers.CharField(help_text="E.164 without the plus, e.g. 442079460831")
    description = serializers.CharField(allow_null=True, help_text="The number's label; writable (at most 100)")
    blocked = serializers.BooleanField(help_text="Suspended: a renewal went unpaid; calls and messages stop")
    terminated = serializers.BooleanField(
        help_text="Set not to renew: the number leaves the account at expires_at. Writable, as billing_cycles_count"
    )
    awaiting_registration = serializers.BooleanField(help_text="Waiting for regulatory documents to be approved")
    pending_removal = serializers.BooleanField(
        help_text="Will leave the account unless something changes: set not to renew, or suspended"
    )
    capacity_limit = serializers.IntegerField(
        allow_null=True,
        help_text="Calls at once: the number's own limit where set (writable, 1 to 10000, null for none; the SIP "
        "edge answers 486 beyond it), otherwise the channels of the trunk it is routed to; null when neither",
    )
    channels_included_count = serializers.IntegerField(help_text="Always 0: channels are not sold per number")
    dedicated_channels_count = serializers.IntegerField(help_text="Always 0")
    billing_cycles_count = serializers.IntegerField(
        allow_null=True,
        help_text="0: stops renewing at the end of the paid period; null: renews every period. Writable "
        "(only 0 or null); client keys cannot change renewal",
    )
    expires_at = serializers.DateTimeField(help_text="00:00 UTC of the paid-through day: renewal, or release")
    created_at = serializers.DateTimeField(help_text="When the number was bought")
    emergency_enabled = serializers.BooleanField(help_text="Always false: no emergency calling here")


class Linkage(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()


class Relationship(serializers.Serializer):
    data = Linkage(allow_null=True)


class RelationshipLinks(serializers.Serializer):
    self = serializers.URLField(help_text="/api/v3/dids/{id}/relationships/{name}: the linkage")
    related = serializers.URLField(help_text="/api/v3/dids/{id}/{name}: the related resource")


class LinkedRelationship(Relationship):
    links = RelationshipLinks()


class DidRelationships(SparseFieldset):
    did_group = LinkedRelationship(help_text="The number group (did_groups): country, city, region, type")
    voice_in_trunk = LinkedRelationship(help_text="The SIP trunk its calls go to (voice_in_trunks); writable")
    order = LinkedRelationship(help_text="The order it was bought in (orders)")
    voice_in_trunk_group = LinkedRelationship(
        help_text="The trunk group its calls go to (voice_in_trunk_groups); writable, excludes voice_in_trunk"
    )
    capacity_pool = LinkedRelationship(help_text="Always empty")
    shared_capacity_group = LinkedRelationship(help_text="Always empty")
    address_verification = LinkedRelationship(help_text="Always empty")
    emergency_calling_service = LinkedRelationship(help_text="Always empty")
    emergency_verification = LinkedRelationship(help_text="Always empty")
    identity = LinkedRelationship(help_text="Always empty")


class DidResource(serializers.Serializer):
    type = serializers.CharField(help_text="dids")
    id = serializers.CharField(help_text="num_42")
    attributes = DidAttributes(required=False, help_text="Left out when `fields[dids]` names no attribute")
    relationships = DidRelationships(required=False, help_text="Left out when `fields[dids]` names no relationship")


FILTER_SCHEMAS = {
    **{
        name: jsonapi.BOOLEAN
        for name in ("terminated", "awaiting_registration", "pending_removal", "blocked", "emergency_enabled")
    },
    "did_group.features": jsonapi.list_of(didww.DIDWW_FEATURES, empty_items=False),
    "billing_cycles_count": {"type": "string", "pattern": "^[0-9]*$"},  # nothing: null (renews every period)
}


class IncludedResource(serializers.Serializer):
    type = serializers.CharField(
        help_text="did_groups, countries, cities, regions, did_group_types, voice_in_trunks or orders"
    )
    id = serializers.CharField()
    attributes = serializers.DictField(
        required=False,
        help_text="Left out when `fields[…]` names none of them. did_groups: prefix (area code), features, "
        "is_metered (answered minutes charged per started minute), area_name; countries: name, prefix, iso; "
        "cities, regions: name; did_group_types: "
        "name; voice_in_trunks: name, capacity_limit "
        "(channels), created_at, configuration (sip_configurations: username, host: where calls go); "
        "orders: amount (EUR), status, reference, created_at",
    )
    relationships = serializers.DictField(required=False)


class PageMeta(serializers.Serializer):
    total_records = serializers.IntegerField()


class PageLinks(serializers.Serializer):
    first = serializers.URLField()
    last = serializers.URLField()
    prev = serializers.URLField(required=False)
    next = serializers.URLField(required=False)


class DidListDocument(serializers.Serializer):
    data = DidResource(many=True)
    included = IncludedResource(many=True, required=False)
    meta = PageMeta()
    links = PageLinks()


class DidDocument(serializers.Serializer):
    data = DidResource()
    included = IncludedResource(many=True, required=False)


class RelationshipDocument(serializers.Serializer):
    links = RelationshipLinks()
    data = Linkage(allow_null=True)


class RelatedDocument(serializers.Serializer):
    data = IncludedResource(allow_null=True, help_text="The related resource; null when the relationship is empty")
    included = IncludedResource(many=True, required=False)


class DidUpdateAttributes(serializers.Serializer):
    description = serializers.CharField(required=False, allow_null=True, max_length=100)
    billing_cycles_count = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=0)
    terminated = serializers.BooleanField(required=False)
    capacity_limit = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10000)


class DidUpdateRelationships(serializers.Serializer):
    voice_in_trunk = Relationship(
        required=False, help_text="A trunk (voice_in_trunks, trk_… or vit_…), or null; clears voice_in_trunk_group"
    )
    voice_in_trunk_group = Relationship(
        required=False, help_text="A trunk group (voice_in_trunk_groups, vtg_…), or null; clears voice_in_trunk"
    )


class DidUpdateResource(serializers.Serializer):
    type = serializers.CharField(help_text="dids")
    id = serializers.CharField()
    attributes = DidUpdateAttributes(required=False)
    relationships = DidUpdateRelationships(required=False)


class DidUpdateDocument(serializers.Serializer):
    data = DidUpdateResource()


# --- Views -----------------------------------------------------------------------------------------


class DidListApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="dids_list",
        tags=["DIDWW-compatible (v3)"],
        parameters=jsonapi.openapi_parameters(
            didww.SPEC, collection=True, described_filters=FILTER_HELP, filter_schemas=FILTER_SCHEMAS
        ),
        responses=DidListDocument,
        summary="Your numbers as DIDWW DIDs (JSON:API: filter, sort, include, sparse fields, pages)",
        description="DIDWW's `GET /v3/dids`: code written for DIDWW works by changing its base URL (the "
        "`Api-Key` header carries a DIDfarm key). Released numbers, and numbers whose provisioning failed, "
        "are not listed; a client-bound key sees its client's numbers.",
    )
    def get(self, request):
        query = jsonapi.parse_query(request.query_params, didww.SPEC, collection=True)
        qs = didww.did_order(didww.did_filter(didww.did_list(actor=self.actor), query.filters), query.sort)
        total = qs.count()
        start = (query.page_number - 1) * query.page_size
        rows = qs[start : start + query.page_size]
        resources = didww.did_resources(rows, actor=self.actor, self_url=_self_url(request))
        return Response(
            jsonapi.document(
                resources,
                query,
                meta=jsonapi.page_meta(total),
                links=jsonapi.page_links(request, query, total),
            )
        )


class DidDetailApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()
    # Field names the services report, as pointers into the PATCH document.
    error_pointers = {
        "label": "/data/attributes/description",
        "cancel_at_period_end": "/data/attributes/billing_cycles_count",
        "capacity_limit": "/data/attributes/capacity_limit",
        "sip_trunk_id": "/data/relationships/voice_in_trunk",
        "forwarding": "/data/relationships/voice_in_trunk",
    }

    @extend_schema(
        operation_id="dids_get",
        tags=["DIDWW-compatible (v3)"],
        parameters=[DID_ID, *jsonapi.openapi_parameters(didww.SPEC, collection=False)],
        responses=DidDocument,
        summary="One of your numbers as a DIDWW DID",
    )
    def get(self, request, number_id: str):
        query = jsonapi.parse_query(request.query_params, didww.SPEC, collection=False)
        number = didww.did_get(actor=self.actor, did_id=number_id)
        return Response(jsonapi.document(_did(self.actor, number, request), query))

    @extend_schema(
        operation_id="dids_update",
        tags=["DIDWW-compatible (v3)"],
        parameters=[DID_ID, *jsonapi.openapi_parameters(didww.SPEC, collection=False)],
        request=DidUpdateDocument,
        responses=DidDocument,
        summary="Change a DID's description, renewal (billing_cycles_count), calls at once (capacity_limit) or "
        "trunk (voice_in_trunk)",
        description="Only what the document sends changes, all of it or nothing, with the rules of "
        "`PUT /api/v1/numbers/{id}` and `POST /api/v1/portal/did-routing`. `billing_cycles_count` 0 (or "
        "`terminated` true) stops renewing at the end of the paid period, null (or false) renews again. "
        "`capacity_limit` caps the calls to the number at once (a second call beyond it is answered 486), "
        "null lifts the number's own cap. "
        "`voice_in_trunk` null takes the number off its trunk; a delivery trunk (`vit_…`) or a trunk group forwards "
        "its calls there; a trunk and a group exclude each other (setting one clears the other). "
        "Read-only or unknown attributes → 422.",
        examples=[
            OpenApiExample(
                "Describe and route",
                request_only=True,
                value={
                    "data": {
                        "type": "dids",
                        "id": "num_42",
                        "attributes": {"description": "Reception"},
                        "relationships": {"voice_in_trunk": {"data": {"type": "voice_in_trunks", "id": "trk_ab12cd"}}},
                    }
                },
            )
        ],
    )
    def patch(self, request, number_id: str):
        query = jsonapi.parse_query(request.query_params, didww.SPEC, collection=False)
        number = didww.did_get(actor=self.actor, did_id=number_id)
        update = didww.did_update_read(actor=self.actor, number=number, body=request.data)
        voice_in.did_apply(actor=self.actor, number=number, changes=update.changes, route=update.route)
        number = didww.did_get(actor=self.actor, did_id=number.public_id)
        return Response(jsonapi.document(_did(self.actor, number, request), query))


def _did(actor, number, request) -> jsonapi.Resource:
    return didww.did_resources([number], actor=actor, self_url=_self_url(request))[0]


RELATIONSHIP_NAME = OpenApiParameter(
    "name", str, OpenApiParameter.PATH, enum=list(didww.DID_RELATIONSHIPS), description="A DID's relationship"
)


def _relationship_of(actor, number_id: str, name: str, request) -> jsonapi.Resource:
    """The actor's DID (404 as in /api/v3/dids/{id}) with a relationship called ``name`` (404 if DIDs have
    none by that name)."""
    number = didww.did_get(actor=actor, did_id=number_id)
    if name not in didww.DID_RELATIONSHIPS:
        raise NotFound(_("DIDs have no relationship %(name)s.") % {"name": name})
    return _did(actor, number, request)


class DidRelationshipApi(jsonapi.JsonApiView):
    """A relationship's ``self`` link: its linkage."""

    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="dids_relationship_get",
        tags=["DIDWW-compatible (v3)"],
        parameters=[DID_ID, RELATIONSHIP_NAME],
        responses=RelationshipDocument,
        summary="A DID's relationship: which resource it points to (null when empty)",
    )
    def get(self, request, number_id: str, name: str):
        jsonapi.parse_query(request.query_params, jsonapi.Spec(types={}), collection=False)
        resource = _relationship_of(self.actor, number_id, name, request)
        return Response(jsonapi.relationship_document(resource, name))


class DidRelatedApi(jsonapi.JsonApiView):
    """A relationship's ``related`` link: the related resource itself."""

    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="dids_related_get",
        tags=["DIDWW-compatible (v3)"],
        parameters=[DID_ID, RELATIONSHIP_NAME],
        responses=RelatedDocument,
        summary="The resource a DID's relationship points to (data null when empty); include and fields[…] "
        "work from it, e.g. /dids/{id}/did_group?include=country",
    )
    def get(self, request, number_id: str, name: str):
        spec = didww.RELATED_SPECS.get(name, jsonapi.Spec(types=didww.TYPES))
        query = jsonapi.parse_query(request.query_params, spec, collection=False)
        resource = _relationship_of(self.actor, number_id, name, request)
        return Response(jsonapi.related_document(resource, name, query))
