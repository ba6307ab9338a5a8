from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.selectors import parse_id
from portal.api import ApiView, PageParams, data_envelope, page_envelope, paginate, validate_query

from . import selectors
from .models import LedgerEntry
from .money import to_cents_str, to_exact_str


class WalletBalanceOutput(serializers.Serializer):
    balance = serializers.CharField(help_text='Rounded to cents, e.g. "142.50".')
    balance_exact = serializers.CharField(help_text='All four decimals, e.g. "142.5040".')
    currency = serializers.CharField()


class WalletBalanceApi(ApiView):
    @extend_schema(
        operation_id="wallet_balance", tags=["Wallet"], responses=WalletBalanceOutput, summary="Wallet balance"
    )
    def get(self, request):
        wallet = selectors.wallet_get(actor=self.actor)
        return Response(
            {
                "balance": to_cents_str(wallet.balance),
                "balance_exact": to_exact_str(wallet.balance),
                "currency": wallet.currency,
            }
        )


class TransactionOutput(serializers.ModelSerializer):
    id = serializers.IntegerField()
    uuid = serializers.CharField(source="public_id")
    amount = serializers.SerializerMethodField()
    balance_after = serializers.SerializerMethodField()
    client_id = serializers.IntegerField(allow_null=True)
    client_name = serializers.CharField(source="client.name", default=None)
    created_at = serializers.DateTimeField()

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "uuid",
            "kind",
            "amount",
            "balance_after",
            "currency",
            "reference_type",
            "reference_id",
            "client_id",
            "client_name",
            "description",
            "created_at",
        ]

    def get_amount(self, entry) -> str:
        # What the viewer pays: for client-scoped keys the client's price (see transaction_list).
        return to_exact_str(getattr(entry, "shown_amount", entry.amount))

    def get_balance_after(self, entry) -> str | None:
        # The reseller's running balance is not shown to client-scoped keys.
        request = self.context.get("request")
        if request is not None and getattr(request.auth, "is_client_scoped", False):
            return None
        return to_exact_str(entry.balance_after)


class TransactionFilterParams(PageParams):
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices, required=False)
    client_id = serializers.CharField(required=False, help_text="42 or cli_42")
    reference_type = serializers.CharField(required=False, max_length=32)
    reference_id = serializers.CharField(required=False, max_length=64)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    direction = serializers.ChoiceField(choices=["credit", "debit"], required=False)

    def validate_client_id(self, value):
        pk = parse_id(value, "cli")
        if pk is None:
            raise serializers.ValidationError("Use a client id such as 42 or cli_42.")
        return pk

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": "date_to must not be before date_from."})
        return attrs


def filters_from(params: dict) -> selectors.TransactionFilters:
    return selectors.TransactionFilters(
        kind=params.get("kind", ""),
        client_id=params.get("client_id"),
        reference_type=params.get("reference_type", ""),
        reference_id=params.get("reference_id", ""),
        date_from=params.get("date_from"),
        date_to=params.get("date_to"),
        direction=params.get("direction", ""),
    )


class TransactionListApi(ApiView):
    @extend_schema(
        operation_id="wallet_transactions",
        tags=["Wallet"],
        parameters=[TransactionFilterParams],
        responses=page_envelope(TransactionOutput),
        summary="Ledger entries, newest first",
    )
    def get(self, request):
        params = validate_query(TransactionFilterParams, request)
        qs = selectors.transaction_list(actor=self.actor, filters=filters_from(params))
        return paginate(request, qs, TransactionOutput)


class TransactionDetailApi(ApiView):
    @extend_schema(
        operation_id="wallet_transaction",
        tags=["Wallet"],
        responses=data_envelope(TransactionOutput),
        parameters=[OpenApiParameter("transaction_id", str, OpenApiParameter.PATH, description="42 or txn_42")],
        summary="One ledger entry",
    )
    def get(self, request, transaction_id: str):
        entry = selectors.transaction_get(actor=self.actor, transaction_id=transaction_id)
        return Response({"data": TransactionOutput(entry, context={"request": request}).data})
