"""Numbers over the API: DIDfarm search and checkout, Orbit-style available/purchase/list/configure/release.

Three doors lead to buying (``wallet/checkout``, ``POST numbers``, ``numbers/purchase``); all call
``services.number_purchase`` and all honour ``Idempotency-Key``.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.selectors import client_for
from billing.money import round_cents, to_cents_str, to_exact_str, to_whole_cents
from billing.pricing import Item, PriceBook, show_client_order_prices, viewer_book, viewer_number_prices
from portal.api import (
    IDEMPOTENCY_HEADER,
    ApiView,
    CursorPagination,
    PageParams,
    StrictBooleanField,
    StrictCharField,
    StrictIdField,
    context_actor,
    cursor_page,
    data_envelope,
    meta_stamp,
    page_envelope,
    valid_body,
    validate_query,
)
from portal.errors import CapabilityUnavailable, ValidationFailed
from portal.idempotency import idempotent
from portal.renderers import json_number

from . import selectors, services
from .models import CAPABILITIES, UNOFFERED_CAPABILITIES, BillingCycle, Number, NumberType, Order
from .validation import format_international

NUMBER_ID = OpenApiParameter(
    "number_id", str, OpenApiParameter.PATH, description="42, num_42 or the number itself (+31201234567)"
)


def money_number(amount: Decimal):
    """EUR rounded to cents, answered as a JSON number with its two decimals (``2.00``), never a float."""
    return json_number(round_cents(amount))


def parse_capabilities(value: str | list | None, *, field: str = "capabilities") -> tuple[str, ...]:
    if not value:
        return ()
    items = value if isinstance(value, list) else [v.strip() for v in str(value).split(",") if v.strip()]
    for item in items:
        if item in UNOFFERED_CAPABILITIES:
            raise CapabilityUnavailable(
                f"No number in the DIDfarm inventory offers {item}; available capabilities are "
                f"{', '.join(CAPABILITIES)}.",
                capability=item,
            )
        if item not in CAPABILITIES:
            raise ValidationFailed(fields={field: [f"Unknown capability {item!r}; use {', '.join(CAPABILITIES)}."]})
    return tuple(items)


# --- Search --------------------------------------------------------------------------------------

COUNTRY_CODE = r"^[A-Za-z]{2}$"
# What ``parse_capabilities`` takes: capabilities separated by commas (blanks between them are skipped).
CAPABILITY_LIST = r"^\s*({0})?\s*(,\s*({0})?\s*)*$".format("|".join(CAPABILITIES))


class SearchParams(serializers.Serializer):
    country_code = serializers.RegexField(COUNTRY_CODE, required=False, help_text="ISO 3166-1 alpha-2, e.g. GB")
    country = serializers.RegexField(COUNTRY_CODE, required=False, help_text="Alias of country_code")
    number_type = serializers.ChoiceField(choices=NumberType.choices, required=False)
    type = serializers.ChoiceField(choices=NumberType.choices, required=False, help_text="Alias of number_type")
    city = serializers.CharField(required=False, max_length=100)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    page = serializers.IntegerField(min_value=1, max_value=10_000, default=1)

    def validate(self, attrs):
        country = attrs.get("country_code") or attrs.get("country")
        if not country:
            raise serializers.ValidationError({"country_code": "Give an ISO 3166-1 alpha-2 country code, e.g. GB."})
        attrs["country"] = country.upper()
        attrs["type"] = attrs.get("number_type") or attrs.get("type") or ""
        return attrs


class SearchItem(serializers.Serializer):
    """Documents ``search_item``'s shape (search pages are built as plain dicts, for speed)."""

    number = serializers.CharField()
    number_formatted = serializers.CharField()
    country = serializers.CharField()
    country_code = serializers.CharField()
    type = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    area_code = serializers.CharField()
    monthly_rate = serializers.IntegerField(help_text="EUR cents a month")
    setup_fee = serializers.IntegerField(
        help_text="Once, in EUR cents (the Connect guide's unit). At the /v1 base (the API reference's) it is "
        "in EUR instead, a number with two decimals like monthly_price (1.00)."
    )
    monthly_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        coerce_to_string=False,
        help_text="EUR a month, a JSON number with exactly two decimals (2.00)",
    )
    currency = serializers.CharField()
    per_minute_price = serializers.CharField(
        allow_null=True,
        help_text="Metered numbers (toll-free, usually): EUR per started minute of each answered call, a decimal "
        'string with four places ("0.0150"), charged to your wallet when the call ends; null for numbers with '
        "a flat monthly price only",
    )
    features = serializers.ListField(child=serializers.CharField())
    sms_enabled = serializers.BooleanField()
    requires_regulatory = serializers.BooleanField()
    available = serializers.BooleanField()


