"""Compliance profiles and regulatory documents over the API (port-in requests: ``porting/api.py``).

JSON for profiles; documents travel as ``multipart/form-data``, one file field per document named after
its type (``id_document``, ``proof_of_address``, ``company_registration``, ``other``; for ports
``letter_of_authorization`` and ``bill``), or a ``file`` field with a ``document_type``. Every write goes
through ``numbers.regulatory``; every read through the actor-scoped
``regulatory/selectors.py``, so another account's or client's id is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.selectors import client_for
from portal.api import (
    IDEMPOTENCY_HEADER,
    ApiView,
    PageParams,
    data_envelope,
    page_envelope,
    paginate,
    valid_body,
    validate_query,
)
from portal.errors import ValidationFailed
from portal.idempotency import idempotent
from portal.parsers import PayloadTooLarge

from .. import selectors as number_selectors
from ..models import ComplianceProfile, DocumentType, EndUserType, NumberType
from . import selectors
from . import services as regulatory
from .models import PROFILE_DOCUMENT_TYPES


def path_id(name: str, example: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.PATH, description=f"42 or {example}")


PROFILE_ID = path_id("profile_id", "cpr_42")
DOCUMENT_ID = path_id("document_id", "doc_42")


# --- Reading uploads -----------------------------------------------------------------------------


def uploads_from(request, *, allowed=PROFILE_DOCUMENT_TYPES) -> list[regulatory.Upload]:
    """The files of a multipart request: fields named after document types, or ``file`` with
    ``document_type``. The whole body is refused (413) before it is read when it could not hold only
    documents of the allowed size."""
    limit = regulatory.MAX_DOCUMENTS_PER_REQUEST * settings.REGULATORY_DOCUMENT_MAX_BYTES + 1024 * 1024
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(_("The request body is larger than %(n)d bytes.") % {"n": limit})
    files = request.FILES
    type_names = [str(t) for t in allowed]
    uploads = []
    errors: dict[str, list[str]] = {}
    for field in files:
        for upload in files.getlist(field):
            if field == "file":
                document_type = str(request.data.get("document_type") or "")
                if not document_type:
                    errors["document_type"] = [_("Say what the file is: one of %(t)s.") % {"t": ", ".join(type_names)}]
                    continue
                uploads.append(regulatory.Upload(document_type=document_type, file=upload, field="file"))
            elif field in type_names:
                uploads.append(regulatory.Upload(document_type=field, file=upload, field=field))
            else:
                errors[field] = [_("Unknown document field; use one of: %(t)s.") % {"t": ", ".join(type_names)}]
    if errors:
        raise ValidationFailed(fields=errors)
    return uploads


def document_response(document) -> FileResponse:
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


class UploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, JPEG or PNG, at most 20 MB (or send fields named after types)")
    document_type = serializers.ChoiceField(choices=DocumentType.choices)


# --- Output --------------------------------------------------------------------------------------


class DocumentOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    document_id = serializers.IntegerField(source="pk")
    document_type = serializers.CharField()
    file_name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField(source="created_at")


class AddressOutput(serializers.Serializer):
    street = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField(source="address_country")


class ProfileOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    profile_id = serializers.IntegerField(source="pk")
    client_id = serializers.IntegerField(allow_null=True)
    client_name = serializers.CharField(source="client.name", default=None, allow_null=True)
    end_user_type = serializers.CharField()
    name = serializers.CharField()
    registration_number = serializers.CharField()
    address = AddressOutput(source="*")
    countries = serializers.ListField(child=serializers.CharField())
    number_types = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    rejection_reason = serializers.CharField()
    required_documents = serializers.SerializerMethodField()
    missing_documents = serializers.SerializerMethodField()
    documents = DocumentOutput(many=True)
    numbers_waiting = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_required_documents(self, profile) -> list[str]:
        return regulatory.required_documents(profile)

    def get_missing_documents(self, profile) -> list[str]:
        have = {d.document_type for d in profile.documents.all()}
        return [d for d in regulatory.required_documents(profile) if d not in have]

    def get_numbers_waiting(self, profile) -> int:
        waiting = getattr(profile, "waiting_count", None)
        return waiting if waiting is not None else profile.numbers.filter(status="pending_regulatory").count()


def _profile_data(profile) -> dict:
    return ProfileOutput(profile).data


class ProfileInput(serializers.Serializer):
    """Shape only; ``regulatory.profile_create`` / ``profile_update`` check the values."""

    client_id = serializers.CharField(required=False, allow_null=True, max_length=30)
    end_user_type = serializers.ChoiceField(choices=EndUserType.choices, required=False)
    name = serializers.CharField(max_length=200, required=False)
    registration_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    street = serializers.CharField(max_length=200, required=False)
    postal_code = serializers.CharField(max_length=20, required=False)
    city = serializers.CharField(max_length=100, required=False)
    address_country = serializers.CharField(max_length=2, required=False, help_text="ISO 3166-1 alpha-2")
    countries = serializers.ListField(child=serializers.CharField(max_length=2), required=False, max_length=100)
    number_types = serializers.ListField(
        child=serializers.CharField(max_length=16),
        required=False,
        help_text="local, mobile, national, toll_free, short_code",
    )

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({key: "Unknown field." for key in sorted(unknown)})
        return attrs


class ProfileListParams(PageParams):
    status = serializers.ChoiceField(choices=ComplianceProfile.Status.choices, required=False)
    client_id = serializers.CharField(required=False, max_length=30)


# --- Compliance profiles -----------------------------------------------------------------------------


class ComplianceProfileListApi(ApiView):
    @extend_schema(
        operation_id="compliance_profiles_list",
        tags=["Regulatory"],
        parameters=[ProfileListParams],
        responses=page_envelope(ProfileOutput),
        summary="Your compliance profiles, newest first",
    )
    def get(self, request):
        params = validate_query(ProfileListParams, request)
        client_id = client_for(self.actor, params["client_id"]).pk if params.get("client_id") else None
        qs = selectors.profile_list(actor=self.actor, status=params.get("status", ""), client_id=client_id)
        return paginate(request, qs, ProfileOutput)

    @extend_schema(
        operation_id="compliance_profiles_create",
        tags=["Regulatory"],
        request=ProfileInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: data_envelope(ProfileOutput)},
        summary="Create a compliance profile (a draft: add documents, then submit it)",
    )
    @idempotent
    def post(self, request):
        data = dict(valid_body(ProfileInput, request))
        profile = regulatory.profile_create(actor=self.actor, **data)
        profile = selectors.profile_get(actor=self.actor, profile_id=profile.pk)
        return Response({"data": _profile_data(profile)}, status=201)


class ComplianceProfileDetailApi(ApiView):
    @extend_schema(
        operation_id="compliance_profiles_get",
        tags=["Regulatory"],
        parameters=[PROFILE_ID],
        responses=data_envelope(ProfileOutput),
        summary="One compliance profile, with its documents and status",
    )
    def get(self, request, profile_id: str):
        profile = selectors.profile_get(actor=self.actor, profile_id=profile_id)
        return Response({"data": _profile_data(profile)})

    @extend_schema(
        operation_id="compliance_profiles_update",
        tags=["Regulatory"],
        parameters=[PROFILE_ID],
        request=ProfileInput,
        responses=data_envelope(ProfileOutput),
        summary="Change a draft or rejected profile (only the keys sent change)",
    )
    def put(self, request, profile_id: str):
        profile = selectors.profile_get(actor=self.actor, profile_id=profile_id)
        data = dict(valid_body(ProfileInput, request))
        regulatory.profile_update(actor=self.actor, profile=profile, **data)
        profile = selectors.profile_get(actor=self.actor, profile_id=profile.pk)
        return Response({"data": _profile_data(profile)})

    @extend_schema(
        operation_id="compliance_profiles_delete",
        tags=["Regulatory"],
        parameters=[PROFILE_ID],
        request=None,
        responses={204: None},
        summary="Delete a draft or rejected profile and its documents",
    )
    def delete(self, request, profile_id: str):
        profile = selectors.profile_get(actor=self.actor, profile_id=profile_id)
        regulatory.profile_delete(actor=self.actor, profile=profile)
        return Response(status=204)


class ComplianceProfileSubmitApi(ApiView):
    @extend_schema(
        operation_id="compliance_profiles_submit",
        tags=["Regulatory"],
        parameters=[PROFILE_ID],
        request=None,
        responses=data_envelope(ProfileOutput),
        summary="Submit a profile for review (every required document must be there)",
    )
    def post(self, request, profile_id: str):
        profile = selectors.profile_get(actor=self.actor, profile_id=profile_id)
        regulatory.profile_submit(actor=self.actor, profile=profile)
        profile = selectors.profile_get(actor=self.actor, profile_id=profile.pk)
        return Response({"data": _profile_data(profile)})


class ComplianceDocumentListApi(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="compliance_profiles_documents_add",
        tags=["Regulatory"],
        parameters=[PROFILE_ID],
        request={"multipart/form-data": UploadInput},
        responses={201: data_envelope(ProfileOutput), 413: OpenApiResponse(description="Body too large")},
        summary="Upload documents to a draft or rejected profile (PDF, JPEG or PNG, 20 MB each)",
    )
    def post(self, request, profile_id: str):
        profile = selectors.profile_get(actor=self.actor, profile_id=profile_id)
        regulatory.profile_documents_add(actor=self.actor, profile=profile, uploads=uploads_from(request))
        profile = selectors.profile_get(actor=self.actor, profile_id=profile.pk)
        return Response({"data": _profile_data(profile)}, status=201)


class ComplianceDocumentDetailApi(ApiView):
    @extend_schema(
        operation_id="compliance_profiles_documents_download",
        tags=["Regulatory"],
        parameters=[PROFILE_ID, DOCUMENT_ID],
        responses={200: OpenApiResponse(response=OpenApiTypes.BINARY, description="The file as uploaded")},
        summary="Download one of a profile's documents",
    )
    def get(self, request, profile_id: str, document_id: str):
        profile = selectors.profile_get(actor=self.actor, profile_id=profile_id)
        return document_response(selectors.document_get(actor=self.actor, document_id=document_id, profile=profile))

    @extend_schema(
        operation_id="compliance_profiles_documents_delete",
        tags=["Regulatory"],
        parameters=[PROFILE_ID, DOCUMENT_ID],
        request=None,
        responses={204: None},
        summary="Remove a document from a draft or rejected profile",
    )
    def delete(self, request, profile_id: str, document_id: str):
        profile = selectors.profile_get(actor=self.actor, profile_id=profile_id)
        document = selectors.document_get(actor=self.actor, document_id=document_id, profile=profile)
        regulatory.document_delete(actor=self.actor, document=document)
        return Response(status=204)


class SubmitInput(serializers.Serializer):
    compliance_profile_id = serializers.CharField(required=False, max_length=64, help_text="The profile (cpr_…)")
    provider_bundle_id = serializers.CharField(
        required=False, max_length=64, help_text="Alias of compliance_profile_id"
    )
    number_id = serializers.CharField(
        required=False, max_length=32, help_text="Or the number waiting for documents: 42, num_42 or +31201234567"
    )
    end_user_type = serializers.ChoiceField(choices=EndUserType.choices, required=False)
    name = serializers.CharField(required=False, max_length=200)
    registration_number = serializers.CharField(required=False, max_length=64)
    street = serializers.CharField(required=False, max_length=200)
    postal_code = serializers.CharField(required=False, max_length=20)
    city = serializers.CharField(required=False, max_length=100)
    address_country = serializers.CharField(required=False, max_length=2)
    id_document = serializers.FileField(required=False)
    proof_of_address = serializers.FileField(required=False)
    company_registration = serializers.FileField(required=False)
    other = serializers.FileField(required=False)


DETAIL_FIELDS = ("end_user_type", "name", "registration_number", "street", "postal_code", "city", "address_country")


class RegulatorySubmitApi(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="regulatory_submit",
        tags=["Regulatory"],
        request={"multipart/form-data": SubmitInput},
        responses={201: data_envelope(ProfileOutput), 413: OpenApiResponse(description="Body too large")},
        summary="Submit documents for review, for a compliance profile or for a number waiting for them",
        description="Multipart: the documents (one field per type) and `compliance_profile_id` (or its alias "
        "`provider_bundle_id`) or `number_id`. For a number without a profile, the profile's fields "
        "(`end_user_type`, `name`, `street`, `postal_code`, `city`, `address_country`) make a new one "
        "covering its country and type. Answers the profile, now in review; `regulatory.approved` or "
        "`regulatory.rejected` follows the review. Also served at `/api/regulatory/submit`.",
    )
    def post(self, request):
        uploads = uploads_from(request)
        data = request.data
        known = {"compliance_profile_id", "provider_bundle_id", "number_id", "document_type", *DETAIL_FIELDS}
        unknown = [k for k in data if k not in known and k not in request.FILES]
        if unknown:
            raise ValidationFailed(fields={key: [_("Unknown field.")] for key in sorted(unknown)})
        profile_id = data.get("compliance_profile_id") or data.get("provider_bundle_id") or ""
        profile = selectors.profile_get(actor=self.actor, profile_id=profile_id) if profile_id else None
        number = None
        if data.get("number_id"):
            number = number_selectors.number_get(actor=self.actor, number_id=data["number_id"])
        details = {key: data.get(key) for key in DETAIL_FIELDS if key in data}
        profile = regulatory.regulatory_submit(
            actor=self.actor, uploads=uploads, profile=profile, number=number, details=details
        )
        profile = selectors.profile_get(actor=self.actor, profile_id=profile.pk)
        return Response({"data": _profile_data(profile)}, status=201)


class RequirementParams(serializers.Serializer):
    country = serializers.CharField(min_length=2, max_length=2)
    number_type = serializers.ChoiceField(choices=NumberType.choices)
    end_user_type = serializers.ChoiceField(choices=EndUserType.choices)


class RequiredDocument(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()


class RequirementOutput(serializers.Serializer):
    country = serializers.CharField()
    number_type = serializers.CharField()
    end_user_type = serializers.CharField()
    documents = RequiredDocument(many=True)


class RegulatoryRequirementsApi(ApiView):
    @extend_schema(
        operation_id="regulatory_requirements",
        tags=["Regulatory"],
        parameters=[RequirementParams],
        responses=data_envelope(RequirementOutput),
        summary="Which documents a country and number type need, for a person or a business",
    )
    def get(self, request):
        params = validate_query(RequirementParams, request)
        country = params["country"].upper()
        documents = regulatory.requirements_for(
            country=country, number_type=params["number_type"], end_user_type=params["end_user_type"]
        )
        return Response(
            {
                "data": {
                    "country": country,
                    "number_type": params["number_type"],
                    "end_user_type": params["end_user_type"],
                    "documents": [{"type": d, "label": regulatory.document_type_label(d)} for d in documents],
                }
            }
        )
