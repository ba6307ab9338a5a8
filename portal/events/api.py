from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from portal.api import ApiView, PageParams, client_view, data_envelope, page_envelope, paginate, validate_query
from portal.events import EVENT_TYPES
from portal.events.selectors import event_get, event_list


class EventOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    event = serializers.CharField(source="type")
    timestamp = serializers.DateTimeField(source="created_at")
    data = serializers.SerializerMethodField()

    def get_data(self, event) -> dict:
        # A client-scoped key sees its client's view: its own prices, never the reseller's wholesale ones.
        return event.view_data(client_view=client_view(self.context))


class EventListParams(PageParams):
    event = serializers.ChoiceField(choices=EVENT_TYPES, required=False)


class EventListApi(ApiView):
    @extend_schema(
        operation_id="events_list",
        tags=["Events"],
        parameters=[EventListParams],
        responses=page_envelope(EventOutput),
        summary="Events recorded for your account",
    )
    def get(self, request):
        params = validate_query(EventListParams, request)
        return paginate(request, event_list(actor=self.actor, event_type=params.get("event", "")), EventOutput)


class EventDetailApi(ApiView):
    @extend_schema(
        operation_id="events_get",
        tags=["Events"],
        responses=data_envelope(EventOutput),
        parameters=[OpenApiParameter("event_id", str, OpenApiParameter.PATH, description="evt_…")],
        summary="One event",
    )
    def get(self, request, event_id: str):
        event = event_get(actor=self.actor, event_id=event_id)
        return Response({"data": EventOutput(event, context={"request": request}).data})
