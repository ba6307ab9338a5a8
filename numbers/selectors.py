"""Reads for numbers. Inventory search is the same for everyone; owned numbers are scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.selectors import parse_id
from portal.errors import NotFound

from . import group_cache
from .models import AvailableNumber, Number, NumberType, Order, OrderItem, SipTrunk
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


# The inventory table, quoted for raw SQL (both back ends quote alike).
_TABLE = f'"{AvailableNumber._meta.db_table}"'


def digit_keys(filters: StockFilters) -> list[list[str]]:
    """The keys of the digits index (``stock_digit_keys``, migration ``numbers`` 0014) a number matching
    ``filters`` has: for each three digits in a row of ``filters.contains``, one of the keys listed (its
    country, its type, the three digits). A number has all its keys in its own country and type, so any one
    key of each list will do."""
    country, digits = filters.country.upper(), filters.contains
    types = [filters.type] if filters.type else NumberType.values
    runs = sorted({digits[i : i + 3] for i in range(len(digits) - 2)})
    return [[f"{country}{type_}{run}" for type_ in types] for run in runs]


def _uses_digit_keys(filters: StockFilters, *, pg: bool) -> bool:
    # Two digits make no key (and match too many numbers to look up one by one): those searches walk the
    # numbers in order and test each. SQLite has no such index.
    return pg and len(filters.contains) >= 3


def _digits_sql(filters: StockFilters) -> tuple[str, list]:
    """The digits condition for ``filters.contains`` on PostgreSQL: the index's keys narrow the numbers to
    those of the country (and type) with every three digits of the string; ``LIKE`` then keeps those with
    the whole string. The keys stand for the country and type conditions too: a search that also said
    ``country_id = …`` would tempt the planner to walk or intersect a country index, thousands of entries
    read for nothing, when the keys' lists hold just the numbers wanted."""
    keys = digit_keys(filters)
    overlap = f"stock_digit_keys({_TABLE}.country_id, {_TABLE}.type, {_TABLE}.e164) && {_value('text[]', pg=True)}"
    return " AND ".join([overlap] * len(keys)), keys


def _group_ids(filters: StockFilters) -> list[int] | None:
    """The groups a narrowed search (city, region, area code, capabilities) covers; None when not narrowed."""
    return [g.id for g in matching_groups(filters)] if _narrowed(filters) else None


def stock_search(filters: StockFilters) -> QuerySet[AvailableNumber]:
    """Numbers for sale matching ``filters``, in number order, as a queryset (the search page, counts);
    the conditions are ``stock_page``'s own (``_stock_sql``), so the same indexes serve both."""
    where, params = _stock_sql(filters, _group_ids(filters), pg=connection.vendor == "postgresql")
    return AvailableNumber.objects.filter(RawSQL(where, params, output_field=BooleanField())).order_by("e164")


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


# Search statements are prepared on each connection (settings: prepare_threshold). PostgreSQL plans a
# prepared statement again at every call, for that call's values, until a plan made without the values
# costs no more on paper; for searches that never happened (a call's values always promised a cheaper
# plan), and planning took 0.1 ms of each search, a third of a digits search. So values go in behind a
# sub-select, which the planner does not look into: its estimates are then the same with or without them,
# and from the sixth call on the connection keeps one plan. Each statement's shape already settles its
# index (the digits index, or one ordered walk), so one plan serves every value. (SQLite plans anew anyway.)
def _value(cast: str, *, pg: bool) -> str:
    return f"(SELECT %s::{cast})" if pg else "%s"


# Written into the statements, not passed as a value: the ordered indexes hold only numbers for sale, and
# a plan made without the values can use such an index only when the statement itself says so.
_FOR_SALE = f"{_TABLE}.status = '{AvailableNumber.Status.AVAILABLE.value}'"


def _stock_sql(filters: StockFilters, group_ids: list[int] | None, *, pg: bool) -> tuple[str, list]:
    """Which numbers a search wants, as a WHERE clause (columns named with their table, so it also serves
    a query joined to the groups). With only country (and type) given, a search walks the (country, type,
    e164) index and stops after the page; narrower filters become a list of groups, and a single-group
    search walks the (group, e164) index; three or more digits to match go to the digits index."""
    t = _TABLE
    where, params = [_FOR_SALE], []
    keys = _uses_digit_keys(filters, pg=pg)
    if group_ids is not None:
        if not group_ids:
            return "1 = 0", []
        if pg:
            # (the cast makes it an array expression: "ANY ((SELECT …))" would be a sub-select's rows)
            where.append(f"{t}.group_id = ANY ({_value('bigint[]', pg=pg)}::bigint[])")
            params.append(group_ids)
        else:
            where.append(f"{t}.group_id IN ({', '.join(['%s'] * len(group_ids))})")
            params += group_ids
    if (group_ids is None or len(group_ids) > 1) and not keys:
        # Several groups: stay on the country's (country, type, e164) index, in order, filtering groups.
        where.append(f"{t}.country_id = {_value('text', pg=pg)}")
        params.append(filters.country.upper())
        if filters.type:
            where.append(f"{t}.type = {_value('text', pg=pg)}")
            params.append(filters.type)
    if keys:
        sql, keys_params = _digits_sql(filters)
        where.append(sql)
        params += keys_params
    if filters.contains:
        where.append(f"{t}.e164 LIKE {_value('text', pg=pg)}")
        params.append(f"%{filters.contains}%")  # digits only: nothing to escape
    return " AND ".join(where), params


