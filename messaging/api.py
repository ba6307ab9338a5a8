"""SMS over the API: sending (two doors, one service), the message list and detail, stats, SMS-enabled
numbers, conversations, the sandbox's simulated inbound message, and the carriers' callback intake.

The send endpoints count against the account's messages-a-second limit (10 by default), not against the
API key's requests-a-minute limit.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts import selectors as account_selectors
from accounts.selectors import client_for as _client
from billing.money import to_exact_str
from billing.pricing import Item, viewer_book, viewer_number_prices
from numbers_app import selectors as number_selectors
from numbers_app.validation import normalize_e164
from portal.api import (
    IDEMPOTENCY_HEADER,
    ApiView,
    PageParams,
    StrictCharField,
    client_view,
    data_envelope,
    meta_stamp,
    page_envelope,
    paginate,
    valid_body,
    validate_query,
)
from portal.errors import ValidationFailed
from portal.idempotency import idempotent

from . import selectors, services
from .models import Message
from .segments import MAX_BODY_CHARS, segment

MESSAGE_ID = OpenApiParameter("message_id", str, OpenApiParameter.PATH, description="156 or msg_…")


def message_prices(message: Message, *, client_view: bool) -> tuple[str, str]:
    """A message's price and price per segment as the viewer pays them."""
    if client_view and message.client_amount is not None:
        per_segment = message.client_amount / message.segments if message.segments else message.client_amount
        return to_exact_str(message.client_amount), to_exact_str(per_segment)
    return to_exact_str(message.amount), to_exact_str(message.price_per_segment)


class MessageOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    message_id = serializers.CharField(source="public_id")
    direction = serializers.ChoiceField(choices=Message.Direction.choices)
    to = serializers.CharField(source="to_e164")
    body = serializers.CharField()
    status = serializers.ChoiceField(choices=Message.Status.choices)
    segments = serializers.IntegerField()
    encoding = serializers.CharField()
    price = serializers.SerializerMethodField()
    price_per_segment = serializers.SerializerMethodField()
    currency = serializers.CharField()
    refunded = serializers.BooleanField()
    carrier = serializers.CharField()
    number_id = serializers.IntegerField()
    client_id = serializers.IntegerField(allow_null=True)
    error_code = serializers.CharField()
    error_message = serializers.CharField()
    created_at = serializers.DateTimeField()
    sending_at = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword, so it cannot be declared above; it goes right after direction.
        ordered = {}
        for name, field in fields.items():
            ordered[name] = field
            if name == "direction":
                ordered["from"] = serializers.CharField(source="from_e164")
        return ordered

    def get_price(self, message) -> str:
        return message_prices(message, client_view=client_view(self.context))[0]

    def get_price_per_segment(self, message) -> str:
        return message_prices(message, client_view=client_view(self.context))[1]

    def to_representation(self, message) -> dict:
        # Written out (the fields above document it): building a message's fields for every answer costs
        # more than the rest of a send.
        def stamp(value):
            return value.isoformat().replace("+00:00", "Z") if value else None

        price, per_segment = message_prices(message, client_view=client_view(self.context))

        return {
            "id": message.pk,
            "message_id": message.public_id,
            "direction": message.direction,
            "from": message.from_e164,
            "to": message.to_e164,
            "body": message.body,
            "status": message.status,
            "segments": message.segments,
            "encoding": message.encoding,
            "price": price,
            "price_per_segment": per_segment,
            "currency": message.currency,
            "refunded": message.refunded,
            "carrier": message.carrier,
            "number_id": message.number_id,
            "client_id": message.client_id,
            "error_code": message.error_code,
            "error_message": message.error_message,
            "created_at": stamp(message.created_at),
            "sending_at": stamp(message.sending_at),
            "sent_at": stamp(message.sent_at),
            "delivered_at": stamp(message.delivered_at),
            "failed_at": stamp(message.failed_at),
            "received_at": stamp(message.received_at),
        }


class SendResult(serializers.Serializer):
    success = serializers.BooleanField()
    message = MessageOutput()


