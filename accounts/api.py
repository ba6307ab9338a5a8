from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from portal.api import (
    NOT_BLANK,
    ApiView,
    PageParams,
    StrictCharField,
    data_envelope,
    page_envelope,
    paginate,
    validate_query,
)
from portal.idempotency import idempotent

from . import selectors, services
from .models import ApiKey, AuditLog, Client

ID_PARAM = "42 or the prefixed id"


def _path_id(name: str, prefix: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.PATH, description=f"42 or {prefix}_42")


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": NOT_BLANK},
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID). A retry with the same key and body replays the first response.",
)


# --- Clients -------------------------------------------------------------------------------------


class ClientOutput(serializers.ModelSerializer):
    id = serializers.IntegerField()
    uuid = serializers.CharField(source="public_id")

    class Meta:
        model = Client
        fields = ["id", "uuid", "name", "email", "reference", "is_active", "created_at"]


class ClientCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    admin_email = serializers.EmailField(
        required=False, allow_blank=True, help_text="Invite this person as the client's admin."
    )
    admin_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")


class ClientUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    is_active = serializers.BooleanField(required=False)


class ClientListParams(PageParams):
    search = serializers.CharField(required=False, max_length=100)


class ClientListApi(ApiView):
    @extend_schema(
        operation_id="clients_list",
        tags=["Clients"],
        parameters=[ClientListParams],
        responses=page_envelope(ClientOutput),
        summary="Your end clients",
    )
    def get(self, request):
        params = validate_query(ClientListParams, request)
        return paginate(request, selectors.client_list(actor=self.actor, search=params.get("search", "")), ClientOutput)

    @extend_schema(
        operation_id="clients_create",
        tags=["Clients"],
        request=ClientCreateInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: data_envelope(ClientOutput)},
        summary="Create an end client (and invite its admin)",
    )
    @idempotent
    def post(self, request):
        serializer = ClientCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        client = services.client_create(actor=self.actor, **serializer.validated_data)
        return Response({"data": ClientOutput(client).data}, status=201)


class ClientDetailApi(ApiView):
    @extend_schema(
        operation_id="clients_get",
        tags=["Clients"],
        parameters=[_path_id("client_id", "cli")],
        responses=data_envelope(ClientOutput),
        summary="One end client",
    )
    def get(self, request, client_id: str):
        client = selectors.client_get(actor=self.actor, client_id=client_id)
        return Response({"data": ClientOutput(client).data})

    @extend_schema(
        operation_id="clients_update",
        tags=["Clients"],
        parameters=[_path_id("client_id", "cli")],
        request=ClientUpdateInput,
        responses=data_envelope(ClientOutput),
        summary="Change a client",
    )
    def patch(self, request, client_id: str):
        client = selectors.client_get(actor=self.actor, client_id=client_id)
        serializer = ClientUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        client = services.client_update(actor=self.actor, client=client, **serializer.validated_data)
        return Response({"data": ClientOutput(client).data})


# --- API keys ------------------------------------------------------------------------------------


class ApiKeyOutput(serializers.ModelSerializer):
    id = serializers.IntegerField()
    uuid = serializers.CharField(source="public_id")
    masked = serializers.CharField()
    client_id = serializers.IntegerField(allow_null=True)
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "uuid",
            "name",
            "masked",
            "read_only",
            "client_id",
            "active",
            "created_at",
            "last_used_at",
            "revoked_at",
            "expires_at",
            "allowed_ips",
        ]
        extra_kwargs = {"expires_at": {"help_text": "When the key stops working by itself (null: never)."}}

    allowed_ips = serializers.ListField(
        child=serializers.CharField(),
        help_text="Addresses and CIDR ranges (IPv4, IPv6) requests with the key may come from; empty: any.",
    )


class ApiKeyCreatedOutput(ApiKeyOutput):
    key = serializers.CharField(help_text="The key itself. Shown in this response only; store it now.")

    class Meta(ApiKeyOutput.Meta):
        fields = [*ApiKeyOutput.Meta.fields, "key"]


class ApiKeyCreateInput(serializers.Serializer):
    name = StrictCharField(max_length=100)
    read_only = serializers.BooleanField(default=False)
    client_id = serializers.CharField(
        required=False, allow_null=True, default=None, help_text="Bind the key to one client: " + ID_PARAM
    )
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional. ISO 8601 (e.g. 2027-06-30T23:59:00Z); the key stops working then. Must be in the future.",
    )
    allowed_ips = serializers.ListField(
        child=StrictCharField(max_length=64),
        required=False,
        default=list,
        max_length=50,
        help_text='Optional. IP addresses and CIDR ranges, IPv4 or IPv6 (e.g. ["203.0.113.7", "2001:db8::/32"]); '
        "requests from anywhere else are refused with 403 ip_not_allowed.",
    )