# A number's prices as a buyer compares them: monthly, setup, and per started minute (None: not metered).
Prices = tuple[Decimal, Decimal, Decimal | None]


def priced_items(item, rows: list[selectors.StockRow], *, actor, book: PriceBook | None) -> list[dict]:
    """``item`` (``search_item`` or ``available_item``) for each row at the caller's prices: the groups'
    wholesale prices for the reseller (``book`` None), its price list's for a client-scoped key (``book``
    loaded once per request)."""
    if book is None:
        return [item(row) for row in rows]
    client_id = actor.client.pk

    def prices(row: selectors.StockRow) -> Prices:
        scope = {"client_id": client_id, "country": row.country, "number_type": row.type}
        minute = row.group.minute_price
        return (
            book.price(item=Item.MONTHLY, wholesale=row.group.monthly_price, **scope),
            book.price(item=Item.SETUP, wholesale=row.group.setup_fee, **scope),
            book.price(item=Item.MINUTE, wholesale=minute, **scope) if minute else None,
        )

    return [item(row, prices(row)) for row in rows]


def _wholesale(group) -> Prices:
    return group.monthly_price, group.setup_fee, group.minute_price or None


def search_item(row: selectors.StockRow, prices: Prices | None = None, *, setup_in_eur: bool = False) -> dict:
    """One DIDfarm search result; the shape ``SearchItem`` documents. ``setup_in_eur``: ``setup_fee`` in
    EUR (the API reference's unit, at /v1) instead of cents (the Connect guide's, at /api/v1)."""
    monthly, setup, minute = prices or _wholesale(row.group)
    return {
        "number": row.e164,
        "number_formatted": format_international(row.e164),
        **_search_rest(row.group, monthly, setup, minute, setup_in_eur),
    }


@functools.lru_cache(maxsize=4096)
def _search_rest(group, monthly: Decimal, setup: Decimal, minute: Decimal | None, setup_in_eur: bool) -> dict:
    # What every number of a group shows alike, at one pair of prices: made once, not per row and request
    # (callers copy it into each result and never change it).
    return {
        "country": group.country,
        "country_code": group.country,
        "type": group.type,
        "city": group.city,
        "region": group.region,
        "area_code": group.area_code,
        "monthly_rate": to_whole_cents(monthly),
        "setup_fee": money_number(setup) if setup_in_eur else to_whole_cents(setup),
        "monthly_price": money_number(monthly),
        "currency": "EUR",
        "per_minute_price": to_exact_str(minute) if minute else None,
        "features": list(group.capabilities),
        "sms_enabled": "sms" in group.capabilities,
        "requires_regulatory": group.requires_regulatory,
        "available": True,
    }


def available_item(row: selectors.StockRow, prices: Prices | None = None) -> dict:
    """One Orbit-style result; the shape ``AvailableItem`` documents."""
    monthly, setup, minute = prices or _wholesale(row.group)
    return {
        "id": f"inv_{row.id}",
        "number": row.e164,
        "number_formatted": format_international(row.e164),
        **_available_rest(row.group, monthly, setup, minute),
    }


