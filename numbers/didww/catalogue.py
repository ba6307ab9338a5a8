"""What we sell, as DIDWW's v3 API describes it: countries, regions, cities, DID group types, DID groups
with their stock keeping units, available DIDs, points of presence and the buyer's balance.

- A DID group is one of our number groups; its stock keeping units are its billing cycles
  (``<group id>-monthly``, ``-quarterly``, ``-annual``), each with the setup price and the monthly price.
  An order item names a SKU: the cycle the numbers are bought on.
- Available DIDs are the numbers in stock (not those reserved or sold), from the same search index as
  /api/v1's search, in number order.
- Prices are the reseller's wholesale prices; a client-bound key sees its price list's prices instead,
  never the wholesale ones. The balance is the reseller's wallet, which client keys do not see (403).
- Regions and cities have ids made of the country and the name (``GB-england``, ``GB-london``).

Each resource type has a ``Collection``: its ``Spec`` (filters, sort keys, include paths), how a page of
it is read for an actor, and how one is found by id (404 when there is none)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.actor import Actor
from billing import selectors as billing_selectors
from billing.money import to_exact_str
from billing.pricing import Item, PriceBook
from portal.errors import NotFound
from portal.jsonapi import BOOLEAN, InvalidParameter, Query, Resource, Spec, list_of, truth, values_of

from ..models import AvailableNumber, BillingCycle, Country, NumberGroup, NumberType
from .resources import DIDWW_FEATURES, FEATURES, country_resource, did_group_resource, place_id

Page = tuple[list[Resource], int]


@dataclass(frozen=True)
class Collection:
    """One resource type's list (``page``: the resources of a page and the total) and lookup by id."""

    spec: Spec
    page: Callable[[Actor, Query], Page]
    find: Callable[[Actor, str], Resource]
    filter_help: dict[str, str]
    filter_schemas: dict[str, dict] = field(default_factory=dict)


def _slice(items: list, query: Query) -> Page:
    start = (query.page_number - 1) * query.page_size
    return items[start : start + query.page_size], len(items)


def _sorted(items: list[Resource], query: Query, default: str = "name") -> list[Resource]:
    for name, descending in reversed(query.sort or [(default, False)]):
        items = sorted(
            items, key=lambda r: (r.attributes.get(name) is None, r.attributes.get(name) or ""), reverse=descending
        )
    return items


def _matches(value: str | None, wanted: str) -> bool:
    """A name filter: the values given (comma-separated), compared without case."""
    return (value or "").lower() in {w.lower() for w in values_of(wanted)}


# --- Countries, regions, cities, group types -----------------------------------------------------


def _countries() -> list[Country]:
    """The countries we sell numbers in."""
    return list(Country.objects.filter(groups__isnull=False).distinct().order_by("name"))


def _country_page(actor: Actor, query: Query) -> Page:
    items = [country_resource(c) for c in _countries()]
    for name, value in query.filters.items():
        if name in ("name", "iso", "prefix"):
            items = [r for r in items if _matches(r.attributes[name], value)]
        elif name == "id":
            items = [r for r in items if _matches(r.id, value)]
    return _slice(_sorted(items, query), query)


def _country_find(actor: Actor, country_id: str) -> Resource:
    country = Country.objects.filter(code=country_id.upper(), groups__isnull=False).first()
    if country is None:
        raise NotFound(_("No such country."))
    return country_resource(country)


def _places(column: str) -> list[Resource]:
    """The regions (``column`` "region") or cities of our groups, each once, with their country."""
    countries = {c.code: country_resource(c) for c in _countries()}
    rows = (
        NumberGroup.objects.exclude(**{column: ""})
        .values_list("country_id", column, "region")
        .distinct()
        .order_by("country_id", column)
    )
    out: dict[str, Resource] = {}
    for country, name, region in rows:
        key = place_id(country, name)
        if key in out or country not in countries:
            continue
        relationships: dict = {"country": countries[country]}
        if column == "city":
            relationships["region"] = (
                Resource(
                    "regions", place_id(country, region), {"name": region, "iso": None}, {"country": countries[country]}
                )
                if region
                else None
            )
            out[key] = Resource("cities", key, {"name": name}, relationships)
        else:
            out[key] = Resource("regions", key, {"name": name, "iso": None}, relationships)
    return list(out.values())


