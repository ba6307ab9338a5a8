from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.selectors import parse_id
from portal.api import ApiView, PageParams, client_view, data_envelope, page_envelope, paginate, validate_query
from portal.errors import NotFound, ValidationFailed

from . import exports, invoices, selectors, services
from .models import Invoice, LedgerEntry
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


class TransactionListOutput(serializers.ListSerializer):
    def to_representation(self, data):
        entries = list(data.all() if hasattr(data, "all") else data)
        self.child.references = selectors.entry_references(entries)  # one look-up for the page
        return super().to_representation(entries)


# What ``parse_id(value, "cli")`` reads as a client id (the value is trimmed first).
CLIENT_ID_TEXT = RegexValidator(r"^\s*(cli_)?\d{1,18}\s*$", message="Use a client id such as 42 or cli_42.")


class TransactionOutput(serializers.ModelSerializer):
    id = serializers.IntegerField()
    uuid = serializers.CharField(source="public_id")
    amount = serializers.SerializerMethodField()
    balance_after = serializers.SerializerMethodField()
    reference_type = serializers.CharField(
        help_text='What the entry pays for or credits: "number", "message", "account" ("" for nothing)'
    )
    reference_id = serializers.SerializerMethodField(
        help_text="Its integer id, the value the rest of the API gives the same thing: a number's "
        "did_number_id (as in checkout items and did-routing), a message's id, the account's id"
    )
    reference_uuid = serializers.SerializerMethodField(help_text="Its prefixed id (num_12, msg_…, acc_3)")
    client_id = serializers.IntegerField(allow_null=True)
    client_name = serializers.CharField(source="client.name", default=None, allow_null=True)
    created_at = serializers.DateTimeField()

    class Meta:
        model = LedgerEntry
        list_serializer_class = TransactionListOutput
        fields = [
            "id",
            "uuid",
            "kind",
            "amount",
            "balance_after",
            "currency",
            "reference_type",
            "reference_id",
            "reference_uuid",
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
        if client_view(self.context):
            return None
        return to_exact_str(entry.balance_after)

    def _reference(self, entry) -> selectors.ApiReference | None:
        references = getattr(self, "references", None)
        if references is None or entry.pk not in references:  # one entry on its own
            references = selectors.entry_references([entry])
        return references[entry.pk]

    def get_reference_id(self, entry) -> int | None:
        reference = self._reference(entry)
        return reference.id if reference else None

    def get_reference_uuid(self, entry) -> str | None:
        reference = self._reference(entry)
        return reference.uuid if reference else None


class TransactionFilterParams(PageParams):
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices, required=False)
    client_id = serializers.CharField(required=False, validators=[CLIENT_ID_TEXT], help_text="42 or cli_42")
    reference_type = serializers.CharField(required=False, max_length=32)
    reference_id = serializers.CharField(
        required=False, max_length=64, help_text="The integer id (12) or the prefixed one (num_12)"
    )
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


# --- Client costs --------------------------------------------------------------------------------

CLIENT_ID = OpenApiParameter("client_id", str, OpenApiParameter.PATH, description="42 or cli_42")
INVOICE_ID = OpenApiParameter("invoice_id", str, OpenApiParameter.PATH, description="42 or inv_42")
RULE_ID = OpenApiParameter("rule_id", str, OpenApiParameter.PATH, description="42 or prc_42")


class CostParams(serializers.Serializer):
    # "from" is a keyword: declared in get_fields.
    to = serializers.DateField(required=False, help_text="Last day included (default: today)")

    def get_fields(self):
        fields = super().get_fields()
        return {
            "from": serializers.DateField(required=False, help_text="First day (default: 1st of this month)"),
            **fields,
        }

    def validate(self, attrs):
        today = timezone.localdate()
        attrs["to"] = attrs.get("to") or today
        attrs["from"] = attrs.get("from") or attrs["to"].replace(day=1)
        if attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": "to must not be before from."})
        return attrs


