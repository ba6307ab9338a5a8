"""SIP trunks and routing over the API, at the Connect guide's paths (``/portal/sip-trunks``,
``/portal/did-routing``). A trunk's password appears only in the create and regenerate responses, so
these POSTs are not replayed by Idempotency-Key (a stored response would hold the password)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from portal.api import ApiView, PageParams, data_envelope, page_envelope, paginate
from portal.errors import ValidationFailed

from .. import selectors
from ..models import Number, SipTrunk
from ..voice.services import trunk_registrations
from . import services as trunks

TRUNK_ID = OpenApiParameter("trunk_id", str, OpenApiParameter.PATH, description="7 or trk_a1b2c3d4")
NUMBER_ID = OpenApiParameter("number_id", str, OpenApiParameter.PATH, description="42, num_42 or +31201234567")


class RegistrationOutput(serializers.Serializer):
    contact = serializers.CharField(help_text="Where the PBX takes calls (sip:user@host:port)")
    user_agent = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="When the registration lapses unless the PBX renews it")


class TrunkOutput(serializers.ModelSerializer):
    uuid = serializers.CharField(source="public_id")
    client_id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(
        choices=SipTrunk.Status.choices,
        read_only=True,
        help_text="provisioning until the SIP server has the trunk (a few seconds after it is created), then active",
    )
    numbers_count = serializers.IntegerField(default=0, help_text="Numbers routed to this trunk")
    registrations = serializers.SerializerMethodField(
        help_text="The PBX registrations the SIP edge holds for this trunk now (empty when offline, and where no "
        "edge runs)"
    )

    class Meta:
        model = SipTrunk
        fields = [
            "id",
            "uuid",
            "name",
            "client_id",
            "auth_type",
            "allowed_ips",
            "sip_server",
            "username",
            "channels",
            "status",
            "registration",
            "registration_changed_at",
            "registrations",
            "numbers_count",
            "credentials_rotated_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(RegistrationOutput(many=True))
    def get_registrations(self, trunk) -> list[dict]:
        if not settings.SIP_EDGE_ENABLED:
            return []
        return [
            {
                "contact": r.contact,
                "user_agent": r.user_agent,
                "expires_at": r.expires.isoformat().replace("+00:00", "Z"),
            }
            for r in trunk_registrations(trunk)
        ]


class TrunkIssuedOutput(TrunkOutput):
    password = serializers.CharField(allow_null=True, help_text="Shown in this response only")

    class Meta(TrunkOutput.Meta):
        fields = [*TrunkOutput.Meta.fields, "password"]


def issued(actor, result: trunks.IssuedTrunk) -> dict:
    """The trunk as listed, plus the password of this one response."""
    data = TrunkOutput(selectors.trunk_get(actor=actor, trunk_id=result.trunk.pk)).data
    data["password"] = result.password
    return data


def _payload(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationFailed(fields={"non_field_errors": ["Send a JSON object."]})
    return request.data


class TrunkCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    auth_type = serializers.ChoiceField(choices=SipTrunk.AuthType.choices, default=SipTrunk.AuthType.DIGEST)
    client_id = serializers.CharField(required=False, allow_null=True, max_length=30)
    allowed_ips = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    channels = serializers.IntegerField(required=False, default=10)


class TrunkUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    channels = serializers.IntegerField(required=False)
    allowed_ips = serializers.ListField(child=serializers.CharField(max_length=64), required=False)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({key: "This field cannot be changed." for key in sorted(unknown)})
        return attrs


class TrunkListApi(ApiView):
    @extend_schema(
        operation_id="trunks_list",
        tags=["SIP trunks"],
        parameters=[PageParams],
        responses=page_envelope(TrunkOutput),
        summary="Your SIP trunks (never their passwords)",
    )
    def get(self, request):
        return paginate(request, selectors.trunk_list(actor=self.actor), TrunkOutput)

    @extend_schema(
        operation_id="trunks_create",
        tags=["SIP trunks"],
        request=TrunkCreateInput,
        responses={201: data_envelope(TrunkIssuedOutput)},
        summary="Create a SIP trunk (the password is in this response only)",
    )
    def post(self, request):
        serializer = TrunkCreateInput(data=_payload(request))
        serializer.is_valid(raise_exception=True)
        result = trunks.trunk_create(actor=self.actor, **serializer.validated_data)
        return Response({"data": issued(self.actor, result)}, status=201)


class TrunkDetailApi(ApiView):
    @extend_schema(
        operation_id="trunks_get",
        tags=["SIP trunks"],
        parameters=[TRUNK_ID],
        responses=data_envelope(TrunkOutput),
        summary="One SIP trunk",
    )
    def get(self, request, trunk_id: str):
        return Response({"data": TrunkOutput(selectors.trunk_get(actor=self.actor, trunk_id=trunk_id)).data})

    @extend_schema(
        operation_id="trunks_update",
        tags=["SIP trunks"],
        parameters=[TRUNK_ID],
        request=TrunkUpdateInput,
        responses=data_envelope(TrunkOutput),
        summary="Rename a trunk, change its channels or allowed IPs",
    )
    def patch(self, request, trunk_id: str):
        trunk = selectors.trunk_get(actor=self.actor, trunk_id=trunk_id)
        serializer = TrunkUpdateInput(data=_payload(request))
        serializer.is_valid(raise_exception=True)
        trunks.trunk_update(actor=self.actor, trunk=trunk, **serializer.validated_data)
        return Response({"data": TrunkOutput(selectors.trunk_get(actor=self.actor, trunk_id=trunk.pk)).data})

    @extend_schema(
        operation_id="trunks_delete",
        tags=["SIP trunks"],
        parameters=[TRUNK_ID],
        request=None,
        responses={204: None},
        summary="Delete a trunk no number routes to",
    )
    def delete(self, request, trunk_id: str):
        trunks.trunk_delete(actor=self.actor, trunk=selectors.trunk_get(actor=self.actor, trunk_id=trunk_id))
        return Response(status=204)


class TrunkRegenerateApi(ApiView):
    @extend_schema(
        operation_id="trunks_regenerate_credentials",
        tags=["SIP trunks"],
        parameters=[TRUNK_ID],
        request=None,
        responses=data_envelope(TrunkIssuedOutput),
        summary="New password now; the old one stops working (the PBX must be updated)",
    )
    def post(self, request, trunk_id: str):
        trunk = selectors.trunk_get(actor=self.actor, trunk_id=trunk_id)
        return Response(
            {"data": issued(self.actor, trunks.trunk_regenerate_credentials(actor=self.actor, trunk=trunk))}
        )


class RouteOutput(serializers.ModelSerializer):
    did_number_id = serializers.IntegerField(source="pk")
    id = serializers.CharField(source="public_id")
    number = serializers.CharField(source="e164")
    sip_trunk_id = serializers.IntegerField(source="trunk_id", allow_null=True)
    trunk_uuid = serializers.CharField(source="trunk.public_id", default=None, allow_null=True)
    trunk_name = serializers.CharField(source="trunk.name", default=None, allow_null=True)
    route_applied = serializers.CharField(help_text="What the carrier was last told; empty until the number is live")

    class Meta:
        model = Number
        fields = [
            "did_number_id",
            "id",
            "number",
            "status",
            "client_id",
            "sip_trunk_id",
            "trunk_uuid",
            "trunk_name",
            "forwarding",
            "route_applied",
            "route_applied_at",
        ]


class RouteInput(serializers.Serializer):
    did_number_id = serializers.CharField(max_length=32, help_text="42, num_42 or the number")
    sip_trunk_id = serializers.CharField(required=False, allow_null=True, max_length=32, help_text="7 or trk_…")
    forwarding = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text="Instead of a trunk: a SIP URI or an E.164 number"
    )

    def validate(self, attrs):
        if attrs.get("sip_trunk_id") and attrs.get("forwarding"):
            raise serializers.ValidationError({"forwarding": "Route to a trunk or forward, not both."})
        if not attrs.get("sip_trunk_id") and not attrs.get("forwarding"):
            raise serializers.ValidationError({"sip_trunk_id": "Give sip_trunk_id, or forwarding."})
        return attrs


class RoutingApi(ApiView):
    @extend_schema(
        operation_id="routing_list",
        tags=["SIP trunks"],
        parameters=[PageParams],
        responses=page_envelope(RouteOutput),
        summary="Where each of your numbers sends its calls",
    )
    def get(self, request):
        return paginate(request, selectors.routing_table(actor=self.actor), RouteOutput)

    @extend_schema(
        operation_id="routing_set",
        tags=["SIP trunks"],
        request=RouteInput,
        responses={200: data_envelope(RouteOutput)},
        summary="Route a number to a trunk, or forward it",
    )
    def post(self, request):
        serializer = RouteInput(data=_payload(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        number = selectors.number_get(actor=self.actor, number_id=data["did_number_id"])
        trunk = (
            selectors.trunk_get(actor=self.actor, trunk_id=data["sip_trunk_id"]) if data.get("sip_trunk_id") else None
        )
        number = trunks.number_route(actor=self.actor, number=number, trunk=trunk, forwarding=data.get("forwarding"))
        return Response({"data": RouteOutput(number).data})


class RoutingDetailApi(ApiView):
    @extend_schema(
        operation_id="routing_remove",
        tags=["SIP trunks"],
        parameters=[NUMBER_ID],
        request=None,
        responses={200: data_envelope(RouteOutput)},
        summary="Remove a number's route",
    )
    def delete(self, request, number_id: str):
        number = selectors.number_get(actor=self.actor, number_id=number_id)
        number = trunks.number_route(actor=self.actor, number=number, trunk=None, forwarding="")
        return Response({"data": RouteOutput(number).data})