def _place_page(column: str) -> Callable[[Actor, Query], Page]:
    def page(actor: Actor, query: Query) -> Page:
        items = _places(column)
        for name, value in query.filters.items():
            if name == "name":
                items = [r for r in items if _matches(r.attributes["name"], value)]
            elif name == "id":
                items = [r for r in items if _matches(r.id, value)]
            elif name == "country.id":
                items = [r for r in items if _matches(r.relationships["country"].id, value)]  # type: ignore[union-attr]
            elif name == "region.id":
                items = [
                    r for r in items if r.relationships.get("region") and _matches(r.relationships["region"].id, value)
                ]  # type: ignore[union-attr]
        return _slice(_sorted(items, query), query)

    return page


def _place_find(column: str) -> Callable[[Actor, str], Resource]:
    def find(actor: Actor, place: str) -> Resource:
        for resource in _places(column):
            if resource.id.lower() == place.lower():
                return resource
        raise NotFound(_("No such city.") if column == "city" else _("No such region."))

    return find


def group_type_resource(value: str) -> Resource:
    return Resource("did_group_types", value, {"name": str(NumberType(value).label)})


def _type_page(actor: Actor, query: Query) -> Page:
    items = [group_type_resource(v) for v in NumberType.values]
    for name, value in query.filters.items():
        if name == "name":
            items = [r for r in items if _matches(r.attributes["name"], value)]
        elif name == "id":
            items = [r for r in items if _matches(r.id, value)]
    return _slice(_sorted(items, query), query)


def _type_find(actor: Actor, type_id: str) -> Resource:
    if type_id not in NumberType.values:
        raise NotFound(_("No such DID group type."))
    return group_type_resource(type_id)


# --- DID groups and their SKUs -------------------------------------------------------------------


def sku_id(group_id: int, cycle: str) -> str:
    return f"{group_id}-{cycle}"


def parse_sku(value: str) -> tuple[int, str] | None:
    """(group id, billing cycle) of a SKU id, or None when it is not one."""
    group, _sep, cycle = str(value).partition("-")
    if not (group.isascii() and group.isdigit() and len(group) < 12) or cycle not in BillingCycle.values:
        return None
    return int(group), cycle


class Prices:
    """The prices an actor sees: wholesale for the reseller, its price list's for a client-bound key."""

    def __init__(self, actor: Actor):
        self.client_id = actor.client.pk if actor.is_client_scoped and actor.client else None
        self.book = PriceBook.of(actor.account.pk) if self.client_id else None

    def of(self, group: NumberGroup, item: str, wholesale: Decimal) -> Decimal:
        if self.book is None:
            return wholesale
        return self.book.price(
            item=item, wholesale=wholesale, client_id=self.client_id, country=group.country_id, number_type=group.type
        )


def sku_resources(group: NumberGroup, prices: Prices) -> list[Resource]:
    setup = to_exact_str(prices.of(group, Item.SETUP, group.setup_fee))
    monthly = to_exact_str(prices.of(group, Item.MONTHLY, group.monthly_price))
    # A metered group's price per started minute of an answered call: DIDWW's model says is_metered on the
    # group and names a per-minute rate metered_rate (on capacity pools); the SKUs carry it under that name.
    minute = to_exact_str(prices.of(group, Item.MINUTE, group.minute_price)) if group.minute_price else None
    attributes = {"setup_price": setup, "monthly_price": monthly, "channels_included_count": 0}
    return [
        Resource(
            "stock_keeping_units",
            sku_id(group.pk, cycle),
            attributes | {"billing_cycle": cycle, "metered_rate": minute},
        )
        for cycle in BillingCycle.values
    ]


