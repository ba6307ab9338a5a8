"""/api/v3's regulatory vault that is written to: identities and addresses (our compliance profiles).
Views parse the JSON:API query and document and call ``identities``; the rules live there and in
``numbers/regulatory``. ``ROUTES`` lists each type's list and detail views for the URL configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from portal import jsonapi
from portal.api import IDEMPOTENCY_HEADER
from portal.idempotency import idempotent

from . import identities
from .api import Relationship
from .endpoints import TAG, V3Document, V3ListDocument, _document_data, _id_parameter, _page_document, _update_data

COUNTRY_FIELDS = frozenset({"name", "prefix", "iso"})
IDENTITY_SPEC = jsonapi.Spec(
    types={
        "identities": frozenset(identities.IDENTITY_ATTRIBUTES + identities.IDENTITY_RELATIONSHIPS),
        "addresses": frozenset(identities.ADDRESS_ATTRIBUTES + identities.ADDRESS_RELATIONSHIPS),
        "countries": COUNTRY_FIELDS,
    },
    filters=frozenset({"identity_type", "country.id"}),
    sorts=frozenset({"created_at"}),
    includes=frozenset({"country", "addresses", "addresses.country"}),
)
ADDRESS_SPEC = jsonapi.Spec(
    types={
        "addresses": frozenset(identities.ADDRESS_ATTRIBUTES + identities.ADDRESS_RELATIONSHIPS),
        "identities": frozenset(identities.IDENTITY_ATTRIBUTES + identities.IDENTITY_RELATIONSHIPS),
        "countries": COUNTRY_FIELDS,
    },
    filters=frozenset({"country.id", "identity.id"}),
    sorts=frozenset({"created_at"}),
    includes=frozenset({"country", "identity", "identity.country"}),
)


# --- OpenAPI shapes ------------------------------------------------------------------------------


class IdentityAttributes(serializers.Serializer):
    identity_type = serializers.ChoiceField(["personal", "business"], help_text="Required when creating")
    first_name = serializers.CharField(required=False, help_text="personal: required")
    last_name = serializers.CharField(required=False, help_text="personal: required")
    company_name = serializers.CharField(required=False, help_text="business: required")
    company_reg_number = serializers.CharField(required=False)
    phone_number = serializers.CharField(
        required=False,
        help_text="Accepted and not kept, like id_number, birth_date, vat_id, personal_tax_id, contact_email, "
        "description and external_reference_id (they read as null)",
    )


class IdentityRelationships(serializers.Serializer):
    country = Relationship(help_text='{"data": {"type": "countries", "id": "DE"}}: required when creating')


class IdentityResource(serializers.Serializer):
    type = serializers.CharField(help_text="identities")
    id = serializers.CharField(required=False, help_text="When changing one: its id")
    attributes = IdentityAttributes()
    relationships = IdentityRelationships(required=False)


class IdentityDocument(serializers.Serializer):
    data = IdentityResource()


class AddressAttributes(serializers.Serializer):
    address = serializers.CharField(help_text="Street and number")
    city_name = serializers.CharField()
    postal_code = serializers.CharField()
    description = serializers.CharField(required=False, help_text="Accepted and not kept")
    external_reference_id = serializers.CharField(required=False, help_text="Accepted and not kept")


class AddressRelationships(serializers.Serializer):
    identity = Relationship(help_text='{"data": {"type": "identities", "id": "cpr_…"}}: required when creating')
    country = Relationship(help_text='{"data": {"type": "countries", "id": "DE"}}: required when creating')


class AddressResource(serializers.Serializer):
    type = serializers.CharField(help_text="addresses")
    id = serializers.CharField(required=False, help_text="When changing one: its id")
    attributes = AddressAttributes()
    relationships = AddressRelationships(required=False)


class AddressDocument(serializers.Serializer):
    data = AddressResource()


# --- Views ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One writable vault type: how its profiles are listed, found, made into resources and written."""

    name: str
    one: str
    spec: jsonapi.Spec
    document: type[serializers.Serializer]
    summaries: dict[str, str]
    listing: Callable[..., list]
    get: Callable[..., Any]
    resource: Callable[..., jsonapi.Resource]
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., None]
    filter_help: dict[str, str]


def _filtered(resources: list[jsonapi.Resource], filters: dict[str, str]) -> list[jsonapi.Resource]:
    for name, value in filters.items():
        wanted = {v.lower() for v in jsonapi.values_of(value)}
        if "." in name:
            relation = name.split(".", 1)[0]

            def linked(r: jsonapi.Resource, relation: str = relation) -> str:
                related = r.relationships.get(relation)
                return related.id.lower() if isinstance(related, jsonapi.Resource) else ""

            resources = [r for r in resources if linked(r) in wanted]
        else:
            resources = [r for r in resources if str(r.attributes.get(name) or "").lower() in wanted]
    return resources


def _sorted(resources: list[jsonapi.Resource], query) -> list[jsonapi.Resource]:
    descending = bool(query.sort and query.sort[0][1])
    return sorted(resources, key=lambda r: (r.attributes["created_at"], r.id), reverse=descending)