@functools.lru_cache(maxsize=4096)
def _available_rest(group, monthly: Decimal, setup: Decimal, minute: Decimal | None) -> dict:
    # (as ``_search_rest``)
    return {
        "country": group.country,
        "type": group.type,
        "region": group.region,
        "city": group.city,
        "area_code": group.area_code,
        "capabilities": list(group.capabilities),
        "monthly_cost": to_cents_str(monthly),
        "setup_cost": to_cents_str(setup),
        "per_minute_cost": to_exact_str(minute) if minute else None,
        "currency": "EUR",
        "requires_regulatory": group.requires_regulatory,
    }


class SearchMeta(serializers.Serializer):
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    limit = serializers.IntegerField()


class SearchPage(serializers.Serializer):
    data = SearchItem(many=True)
    meta = SearchMeta()


def _at_api_reference_base(request) -> bool:
    """Whether the request came through /v1 (the API reference's base URL) rather than /api/v1."""
    match = request.resolver_match
    return match is not None and match.namespace == "v1"


class NumberSearchApi(ApiView):
    @extend_schema(
        operation_id="numbers_search",
        tags=["Numbers"],
        parameters=[SearchParams],
        responses=SearchPage,
        summary="Search numbers for sale (DIDfarm)",
    )
    def get(self, request):
        params = validate_query(SearchParams, request)
        filters = selectors.StockFilters(country=params["country"], type=params["type"], city=params.get("city", ""))
        page, limit = params["page"], params["limit"]
        rows = selectors.stock_page(filters, offset=(page - 1) * limit, limit=limit)
        book = PriceBook.of(self.actor.account.pk) if self.actor.is_client_scoped else None
        total = selectors.stock_total(filters)
        item = functools.partial(search_item, setup_in_eur=_at_api_reference_base(request))
        return Response(
            {
                "data": priced_items(item, rows, actor=self.actor, book=book),
                "meta": {"total": total, "page": page, "limit": limit},
            }
        )


class AvailableParams(serializers.Serializer):
    country = serializers.RegexField(COUNTRY_CODE, help_text="ISO 3166-1 alpha-2, e.g. US")
    type = serializers.ChoiceField(choices=NumberType.choices, required=False)
    capabilities = serializers.CharField(required=False, help_text="Comma-separated; all must be offered")
    area_code = serializers.RegexField(r"^\d{1,8}$", required=False)
    contains = serializers.RegexField(r"^\+?\d{1,15}$", required=False, help_text="Digits the number contains")
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)


class AvailableItem(serializers.Serializer):
    """Documents ``available_item``'s shape."""

    id = serializers.CharField(help_text="Inventory row id (inv_…)")
    number = serializers.CharField()
    number_formatted = serializers.CharField()
    country = serializers.CharField()
    type = serializers.CharField()
    region = serializers.CharField()
    city = serializers.CharField()
    area_code = serializers.CharField()
    capabilities = serializers.ListField(child=serializers.CharField())
    monthly_cost = serializers.CharField()
    setup_cost = serializers.CharField()
    per_minute_cost = serializers.CharField(
        allow_null=True,
        help_text='Metered numbers: EUR per started minute of each answered call, four decimals ("0.0150"); null '
        "when the number has a flat monthly price only",
    )
    currency = serializers.CharField()
    requires_regulatory = serializers.BooleanField()


class AvailableMeta(serializers.Serializer):
    request_id = serializers.CharField()
    timestamp = serializers.DateTimeField()
    count = serializers.IntegerField()


class AvailablePage(serializers.Serializer):
    data = AvailableItem(many=True)
    meta = AvailableMeta()