def _order(filters: StockFilters) -> str:
    """Number order. With three or more digits to match, matches are few: sorting the digits index's
    hits beats walking the numbers in order and testing each, which the planner might otherwise choose
    (it cannot tell how rare a digit string is). Ordering by an expression steers it."""
    return "e164 || ''" if len(filters.contains) >= 3 else "e164"


# A search over several groups reads each group's own ordered index and merges (each part stops after
# offset + limit rows), when the page is not deep and the groups not too many.
MERGE_MAX_GROUPS = 60
MERGE_MAX_DEPTH = 1000


def stock_page(filters: StockFilters, *, offset: int, limit: int) -> list[StockRow]:
    """A page of ``stock_search`` in one query; group details come from the in-process copy."""
    sql, params = stock_page_sql(filters, offset=offset, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    groups = group_cache.snapshot().by_id
    if any(group_id not in groups for _, _, group_id in rows):
        group_cache.forget()  # a group newer than our copy
        groups = group_cache.snapshot().by_id
    return [StockRow(pk, e164, groups[group_id]) for pk, e164, group_id in rows]


def stock_page_sql(filters: StockFilters, *, offset: int, limit: int) -> tuple[str, list]:
    """The statement ``stock_page`` runs (rows of id, e164 and group id), and its parameters."""
    table, pg = _TABLE, connection.vendor == "postgresql"
    group_ids = _group_ids(filters)
    mergeable = (
        group_ids is not None
        and 1 < len(group_ids) <= MERGE_MAX_GROUPS
        and offset + limit <= MERGE_MAX_DEPTH
        and len(filters.contains) < 3  # longer digit strings go to the digits index instead
    )
    if mergeable and pg:
        # One part written once, run per group (LATERAL): planned in a fraction of the time a UNION of
        # a part per group takes, which for a dozen groups cost more than running it.
        like = f" AND e164 LIKE {_value('text', pg=pg)}" if filters.contains else ""
        sql = (
            f"SELECT s.id, s.e164, s.group_id FROM unnest({_value('bigint[]', pg=pg)}) AS g(id) CROSS JOIN "
            f"LATERAL (SELECT id, e164, group_id FROM {table} WHERE {_FOR_SALE} AND group_id = g.id{like} "
            f"ORDER BY e164 LIMIT {_value('int', pg=pg)}) AS s "
            f"ORDER BY s.e164 LIMIT {_value('int', pg=pg)} OFFSET {_value('int', pg=pg)}"
        )
        params = [group_ids]
        params += [f"%{filters.contains}%"] if filters.contains else []
        params += [offset + limit, limit, offset]
    elif mergeable:
        part = f"SELECT id, e164, group_id FROM {table} WHERE {_FOR_SALE} AND group_id = %s"
        part_params: list = []
        if filters.contains:
            part += " AND e164 LIKE %s"
        depth = offset + limit
        parts = []
        for n, group_id in enumerate(group_ids):
            # Each part is a derived table, so its ORDER BY/LIMIT is allowed on SQLite as well.
            parts.append(f"SELECT id, e164, group_id FROM ({part} ORDER BY e164 LIMIT %s) AS part{n}")
            part_params.append(group_id)
            if filters.contains:
                part_params.append(f"%{filters.contains}%")
            part_params.append(depth)
        sql = f"SELECT id, e164, group_id FROM ({' UNION ALL '.join(parts)}) AS merged ORDER BY e164 LIMIT %s OFFSET %s"
        params = [*part_params, limit, offset]
    else:
        where, params = _stock_sql(filters, group_ids, pg=pg)
        sql = (
            f"SELECT id, e164, group_id FROM {table} WHERE {where} "
            f"ORDER BY {_order(filters)} LIMIT {_value('int', pg=pg)} OFFSET {_value('int', pg=pg)}"
        )
        params = [*params, limit, offset]
    return sql, params


def stock_total(filters: StockFilters, *, at_most: int | None = None) -> int:
    """How many numbers match ``filters``: the groups' for-sale counters, unless digits are asked for
    (then counted, on the digits index). ``at_most``: a digits count stops there (it reads no more rows
    than that; two digits match a good part of a country's numbers)."""
    if filters.contains:
        if at_most is not None:
            # No ORDER BY: the count's rows may come in any order, from whichever index serves the WHERE.
            return stock_search(filters).order_by()[:at_most].count()
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


def number_counts_by_status(*, actor: Actor) -> dict[str, int]:
    """How many of the actor's numbers (``number_list``'s) are in each state, in one query; states without
    numbers are left out."""
    rows = number_list(actor=actor).order_by().values_list("status").annotate(count=Count("id"))
    return dict(rows)


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