def crud_views(kind: Kind) -> tuple[type, type]:
    class ListApi(jsonapi.JsonApiView):
        schema = jsonapi.JsonApiAutoSchema()

        @extend_schema(
            operation_id=f"{kind.name}_list",
            tags=[TAG],
            parameters=jsonapi.openapi_parameters(kind.spec, collection=True, described_filters=kind.filter_help),
            responses=V3ListDocument,
            summary=kind.summaries["list"],
        )
        def get(self, request):
            query = jsonapi.parse_query(request.query_params, kind.spec, collection=True)
            resources = _sorted(
                _filtered([kind.resource(p) for p in kind.listing(actor=self.actor)], query.filters), query
            )
            start = (query.page_number - 1) * query.page_size
            page = resources[start : start + query.page_size]
            return Response(_page_document(request, query, page, len(resources)))

        @extend_schema(
            operation_id=f"{kind.name}_create",
            tags=[TAG],
            parameters=[*jsonapi.openapi_parameters(kind.spec, collection=False), IDEMPOTENCY_HEADER],
            request=kind.document,
            responses={201: V3Document},
            summary=kind.summaries["create"],
        )
        @idempotent
        def post(self, request):
            query = jsonapi.parse_query(request.query_params, kind.spec, collection=False)
            data = _document_data(request.data, kind.name)
            profile = kind.create(
                actor=self.actor, attributes=data.get("attributes"), relationships=data.get("relationships")
            )
            return Response(jsonapi.document(kind.resource(profile), query), status=201)

    class DetailApi(jsonapi.JsonApiView):
        schema = jsonapi.JsonApiAutoSchema()

        @extend_schema(
            operation_id=f"{kind.name}_get",
            tags=[TAG],
            parameters=[_id_parameter(kind.one), *jsonapi.openapi_parameters(kind.spec, collection=False)],
            responses=V3Document,
            summary=f"One {kind.one}",
        )
        def get(self, request, resource_id: str):
            query = jsonapi.parse_query(request.query_params, kind.spec, collection=False)
            return Response(jsonapi.document(kind.resource(kind.get(self.actor, resource_id)), query))

        @extend_schema(
            operation_id=f"{kind.name}_update",
            tags=[TAG],
            parameters=[_id_parameter(kind.one), *jsonapi.openapi_parameters(kind.spec, collection=False)],
            request=kind.document,
            responses=V3Document,
            summary=kind.summaries["update"],
        )
        def patch(self, request, resource_id: str):
            query = jsonapi.parse_query(request.query_params, kind.spec, collection=False)
            profile = kind.get(self.actor, resource_id)
            data = _update_data(request.data, kind.name, profile.public_id)
            profile = kind.update(
                actor=self.actor,
                profile=profile,
                attributes=data.get("attributes") or {},
                relationships=data.get("relationships"),
            )
            return Response(jsonapi.document(kind.resource(kind.get(self.actor, profile.public_id)), query))

        @extend_schema(
            operation_id=f"{kind.name}_delete",
            tags=[TAG],
            parameters=[_id_parameter(kind.one)],
            responses={204: None},
            summary=kind.summaries["delete"],
        )
        def delete(self, request, resource_id: str):
            kind.delete(actor=self.actor, profile=kind.get(self.actor, resource_id))
            return Response(status=204)

    title = "".join(part.title() for part in kind.name.split("_"))
    ListApi.__name__ = ListApi.__qualname__ = f"{title}ListApi"
    DetailApi.__name__ = DetailApi.__qualname__ = f"{title}DetailApi"
    return ListApi, DetailApi


KINDS = (
    Kind(
        name="identities",
        one="identity",
        spec=IDENTITY_SPEC,
        document=IdentityDocument,
        summaries={
            "list": "Your identities: the person or company of each of your compliance profiles (ids cpr_…); "
            "verified once approved",
            "create": "An identity: a new compliance profile in draft covering every country and number type sold; "
            "add its address and proofs",
            "update": "Change an identity whose profile is a draft or was rejected (422 otherwise)",
            "delete": "Delete an identity whose profile is a draft or was rejected, with its address and proofs",
        },
        listing=identities.identity_list,
        get=lambda actor, resource_id: identities.identity_get(actor=actor, identity_id=resource_id),
        resource=identities.identity_resource,
        create=identities.identity_create,
        update=identities.identity_update,
        delete=identities.identity_delete,
        filter_help={"identity_type": "personal or business", "country.id": "ISO codes (DE), comma-separated"},
    ),
    Kind(
        name="addresses",
        one="address",
        spec=ADDRESS_SPEC,
        document=AddressDocument,
        summaries={
            "list": "Your addresses: the address of each of your compliance profiles that has one (the id is the "
            "identity's)",
            "create": "The address of an identity (one each; 409 when it has one)",
            "update": "Change an address whose profile is a draft or was rejected (422 otherwise)",
            "delete": "Take the address off an identity whose profile is a draft or was rejected",
        },
        listing=identities.address_list,
        get=lambda actor, resource_id: identities.address_get(actor=actor, address_id=resource_id),
        resource=identities.address_resource,
        create=identities.address_create,
        update=identities.address_update,
        delete=identities.address_delete,
        filter_help={"country.id": "ISO codes (DE), comma-separated", "identity.id": "Identity ids (cpr_…)"},
    ),
)

ROUTES = {kind.name: crud_views(kind) for kind in KINDS}