def group_resource(group: NumberGroup, prices: Prices) -> Resource:
    resource = did_group_resource(group, group.country)
    resource.attributes |= {
        "allow_additional_channels": False,
        "service_restrictions": _("Documents are needed before the number goes live.")
        if group.requires_regulatory
        else None,
        "available_dids_count": group.available_count,
    }
    resource.relationships["stock_keeping_units"] = sku_resources(group, prices)
    # Where documents are needed: the address requirement of the group's country and type (``vault``),
    # which is how a buyer (another DIDfarm's stock import) knows its numbers wait for documents.
    resource.relationships["address_requirement"] = (
        Resource("address_requirements", f"{group.country_id}-{group.type}", {}) if group.requires_regulatory else None
    )
    return resource


def _ids(value: str) -> list[int]:
    return [int(v) for v in values_of(value) if v.isascii() and v.isdigit() and len(v) < 12]


def _place_q(value: str, column: str) -> Q:
    wanted = {v.lower() for v in values_of(value)}
    countries = {v.split("-", 1)[0].upper() for v in wanted if "-" in v}
    rows = (
        NumberGroup.objects.filter(country_id__in=countries)
        .exclude(**{column: ""})
        .values_list("id", "country_id", column)
    )
    return Q(pk__in=[pk for pk, country, name in rows if place_id(country, name).lower() in wanted])


def _features_q(value: str) -> Q:
    wanted = [f for f in values_of(value) if f]
    unknown = [f for f in wanted if f not in DIDWW_FEATURES]
    if unknown or not wanted:
        raise InvalidParameter(
            "filter[features]",
            _("Unknown feature %(f)s; features: %(known)s.")
            % {"f": (unknown or ['""'])[0], "known": ", ".join(DIDWW_FEATURES)},
        )
    if any(f not in FEATURES for f in wanted):
        return Q(pk__in=[])
    return Q(**{FEATURES[f]: True for f in wanted})


GROUP_FILTERS: dict[str, Callable[[str], Q]] = {
    "id": lambda v: Q(pk__in=_ids(v)),
    "country.id": lambda v: Q(country_id__in=[c.upper() for c in values_of(v)]),
    "region.id": lambda v: _place_q(v, "region"),
    "city.id": lambda v: _place_q(v, "city"),
    "did_group_type.id": lambda v: Q(type__in=values_of(v)),
    "prefix": lambda v: Q(area_code__in=values_of(v)),
    "area_name": lambda v: Q(city__in=values_of(v)) | Q(region__in=values_of(v)),
    "features": _features_q,
    "is_metered": lambda v: (
        Q(minute_price__gt=0) if truth("filter[is_metered]", v) else Q(minute_price__isnull=True) | Q(minute_price=0)
    ),
    # Never extra channels: true matches nothing.
    "allow_additional_channels": lambda v: Q(pk__in=[]) if truth("filter[allow_additional_channels]", v) else Q(),
}
GROUP_SORTS = {"prefix": "area_code", "area_name": "city", "id": "id"}


def groups_filtered(filters: dict[str, str]):
    qs = NumberGroup.objects.select_related("country")
    for name, value in filters.items():
        qs = qs.filter(GROUP_FILTERS[name](value))
    return qs


def _group_page(actor: Actor, query: Query) -> Page:
    qs = groups_filtered(query.filters)
    ordering = [("-" if descending else "") + GROUP_SORTS[name] for name, descending in query.sort]
    qs = qs.order_by(*ordering, "id")
    total = qs.count()
    start = (query.page_number - 1) * query.page_size
    prices = Prices(actor)
    return [group_resource(g, prices) for g in qs[start : start + query.page_size]], total


def group_get(group_id: str) -> NumberGroup:
    ids = _ids(group_id)
    group = NumberGroup.objects.select_related("country").filter(pk__in=ids[:1]).first() if ids else None
    if group is None:
        raise NotFound(_("No such DID group."))
    return group


def _group_find(actor: Actor, group_id: str) -> Resource:
    return group_resource(group_get(group_id), Prices(actor))


# --- Available DIDs ------------------------------------------------------------------------------


def available_did_resource(stock: AvailableNumber, group: Resource) -> Resource:
    return Resource(
        "available_dids",
        str(stock.pk),
        {"number": stock.e164.removeprefix("+")},
        {"did_group": group, "nanpa_prefix": None},
    )


AVAILABLE_GROUP_FILTERS = {
    "did_group.id": "id",
    "country.id": "country.id",
    "region.id": "region.id",
    "city.id": "city.id",
    "did_group_type.id": "did_group_type.id",
    "did_group.features": "features",
}


