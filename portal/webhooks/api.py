"""Webhook endpoints over the API: ``/webhooks`` and ``/webhooks/{id}`` (id ``5`` or ``whk_…``), secret
rotation, test events, the delivery log and redelivery, and the event catalogue.

A secret appears only in the create and rotate responses, so those POSTs are not replayed by
Idempotency-Key (a stored response would hold the secret)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from portal.api import ApiView, PageParams, data_envelope, page_envelope, paginate, validate_query
from portal.errors import ValidationFailed

from . import catalogue, selectors, services
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

WEBHOOK_ID = OpenApiParameter("webhook_id", str, OpenApiParameter.PATH, description="5 or whk_3f9a1c2b7d4e")
DELIVERY_ID = OpenApiParameter("delivery_id", str, OpenApiParameter.PATH, description="812 or dlv_812")
TAGS = ["Webhooks"]

# The platform's own signature header. A reseller's clients read the reference under the reseller's brand,
# which names the Standard Webhooks headers only (portal/reference.py takes this clause out).
PLATFORM_SIGNATURE_CLAUSE = (
    '`X-DIDfarm-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (keyed with the whole secret as '
    "shown, `whsec_` included) and "
)
DELIVERY_RULES = (
    'Each event is POSTed as JSON `{"id", "event", "timestamp", "data"}` with '
    + PLATFORM_SIGNATURE_CLAUSE
    + "the Standard Webhooks headers (`webhook-id` — the event id, the same on every attempt — "
    "`webhook-timestamp`, `webhook-signature`, keyed as that specification says: with the bytes the base64 "
    "after `whsec_` decodes to). Answer with a 2xx within 10 seconds; "
    "redirects are not followed. Any other answer, a timeout or a connection error is retried after about "
    "30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h and 8 h (±10 %), never later than 24 hours after the "
    "first attempt; then the delivery has failed. 429 and 503 wait at least their Retry-After (up to an "
    "hour). 410 Gone switches the endpoint off."
)


class WebhookOutput(serializers.ModelSerializer):
    id = serializers.IntegerField()
    uuid = serializers.CharField(source="public_id")
    kind = serializers.CharField(help_text="endpoint, or number_urls: the signer of your numbers' own URLs")
    client_id = serializers.IntegerField(allow_null=True)
    events = serializers.ListField(child=serializers.CharField())
    previous_secret_expires_at = serializers.SerializerMethodField(
        help_text="Until then requests also carry a signature made with the previous secret"
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "uuid",
            "kind",
            "url",
            "description",
            "events",
            "client_id",
            "enabled",
            "disabled_reason",
            "disabled_at",
            "secret_rotated_at",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]

    def get_previous_secret_expires_at(self, endpoint) -> str | None:
        if endpoint.previous_secret and len(endpoint.signing_secrets()) > 1:
            return serializers.DateTimeField().to_representation(endpoint.previous_secret_expires_at)
        return None


class WebhookIssuedOutput(WebhookOutput):
    secret = serializers.CharField(help_text="whsec_…: shown in this response only")

    class Meta(WebhookOutput.Meta):
        fields = [*WebhookOutput.Meta.fields, "secret"]


def issued(result: services.IssuedEndpoint) -> dict:
    data = WebhookOutput(result.endpoint).data
    data["secret"] = result.secret
    return data


def _payload(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationFailed(fields={"non_field_errors": ["Send a JSON object."]})
    return request.data


class WebhookCreateInput(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="https:// (or http://) without credentials")
    events = serializers.ListField(
        child=serializers.CharField(max_length=64), help_text='Event names from GET /webhooks/event-types, or ["*"]'
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    client_id = serializers.CharField(
        required=False, allow_null=True, max_length=30, help_text="Only this client's events (7 or cli_7)"
    )
    enabled = serializers.BooleanField(required=False, default=True)


class WebhookUpdateInput(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    events = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    client_id = serializers.CharField(required=False, allow_null=True, max_length=30)
    enabled = serializers.BooleanField(required=False)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({key: "This field cannot be changed." for key in sorted(unknown)})
        return attrs


class AttemptOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "at",
            "url",
            "status_code",
            "error",
            "latency_ms",
            "response_excerpt",
            "succeeded",
            "manual",
        ]  # the headers sent (signatures included) stay in the staff console


class DeliveryOutput(serializers.ModelSerializer):
    id = serializers.IntegerField()
    uuid = serializers.CharField(source="public_id")
    webhook_id = serializers.CharField(source="endpoint.public_id")
    event_id = serializers.CharField(source="event.public_id")
    event = serializers.CharField(source="event.type")
    number_id = serializers.SerializerMethodField(help_text="Set when sent to a number's own URL")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "uuid",
            "webhook_id",
            "event_id",
            "event",
            "number_id",
            "url",
            "status",
            "attempts",
            "next_attempt_at",
            "retry_until",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
        ]

    def get_number_id(self, delivery) -> str | None:
        return f"num_{delivery.number_id}" if delivery.number_id else None


class DeliveryDetailOutput(DeliveryOutput):
    payload = serializers.SerializerMethodField(help_text="The body sent, as JSON")
    attempt_log = AttemptOutput(many=True, help_text="Every attempt, oldest first")

    class Meta(DeliveryOutput.Meta):
        fields = [*DeliveryOutput.Meta.fields, "payload", "attempt_log"]

    def get_payload(self, delivery) -> dict:
        return delivery.event.as_payload(client_view=delivery.endpoint.client_id is not None)


class DeliveryListParams(PageParams):
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices, required=False)


class EventTypeOutput(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    example = serializers.DictField(help_text="A full request body for this event")


class EventTypeList(serializers.Serializer):
    data = EventTypeOutput(many=True)


class WebhookListApi(ApiView):
    @extend_schema(
        operation_id="webhooks_list",
        tags=TAGS,
        parameters=[PageParams],
        responses=page_envelope(WebhookOutput),
        summary="Your webhook endpoints (never their secrets)",
        description="Client keys and client logins see their client's endpoints only.",
    )
    def get(self, request):
        return paginate(request, selectors.endpoint_list(actor=self.actor), WebhookOutput)

    @extend_schema(
        operation_id="webhooks_create",
        tags=TAGS,
        request=WebhookCreateInput,
        responses={201: data_envelope(WebhookIssuedOutput)},
        summary="Add a webhook endpoint (its secret is in this response only)",
        description=DELIVERY_RULES,
    )
    def post(self, request):
        serializer = WebhookCreateInput(data=_payload(request))
        serializer.is_valid(raise_exception=True)
        return Response({"data": issued(services.webhook_create(actor=self.actor, **serializer.validated_data))}, 201)


class WebhookEventTypesApi(ApiView):
    @extend_schema(
        operation_id="webhooks_event_types",
        tags=TAGS,
        responses={200: EventTypeList},
        summary="The events an endpoint can subscribe to, each with an example body",
    )
    def get(self, request):
        aliases: dict[str, list[str]] = {}
        for alias, name in catalogue.ALIASES.items():
            aliases.setdefault(name, []).append(alias)
        rows = [
            {
                "name": event.name,
                "description": str(event.description),
                "aliases": aliases.get(event.name, []),
                "example": catalogue.example_payload(event),
            }
            for event in catalogue.CATALOGUE
        ]
        return Response({"data": EventTypeOutput(rows, many=True).data})


class WebhookDetailApi(ApiView):
    @extend_schema(
        operation_id="webhooks_get",
        tags=TAGS,
        parameters=[WEBHOOK_ID],
        responses=data_envelope(WebhookOutput),
        summary="One webhook endpoint",
    )
    def get(self, request, webhook_id: str):
        return Response({"data": WebhookOutput(selectors.endpoint_get(actor=self.actor, webhook_id=webhook_id)).data})

    @extend_schema(
        operation_id="webhooks_update",
        tags=TAGS,
        parameters=[WEBHOOK_ID],
        request=WebhookUpdateInput,
        responses=data_envelope(WebhookOutput),
        summary="Change an endpoint's URL, events or description, or switch it on or off",
    )
    def patch(self, request, webhook_id: str):
        endpoint = selectors.endpoint_get(actor=self.actor, webhook_id=webhook_id)
        serializer = WebhookUpdateInput(data=_payload(request))
        serializer.is_valid(raise_exception=True)
        endpoint = services.webhook_update(actor=self.actor, endpoint=endpoint, **serializer.validated_data)
        return Response({"data": WebhookOutput(endpoint).data})

    @extend_schema(
        operation_id="webhooks_delete",
        tags=TAGS,
        parameters=[WEBHOOK_ID],
        request=None,
        responses={204: None},
        summary="Delete an endpoint and its delivery log",
    )
    def delete(self, request, webhook_id: str):
        endpoint = selectors.endpoint_get(actor=self.actor, webhook_id=webhook_id)
        services.webhook_delete(actor=self.actor, endpoint=endpoint)
        return Response(status=204)


class WebhookRotateApi(ApiView):
    @extend_schema(
        operation_id="webhooks_rotate_secret",
        tags=TAGS,
        parameters=[WEBHOOK_ID],
        request=None,
        responses=data_envelope(WebhookIssuedOutput),
        summary="New secret now; the old one keeps signing for 24 hours (both signatures are sent)",
    )
    def post(self, request, webhook_id: str):
        endpoint = selectors.endpoint_get(actor=self.actor, webhook_id=webhook_id)
        return Response({"data": issued(services.webhook_rotate_secret(actor=self.actor, endpoint=endpoint))})


class WebhookTestApi(ApiView):
    @extend_schema(
        operation_id="webhooks_test",
        tags=TAGS,
        parameters=[WEBHOOK_ID],
        request=None,
        responses={202: data_envelope(DeliveryOutput)},
        summary="Send a webhook.test event to this endpoint now (one attempt; see its delivery)",
    )
    def post(self, request, webhook_id: str):
        endpoint = selectors.endpoint_get(actor=self.actor, webhook_id=webhook_id)
        delivery = services.webhook_send_test(actor=self.actor, endpoint=endpoint)
        return Response({"data": DeliveryOutput(delivery).data}, status=202)


class DeliveryListApi(ApiView):
    @extend_schema(
        operation_id="webhooks_deliveries_list",
        tags=TAGS,
        parameters=[WEBHOOK_ID, DeliveryListParams],
        responses=page_envelope(DeliveryOutput),
        summary="An endpoint's deliveries, newest first",
        description=DELIVERY_RULES,
    )
    def get(self, request, webhook_id: str):
        endpoint = selectors.endpoint_get(actor=self.actor, webhook_id=webhook_id)
        params = validate_query(DeliveryListParams, request)
        qs = selectors.delivery_list(actor=self.actor, endpoint=endpoint, status=params.get("status", ""))
        return paginate(request, qs, DeliveryOutput)


class DeliveryDetailApi(ApiView):
    @extend_schema(
        operation_id="webhooks_deliveries_get",
        tags=TAGS,
        parameters=[WEBHOOK_ID, DELIVERY_ID],
        responses=data_envelope(DeliveryDetailOutput),
        summary="One delivery with the body sent and every attempt (status, latency, response excerpt)",
    )
    def get(self, request, webhook_id: str, delivery_id: str):
        endpoint = selectors.endpoint_get(actor=self.actor, webhook_id=webhook_id)
        delivery = selectors.delivery_get(actor=self.actor, endpoint=endpoint, delivery_id=delivery_id)
        return Response({"data": DeliveryDetailOutput(delivery).data})


class DeliveryRedeliverApi(ApiView):
    @extend_schema(
        operation_id="webhooks_deliveries_redeliver",
        tags=TAGS,
        parameters=[WEBHOOK_ID, DELIVERY_ID],
        request=None,
        responses={202: data_envelope(DeliveryOutput)},
        summary="Send a delivery again now, with the same event id and body",
    )
    def post(self, request, webhook_id: str, delivery_id: str):
        endpoint = selectors.endpoint_get(actor=self.actor, webhook_id=webhook_id)
        delivery = selectors.delivery_get(actor=self.actor, endpoint=endpoint, delivery_id=delivery_id)
        delivery = services.webhook_redeliver(actor=self.actor, delivery=delivery)
        return Response({"data": DeliveryOutput(delivery).data}, status=202)