def _send(actor, data: dict, *, sender_field: str):
    """Both send doors: the sender as named in ``sender_field``, then the one service."""
    number = services.sender_for(actor=actor, from_e164=data[sender_field], field=sender_field)
    return services.sms_send(
        actor=actor, number=number, to=data["to"], body=data["body"], client=_client(actor, data.get("client_id"))
    )


class MessageSendInput(serializers.Serializer):
    to = serializers.CharField(max_length=40, help_text="Destination in E.164 (+31612345678)")
    body = serializers.CharField(
        max_length=MAX_BODY_CHARS * 2, trim_whitespace=False, help_text="Up to 1,600 characters"
    )
    client_id = serializers.CharField(
        required=False, allow_null=True, max_length=30, help_text="Attribute the cost to this client"
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(max_length=40, help_text="One of your SMS-enabled numbers, E.164")
        return {"from": fields.pop("from"), **fields}


SEND_DESCRIPTION = (
    "Charged per segment at the destination's rate (the longest matching prefix of the SMS rate table; "
    "`POST /api/v1/portal/sms/segments` quotes the same price). Refused with 422 and nothing charged: "
    "`destination_not_allowed` for premium-rate, shared-cost, personal, pager, voicemail and company access "
    "numbers and for satellite, international-network and other blocked ranges (unless DIDfarm allowed the "
    "range for your account), `no_rate_for_destination` where no rate applies."
)


class MessageSendApi(ApiView):
    throttle_classes: list = []  # the messages-a-second limit applies instead

    @extend_schema(
        operation_id="messages_send",
        tags=["SMS"],
        request=MessageSendInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: data_envelope(MessageOutput)},
        summary="Send an SMS from one of your numbers (charged per segment)",
        description=SEND_DESCRIPTION,
    )
    @idempotent
    def post(self, request):
        message = _send(self.actor, valid_body(MessageSendInput, request), sender_field="from")
        return Response(
            {"data": MessageOutput(message, context={"request": request}).data, "meta": meta_stamp(request)}, status=201
        )


class PortalSmsSendInput(serializers.Serializer):
    from_number_id = serializers.CharField(max_length=40, help_text="42, num_42 or the number (+31201234567)")
    to = serializers.CharField(max_length=40, help_text="Destination in E.164 (+31612345678)")
    body = serializers.CharField(
        max_length=MAX_BODY_CHARS * 2, trim_whitespace=False, help_text="Up to 1,600 characters"
    )
    client_id = serializers.CharField(required=False, allow_null=True, max_length=30)


class PortalSmsSendApi(ApiView):
    throttle_classes: list = []

    @extend_schema(
        operation_id="portal_sms_send",
        tags=["SMS"],
        request=PortalSmsSendInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: SendResult},
        summary="Send an SMS from a number id (charged per segment)",
        description=SEND_DESCRIPTION,
    )
    @idempotent
    def post(self, request):
        message = _send(self.actor, valid_body(PortalSmsSendInput, request), sender_field="from_number_id")
        return Response(
            {"success": True, "message": MessageOutput(message, context={"request": request}).data}, status=201
        )


class MessageListParams(PageParams):
    number = serializers.CharField(required=False, max_length=40, help_text="42, num_42 or +31201234567")
    number_id = serializers.CharField(required=False, max_length=40, help_text="Alias of number")
    direction = serializers.ChoiceField(choices=Message.Direction.choices, required=False)
    status = serializers.ChoiceField(choices=Message.Status.choices, required=False)
    date_from = serializers.DateField(required=False, help_text="YYYY-MM-DD, inclusive")
    date_to = serializers.DateField(required=False, help_text="YYYY-MM-DD, inclusive")
    q = serializers.CharField(required=False, max_length=100, help_text="Text in the message or the contact")
    contact = serializers.CharField(required=False, max_length=40, help_text="The other party, E.164")
    client_id = serializers.CharField(required=False, max_length=30)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": _("date_to is before date_from.")})
        return attrs


