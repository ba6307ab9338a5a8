"""Call records over the API: ``GET /calls`` (filters, cursor pages) and ``GET /calls/{id}``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.selectors import client_for
from portal.api import ApiView, cursor_page, data_envelope, meta_stamp, validate_query
from portal.errors import ValidationFailed

from .. import selectors as number_selectors
from ..api import NUMBER_ID, NumberListMeta
from . import testcalls
from .models import Call, TestCall
from .selectors import CallFilters, call_get, call_list
from .services import call_data

CALL_ID = OpenApiParameter("call_id", str, OpenApiParameter.PATH, description="call_3f9a1c2b7d40 or 17")


class CallOutput(serializers.Serializer):
    """Field by field what ``call_data`` gives (the same dict the call.* events carry)."""

    id = serializers.CharField(help_text="call_…")
    number = serializers.CharField(help_text="The number called, E.164")
    number_id = serializers.CharField(help_text="num_…")
    trunk_uuid = serializers.CharField(allow_null=True, help_text="The trunk the call went to (trk_…), if any")
    client_id = serializers.IntegerField(allow_null=True)
    caller = serializers.CharField(help_text="The caller's number or user, as the caller sent it")
    status = serializers.ChoiceField(choices=Call.Status.choices)
    sip_code = serializers.IntegerField(allow_null=True, help_text="The final SIP answer (200 when answered)")
    sip_reason = serializers.CharField()
    hangup_side = serializers.ChoiceField(choices=Call.HangupSide.choices, allow_null=True)
    started_at = serializers.DateTimeField(help_text="When the call reached the edge")
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    duration = serializers.IntegerField(help_text="Talk time in seconds (0 when not answered)")
    billable_minutes = serializers.IntegerField(help_text="Started minutes of talk time")
    charged = serializers.CharField(
        allow_null=True,
        help_text="EUR taken from your wallet for a metered number's minutes (null for client-scoped keys: "
        "their price is in the client's costs)",
    )


class CallListParams(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=100)
    limit = serializers.IntegerField(min_value=1, max_value=200, default=25)
    number = serializers.CharField(required=False, max_length=32, help_text="42, num_42 or +31201234567")
    trunk = serializers.CharField(required=False, max_length=30, help_text="7 or trk_a1b2c3d4")
    client_id = serializers.CharField(required=False, max_length=30)
    date_from = serializers.DateField(required=False, help_text="First day (UTC), e.g. 2026-03-01")
    date_to = serializers.DateField(required=False, help_text="Last day (UTC), inclusive")
    status = serializers.ChoiceField(choices=Call.Status.choices, required=False)


class CallListPage(serializers.Serializer):
    data = CallOutput(many=True)
    meta = NumberListMeta()


class CallListApi(ApiView):
    @extend_schema(
        operation_id="calls_list",
        tags=["Calls"],
        parameters=[CallListParams],
        responses=CallListPage,
        summary="Call records of your numbers, newest first (cursor pagination)",
    )
    def get(self, request):
        params = validate_query(CallListParams, request)
        if params.get("date_from") and params.get("date_to") and params["date_from"] > params["date_to"]:
            raise ValidationFailed(fields={"date_to": ["The last day comes on or after date_from."]})
        filters = CallFilters(
            number=number_selectors.number_get(actor=self.actor, number_id=params["number"])
            if params.get("number")
            else None,
            trunk=number_selectors.trunk_get(actor=self.actor, trunk_id=params["trunk"])
            if params.get("trunk")
            else None,
            client_id=client_for(self.actor, params["client_id"]).pk if params.get("client_id") else None,
            since=params.get("date_from"),
            until=params.get("date_to"),
            status=params.get("status", ""),
        )
        rows, pagination = cursor_page(
            call_list(actor=self.actor, filters=filters), cursor=params.get("cursor"), limit=params["limit"]
        )
        wholesale = not self.actor.is_client_scoped
        return Response(
            {
                "data": [call_data(c, wholesale=wholesale) for c in rows],
                "meta": meta_stamp(request) | {"pagination": pagination},
            }
        )


class CallDetailApi(ApiView):
    @extend_schema(
        operation_id="calls_retrieve",
        tags=["Calls"],
        parameters=[CALL_ID],
        responses=data_envelope(CallOutput),
        summary="One call record",
    )
    def get(self, request, call_id: str):
        call = call_get(actor=self.actor, call_id=call_id)
        return Response(
            {"data": call_data(call, wholesale=not self.actor.is_client_scoped), "meta": meta_stamp(request)}
        )


class TestCallOutput(serializers.Serializer):
    """Field by field what ``test_call_data`` gives."""

    id = serializers.CharField(help_text="tcall_…")
    number_id = serializers.CharField(help_text="num_…")
    status = serializers.ChoiceField(
        choices=TestCall.Status.choices,
        help_text="queued and running while it calls (poll the GET until done); answered; not_answered (sip_code "
        "and sip_reason say what was answered instead); failed: the edge could not be reached",
    )
    done = serializers.BooleanField()
    rang = serializers.BooleanField(help_text="The PBX rang (180/183) or answered")
    answered = serializers.BooleanField()
    sip_code = serializers.IntegerField(allow_null=True, help_text="The final SIP answer: 200, 480, 486, 404 …")
    sip_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class NumberTestCallApi(ApiView):
    @extend_schema(
        operation_id="numbers_test_call_create",
        tags=["Calls"],
        parameters=[NUMBER_ID],
        request=None,
        responses={202: data_envelope(TestCallOutput)},
        summary="Call the number through the SIP edge as a caller would, to see whether its PBX rings and "
        "answers (202: queued; one already waiting is returned instead of placing a second)",
    )
    def post(self, request, number_id: str):
        number = number_selectors.number_get(actor=self.actor, number_id=number_id)
        test_call = testcalls.test_call_start(actor=self.actor, number=number)
        return Response({"data": testcalls.test_call_data(test_call), "meta": meta_stamp(request)}, status=202)

    @extend_schema(
        operation_id="numbers_test_call_retrieve",
        tags=["Calls"],
        parameters=[NUMBER_ID],
        responses=data_envelope(TestCallOutput),
        summary="The number's latest test call and, once done, its outcome (404 before the first)",
    )
    def get(self, request, number_id: str):
        number = number_selectors.number_get(actor=self.actor, number_id=number_id)
        test_call = testcalls.test_call_latest(actor=self.actor, number=number)
        return Response({"data": testcalls.test_call_data(test_call), "meta": meta_stamp(request)})
