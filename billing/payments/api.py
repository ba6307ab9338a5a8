"""The API's door to top-ups and payment settings (the same services as the wallet page)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from portal.api import (
    ApiView,
    ErrorSerializer,
    PageParams,
    StrictBooleanField,
    StrictCharField,
    data_envelope,
    page_envelope,
    paginate,
)
from portal.errors import ValidationFailed

from ..money import to_exact_str
from . import selectors, services

AMOUNT_HELP = 'EUR as a string with at most two decimals, e.g. "50.00"; within the platform\'s top-up limits'


class TopUpOutput(serializers.Serializer):
    id = serializers.CharField(help_text="top_12")
    method = serializers.ChoiceField(choices=["checkout", "auto_recharge", "bank_transfer"])
    status = serializers.ChoiceField(choices=["pending", "succeeded", "failed", "canceled"])
    amount = serializers.CharField()
    currency = serializers.CharField()
    checkout_url = serializers.CharField(allow_null=True, help_text="Stripe's payment page (pending card top-ups)")
    transaction_id = serializers.CharField(allow_null=True, help_text="The wallet credit, once paid (txn_…)")
    receipt_url = serializers.CharField(allow_null=True, help_text="The receipt (PDF) in the portal, once paid")
    failure_message = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, top_up) -> dict:
        paid = top_up.status == "succeeded"
        return {
            "id": top_up.public_id,
            "method": top_up.method,
            "status": top_up.status,
            "amount": to_exact_str(top_up.amount),
            "currency": top_up.currency,
            "checkout_url": top_up.checkout_url if top_up.status == "pending" and top_up.checkout_url else None,
            "transaction_id": top_up.entry.public_id if paid and top_up.entry_id else None,
            "receipt_url": settings.PUBLIC_URL + reverse("top_up_receipt", args=[top_up.pk]) if paid else None,
            "failure_message": top_up.failure_message,
            "created_at": _iso(top_up.created_at),
            "completed_at": _iso(top_up.completed_at) if top_up.completed_at else None,
        }


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


class TopUpInput(serializers.Serializer):
    amount = StrictCharField(max_length=20, help_text=AMOUNT_HELP)
    save_card = StrictBooleanField(required=False, default=False, help_text="Keep the card for auto-recharge")
    success_url = serializers.URLField(
        required=False, max_length=1000, help_text="Where Stripe sends the payer after paying (default: the wallet)"
    )
    cancel_url = serializers.URLField(
        required=False, max_length=1000, help_text="Where Stripe sends a payer who cancels"
    )


class TopUpListApi(ApiView):
    @extend_schema(
        operation_id="top_ups_list",
        tags=["Wallet"],
        parameters=[PageParams],
        responses=page_envelope(TopUpOutput),
        summary="Top-ups: card and SEPA payments, auto-recharges and bank transfers, newest first",
    )
    def get(self, request):
        return paginate(request, selectors.top_up_list(actor=self.actor), TopUpOutput)

    @extend_schema(
        operation_id="top_ups_create",
        tags=["Wallet"],
        request=TopUpInput,
        responses={201: data_envelope(TopUpOutput), 503: ErrorSerializer},
        summary="Start a card or SEPA top-up: send the payer to checkout_url (Stripe Checkout)",
        description="The wallet is credited once the payment succeeds (payment.succeeded event). Without card "
        "payments on this installation the answer is 422 payments_unavailable: pay by bank transfer with the "
        "reference from GET /wallet/payment-settings. 503 payment_provider_unavailable: Stripe could not be "
        "reached; try again later.",
    )
    def post(self, request):
        self.actor.require_write()
        serializer = TopUpInput(data=request.data)
        if not serializer.is_valid():
            raise ValidationFailed(fields=serializer.errors)
        data = serializer.validated_data
        wallet = settings.PUBLIC_URL + reverse("wallet")
        top_up = services.top_up_checkout_start(
            actor=self.actor,
            amount=data["amount"],
            save_card=data["save_card"],
            success_url=data.get("success_url")
            or settings.PUBLIC_URL + reverse("top_up_return") + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=data.get("cancel_url") or wallet,
        )
        return Response({"data": TopUpOutput(top_up).data}, status=201)


class TopUpDetailApi(ApiView):
    @extend_schema(
        operation_id="top_ups_get",
        tags=["Wallet"],
        parameters=[OpenApiParameter("top_up_id", str, OpenApiParameter.PATH, description="top_12 or 12")],
        responses=data_envelope(TopUpOutput),
        summary="One top-up",
    )
    def get(self, request, top_up_id: str):
        return Response({"data": TopUpOutput(selectors.top_up_get(actor=self.actor, top_up_id=top_up_id)).data})


class PaymentSettingsIO(serializers.Serializer):
    low_balance_threshold = StrictCharField(
        allow_null=True, required=False, max_length=20, help_text='Alert below this balance ("25.00"); null: off'
    )
    auto_recharge_enabled = StrictBooleanField(required=False)
    auto_recharge_threshold = StrictCharField(allow_null=True, required=False, max_length=20)
    auto_recharge_amount = StrictCharField(allow_null=True, required=False, max_length=20, help_text=AMOUNT_HELP)
    saved_card = serializers.CharField(read_only=True, allow_null=True)
    payment_reference = serializers.CharField(read_only=True, help_text="Give it with every bank transfer")
    bank_account = serializers.DictField(child=serializers.CharField(), read_only=True)

    def to_representation(self, profile) -> dict:
        def amount(value):
            return to_exact_str(value) if value is not None else None

        return {
            "low_balance_threshold": amount(profile.low_balance_threshold),
            "auto_recharge_enabled": profile.auto_recharge_enabled,
            "auto_recharge_threshold": amount(profile.auto_recharge_threshold),
            "auto_recharge_amount": amount(profile.auto_recharge_amount),
            "saved_card": profile.card_label or None,
            "payment_reference": services.payment_reference(profile.account_id),
            "bank_account": {
                "beneficiary": settings.BANK_TRANSFER_BENEFICIARY,
                "iban": settings.BANK_TRANSFER_IBAN,
                "bic": settings.BANK_TRANSFER_BIC,
                "bank": settings.BANK_TRANSFER_BANK,
            },
        }


class PaymentSettingsApi(ApiView):
    @extend_schema(
        operation_id="payment_settings_get",
        tags=["Wallet"],
        responses=data_envelope(PaymentSettingsIO),
        summary="Low-balance alert, auto-recharge, saved card and bank-transfer details",
    )
    def get(self, request):
        return Response({"data": PaymentSettingsIO(selectors.payment_profile_get(actor=self.actor)).data})

    @extend_schema(
        operation_id="payment_settings_update",
        tags=["Wallet"],
        request=PaymentSettingsIO,
        responses=data_envelope(PaymentSettingsIO),
        summary="Change the low-balance alert and auto-recharge (fields left out keep their value)",
    )
    def patch(self, request):
        self.actor.require_write()
        serializer = PaymentSettingsIO(data=request.data, partial=True)
        if not serializer.is_valid():
            raise ValidationFailed(fields=serializer.errors)
        current = selectors.payment_profile_get(actor=self.actor)
        data = serializer.validated_data

        def given(name):
            return data[name] if name in data else getattr(current, name)

        profile = services.payment_settings_update(
            actor=self.actor,
            data=services.PaymentSettings(
                auto_recharge_enabled=given("auto_recharge_enabled"),
                auto_recharge_threshold=given("auto_recharge_threshold"),
                auto_recharge_amount=given("auto_recharge_amount"),
                low_balance_threshold=given("low_balance_threshold"),
            ),
        )
        return Response({"data": PaymentSettingsIO(profile).data})