class CostLineOutput(serializers.Serializer):
    key = serializers.CharField(help_text="The kind, number id or month (YYYY-MM) of the slice")
    # (a field named like Field.label, which the stubs type as text: the API's name for it stays)
    label = serializers.CharField()  # type: ignore[assignment]
    wholesale = serializers.CharField(required=False, help_text="Your cost (not shown to client-scoped keys)")
    price = serializers.CharField(help_text="What the client is billed, at its prices")
    margin = serializers.CharField(required=False, help_text="price − wholesale (not shown to client-scoped keys)")
    entries = serializers.IntegerField()


class ClientCostsOutput(serializers.Serializer):
    client_id = serializers.IntegerField()
    client_name = serializers.CharField()
    currency = serializers.CharField()
    total = CostLineOutput()
    by_kind = CostLineOutput(many=True)
    by_number = CostLineOutput(many=True)
    by_month = CostLineOutput(many=True)

    def get_fields(self):
        fields = super().get_fields()
        return {"from": serializers.DateField(), "to": serializers.DateField(), **fields}


def cost_line(line: selectors.CostLine, *, for_client: bool) -> dict:
    data = {"key": line.key, "label": line.label, "price": to_exact_str(line.price), "entries": line.entries}
    if not for_client:
        data.update(wholesale=to_exact_str(line.wholesale), margin=to_exact_str(line.margin))
    return data


class ClientCostsApi(ApiView):
    @extend_schema(
        operation_id="client_costs",
        tags=["Billing"],
        parameters=[CLIENT_ID, CostParams],
        responses=data_envelope(ClientCostsOutput),
        summary="A client's costs: wholesale, client price and margin by kind, number and month",
        description="Charges and refunds of the client in the period (both days included). Client-scoped keys "
        "see their own client only, and only its prices: `wholesale` and `margin` are left out.",
    )
    def get(self, request, client_id: str):
        params = validate_query(CostParams, request)
        costs = selectors.client_costs(
            actor=self.actor, client_id=client_id, date_from=params["from"], date_to=params["to"]
        )
        for_client = self.actor.is_client_scoped
        return Response(
            {
                "data": {
                    "client_id": costs.client.pk,
                    "client_name": costs.client.name,
                    "from": costs.date_from.isoformat(),
                    "to": costs.date_to.isoformat(),
                    "currency": "EUR",
                    "total": cost_line(costs.total, for_client=for_client),
                    "by_kind": [cost_line(line, for_client=for_client) for line in costs.by_kind],
                    "by_number": [cost_line(line, for_client=for_client) for line in costs.by_number],
                    "by_month": [cost_line(line, for_client=for_client) for line in costs.by_month],
                }
            }
        )


class ClientCostsCsvApi(ApiView):
    @extend_schema(
        operation_id="client_costs_csv",
        tags=["Billing"],
        parameters=[CLIENT_ID, CostParams],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        summary="A client's charges in the period as CSV, one row per ledger entry",
    )
    def get(self, request, client_id: str):
        params = validate_query(CostParams, request)
        return exports.costs_csv_response(
            self.actor, client_id=client_id, date_from=params["from"], date_to=params["to"]
        )


# --- Invoices ------------------------------------------------------------------------------------