class NumberAvailableApi(ApiView):
    @extend_schema(
        operation_id="numbers_available",
        tags=["Numbers"],
        parameters=[
            AvailableParams,
            OpenApiParameter(
                "capabilities",
                {"type": "string", "pattern": CAPABILITY_LIST},
                description="Comma-separated; all must be offered: " + ", ".join(CAPABILITIES),
            ),
        ],
        responses=AvailablePage,
        summary="Search numbers for sale by capabilities, area code and digits (Orbit)",
    )
    def get(self, request):
        params = validate_query(AvailableParams, request)
        filters = selectors.StockFilters(
            country=params["country"],
            type=params.get("type", ""),
            area_code=params.get("area_code", ""),
            capabilities=parse_capabilities(params.get("capabilities")),
            contains=params.get("contains", "").lstrip("+"),
        )
        rows = selectors.stock_page(filters, offset=0, limit=params["limit"])
        book = PriceBook.of(self.actor.account.pk) if self.actor.is_client_scoped else None
        return Response(
            {
                "data": priced_items(available_item, rows, actor=self.actor, book=book),
                "meta": meta_stamp(request) | {"count": len(rows)},
            }
        )


# --- Owned numbers -------------------------------------------------------------------------------


URL_FIELD_HELP = {
    "webhook_url": 'One URL for all of this number\'s events (SMS and voice); "" or null detaches. '
    "sms_webhook_url and voice_webhook_url, when set, take their events instead",
    "sms_webhook_url": 'Where this number\'s message events go (inbound SMS, delivery statuses); "" or null: to '
    "its webhook_url",
    "voice_webhook_url": "Where this number's other events go (provisioned, live, suspended, released…); "
    '"" or null: to its webhook_url',
}


def _url_input(name: str) -> StrictCharField:
    return StrictCharField(
        max_length=500, required=False, allow_blank=True, allow_null=True, help_text=URL_FIELD_HELP[name]
    )


class NumberOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    did_number_id = serializers.IntegerField(source="pk")
    number = serializers.CharField(source="e164")
    number_formatted = serializers.CharField()
    country = serializers.CharField(source="country_id")
    city = serializers.CharField(source="group.city")
    region = serializers.CharField(source="group.region")
    area_code = serializers.CharField(source="group.area_code")
    client_id = serializers.IntegerField(allow_null=True)
    client_name = serializers.CharField(source="client.name", default=None, allow_null=True)
    order_id = serializers.IntegerField()
    monthly_cost = serializers.SerializerMethodField()
    setup_cost = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    forwarding_number = serializers.SerializerMethodField()
    sms_webhook_url = serializers.SerializerMethodField(
        help_text="Where this number's message events go: its own SMS URL, else its webhook_url"
    )
    voice_webhook_url = serializers.SerializerMethodField(
        help_text="Where this number's other events go: its own voice URL, else its webhook_url"
    )
    agent_id = serializers.SerializerMethodField(
        help_text="Always null: numbers here are answered by a SIP trunk or a forwarding, never by an agent"
    )
    requires_regulatory = serializers.BooleanField(source="group.requires_regulatory")
    sms_monthly_cost = serializers.SerializerMethodField()
    compliance_profile_id = serializers.SerializerMethodField()
    port_id = serializers.SerializerMethodField()

    class Meta:
        model = Number
        fields = [
            "id", "did_number_id", "number", "number_formatted", "country", "type", "city", "region", "area_code",
            "status", "label", "tags", "capabilities", "sms_enabled", "sms_monthly_cost", "billing_cycle",
            "paid_through", "cancel_at_period_end",
            "monthly_cost", "setup_cost", "currency", "forwarding", "forwarding_number", "sms_forwarding",
            "webhook_url", "sms_webhook_url", "voice_webhook_url", "agent_id", "compliance_profile_id",
            "requires_regulatory",
            "port_id", "client_id", "client_name", "order_id", "activated_at", "created_at", "updated_at",
        ]  # fmt: skip

    # Prices as the caller pays them: wholesale for the reseller, its price list's for a client's key.
    def get_monthly_cost(self, number) -> str:
        return to_cents_str(viewer_number_prices(self.context, number).monthly)

    def get_compliance_profile_id(self, number) -> str | None:
        return f"cpr_{number.compliance_profile_id}" if number.compliance_profile_id else None

    def get_port_id(self, number) -> str | None:
        return f"port_{number.port_id}" if number.port_id else None

    def get_setup_cost(self, number) -> str:
        return to_cents_str(viewer_number_prices(self.context, number).setup)

    def get_sms_monthly_cost(self, number) -> str:
        return to_cents_str(viewer_number_prices(self.context, number).sms_monthly)

    def get_currency(self, number) -> str:
        return "EUR"

    # Where the number's events go (its own URL for them, else its webhook_url): what fan-out uses.
    def get_sms_webhook_url(self, number) -> str:
        return number.sms_webhook_url or number.webhook_url

    def get_voice_webhook_url(self, number) -> str:
        return number.voice_webhook_url or number.webhook_url

    def get_agent_id(self, number) -> str | None:
        return None

    def get_forwarding_number(self, number) -> str:
        return number.forwarding if number.forwarding.startswith("+") else ""


