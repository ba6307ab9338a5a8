"""Port-in requests over the API: JSON for the request, ``multipart/form-data`` for its documents (a
``letter_of_authorization`` and a ``bill`` field, or a ``file`` field with a ``document_type``). Writes go
through ``porting``; reads through the actor-scoped selectors, so another account's or client's id is a
404.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.selectors import client_for
from portal.api import (
    IDEMPOTENCY_HEADER,
    ApiView,
    PageParams,
    data_envelope,
    meta_stamp,
    page_envelope,
    paginate,
    valid_body,
    validate_query,
)
from portal.idempotency import idempotent

from ..models import BillingCycle, PortRequest
from ..regulatory import selectors
from ..regulatory.api import DOCUMENT_ID, DocumentOutput, UploadInput, document_response, path_id, uploads_from
from ..regulatory.models import PORT_DOCUMENT_TYPES
from . import services as porting

PORT_ID = path_id("port_id", "port_42")


class PortStepOutput(serializers.Serializer):
    status = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")


class PortOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    port_id = serializers.IntegerField(source="pk")
    numbers = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    current_carrier = serializers.CharField()
    authorization_name = serializers.CharField()
    account_number = serializers.CharField(
        source="account_number_masked", help_text="Masked: its last 4 characters, when it has 8 or more"
    )
    pin_set = serializers.SerializerMethodField(help_text="Whether a PIN was given (the PIN itself is never returned)")
    billing_cycle = serializers.CharField()
    client_id = serializers.IntegerField(allow_null=True)
    compliance_profile_id = serializers.SerializerMethodField()
    estimated_completion = serializers.SerializerMethodField()
    scheduled_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    last_error = serializers.CharField()
    order_id = serializers.IntegerField(allow_null=True)
    documents = DocumentOutput(many=True)
    timeline = PortStepOutput(source="steps", many=True)
    created_at = serializers.DateTimeField()

    def get_pin_set(self, port) -> bool:
        return bool(port.pin)

    def get_compliance_profile_id(self, port) -> str | None:
        return f"cpr_{port.compliance_profile_id}" if port.compliance_profile_id else None

    def get_estimated_completion(self, port) -> str:
        moment = datetime.combine(port.estimated_completion, time.min, tzinfo=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class PortInput(serializers.Serializer):
    numbers = serializers.ListField(child=serializers.CharField(max_length=32), help_text="E.164", max_length=50)
    current_carrier = serializers.CharField(max_length=200)
    authorization_name = serializers.CharField(max_length=200, help_text="The person authorized on that account")
    account_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    pin = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    billing_cycle = serializers.ChoiceField(choices=BillingCycle.choices, default=BillingCycle.MONTHLY)
    client_id = serializers.CharField(required=False, allow_null=True, max_length=30)
    compliance_profile_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    provider_bundle_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Alias of compliance_profile_id"
    )

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({key: "Unknown field." for key in sorted(unknown)})
        return attrs


class PortListParams(PageParams):
    status = serializers.ChoiceField(choices=PortRequest.Status.choices, required=False)


class PortListApi(ApiView):
    @extend_schema(
        operation_id="porting_list",
        tags=["Porting"],
        parameters=[PortListParams],
        responses=page_envelope(PortOutput),
        summary="Your port-in requests, newest first",
    )
    def get(self, request):
        params = validate_query(PortListParams, request)
        return paginate(request, selectors.port_list(actor=self.actor, status=params.get("status", "")), PortOutput)

    @extend_schema(
        operation_id="porting_create",
        tags=["Porting"],
        request=PortInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: data_envelope(PortOutput)},
        summary="Request numbers to be ported in from another carrier",
        description="Answers `pending` with an estimated completion date. Nothing is charged until the port "
        "completes; then the numbers are yours (`number.ported`) and their setup fee and first period are "
        "charged like a purchase. Upload the letter of authorization and a recent bill to "
        "`/numbers/porting/{port_id}/documents`.",
    )
    @idempotent
    def post(self, request):
        data = dict(valid_body(PortInput, request))
        profile_id = data.pop("compliance_profile_id", "") or data.pop("provider_bundle_id", "")
        data.pop("provider_bundle_id", None)
        client = client_for(self.actor, data.pop("client_id", None))
        port = porting.port_create(actor=self.actor, client=client, compliance_profile_id=profile_id, **data)
        port = selectors.port_get(actor=self.actor, port_id=port.pk)
        return Response({"data": PortOutput(port).data, "meta": meta_stamp(request)}, status=201)


class PortDetailApi(ApiView):
    @extend_schema(
        operation_id="porting_get",
        tags=["Porting"],
        parameters=[PORT_ID],
        responses=data_envelope(PortOutput),
        summary="One port-in request, with its timeline",
    )
    def get(self, request, port_id: str):
        port = selectors.port_get(actor=self.actor, port_id=port_id)
        return Response({"data": PortOutput(port).data, "meta": meta_stamp(request)})


class PortCancelApi(ApiView):
    @extend_schema(
        operation_id="porting_cancel",
        tags=["Porting"],
        parameters=[PORT_ID],
        request=None,
        responses=data_envelope(PortOutput),
        summary="Cancel a port-in request while it is pending",
    )
    def post(self, request, port_id: str):
        port = selectors.port_get(actor=self.actor, port_id=port_id)
        porting.port_cancel(actor=self.actor, port=port)
        port = selectors.port_get(actor=self.actor, port_id=port.pk)
        return Response({"data": PortOutput(port).data, "meta": meta_stamp(request)})


class PortDocumentListApi(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="porting_documents_add",
        tags=["Porting"],
        parameters=[PORT_ID],
        request={"multipart/form-data": UploadInput},
        responses={201: data_envelope(PortOutput), 413: OpenApiResponse(description="Body too large")},
        summary="Upload the letter of authorization or a recent bill (PDF, JPEG or PNG, 20 MB each)",
    )
    def post(self, request, port_id: str):
        port = selectors.port_get(actor=self.actor, port_id=port_id)
        porting.port_documents_add(
            actor=self.actor, port=port, uploads=uploads_from(request, allowed=PORT_DOCUMENT_TYPES)
        )
        port = selectors.port_get(actor=self.actor, port_id=port.pk)
        return Response({"data": PortOutput(port).data, "meta": meta_stamp(request)}, status=201)


class PortDocumentDetailApi(ApiView):
    @extend_schema(
        operation_id="porting_documents_download",
        tags=["Porting"],
        parameters=[PORT_ID, DOCUMENT_ID],
        responses={200: OpenApiResponse(response=OpenApiTypes.BINARY, description="The file as uploaded")},
        summary="Download one of a port request's documents",
    )
    def get(self, request, port_id: str, document_id: str):
        port = selectors.port_get(actor=self.actor, port_id=port_id)
        return document_response(selectors.document_get(actor=self.actor, document_id=document_id, port=port))

    @extend_schema(
        operation_id="porting_documents_delete",
        tags=["Porting"],
        parameters=[PORT_ID, DOCUMENT_ID],
        request=None,
        responses={204: None},
        summary="Remove one of a port request's documents while the request is pending",
        description="Only while the request is submitted or pending (as for adding documents); once it is "
        "scheduled, completed, rejected or cancelled → 422 `invalid_state`. Another account's request or "
        "document → 404.",
    )
    def delete(self, request, port_id: str, document_id: str):
        port = selectors.port_get(actor=self.actor, port_id=port_id)
        document = selectors.document_get(actor=self.actor, document_id=document_id, port=port)
        porting.port_document_delete(actor=self.actor, port=port, document=document)
        return Response(status=204)