def filters_from(actor, params: dict) -> selectors.MessageFilters:
    """Message filters from validated parameters; someone else's number or client is a 404."""
    number = None
    reference = params.get("number") or params.get("number_id")
    if reference:
        number = number_selectors.number_get(actor=actor, number_id=reference)
    contact = ""
    if params.get("contact"):
        try:
            contact = normalize_e164(params["contact"], field="contact")
        except ValueError as exc:
            raise ValidationFailed(fields={"contact": [str(exc)]}) from None
    client_id = None
    if params.get("client_id"):
        client_id = account_selectors.client_get(actor=actor, client_id=params["client_id"]).pk
    return selectors.MessageFilters(
        number=number,
        direction=params.get("direction", ""),
        status=params.get("status", ""),
        date_from=params.get("date_from"),
        date_to=params.get("date_to"),
        text=params.get("q", "").strip(),
        contact=contact,
        client_id=client_id,
    )


class SmsListApi(ApiView):
    @extend_schema(
        operation_id="portal_sms_list",
        tags=["SMS"],
        parameters=[MessageListParams],
        responses=page_envelope(MessageOutput),
        summary="Messages, newest first (filter by number, direction, status, dates, text)",
    )
    def get(self, request):
        params = validate_query(MessageListParams, request)
        qs = selectors.message_list(actor=self.actor, filters=filters_from(self.actor, params))
        return paginate(request, qs, MessageOutput)


class SmsDetailApi(ApiView):
    @extend_schema(
        operation_id="portal_sms_get",
        tags=["SMS"],
        parameters=[MESSAGE_ID],
        responses=data_envelope(MessageOutput),
        summary="One message, with its status times",
    )
    def get(self, request, message_id: str):
        message = selectors.message_get(actor=self.actor, message_id=message_id)
        return Response({"data": MessageOutput(message, context={"request": request}).data})


class StatsDay(serializers.Serializer):
    day = serializers.DateField()
    outbound = serializers.IntegerField()
    inbound = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    delivery_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True, coerce_to_string=True)


class StatsOutput(serializers.Serializer):
    today = inline_serializer(
        "SmsStatsToday", {"outbound": serializers.IntegerField(), "inbound": serializers.IntegerField()}
    )
    month = inline_serializer(
        "SmsStatsMonth",
        {
            "outbound": serializers.IntegerField(),
            "inbound": serializers.IntegerField(),
            "segments": serializers.IntegerField(),
        },
    )
    delivery_rate_30d = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, help_text="Percent of messages with a known fate"
    )
    delivered_30d = serializers.IntegerField()
    failed_30d = serializers.IntegerField()
    pending_30d = serializers.IntegerField()
    days = StatsDay(many=True)


def stats_payload(stats: selectors.SmsStats) -> dict:
    return {
        "today": {"outbound": stats.today_outbound, "inbound": stats.today_inbound},
        "month": {"outbound": stats.month_outbound, "inbound": stats.month_inbound, "segments": stats.month_segments},
        "delivery_rate_30d": str(stats.delivery_rate_30d) if stats.delivery_rate_30d is not None else None,
        "delivered_30d": stats.delivered_30d,
        "failed_30d": stats.failed_30d,
        "pending_30d": stats.pending_30d,
        "days": [
            {
                "day": d.day.isoformat(),
                "outbound": d.outbound,
                "inbound": d.inbound,
                "delivered": d.delivered,
                "failed": d.failed,
                "delivery_rate": str(d.delivery_rate) if d.delivery_rate is not None else None,
            }
            for d in stats.days
        ],
    }


class SmsStatsApi(ApiView):
    @extend_schema(
        operation_id="portal_sms_stats",
        tags=["SMS"],
        responses=data_envelope(StatsOutput),
        summary="Messages today and this month, 30-day delivery rate, and a day-by-day series",
    )
    def get(self, request):
        return Response({"data": stats_payload(selectors.sms_stats(actor=self.actor))})


class SmsNumberOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number_id = serializers.CharField(source="public_id")
    number = serializers.CharField(source="e164")
    number_formatted = serializers.CharField()
    country = serializers.CharField(source="country_id")
    type = serializers.CharField()
    status = serializers.CharField()
    label = serializers.CharField()
    client_id = serializers.IntegerField(allow_null=True)
    sms_monthly_price = serializers.SerializerMethodField()
    sms_forwarding = serializers.CharField()

    def get_sms_monthly_price(self, number) -> str:
        return to_exact_str(viewer_number_prices(self.context, number).sms_monthly)


class SmsNumbersApi(ApiView):
    @extend_schema(
        operation_id="portal_sms_numbers",
        tags=["SMS"],
        parameters=[PageParams],
        responses=page_envelope(SmsNumberOutput),
        summary="Your numbers with SMS enabled (the ones you can send from)",
    )
    def get(self, request):
        return paginate(request, selectors.sms_numbers(actor=self.actor), SmsNumberOutput)


class ThreadOutput(serializers.Serializer):
    number_id = serializers.IntegerField()
    number = serializers.CharField(source="number_e164")
    contact = serializers.CharField(source="remote_e164")
    messages = serializers.IntegerField()
    last_at = serializers.DateTimeField()
    last_body = serializers.CharField()
    last_direction = serializers.CharField()
    last_status = serializers.CharField()


class ThreadParams(PageParams):
    number = serializers.CharField(required=False, max_length=40)


class SmsThreadsApi(ApiView):
    @extend_schema(
        operation_id="portal_sms_threads",
        tags=["SMS"],
        parameters=[ThreadParams],
        responses=page_envelope(ThreadOutput),
        summary="Conversations: one per number and contact, latest first",
    )
    def get(self, request):
        params = validate_query(ThreadParams, request)
        number = (
            number_selectors.number_get(actor=self.actor, number_id=params["number"]) if params.get("number") else None
        )
        return paginate(request, selectors.thread_list(actor=self.actor, number=number), ThreadOutput)


class SegmentsInput(serializers.Serializer):
    body = StrictCharField(max_length=MAX_BODY_CHARS * 2, trim_whitespace=False, allow_blank=True)
    to = StrictCharField(max_length=40, required=False, allow_blank=True)


class SegmentsOutput(serializers.Serializer):
    encoding = serializers.CharField()
    characters = serializers.IntegerField()
    units = serializers.IntegerField()
    segments = serializers.IntegerField()
    per_segment = serializers.IntegerField()
    remaining = serializers.IntegerField()
    parts = serializers.ListField(child=serializers.CharField())
    price_per_segment = serializers.CharField(
        allow_null=True, help_text="EUR per segment to `to`; null when no `to` is given"
    )
    price = serializers.CharField(allow_null=True, help_text="EUR for the whole text to `to`; null without `to`")
    max_characters = serializers.IntegerField()


class SmsSegmentsApi(ApiView):
    @extend_schema(
        operation_id="portal_sms_segments",
        tags=["SMS"],
        request=SegmentsInput,
        responses=data_envelope(SegmentsOutput),
        summary="Count a text's segments and price it before sending (nothing is sent or charged)",
        description="With `to`, the text is priced at the destination's rate (the longest matching prefix of the "
        "SMS rate table), as a message to it is charged. A destination messages are refused to answers 422 "
        "`destination_not_allowed` (premium-rate, satellite and other special services, unless allowed for "
        "your account), one without a rate 422 `no_rate_for_destination`. Without `to`, the price fields are "
        "null.",
    )
    def post(self, request):
        data = valid_body(SegmentsInput, request)
        body = data["body"].replace("\r\n", "\n")
        split = segment(body)
        price = None
        if data.get("to"):
            price = services.destination_check(
                account=self.actor.account, to=data["to"], for_client=self.actor.is_client_scoped
            ).price_per_segment
            book = viewer_book({"request": request})
            if book is not None:  # a client's key is quoted its own price (its client-wide line of the price list)
                price = book.client_wide(item=Item.SMS_SEGMENT, wholesale=price, client_id=self.actor.client.pk)
        return Response(
            {
                "data": {
                    "encoding": split.encoding,
                    "characters": split.characters,
                    "units": split.units,
                    "segments": split.segments,
                    "per_segment": split.per_segment,
                    "remaining": split.remaining,
                    "parts": list(split.parts),
                    "price_per_segment": None if price is None else to_exact_str(price),
                    "price": None if price is None else to_exact_str(price * split.segments),
                    "max_characters": MAX_BODY_CHARS,
                }
            }
        )