class NumberListParams(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=100)
    limit = serializers.IntegerField(min_value=1, max_value=200, default=25)
    country = serializers.CharField(required=False, min_length=2, max_length=2)
    capabilities = serializers.ChoiceField(choices=CAPABILITIES, required=False)
    status = serializers.ChoiceField(choices=[s for s in Number.Status.values if s != "released"], required=False)
    client_id = serializers.CharField(required=False, max_length=30)
    tag = serializers.CharField(required=False, max_length=64)
    digits = serializers.RegexField(r"^\+?\d{1,15}$", required=False)


class NumberListMeta(serializers.Serializer):
    request_id = serializers.CharField()
    timestamp = serializers.DateTimeField()
    pagination = CursorPagination()


class NumberListPage(serializers.Serializer):
    data = NumberOutput(many=True)
    meta = NumberListMeta()


class ComplianceProfileFields(serializers.Serializer):
    """``compliance_profile_id`` (alias ``provider_bundle_id``, as Orbit's SDK sends it) on every buying door."""

    compliance_profile_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A compliance profile (cpr_…) for the numbers that need documents: approved, they go live at "
        "once; otherwise they wait for its approval.",
    )
    provider_bundle_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, allow_null=True, help_text="Alias of compliance_profile_id"
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs["compliance_profile_id"] = attrs.get("compliance_profile_id") or attrs.pop("provider_bundle_id", "") or ""
        attrs.pop("provider_bundle_id", None)
        return attrs


class NumberOrderInput(ComplianceProfileFields):
    number = serializers.CharField(max_length=32, help_text="From search results; spaces and dashes allowed")
    billing_cycle = serializers.ChoiceField(choices=BillingCycle.choices, default=BillingCycle.MONTHLY)
    forwarding = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    client_id = serializers.CharField(required=False, allow_null=True, max_length=30)


class NumberListApi(ApiView):
    @extend_schema(
        operation_id="numbers_list",
        tags=["Numbers"],
        parameters=[NumberListParams],
        responses=NumberListPage,
        summary="Your numbers, newest first (cursor pagination)",
    )
    def get(self, request):
        params = validate_query(NumberListParams, request)
        client_id = None
        if params.get("client_id"):
            client_id = client_for(self.actor, params["client_id"]).pk
        qs = selectors.number_list(
            actor=self.actor,
            country=params.get("country", ""),
            capability=params.get("capabilities", ""),
            status=params.get("status", ""),
            client_id=client_id,
            tag=params.get("tag", ""),
            digits=params.get("digits", "").lstrip("+"),
        )
        rows, pagination = cursor_page(qs, cursor=params.get("cursor"), limit=params["limit"])
        return Response(
            {
                "data": NumberOutput(rows, many=True, context={"request": request}).data,
                "meta": meta_stamp(request) | {"pagination": pagination},
            }
        )

    @extend_schema(
        operation_id="numbers_order",
        tags=["Numbers"],
        request=NumberOrderInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: data_envelope(NumberOutput)},
        summary="Order one number (charged now, live within 60 s)",
    )
    @idempotent
    def post(self, request):
        data = valid_body(NumberOrderInput, request)
        order = _buy_one(
            self.actor,
            field="number",
            numbers=[data["number"]],
            client=client_for(self.actor, data.get("client_id")),
            billing_cycle=data["billing_cycle"],
            forwarding=data["forwarding"],
            compliance_profile_id=data["compliance_profile_id"],
        )
        number = order.numbers.select_related("group", "client").get()
        return Response(
            {"data": NumberOutput(number, context={"request": request}).data, "meta": meta_stamp(request)}, status=201
        )


