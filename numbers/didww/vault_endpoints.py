"""/api/v3's regulatory vault that is written to: identities and addresses (our compliance profiles).
Views parse the JSON:API query and document and call ``identities``; the rules live there and in
``numbers/regulatory``. ``ROUTES`` lists each type's list and detail views for the URL configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from portal import jsonapi
from portal.api import IDEMPOTENCY_HEADER
from portal.idempotency import idempotent

from . import identities, proofs, vault, vault_files, verifications
from .api import Linkage, Relationship
from .endpoints import (
    TAG,
    V3Document,
    V3ListDocument,
    _document_data,
    _id_parameter,
    _page_document,
    _update_data,
    collection_views,
)

COUNTRY_FIELDS = frozenset({"name", "prefix", "iso"})
VAULT_TYPES = {
    "identities": frozenset(identities.IDENTITY_ATTRIBUTES + identities.IDENTITY_RELATIONSHIPS),
    "addresses": frozenset(identities.ADDRESS_ATTRIBUTES + identities.ADDRESS_RELATIONSHIPS),
    "countries": COUNTRY_FIELDS,
    "proofs": frozenset({"created_at", "expires_at", "external_reference_id", "proof_type", "entity", "files"}),
    "proof_types": vault.PROOF_TYPE_FIELDS,
}
IDENTITY_SPEC = jsonapi.Spec(
    types=VAULT_TYPES,
    filters=frozenset({"identity_type", "country.id"}),
    sorts=frozenset({"created_at"}),
    includes=frozenset(
        {"country", "addresses", "addresses.country", "proofs", "proofs.proof_type", "addresses.proofs"}
    ),
)
ADDRESS_SPEC = jsonapi.Spec(
    types=VAULT_TYPES,
    filters=frozenset({"country.id", "identity.id"}),
    sorts=frozenset({"created_at"}),
    includes=frozenset({"country", "identity", "identity.country", "proofs", "proofs.proof_type"}),
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
            "create": "An identity: a new compliance profile in draft covering every country and number type sold "
            "that needs documents; add its address and proofs",
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


# --- Encrypted files -----------------------------------------------------------------------------

FILE_SPEC = jsonapi.Spec(types={"encrypted_files": frozenset({"description", "expires_at"})}, sorts=frozenset())


class EncryptedFileUpload(serializers.Serializer):
    encrypted_files_file = serializers.FileField(
        help_text="Sent as encrypted_files[file]: the file (a PDF, JPEG or PNG) encrypted as the SDK does: its "
        "AES-256 key and IV encrypted with RSA-OAEP (SHA-256) for each of the two public_keys, then the file in "
        "AES-256-CBC (PKCS#7)",
    )
    encrypted_files_encryption_fingerprint = serializers.CharField(
        help_text="Sent as encrypted_files[encryption_fingerprint]: both keys' ids, <first>:::<second>"
    )
    encrypted_files_description = serializers.CharField(
        required=False, help_text="Sent as encrypted_files[description]; names the document a proof makes of it"
    )


class EncryptedFileListApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="encrypted_files_list",
        tags=[TAG],
        parameters=jsonapi.openapi_parameters(FILE_SPEC, collection=True),
        responses=V3ListDocument,
        summary="Your encrypted files not yet used by a proof, newest first (each is kept 7 days)",
    )
    def get(self, request):
        query = jsonapi.parse_query(request.query_params, FILE_SPEC, collection=True)
        qs = vault_files.file_list(actor=self.actor)
        start = (query.page_number - 1) * query.page_size
        resources = [vault_files.file_resource(f) for f in qs[start : start + query.page_size]]
        return Response(_page_document(request, query, resources, qs.count()))

    @extend_schema(
        operation_id="encrypted_files_create",
        tags=[TAG],
        parameters=[IDEMPOTENCY_HEADER],
        request={"multipart/form-data": EncryptedFileUpload},
        responses={201: V3Document},
        summary="Upload a file encrypted for our public keys (multipart, as the SDK's upload_encrypted_file sends "
        "it): it must open into a PDF, JPEG or PNG (422 otherwise); a proof then makes it a document. With an "
        "Idempotency-Key, the same file sent again gets the first answer (another file under that key: 422)",
    )
    @idempotent
    def post(self, request):
        query = jsonapi.parse_query(request.query_params, FILE_SPEC, collection=False)
        item = vault_files.file_create(
            actor=self.actor,
            upload=request.FILES.get("encrypted_files[file]"),
            fingerprint=request.data.get("encrypted_files[encryption_fingerprint]"),
            description=request.data.get("encrypted_files[description]"),
        )
        return Response(jsonapi.document(vault_files.file_resource(item), query), status=201)


class EncryptedFileDetailApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="encrypted_files_get",
        tags=[TAG],
        parameters=[_id_parameter("encrypted file"), *jsonapi.openapi_parameters(FILE_SPEC, collection=False)],
        responses=V3Document,
        summary="One of your encrypted files",
    )
    def get(self, request, resource_id: str):
        query = jsonapi.parse_query(request.query_params, FILE_SPEC, collection=False)
        item = vault_files.file_get(actor=self.actor, file_id=resource_id)
        return Response(jsonapi.document(vault_files.file_resource(item), query))

    @extend_schema(
        operation_id="encrypted_files_delete",
        tags=[TAG],
        parameters=[_id_parameter("encrypted file")],
        responses={204: None},
        summary="Delete an encrypted file",
    )
    def delete(self, request, resource_id: str):
        vault_files.file_delete(actor=self.actor, item=vault_files.file_get(actor=self.actor, file_id=resource_id))
        return Response(status=204)


ROUTES["encrypted_files"] = (EncryptedFileListApi, EncryptedFileDetailApi)


# --- Public keys: no key needed --------------------------------------------------------------------

_PublicKeyList, _PublicKeyDetail = collection_views("public_keys", vault.PUBLIC_KEYS)


@extend_schema_view(get=extend_schema(auth=[]))
class PublicKeyListApi(_PublicKeyList):
    permission_classes: list = []


@extend_schema_view(get=extend_schema(auth=[]))
class PublicKeyDetailApi(_PublicKeyDetail):
    permission_classes: list = []


ROUTES["public_keys"] = (PublicKeyListApi, PublicKeyDetailApi)


# --- Proofs --------------------------------------------------------------------------------------

PROOF_SPEC = jsonapi.Spec(types=VAULT_TYPES, includes=frozenset({"proof_type", "entity"}))


class ProofFiles(serializers.Serializer):
    data = Linkage(many=True, help_text='[{"type": "encrypted_files", "id": …}]: 1 to 10 files')


class ProofRelationships(serializers.Serializer):
    proof_type = Relationship(help_text='{"data": {"type": "proof_types", "id": "id_document"}}')
    entity = Relationship(
        help_text='{"data": {"type": "identities", "id": "cpr_…"}} (Personal and Business proof types) or '
        '{"data": {"type": "addresses", "id": "cpr_…"}} (Address proof types)'
    )
    files = ProofFiles()


class ProofAttributes(serializers.Serializer):
    external_reference_id = serializers.CharField(required=False, help_text="Accepted and not kept")


class ProofResource(serializers.Serializer):
    type = serializers.CharField(help_text="proofs")
    attributes = ProofAttributes(required=False)
    relationships = ProofRelationships()


class ProofDocument(serializers.Serializer):
    data = ProofResource()


class ProofListApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="proofs_create",
        tags=[TAG],
        parameters=[*jsonapi.openapi_parameters(PROOF_SPEC, collection=False), IDEMPOTENCY_HEADER],
        request=ProofDocument,
        responses={201: V3Document},
        summary="A proof: encrypted files become documents of the proof type on the identity's or address's "
        "compliance profile (a draft or rejected one); once it holds every document needed and its address it "
        "goes to review, and verified turns true when approved",
    )
    @idempotent
    def post(self, request):
        query = jsonapi.parse_query(request.query_params, PROOF_SPEC, collection=False)
        data = _document_data(request.data, "proofs")
        profile, kind = proofs.proof_create(actor=self.actor, relationships=data.get("relationships"))
        _profile, _kind, documents = proofs.proof_get(actor=self.actor, proof=proofs.proof_id(profile, kind))
        return Response(jsonapi.document(proofs.proof_resource(profile, kind, documents), query), status=201)


class ProofDetailApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="proofs_get",
        tags=[TAG],
        parameters=[_id_parameter("proof"), *jsonapi.openapi_parameters(PROOF_SPEC, collection=False)],
        responses=V3Document,
        summary="One proof (id: the profile's and the proof type's, cpr_12-id_document)",
    )
    def get(self, request, resource_id: str):
        query = jsonapi.parse_query(request.query_params, PROOF_SPEC, collection=False)
        profile, kind, documents = proofs.proof_get(actor=self.actor, proof=resource_id)
        return Response(jsonapi.document(proofs.proof_resource(profile, kind, documents), query))

    @extend_schema(
        operation_id="proofs_delete",
        tags=[TAG],
        parameters=[_id_parameter("proof")],
        responses={204: None},
        summary="Delete a proof's documents while its profile is a draft or was rejected (422 otherwise)",
    )
    def delete(self, request, resource_id: str):
        proofs.proof_delete(actor=self.actor, proof=resource_id)
        return Response(status=204)


ROUTES["proofs"] = (ProofListApi, ProofDetailApi)


# --- Address verifications -----------------------------------------------------------------------

VERIFICATION_SPEC = jsonapi.Spec(
    types={
        "address_verifications": frozenset(verifications.ATTRIBUTES + verifications.RELATIONSHIPS),
        "addresses": VAULT_TYPES["addresses"],
        "dids": frozenset(),
    },
    includes=frozenset({"address", "dids"}),
)


class VerificationAttributes(serializers.Serializer):
    service_description = serializers.CharField(required=False)
    callback_url = serializers.CharField(required=False, help_text="Kept and shown; no callback is sent")
    callback_method = serializers.ChoiceField(["post", "get"], required=False)
    external_reference_id = serializers.CharField(required=False)


class VerificationDids(serializers.Serializer):
    data = Linkage(many=True, help_text='[{"type": "dids", "id": "num_…"}]: 1 to 100 of your DIDs')


class VerificationRelationships(serializers.Serializer):
    address = Relationship(help_text='{"data": {"type": "addresses", "id": "cpr_…"}}')
    dids = VerificationDids()


class VerificationResource(serializers.Serializer):
    type = serializers.CharField(help_text="address_verifications")
    attributes = VerificationAttributes(required=False)
    relationships = VerificationRelationships()


class VerificationDocument(serializers.Serializer):
    data = VerificationResource()


class AddressVerificationListApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="address_verifications_list",
        tags=[TAG],
        parameters=jsonapi.openapi_parameters(VERIFICATION_SPEC, collection=True),
        responses=V3ListDocument,
        summary="Your address verifications, newest first",
    )
    def get(self, request):
        query = jsonapi.parse_query(request.query_params, VERIFICATION_SPEC, collection=True)
        qs = verifications.verification_list(actor=self.actor)
        start = (query.page_number - 1) * query.page_size
        resources = [verifications.verification_resource(v) for v in qs[start : start + query.page_size]]
        return Response(_page_document(request, query, resources, qs.count()))

    @extend_schema(
        operation_id="address_verifications_create",
        tags=[TAG],
        parameters=[*jsonapi.openapi_parameters(VERIFICATION_SPEC, collection=False), IDEMPOTENCY_HEADER],
        request=VerificationDocument,
        responses={201: V3Document},
        summary="Put an address (a compliance profile) forward for DIDs that need documents: the profile is "
        "attached to each (422 when it does not cover one); status is pending until staff review it, then "
        "approved (the DIDs go live) or rejected with reject_reasons",
    )
    @idempotent
    def post(self, request):
        query = jsonapi.parse_query(request.query_params, VERIFICATION_SPEC, collection=False)
        data = _document_data(request.data, "address_verifications")
        item = verifications.verification_create(
            actor=self.actor, attributes=data.get("attributes"), relationships=data.get("relationships")
        )
        return Response(jsonapi.document(verifications.verification_resource(item), query), status=201)


class AddressVerificationDetailApi(jsonapi.JsonApiView):
    schema = jsonapi.JsonApiAutoSchema()

    @extend_schema(
        operation_id="address_verifications_get",
        tags=[TAG],
        parameters=[
            _id_parameter("address verification"),
            *jsonapi.openapi_parameters(VERIFICATION_SPEC, collection=False),
        ],
        responses=V3Document,
        summary="One address verification: its status follows staff's review of the address's profile",
    )
    def get(self, request, resource_id: str):
        query = jsonapi.parse_query(request.query_params, VERIFICATION_SPEC, collection=False)
        item = verifications.verification_get(actor=self.actor, verification_id=resource_id)
        return Response(jsonapi.document(verifications.verification_resource(item), query))


ROUTES["address_verifications"] = (AddressVerificationListApi, AddressVerificationDetailApi)
