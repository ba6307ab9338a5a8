"""Reads for numbers. Inventory search is the same for everyone; owned numbers are scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.selectors import parse_id
from portal.errors import NotFound

from .models import CAPABILITIES, AvailableNumber, Number, NumberGroup, Order


@dataclass(frozen=True)
class StockFilters:
    country: str
    type: str = ""
    city: str = ""
    region: str = ""
    area_code: str = ""
    capabilities: tuple[str, ...] = ()
    contains: str = ""


def _group_conditions(f: StockFilters) -> dict[str, object]:
    """Conditions on the number's group beyond country and type (empty: the fast path applies)."""
    conditions: dict[str, object] = {}
    if f.city:
        conditions["city__iexact"] = f.city
    if f.region:
        conditions["region__iexact"] = f.region
    if f.area_code:
        conditions["area_code"] = f.area_code
    for capability in f.capabilities:
        if capability in CAPABILITIES:
            conditions[f"has_{capability}"] = True
    return conditions


def stock_search(filters: StockFilters) -> QuerySet[AvailableNumber]:
    """Numbers for sale matching ``filters``, in number order. With only country (and type) given, the
    query walks the (country, type, e164) index and stops after the page; narrower filters pick the
    matching groups first (a small table) and then their numbers."""
    country = filters.country.upper()
    qs = AvailableNumber.objects.filter(status=AvailableNumber.Status.AVAILABLE)
    conditions = _group_conditions(filters)
    if conditions:
        # The groups imply country and type; filtering on the group alone lets a single-group search walk
        # the (group, e164) index in order.
        groups = NumberGroup.objects.filter(country_id=country, **conditions)
        if filters.type:
            groups = groups.filter(type=filters.type)
        qs = qs.filter(group_id__in=list(groups.values_list("id", flat=True)))
    else:
        qs = qs.filter(country_id=country)
        if filters.type:
            qs = qs.filter(type=filters.type)
    if filters.contains:
        qs = qs.filter(e164__contains=filters.contains)
    # Groups come in a second, tiny query: joining them here can steer the planner off the ordered index.
    return qs.prefetch_related("group").order_by("e164")


@dataclass(frozen=True)
class StockRow:
    """One number for sale with what a search shows about it (built without model instances: searches
    are the hottest read in the portal)."""

    id: int
    e164: str
    country: str
    type: str
    city: str
    region: str
    area_code: str
    capabilities: list[str]
    monthly_price: Decimal
    setup_fee: Decimal
    sms_addon_price: Decimal
    requires_regulatory: bool


GROUP_FIELDS = (
    "id",
    "city",
    "region",
    "area_code",
    "has_voice",
    "has_sms",
    "has_mms",
    "has_fax",
    "monthly_price",
    "setup_fee",
    "sms_addon_price",
    "requires_regulatory",
)


def stock_page(filters: StockFilters, *, offset: int, limit: int) -> list[StockRow]:
    """A page of ``stock_search``: the numbers in one indexed query, their groups in a second small one."""
    rows = list(
        stock_search(filters).values_list("id", "e164", "group_id", "country_id", "type")[offset : offset + limit]
    )
    groups = {g["id"]: g for g in NumberGroup.objects.filter(pk__in={row[2] for row in rows}).values(*GROUP_FIELDS)}
    page = []
    for pk, e164, group_id, country, type_ in rows:
        g = groups[group_id]
        page.append(
            StockRow(
                id=pk,
                e164=e164,
                country=country,
                type=type_,
                city=g["city"],
                region=g["region"],
                area_code=g["area_code"],
                capabilities=[c for c in CAPABILITIES if g[f"has_{c}"]],
                monthly_price=g["monthly_price"],
                setup_fee=g["setup_fee"],
                sms_addon_price=g["sms_addon_price"],
                requires_regulatory=g["requires_regulatory"],
            )
        )
    return page


def stock_total(filters: StockFilters) -> int:
    """How many numbers match ``filters``: summed from the groups' counters unless digits are asked for
    (then counted, on the trigram index)."""
    if filters.contains:
        return stock_search(filters).count()
    groups = NumberGroup.objects.filter(country_id=filters.country.upper(), **_group_conditions(filters))
    if filters.type:
        groups = groups.filter(type=filters.type)
    return groups.aggregate(total=Sum("available_count"))["total"] or 0


def number_list(
    *,
    actor: Actor,
    country: str = "",
    capability: str = "",
    status: str = "",
    client_id: int | None = None,
    tag: str = "",
    digits: str = "",
    include_failed: bool = True,
) -> QuerySet[Number]:
    """The actor's numbers, newest first. Released numbers are gone from the account."""
    qs = Number.objects.filter(account=actor.account).exclude(status=Number.Status.RELEASED)
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    if not include_failed:
        qs = qs.exclude(status=Number.Status.FAILED)
    if country:
        qs = qs.filter(country_id=country.upper())
    if status:
        qs = qs.filter(status=status)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if digits:
        qs = qs.filter(e164__contains=digits)
    if capability:
        qs = qs.filter(capabilities__icontains=f'"{capability}"')
    if tag:
        qs = qs.filter(tags__icontains=f'"{tag}"')
    return qs.select_related("client", "group", "country").order_by("-id")


def number_get(*, actor: Actor, number_id: str | int) -> Number:
    """One of the actor's numbers by integer id, ``num_…`` id or E.164 number."""
    text = str(number_id).strip()
    qs = number_list(actor=actor)
    if text.startswith("+"):
        number = qs.filter(e164=text).first()
    else:
        pk = parse_id(text, "num")
        number = qs.filter(pk=pk).first() if pk else None
    if number is None:
        raise NotFound(_("Number not found."))
    return number


def order_list(*, actor: Actor) -> QuerySet[Order]:
    qs = Order.objects.filter(account=actor.account)
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    return qs.select_related("client").order_by("-created_at", "-id")


def order_get(*, actor: Actor, order_id: str | int) -> Order:
    pk = parse_id(order_id, "ord")
    order = order_list(actor=actor).filter(pk=pk).first() if pk else None
    if order is None:
        raise NotFound(_("Order not found."))
    return order