def _buy_one(actor, *, field: str, **kwargs) -> Order:
    """``number_purchase`` for a single number; its item errors are named after this endpoint's field."""
    try:
        return services.number_purchase(actor=actor, **kwargs)
    except ValidationFailed as exc:
        if exc.fields:
            exc.fields = {
                key.replace("items[0].number", field).replace("items[0].", ""): msgs for key, msgs in exc.fields.items()
            }
        raise


class NumberPurchaseInput(ComplianceProfileFields):
    phone_number = serializers.CharField(max_length=32, required=False)
    number = serializers.CharField(max_length=32, required=False, help_text="Alias of phone_number")
    country_code = serializers.CharField(min_length=2, max_length=2, required=False)
    capabilities = serializers.ListField(child=serializers.CharField(max_length=16), required=False)
    id = serializers.CharField(max_length=40, required=False, help_text="Inventory row id from /numbers/available")
    billing_cycle = serializers.ChoiceField(choices=BillingCycle.choices, default=BillingCycle.MONTHLY)
    client_id = serializers.CharField(required=False, allow_null=True, max_length=30)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs["phone_number"] = attrs.get("phone_number") or attrs.get("number")
        if not attrs["phone_number"]:
            raise serializers.ValidationError({"phone_number": "Give the number to buy (from /numbers/available)."})
        return attrs


class NumberPurchaseApi(ApiView):
    @extend_schema(
        operation_id="numbers_purchase",
        tags=["Numbers"],
        request=NumberPurchaseInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: data_envelope(NumberOutput)},
        summary="Buy a number (Orbit)",
    )
    @idempotent
    def post(self, request):
        data = valid_body(NumberPurchaseInput, request)
        if data.get("capabilities"):
            parse_capabilities(data["capabilities"])
        expected: dict = {}
        if data.get("country_code"):
            expected["country"] = data["country_code"].upper()
        if data.get("id"):
            row_id = data["id"].removeprefix("inv_")
            if not (row_id.isascii() and row_id.isdigit()):
                raise ValidationFailed(fields={"id": ["Use the inventory id from /numbers/available (inv_…)."]})
            expected["inventory_id"] = int(row_id)
        order = _buy_one(
            self.actor,
            field="phone_number",
            numbers=[data["phone_number"]],
            client=client_for(self.actor, data.get("client_id")),
            billing_cycle=data["billing_cycle"],
            capabilities=data.get("capabilities"),
            compliance_profile_id=data["compliance_profile_id"],
            expected={0: expected} if expected else None,
        )
        number = order.numbers.select_related("group", "client").get()
        return Response(
            {"data": NumberOutput(number, context={"request": request}).data, "meta": meta_stamp(request)}, status=201
        )