class InvoiceLineOutput(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.CharField()
    description = serializers.CharField()
    number = serializers.CharField(source="number_e164")
    amount = serializers.SerializerMethodField(help_text="At the client's price; a refund is negative")
    transaction_id = serializers.SerializerMethodField()

    def get_amount(self, line) -> str:
        return to_exact_str(line.amount)

    def get_transaction_id(self, line) -> str:
        return f"txn_{line.entry_id}"


class InvoiceOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    invoice_id = serializers.CharField(source="public_id")
    number = serializers.CharField(
        help_text="INV-2026-0001…: the prefix of the legal profile, the year, a gap-free sequence per account and "
        "year (credit notes INV-CN-2026-0001…); empty while a draft"
    )
    kind = serializers.ChoiceField(choices=Invoice.Kind.choices)
    status = serializers.ChoiceField(choices=Invoice.Status.choices)
    payment_state = serializers.SerializerMethodField(
        help_text="draft, open, overdue (past its due date, unpaid), paid, credited; a credit note: issued"
    )
    credit_for = serializers.SerializerMethodField(help_text="A credit note: the invoice it cancels (inv_…)")
    replaces = serializers.SerializerMethodField(
        help_text="A corrected invoice: the credited invoice of the same client and month it replaces (inv_…)"
    )
    client_id = serializers.IntegerField()
    client_name = serializers.CharField(source="client.name")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    currency = serializers.CharField()
    total = serializers.SerializerMethodField(help_text="Without VAT, exact as charged (4 decimals)")
    vat_total = serializers.SerializerMethodField(help_text="VAT on the issued document, per rate, in cents")
    total_due = serializers.SerializerMethodField(help_text="What the issued document asks the client to pay")
    wholesale_total = serializers.SerializerMethodField(help_text="Your cost; null for client-scoped keys")
    line_count = serializers.IntegerField()
    issued_at = serializers.DateTimeField(allow_null=True)
    issue_date = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    ubl_url = serializers.SerializerMethodField(help_text="The issued document as UBL 2.1 XML; null for a draft")
    pdf_url = serializers.SerializerMethodField()
    csv_url = serializers.SerializerMethodField()
    messages_csv_url = serializers.SerializerMethodField(help_text="Every text message on the invoice, as CSV")

    def get_total(self, invoice) -> str:
        return to_exact_str(invoice.total)

    def get_vat_total(self, invoice) -> str:
        return to_exact_str(invoice.vat_total)

    def get_total_due(self, invoice) -> str:
        return to_exact_str(invoice.total_due)

    def get_payment_state(self, invoice) -> str:
        return invoice.payment_state()

    def get_credit_for(self, invoice) -> str | None:
        return f"inv_{invoice.credit_for_id}" if invoice.credit_for_id else None

    def get_replaces(self, invoice) -> str | None:
        return f"inv_{invoice.replaces_id}" if invoice.replaces_id else None

    def get_ubl_url(self, invoice) -> str | None:
        return reverse("api_invoice_ubl", args=[invoice.public_id]) if invoice.snapshot else None

    def get_wholesale_total(self, invoice) -> str | None:
        if client_view(self.context):
            return None
        return to_exact_str(invoice.wholesale_total)

    def get_pdf_url(self, invoice) -> str:
        return reverse("api_invoice_pdf", args=[invoice.public_id])

    def get_csv_url(self, invoice) -> str:
        return reverse("api_invoice_csv", args=[invoice.public_id])

    def get_messages_csv_url(self, invoice) -> str:
        return reverse("api_invoice_messages_csv", args=[invoice.public_id])


class InvoiceDetailOutput(InvoiceOutput):
    lines = InvoiceLineOutput(many=True, source="lines.all")


class InvoiceFilterParams(PageParams):
    client_id = serializers.CharField(required=False, validators=[CLIENT_ID_TEXT], help_text="42 or cli_42")
    status = serializers.ChoiceField(choices=Invoice.Status.choices, required=False)

    def validate_client_id(self, value):
        pk = parse_id(value, "cli")
        if pk is None:
            raise serializers.ValidationError("Use a client id such as 42 or cli_42.")
        return pk


class InvoiceListApi(ApiView):
    @extend_schema(
        operation_id="invoices_list",
        tags=["Billing"],
        parameters=[InvoiceFilterParams],
        responses=page_envelope(InvoiceOutput),
        summary="Client invoices, newest month first (client-scoped keys: their own issued invoices)",
    )
    def get(self, request):
        params = validate_query(InvoiceFilterParams, request)
        qs = selectors.invoice_list(actor=self.actor, client_id=params.get("client_id"))
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        return paginate(request, qs, InvoiceOutput)


class InvoiceDraftInput(serializers.Serializer):
    client_id = serializers.CharField(help_text="42 or cli_42")
    month = serializers.RegexField(
        r"^[2-9]\d{3}-(0[1-9]|1[0-2])$", required=False, help_text="YYYY-MM, from 2000-01 (default: this month)"
    )


class InvoiceDraftApi(ApiView):
    @extend_schema(
        operation_id="invoices_draft",
        tags=["Billing"],
        request=InvoiceDraftInput,
        responses={200: data_envelope(InvoiceDetailOutput)},
        summary="Prepare (or bring up to date) a client's draft invoice for a month",
    )
    def post(self, request):
        serializer = InvoiceDraftInput(data=request.data)
        if not serializer.is_valid():
            raise ValidationFailed(fields=serializer.errors)
        month = serializer.validated_data.get("month")
        first = date.fromisoformat(f"{month}-01") if month and month >= "2000" else None
        if month and first is None:
            raise ValidationFailed(fields={"month": ["Give a month from 2000-01 on, as YYYY-MM."]})
        invoice = invoices.invoice_prepare(
            actor=self.actor,
            client_id=serializer.validated_data["client_id"],
            month=first or timezone.localdate(),
        )
        return Response({"data": InvoiceDetailOutput(invoice, context={"request": request}).data})


class InvoiceDetailApi(ApiView):
    @extend_schema(
        operation_id="invoices_get",
        tags=["Billing"],
        parameters=[INVOICE_ID],
        responses=data_envelope(InvoiceDetailOutput),
        summary="One invoice with its lines",
    )
    def get(self, request, invoice_id: str):
        invoice = selectors.invoice_get(actor=self.actor, invoice_id=invoice_id)
        return Response({"data": InvoiceDetailOutput(invoice, context={"request": request}).data})


class InvoiceIssueApi(ApiView):
    @extend_schema(
        operation_id="invoices_issue",
        tags=["Billing"],
        parameters=[INVOICE_ID],
        request=None,
        responses=data_envelope(InvoiceOutput),
        summary="Issue a draft of a month that is over: it is numbered and frozen",
    )
    def post(self, request, invoice_id: str):
        invoice = invoices.invoice_issue_now(actor=self.actor, invoice_id=invoice_id)
        return Response({"data": InvoiceOutput(invoice, context={"request": request}).data})


class InvoicePaidInput(serializers.Serializer):
    paid = serializers.BooleanField(default=True, help_text="false takes a payment recorded by mistake back")


class InvoicePaidApi(ApiView):
    @extend_schema(
        operation_id="invoices_paid",
        tags=["Billing"],
        parameters=[INVOICE_ID],
        request=InvoicePaidInput,
        responses=data_envelope(InvoiceOutput),
        summary="Record that an issued invoice was paid (or take that back); owners and admins",
    )
    def post(self, request, invoice_id: str):
        selectors.invoice_get(actor=self.actor, invoice_id=invoice_id)  # someone else's id: 404 before the body
        serializer = InvoicePaidInput(data=request.data)
        if not serializer.is_valid():
            raise ValidationFailed(fields=serializer.errors)
        invoice = invoices.invoice_mark_paid(
            actor=self.actor, invoice_id=invoice_id, paid=serializer.validated_data["paid"]
        )
        return Response({"data": InvoiceOutput(invoice, context={"request": request}).data})


class InvoiceCreditInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="Printed on the credit note")