class ApiKeyListApi(ApiView):
    @extend_schema(
        operation_id="api_keys_list",
        tags=["API keys"],
        parameters=[PageParams],
        responses=page_envelope(ApiKeyOutput),
        summary="API keys (never the keys themselves)",
    )
    def get(self, request):
        return paginate(request, selectors.api_key_list(actor=self.actor), ApiKeyOutput)

    @extend_schema(
        operation_id="api_keys_create",
        tags=["API keys"],
        request=ApiKeyCreateInput,
        responses={201: data_envelope(ApiKeyCreatedOutput)},
        summary="Create an API key",
        description=(
            "An account has at most 25 active keys (staff can change this per account); one more answers 422 "
            "`api_key_limit_reached`. All of an account's keys share its rate limit."
        ),
    )
    def post(self, request):
        serializer = ApiKeyCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        client_id = serializer.validated_data["client_id"]
        client = selectors.client_get(actor=self.actor, client_id=client_id) if client_id else None
        key, plaintext = services.api_key_create(
            actor=self.actor,
            name=serializer.validated_data["name"],
            read_only=serializer.validated_data["read_only"],
            client=client,
            expires_at=serializer.validated_data["expires_at"],
            allowed_ips=serializer.validated_data["allowed_ips"],
        )
        data = ApiKeyOutput(key).data | {"key": plaintext}
        return Response({"data": data}, status=201)


class ApiKeyDetailApi(ApiView):
    @extend_schema(
        operation_id="api_keys_get",
        tags=["API keys"],
        parameters=[_path_id("key_id", "key")],
        responses=data_envelope(ApiKeyOutput),
        summary="One API key",
    )
    def get(self, request, key_id: str):
        return Response({"data": ApiKeyOutput(selectors.api_key_get(actor=self.actor, key_id=key_id)).data})

    @extend_schema(
        operation_id="api_keys_revoke",
        tags=["API keys"],
        parameters=[_path_id("key_id", "key")],
        responses={200: data_envelope(ApiKeyOutput)},
        summary="Revoke an API key (effective immediately)",
    )
    def delete(self, request, key_id: str):
        key = selectors.api_key_get(actor=self.actor, key_id=key_id)
        key = services.api_key_revoke(actor=self.actor, key=key)
        return Response({"data": ApiKeyOutput(key).data})


# --- Audit log -----------------------------------------------------------------------------------


class AuditOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "actor",
            "action",
            "subject_type",
            "subject_id",
            "subject_label",
            "before",
            "after",
            "ip_address",
            "created_at",
        ]


class AuditListParams(PageParams):
    action = serializers.CharField(required=False, max_length=64)


class AuditListApi(ApiView):
    @extend_schema(
        operation_id="audit_log",
        tags=["Audit log"],
        parameters=[AuditListParams],
        responses=page_envelope(AuditOutput),
        summary="Who changed what (owners and admins)",
    )
    def get(self, request):
        params = validate_query(AuditListParams, request)
        return paginate(request, selectors.audit_list(actor=self.actor, action=params.get("action", "")), AuditOutput)


# --- Who am I ------------------------------------------------------------------------------------


class MeOutput(serializers.Serializer):
    account_id = serializers.IntegerField()
    account_name = serializers.CharField()
    client_id = serializers.IntegerField(allow_null=True)
    key = serializers.CharField(allow_null=True, help_text="The masked key used, or null for a portal session")
    read_only = serializers.BooleanField()
    rate_limit_per_minute = serializers.IntegerField()


class MeApi(ApiView):
    @extend_schema(
        operation_id="me",
        tags=["API keys"],
        responses=MeOutput,
        summary="Check a key: the account, client scope and limits it carries",
    )
    def get(self, request):
        actor = self.actor
        return Response(
            {
                "account_id": actor.account.pk,
                "account_name": actor.account.name,
                "client_id": actor.client.pk if actor.client else None,
                "key": actor.api_key.masked if actor.api_key else None,
                "read_only": actor.read_only,
                "rate_limit_per_minute": actor.account.effective_api_rate_limit,
            }
        )