class NumberUpdateInput(serializers.Serializer):
    """Only the keys sent change. JSON types are taken as sent: a number, boolean, list or object where a
    string is expected is a 422 (``StrictCharField``), as is anything but true/false for a boolean."""

    label = StrictCharField(max_length=100, required=False, allow_blank=True, allow_null=True)
    status = serializers.ChoiceField(choices=["active", "inactive"], required=False)
    capabilities = serializers.ListField(child=StrictCharField(max_length=16), required=False)
    forwarding_number = StrictCharField(max_length=32, required=False, allow_blank=True, allow_null=True)
    webhook_url = _url_input("webhook_url")
    sms_webhook_url = _url_input("sms_webhook_url")
    voice_webhook_url = _url_input("voice_webhook_url")
    sms_forwarding = StrictCharField(max_length=32, required=False, allow_blank=True, allow_null=True)
    compliance_profile_id = StrictCharField(
        max_length=64,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text='A compliance profile (cpr_…); "" or null detaches',
    )
    provider_bundle_id = StrictCharField(
        max_length=64, required=False, allow_blank=True, allow_null=True, help_text="Alias of compliance_profile_id"
    )
    tags = serializers.ListField(child=StrictCharField(max_length=64), required=False, max_length=10)
    client_id = StrictIdField(max_length=30, required=False, allow_null=True)
    cancel_at_period_end = StrictBooleanField(required=False)
    channel_config = serializers.DictField(
        required=False,
        help_text="Accepted for compatibility with Orbit's clients; no carrier here takes per-number channel "
        "overrides, so it changes nothing",
    )

    # Keys a number shows (GET) that this endpoint does not change, and why.
    READ_ONLY = {
        "agent_id": gettext_lazy(
            "Numbers here are answered by a SIP trunk or a forwarding (portal/did-routing), never by an agent, "
            "so agent_id is always null."
        ),
    }

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {key: self.READ_ONLY.get(key, "Unknown field.") for key in sorted(unknown)}
            )
        return attrs


class NumberDetailApi(ApiView):
    @extend_schema(
        operation_id="numbers_get",
        tags=["Numbers"],
        parameters=[NUMBER_ID],
        responses=data_envelope(NumberOutput),
        summary="One of your numbers",
    )
    def get(self, request, number_id: str):
        number = selectors.number_get(actor=self.actor, number_id=number_id)
        return Response({"data": NumberOutput(number, context={"request": request}).data, "meta": meta_stamp(request)})

    @extend_schema(
        operation_id="numbers_configure",
        tags=["Numbers"],
        parameters=[NUMBER_ID],
        request=NumberUpdateInput,
        responses=data_envelope(NumberOutput),
        summary="Configure a number (only the keys sent change; unknown keys → 422)",
    )
    def put(self, request, number_id: str):
        number = selectors.number_get(actor=self.actor, number_id=number_id)
        data = valid_body(NumberUpdateInput, request)
        data.pop("channel_config", None)
        if "provider_bundle_id" in data:
            alias = data.pop("provider_bundle_id")
            data.setdefault("compliance_profile_id", alias)
        number = services.number_configure(actor=self.actor, number=number, **data)
        return Response({"data": NumberOutput(number, context={"request": request}).data, "meta": meta_stamp(request)})

    @extend_schema(
        operation_id="numbers_release",
        tags=["Numbers"],
        parameters=[NUMBER_ID],
        request=None,
        responses={204: None},
        summary="Release a number now (nothing more billed, paid period not refunded)",
    )
    def delete(self, request, number_id: str):
        number = selectors.number_get(actor=self.actor, number_id=number_id)
        services.number_release(actor=self.actor, number=number)
        return Response(status=204)


# --- Checkout and orders -------------------------------------------------------------------------


class CheckoutItemInput(serializers.Serializer):
    number = serializers.CharField(max_length=32)
    country = serializers.CharField(min_length=2, max_length=2, required=False)
    type = serializers.ChoiceField(choices=NumberType.choices, required=False)


class CheckoutInput(ComplianceProfileFields):
    items = CheckoutItemInput(many=True, allow_empty=False, max_length=services.MAX_ITEMS_PER_ORDER)
    client_id = serializers.CharField(required=False, allow_null=True, max_length=30)
    billing_cycle = serializers.ChoiceField(choices=BillingCycle.choices, default=BillingCycle.MONTHLY)