class InvoiceCreditApi(ApiView):
    @extend_schema(
        operation_id="invoices_credit",
        tags=["Billing"],
        parameters=[INVOICE_ID],
        request=InvoiceCreditInput,
        responses={201: data_envelope(InvoiceOutput)},
        summary="Cancel an issued invoice with a credit note (numbered in its own series, sent to the client)",
    )
    def post(self, request, invoice_id: str):
        selectors.invoice_get(actor=self.actor, invoice_id=invoice_id)  # someone else's id: 404 before the body
        serializer = InvoiceCreditInput(data=request.data)
        if not serializer.is_valid():
            raise ValidationFailed(fields=serializer.errors)
        note = invoices.invoice_credit(
            actor=self.actor, invoice_id=invoice_id, reason=serializer.validated_data["reason"]
        )
        return Response({"data": InvoiceOutput(note, context={"request": request}).data}, status=201)


class InvoiceReissueApi(ApiView):
    @extend_schema(
        operation_id="invoices_reissue",
        tags=["Billing"],
        parameters=[INVOICE_ID],
        request=None,
        responses={201: data_envelope(InvoiceDetailOutput)},
        summary="Invoice a credited invoice's month again: a corrected draft that replaces it (issue it to number it)",
        description="The draft's lines come from the ledger like any draft's; issuing it (`POST /invoices/{id}/issue`) "
        "gives it the next number of the invoice series, and its PDF and UBL name the invoice it replaces. Once per "
        "credited invoice: asking again answers the corrected invoice there is. An invoice that is not credited: 422.",
    )
    def post(self, request, invoice_id: str):
        invoice = invoices.invoice_reissue(actor=self.actor, invoice_id=invoice_id)
        return Response({"data": InvoiceDetailOutput(invoice, context={"request": request}).data}, status=201)