def _available_page(actor: Actor, query: Query) -> Page:
    group_filters = {AVAILABLE_GROUP_FILTERS[k]: v for k, v in query.filters.items() if k in AVAILABLE_GROUP_FILTERS}
    groups = {g.pk: g for g in groups_filtered(group_filters)}
    qs = AvailableNumber.objects.filter(status=AvailableNumber.Status.AVAILABLE, group_id__in=list(groups))
    if "number.contains" in query.filters:
        digits = query.filters["number.contains"].strip().removeprefix("+")
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 15):
            raise InvalidParameter("filter[number.contains]", _("Use digits only, at most 15."))
        qs = qs.filter(e164__contains=digits)
        total = qs.count()
    else:
        # The groups' for-sale counters, as /api/v1's search gives its totals (no count of the stock).
        total = sum(g.available_count for g in groups.values())
    descending = any(d for name, d in query.sort if name == "number")
    qs = qs.order_by("-e164" if descending else "e164")
    start = (query.page_number - 1) * query.page_size
    prices = Prices(actor)
    resources: dict[int, Resource] = {}
    out = []
    for row in qs[start : start + query.page_size]:
        if row.group_id not in resources:
            resources[row.group_id] = group_resource(groups[row.group_id], prices)
        out.append(available_did_resource(row, resources[row.group_id]))
    return out, total


def available_get(stock_id: str) -> AvailableNumber:
    ids = _ids(stock_id)
    row = (
        AvailableNumber.objects.select_related("group__country")
        .filter(pk__in=ids[:1], status=AvailableNumber.Status.AVAILABLE)
        .first()
        if ids
        else None
    )
    if row is None:
        raise NotFound(_("This number is not available."))
    return row


def _available_find(actor: Actor, stock_id: str) -> Resource:
    row = available_get(stock_id)
    return available_did_resource(row, group_resource(row.group, Prices(actor)))


# --- Points of presence, balance -----------------------------------------------------------------


def pop_resources() -> list[Resource]:
    """Where calls reach us from: the SIP edge trunks register with."""
    return [Resource("pops", "1", {"name": settings.SIP_SERVER})]


def _pop_page(actor: Actor, query: Query) -> Page:
    return _slice(pop_resources(), query)


def _pop_find(actor: Actor, pop_id: str) -> Resource:
    for resource in pop_resources():
        if resource.id == pop_id:
            return resource
    raise NotFound(_("No such point of presence."))


def balance_resource(*, actor: Actor) -> Resource:
    """The reseller's wallet as DIDWW's balance: no credit line here, so the total is the balance."""
    wallet = billing_selectors.wallet_get(actor=actor)  # 403 for client-bound keys
    balance = to_exact_str(wallet.balance)
    return Resource(
        "balances", actor.account.public_id, {"total_balance": balance, "credit": "0.0000", "balance": balance}
    )


# --- The collections -----------------------------------------------------------------------------

COUNTRY_FIELDS = frozenset({"name", "prefix", "iso", "regions"})
REGION_FIELDS = frozenset({"name", "iso", "country"})
CITY_FIELDS = frozenset({"name", "country", "region", "area"})
GROUP_FIELDS = frozenset(
    {
        "prefix", "features", "is_metered", "area_name", "allow_additional_channels", "service_restrictions",
        "available_dids_count", "country", "city", "region", "did_group_type", "stock_keeping_units",
        "address_requirement",
    }
)  # fmt: skip
SKU_FIELDS = frozenset({"setup_price", "monthly_price", "channels_included_count", "billing_cycle", "metered_rate"})
TYPE_FIELDS = frozenset({"name"})
GROUP_TYPES = {
    "did_groups": GROUP_FIELDS,
    "countries": COUNTRY_FIELDS,
    "regions": REGION_FIELDS,
    "cities": CITY_FIELDS,
    "did_group_types": TYPE_FIELDS,
    "stock_keeping_units": SKU_FIELDS,
}
GROUP_INCLUDES = frozenset(
    {"country", "region", "city", "did_group_type", "stock_keeping_units", "region.country", "city.region"}
)