class SimulateInboundInput(serializers.Serializer):
    to_number_id = serializers.CharField(max_length=40, help_text="Your number that receives the message")
    body = serializers.CharField(max_length=MAX_BODY_CHARS * 2, trim_whitespace=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(max_length=40, help_text="The sender, E.164")
        return fields


class SmsSimulateInboundApi(ApiView):
    @extend_schema(
        operation_id="portal_sms_simulate_inbound",
        tags=["SMS"],
        request=SimulateInboundInput,
        responses={201: data_envelope(MessageOutput)},
        summary="Sandbox: have someone text one of your numbers (free; as a real inbound message)",
    )
    def post(self, request):
        data = valid_body(SimulateInboundInput, request)
        number = number_selectors.number_get(actor=self.actor, number_id=data["to_number_id"])
        message = services.sms_simulate_inbound(
            actor=self.actor, number=number, from_e164=data["from"], body=data["body"]
        )
        return Response({"data": MessageOutput(message, context={"request": request}).data}, status=201)


# --- The sandbox carrier's callbacks ---------------------------------------------------------------


class CarrierCallbackInput(serializers.Serializer):
    id = serializers.CharField(max_length=100, help_text="The carrier's id of the message or report")
    to = serializers.CharField(max_length=40, required=False)
    body = serializers.CharField(max_length=MAX_BODY_CHARS * 2, trim_whitespace=False, required=False)
    carrier_ref = serializers.CharField(max_length=64, required=False, help_text="Reports: the message reported on")
    delivered = serializers.BooleanField(required=False)
    error_code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    error_message = serializers.CharField(max_length=255, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=["inbound", "status"], default="inbound")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(max_length=40, required=False)
        return fields

    def validate(self, attrs):
        needed = ("from", "to", "body") if attrs["kind"] == "inbound" else ("carrier_ref", "delivered")
        missing = {name: [_("This field is required.")] for name in needed if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class SandboxCallbackApi(ApiView):
    """Where the sandbox network (or a test harness) posts inbound messages and delivery reports. It is
    authenticated with the shared secret in ``X-Sandbox-Secret`` rather than an API key."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @property
    def actor(self):  # no account: the callback names the number
        return None

    @extend_schema(
        operation_id="carrier_sandbox_callback",
        tags=["Carriers"],
        request=CarrierCallbackInput,
        parameters=[
            OpenApiParameter("X-Sandbox-Secret", str, OpenApiParameter.HEADER, required=True),
        ],
        responses={
            200: inline_serializer(
                "CarrierCallbackResult",
                {"received": serializers.BooleanField(), "duplicate": serializers.BooleanField()},
            )
        },
        auth=[],
        summary="Sandbox carrier callback: an inbound SMS or a delivery report (shared secret)",
        description="Where the sandbox network (or a test harness) posts inbound messages and delivery reports. "
        "It authenticates with the shared secret in `X-Sandbox-Secret`, not with an API key.",
    )
    def post(self, request):
        given = request.headers.get("X-Sandbox-Secret", "")
        if not hmac.compare_digest(given.encode(), settings.SANDBOX_CALLBACK_SECRET.encode()):
            raise exceptions.AuthenticationFailed(_("Send the sandbox's shared secret in X-Sandbox-Secret."))
        data = valid_body(CarrierCallbackInput, request)
        payload = {k: v for k, v in data.items() if k != "kind"}
        _event, created = services.carrier_event_ingest(
            carrier="sandbox", kind=data["kind"], provider_id=data["id"], payload=payload
        )
        return Response({"received": True, "duplicate": not created})