class InvoiceSendApi(ApiView):
    @extend_schema(
        operation_id="invoices_send",
        tags=["Billing"],
        parameters=[INVOICE_ID],
        request=None,
        responses=data_envelope(InvoiceOutput),
        summary="Email an issued invoice or credit note to the client's billing email again",
    )
    def post(self, request, invoice_id: str):
        from .invoicing.sending import invoice_resend

        invoice = invoice_resend(actor=self.actor, invoice_id=invoice_id)
        return Response({"data": InvoiceOutput(invoice, context={"request": request}).data})


class InvoiceUblApi(ApiView):
    @extend_schema(
        operation_id="invoices_ubl",
        tags=["Billing"],
        parameters=[INVOICE_ID],
        responses={(200, "application/xml"): OpenApiTypes.STR},
        summary="An issued invoice or credit note as UBL 2.1 XML (EN 16931, Peppol BIS Billing 3.0)",
    )
    def get(self, request, invoice_id: str):
        return exports.invoice_ubl_response(selectors.invoice_get(actor=self.actor, invoice_id=invoice_id))


class InvoicePdfApi(ApiView):
    @extend_schema(
        operation_id="invoices_pdf",
        tags=["Billing"],
        parameters=[INVOICE_ID],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="An invoice as PDF",
    )
    def get(self, request, invoice_id: str):
        return exports.invoice_pdf_response(selectors.invoice_get(actor=self.actor, invoice_id=invoice_id))


class InvoiceCsvApi(ApiView):
    @extend_schema(
        operation_id="invoices_csv",
        tags=["Billing"],
        parameters=[INVOICE_ID],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        summary="An invoice's lines as CSV",
    )
    def get(self, request, invoice_id: str):
        return exports.invoice_csv_response(selectors.invoice_get(actor=self.actor, invoice_id=invoice_id))


class InvoiceMessagesCsvApi(ApiView):
    @extend_schema(
        operation_id="invoices_messages_csv",
        tags=["Billing"],
        parameters=[INVOICE_ID],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        summary="Every text message behind an invoice's SMS summary, one row each, as CSV",
    )
    def get(self, request, invoice_id: str):
        return exports.invoice_messages_csv_response(selectors.invoice_get(actor=self.actor, invoice_id=invoice_id))


# --- Price lists ---------------------------------------------------------------------------------


class RuleClientField(serializers.CharField):
    """A price rule's client: given as 42 or cli_42, answered as the client's integer id."""