COLLECTIONS: dict[str, Collection] = {
    "countries": Collection(
        Spec(
            types={"countries": COUNTRY_FIELDS},
            filters=frozenset({"id", "name", "iso", "prefix"}),
            sorts=frozenset({"name", "iso", "prefix"}),
        ),
        _country_page,
        _country_find,
        {
            "id": "ISO codes (GB), comma-separated",
            "name": "Country names, comma-separated",
            "iso": "ISO codes",
            "prefix": "Dial codes without the plus (44)",
        },
    ),
    "regions": Collection(
        Spec(
            types={"regions": REGION_FIELDS, "countries": COUNTRY_FIELDS},
            filters=frozenset({"id", "name", "country.id"}),
            sorts=frozenset({"name"}),
            includes=frozenset({"country"}),
        ),
        _place_page("region"),
        _place_find("region"),
        {"id": "Region ids (GB-england)", "name": "Region names", "country.id": "ISO country codes"},
    ),
    "cities": Collection(
        Spec(
            types={"cities": CITY_FIELDS, "regions": REGION_FIELDS, "countries": COUNTRY_FIELDS},
            filters=frozenset({"id", "name", "country.id", "region.id"}),
            sorts=frozenset({"name"}),
            includes=frozenset({"country", "region", "region.country"}),
        ),
        _place_page("city"),
        _place_find("city"),
        {
            "id": "City ids (GB-london)",
            "name": "City names",
            "country.id": "ISO country codes",
            "region.id": "Region ids (GB-england)",
        },
    ),
    "did_group_types": Collection(
        Spec(types={"did_group_types": TYPE_FIELDS}, filters=frozenset({"id", "name"}), sorts=frozenset({"name"})),
        _type_page,
        _type_find,
        {"id": "local, mobile, national, toll_free or short_code", "name": "Type names (Local, Mobile, …)"},
    ),
    "did_groups": Collection(
        Spec(
            types=GROUP_TYPES, filters=frozenset(GROUP_FILTERS), sorts=frozenset(GROUP_SORTS), includes=GROUP_INCLUDES
        ),
        _group_page,
        _group_find,
        {
            "id": "DID group ids, comma-separated",
            "country.id": "ISO country codes",
            "region.id": "Region ids (GB-england)",
            "city.id": "City ids (GB-london)",
            "did_group_type.id": "Types: local, mobile, national, toll_free, short_code",
            "prefix": "Area codes",
            "area_name": "City or region names",
            "features": "All of these features: voice_in, sms_in, t38 (the others are never offered here)",
            "is_metered": "true: only metered groups (answered minutes charged per started minute); false: only "
            "groups with a flat monthly price",
            "allow_additional_channels": "Always false here: true matches nothing",
        },
        {
            "features": list_of(DIDWW_FEATURES, empty_items=False),
            "is_metered": BOOLEAN,
            "allow_additional_channels": BOOLEAN,
        },
    ),
    "available_dids": Collection(
        Spec(
            types={"available_dids": frozenset({"number", "did_group", "nanpa_prefix"}), **GROUP_TYPES},
            filters=frozenset({*AVAILABLE_GROUP_FILTERS, "number.contains"}),
            sorts=frozenset({"number"}),
            includes=frozenset({"did_group", *(f"did_group.{p}" for p in GROUP_INCLUDES)}),
        ),
        _available_page,
        _available_find,
        {
            "did_group.id": "DID group ids, comma-separated",
            "country.id": "ISO country codes",
            "region.id": "Region ids (GB-england)",
            "city.id": "City ids (GB-london)",
            "did_group_type.id": "Types: local, mobile, national, toll_free, short_code",
            "did_group.features": "All of these features: voice_in, sms_in, t38",
            "number.contains": "Digits the number contains",
        },
        {
            "did_group.features": list_of(DIDWW_FEATURES, empty_items=False),
            "number.contains": {"type": "string", "pattern": r"^\+?[0-9]{1,15}$"},
        },
    ),
    "pops": Collection(Spec(types={"pops": frozenset({"name"})}, sorts=frozenset({"name"})), _pop_page, _pop_find, {}),
}
