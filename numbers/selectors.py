"""Reads for numbers. Inventory search is the same for everyone; owned numbers are scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.selectors import parse_id
from portal.errors import NotFound

from . import group_cache
from .models import AvailableNumber, Number, Order, OrderItem, SipTrunk
from .validation import normalize_e164


@dataclass(frozen=True)
class StockFilters:
    country: str
    type: str = ""
    city: str = ""
    region: str = ""
    area_code: str = ""
    capabilities: tuple[str, ...] = ()
    contains: str = ""


def _narrowed(f: StockFilters) -> bool:
    return bool(f.city or f.region or f.area_code or f.capabilities)


def matching_groups(f: StockFilters) -> list[group_cache.GroupInfo]:
    """The groups a search covers, picked from the in-process copy (no query)."""
    city, region = f.city.lower(), f.region.lower()
    wanted = set(f.capabilities)
    return [
        g
        for g in group_cache.snapshot().by_country.get(f.country.upper(), [])
        if (not f.type or g.type == f.type)
        and (not city or g.city.lower() == city)
        and (not region or g.region.lower() == region)
        and (not f.area_code or g.area_code == f.area_code)
        and wanted.issubset(g.capabilities)
    ]


def stock_search(filters: StockFilters) -> QuerySet[AvailableNumber]:
    """Numbers for sale matching ``filters``, in number order. With only country (and type) given, the
    query walks the (country, type, e164) index and stops after the page; narrower filters become a list
    of groups, and a single-group search walks the (group, e164) index."""
    qs = AvailableNumber.objects.filter(status=AvailableNumber.Status.AVAILABLE)
    group_ids = [g.id for g in matching_groups(filters)] if _narrowed(filters) else None
    if group_ids is not None:
        qs = qs.filter(group_id__in=group_ids)
    if group_ids is None or len(group_ids) > 1:
        # Several groups: stay on the country's (country, type, e164) index, in order, filtering groups.
        qs = qs.filter(country_id=filters.country.upper())
        if filters.type:
            qs = qs.filter(type=filters.type)
    if filters.contains:
        qs = qs.filter(e164__contains=filters.contains)
    return qs.order_by("e164")


class StockRow(NamedTuple):
    """One number for sale with what a search shows about it (a tuple: a page makes up to 500)."""

    id: int
    e164: str
    group: group_cache.GroupInfo

    @property
    def country(self) -> str:
        return self.group.country

    @property
    def type(self) -> str:
        return self.group.type


def _stock_sql(filters: StockFilters) -> tuple[str, list]:
    """The WHERE clause of ``stock_search`` as plain SQL (the hottest query in the portal skips the ORM);
    the same conditions, chosen the same way, so the same indexes serve it."""
    where, params = ["status = %s"], [AvailableNumber.Status.AVAILABLE.value]
    group_ids = [g.id for g in matching_groups(filters)] if _narrowed(filters) else None
    if group_ids is not None:
        if not group_ids:
            return "1 = 0", []
        where.append(f"group_id IN ({', '.join(['%s'] * len(group_ids))})")
        params += group_ids
    if group_ids is None or len(group_ids) > 1:
        where.append("country_id = %s")
        params.append(filters.country.upper())
        if filters.type:
            where.append("type = %s")
            params.append(filters.type)
    if filters.contains:
        where.append("e164 LIKE %s")
        params.append(f"%{filters.contains}%")  # digits only: nothing to escape
    return " AND ".join(where), params


def _order(filters: StockFilters) -> str:
    """Number order. With three or more digits to match, matches are few: sorting the trigram index's
    hits beats walking the numbers in order and testing each, which the planner would otherwise choose
    (it cannot tell how rare a digit string is). Ordering by an expression steers it."""
    return "e164 || ''" if len(filters.contains) >= 3 else "e164"


# A search over several groups reads each group's own ordered index and merges (each part stops after
# offset + limit rows), when the page is not deep and the groups not too many.
MERGE_MAX_GROUPS = 60
MERGE_MAX_DEPTH = 1000


def stock_page(filters: StockFilters, *, offset: int, limit: int) -> list[StockRow]:
    """A page of ``stock_search`` in one query; group details come from the in-process copy."""
    table = connection.ops.quote_name(AvailableNumber._meta.db_table)
    group_ids = [g.id for g in matching_groups(filters)] if _narrowed(filters) else None
    mergeable = (
        group_ids is not None
        and 1 < len(group_ids) <= MERGE_MAX_GROUPS
        and offset + limit <= MERGE_MAX_DEPTH
        and len(filters.contains) < 3  # longer digit strings go to the trigram index instead
    )
    if mergeable and connection.vendor == "postgresql":
        # One part written once, run per group (LATERAL): planned in a fraction of the time a UNION of
        # a part per group takes, which for a dozen groups cost more than running it.
        like = " AND e164 LIKE %s" if filters.contains else ""
        sql = (
            f"SELECT s.id, s.e164, s.group_id FROM unnest(%s::bigint[]) AS g(id) CROSS JOIN LATERAL "
            f"(SELECT id, e164, group_id FROM {table} WHERE status = %s AND group_id = g.id{like} "
            f"ORDER BY e164 LIMIT %s) AS s ORDER BY s.e164 LIMIT %s OFFSET %s"
        )
        params = [group_ids, AvailableNumber.Status.AVAILABLE.value]
        params += [f"%{filters.contains}%"] if filters.contains else []
        params += [offset + limit, limit, offset]
    elif mergeable:
        part = f"SELECT id, e164, group_id FROM {table} WHERE status = %s AND group_id = %s"
        part_params: list = []
        if filters.contains:
            part += " AND e164 LIKE %s"
        depth = offset + limit
        parts = []
        for n, group_id in enumerate(group_ids):
            # Each part is a derived table, so its ORDER BY/LIMIT is allowed on SQLite as well.
            parts.append(f"SELECT id, e164, group_id FROM ({part} ORDER BY e164 LIMIT %s) AS part{n}")
            part_params += [AvailableNumber.Status.AVAILABLE.value, group_id]
            if filters.contains:
                part_params.append(f"%{filters.contains}%")
            part_params.append(depth)
        sql = f"SELECT id, e164, group_id FROM ({' UNION ALL '.join(parts)}) AS merged ORDER BY e164 LIMIT %s OFFSET %s"
        params = [*part_params, limit, offset]
    else:
        where, params = _stock_sql(filters)
        sql = f"SELECT id, e164, group_id FROM {table} WHERE {where} ORDER BY {_order(filters)} LIMIT %s OFFSET %s"
        params = [*params, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    groups = group_cache.snapshot().by_id
    if any(group_id not in groups for _, _, group_id in rows):
        group_cache.forget()  # a group newer than our copy
        groups = group_cache.snapshot().by_id
    return [StockRow(pk, e164, groups[group_id]) for pk, e164, group_id in rows]


def stock_total(filters: StockFilters) -> int:
    """How many numbers match ``filters``: the groups' for-sale counters, unless digits are asked for
    (then counted, on the trigram index)."""
    if filters.contains:
        return stock_search(filters).count()
    return sum(g.available_count for g in matching_groups(filters))


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
    return qs.select_related("client", "group", "country", "compliance_profile").order_by("-id")


def number_get(
    *, actor: Actor, number_id: str | int, include_failed: bool = True, related: tuple[str, ...] = ()
) -> Number:
    """One of the actor's numbers by integer id, ``num_…`` id or E.164 number (``related``: more rows to
    read with it)."""
    text = str(number_id).strip()
    qs = number_list(actor=actor, include_failed=include_failed).select_related(*related)
    if text.startswith("+"):
        try:
            text = normalize_e164(text)
        except ValueError:
            raise NotFound(_("Number not found.")) from None
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


def order_items_for(*, actor: Actor) -> QuerySet[OrderItem]:
    """Order lines the actor may see: a client login sees only the lines of numbers that are its client's
    now (a number the reseller has since moved to another client is no longer shown to the first)."""
    qs = OrderItem.objects.select_related("number__group", "number__compliance_profile").order_by("id")
    if actor.client is not None:
        qs = qs.filter(number__client=actor.client)
    return qs


def order_get(*, actor: Actor, order_id: str | int) -> Order:
    pk = parse_id(order_id, "ord")
    order = order_list(actor=actor).filter(pk=pk).first() if pk else None
    if order is None:
        raise NotFound(_("Order not found."))
    return order


# --- SIP trunks and routing -----------------------------------------------------------------------

LIVE_STATES = [Number.Status.RELEASED, Number.Status.FAILED]


def trunk_list(*, actor: Actor) -> QuerySet[SipTrunk]:
    qs = SipTrunk.objects.filter(account=actor.account)
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    routed = Count("numbers", filter=~Q(numbers__status__in=LIVE_STATES))
    return qs.select_related("client").annotate(numbers_count=routed).order_by("name", "id")


def trunk_get(*, actor: Actor, trunk_id: str | int) -> SipTrunk:
    """One of the actor's trunks by integer id or ``trk_…`` id."""
    text = str(trunk_id).strip()
    qs = trunk_list(actor=actor)
    if text.startswith("trk_"):
        trunk = qs.filter(uid=text.removeprefix("trk_")).first()
    else:
        pk = parse_id(text, "trk")
        trunk = qs.filter(pk=pk).first() if pk else None
    if trunk is None:
        raise NotFound(_("Trunk not found."))
    return trunk


def trunks_for_number(*, actor: Actor, number: Number) -> QuerySet[SipTrunk]:
    """The trunks that may take ``number``: the account's shared trunks and those of the number's client
    (``trunks.number_route`` enforces the same rule)."""
    return trunk_list(actor=actor).filter(Q(client__isnull=True) | Q(client_id=number.client_id))


def routing_table(*, actor: Actor, trunk: SipTrunk | None = None) -> QuerySet[Number]:
    """The actor's numbers with where their calls go (trunk or forwarding), newest first."""
    qs = number_list(actor=actor, include_failed=False).select_related("trunk")
    if trunk is not None:
        qs = qs.filter(trunk=trunk)
    return qs