class OrderItemOutput(serializers.Serializer):
    did_number_id = serializers.IntegerField(source="number.pk")
    id = serializers.CharField(source="number.public_id")
    number = serializers.CharField(source="e164")
    status = serializers.CharField(source="number.status")
    requires_regulatory = serializers.BooleanField(source="number.group.requires_regulatory")
    setup_fee = serializers.SerializerMethodField()
    first_period = serializers.SerializerMethodField()
    billing_cycle = serializers.CharField()
    per_minute_price = serializers.SerializerMethodField(
        help_text="A metered number's price per started minute of an answered call, charged when each call "
        'ends (EUR, four decimals: "0.0150"; a client-scoped key gets its client\'s price); null when not metered'
    )

    def get_setup_fee(self, item) -> str:
        return to_exact_str(item.setup_fee)

    def get_per_minute_price(self, item) -> str | None:
        minute = item.number.group.minute_price
        if not minute:
            return None
        book = viewer_book(self.context)
        if book is not None:
            minute = book.for_number(item.number, item=Item.MINUTE, wholesale=minute) or minute
        return to_exact_str(minute)

    def get_first_period(self, item) -> str:
        return to_exact_str(item.first_period)


class OrderOutput(serializers.Serializer):
    order_id = serializers.IntegerField(source="pk")
    id = serializers.CharField(source="public_id")
    status = serializers.CharField()
    total = serializers.SerializerMethodField()
    currency = serializers.CharField()
    client_id = serializers.IntegerField(allow_null=True)
    requires_regulatory = serializers.SerializerMethodField()
    items = OrderItemOutput(many=True)
    created_at = serializers.DateTimeField()

    def get_total(self, order) -> str:
        return to_exact_str(order.total)

    def get_requires_regulatory(self, order) -> bool:
        return any(item.number.group.requires_regulatory for item in order.items.all())


class ClientPricedOrderOutput(OrderOutput):
    """``OrderOutput`` for a page of orders, priced for the viewer (client-scoped keys: their prices),
    all the page's orders at once."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        if args:
            rows = list(args[0])
            show_client_order_prices(context_actor(kwargs.get("context", {})), rows)
            args = (rows, *args[1:])
        return super().many_init(*args, **kwargs)


def _order_with_items(order_qs, actor):
    return order_qs.prefetch_related(Prefetch("items", queryset=selectors.order_items_for(actor=actor)))


class CheckoutApi(ApiView):
    @extend_schema(
        operation_id="wallet_checkout",
        tags=["Wallet"],
        request=CheckoutInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: data_envelope(OrderOutput)},
        summary="Buy numbers from the wallet, all or nothing",
    )
    @idempotent
    def post(self, request):
        data = valid_body(CheckoutInput, request)
        items = data["items"]
        expected = {
            index: {
                k: v for k, v in (("country", item.get("country", "").upper()), ("type", item.get("type", ""))) if v
            }
            for index, item in enumerate(items)
        }
        order = services.number_purchase(
            actor=self.actor,
            numbers=[item["number"] for item in items],
            client=client_for(self.actor, data.get("client_id")),
            billing_cycle=data["billing_cycle"],
            expected=expected,
            compliance_profile_id=data["compliance_profile_id"],
        )
        order = _order_with_items(Order.objects.filter(pk=order.pk), self.actor).get()
        return Response({"data": OrderOutput(order, context={"request": request}).data}, status=201)


class OrderListApi(ApiView):
    @extend_schema(
        operation_id="orders_list",
        tags=["Numbers"],
        parameters=[PageParams],
        responses=page_envelope(OrderOutput),
        summary="Your number orders, newest first",
    )
    def get(self, request):
        from portal.api import paginate

        return paginate(
            request, _order_with_items(selectors.order_list(actor=self.actor), self.actor), ClientPricedOrderOutput
        )


class OrderDetailApi(ApiView):
    @extend_schema(
        operation_id="orders_get",
        tags=["Numbers"],
        parameters=[OpenApiParameter("order_id", str, OpenApiParameter.PATH, description="42 or ord_42")],
        responses=data_envelope(OrderOutput),
        summary="One order",
    )
    def get(self, request, order_id: str):
        order = selectors.order_get(actor=self.actor, order_id=order_id)
        order = _order_with_items(Order.objects.filter(pk=order.pk), self.actor).get()
        show_client_order_prices(self.actor, [order])
        return Response({"data": OrderOutput(order, context={"request": request}).data})