class RuleClientFieldSchema(OpenApiSerializerFieldExtension):
    target_class = RuleClientField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return {"type": "integer", "nullable": True, "description": "The client's id; null: all clients"}
        return auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)


class PriceRuleIO(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    rule_id = serializers.CharField(source="public_id", read_only=True)
    client_id = RuleClientField(required=False, allow_null=True, help_text="42 or cli_42; null: all clients")
    country = serializers.CharField(required=False, allow_blank=True, max_length=2, help_text="ISO code; empty: all")
    number_type = serializers.CharField(required=False, allow_blank=True, max_length=16, help_text="Empty: all types")
    markup_percent = serializers.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    fixed_monthly = serializers.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    fixed_setup = serializers.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    fixed_sms_addon = serializers.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    fixed_sms_segment = serializers.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    updated_at = serializers.DateTimeField(read_only=True)

    def validate_client_id(self, value):
        if value in (None, ""):
            return None
        pk = parse_id(value, "cli")
        if pk is None:
            raise serializers.ValidationError("Use a client id such as 42 or cli_42.")
        return pk

    def to_representation(self, rule) -> dict:
        return {
            "id": rule.pk,
            "rule_id": rule.public_id,
            "client_id": rule.client_id,
            "country": rule.country_id or "",
            "number_type": rule.number_type,
            "markup_percent": str(rule.markup_percent),
            **{name: to_exact_str(getattr(rule, name)) for name in services.FIXED_FIELDS},
            "updated_at": rule.updated_at.isoformat().replace("+00:00", "Z"),
        }


def _rule_input(request) -> services.PriceRuleInput:
    serializer = PriceRuleIO(data=request.data)
    if not serializer.is_valid():
        raise ValidationFailed(fields=serializer.errors)
    data = serializer.validated_data
    return services.PriceRuleInput(
        client_id=data.get("client_id"),
        country=data.get("country", ""),
        number_type=data.get("number_type", ""),
        markup_percent=data["markup_percent"],
        **{name: data[name] for name in services.FIXED_FIELDS},
    )


class PriceRuleListApi(ApiView):
    @extend_schema(
        operation_id="price_rules_list",
        tags=["Billing"],
        parameters=[PageParams],
        responses=page_envelope(PriceRuleIO),
        summary="Your price list: how client prices derive from wholesale",
    )
    def get(self, request):
        return paginate(request, selectors.price_rule_list(actor=self.actor), PriceRuleIO)

    @extend_schema(
        operation_id="price_rules_save",
        tags=["Billing"],
        request=PriceRuleIO,
        responses={201: data_envelope(PriceRuleIO)},
        summary="Add a price-list line (or change the one for the same client, country and type)",
    )
    def post(self, request):
        rule = services.price_rule_save(actor=self.actor, data=_rule_input(request))
        return Response({"data": PriceRuleIO(rule).data}, status=201)


class PriceRuleDetailApi(ApiView):
    @extend_schema(
        operation_id="price_rules_update",
        tags=["Billing"],
        parameters=[RULE_ID],
        request=PriceRuleIO,
        responses=data_envelope(PriceRuleIO),
        summary="Change a price-list line",
    )
    def put(self, request, rule_id: str):
        pk = parse_id(rule_id, "prc")
        if pk is None:
            raise NotFound("Price rule not found.")
        rule = services.price_rule_save(actor=self.actor, data=_rule_input(request), rule_id=pk)
        return Response({"data": PriceRuleIO(rule).data})

    @extend_schema(
        operation_id="price_rules_delete",
        tags=["Billing"],
        parameters=[RULE_ID],
        responses={204: None},
        summary="Remove a price-list line",
    )
    def delete(self, request, rule_id: str):
        pk = parse_id(rule_id, "prc")
        if pk is None:
            raise NotFound("Price rule not found.")
        services.price_rule_delete(actor=self.actor, rule_id=pk)
        return Response(status=204)
