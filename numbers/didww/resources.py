"""Our numbers as DIDWW's v3 API shows DIDs: resource types, attribute mapping, filters, sort keys, and the
reading of an update document. The views (``numbers/didww/api.py``) stay thin; the mapping lives here once.

How a number maps (the README's "DIDWW-compatible API" section says the same for users):

- ``number``: E.164 without the plus; ``description``: the number's label (null when it has none).
- ``blocked``: suspended (a renewal went unpaid; calls and messages stop until it is paid).
- ``awaiting_registration``: waiting for regulatory documents to be approved.
- ``terminated``: set not to renew (``cancel_at_period_end``); it leaves the account at ``expires_at``.
- ``billing_cycles_count``: 0 when set not to renew, null when it renews each period.
- ``pending_removal``: it will leave the account unless something changes: set not to renew, or
  suspended (released after the hold period unless the renewal is paid).
- ``expires_at``: the start (00:00 UTC) of the paid-through day, when the renewal (or release) happens.
- ``capacity_limit``: calls at once: the number's own limit where one is set (writable; the SIP edge
  answers 486 beyond it), otherwise the channel count of the trunk the number is routed to (null when it
  has neither); channels are not sold per number, so ``channels_included_count``
  and ``dedicated_channels_count`` are 0. ``emergency_enabled`` is false: no emergency calling here.
- Relationships: ``did_group`` (the number group: country, type, area), ``voice_in_trunk`` (the SIP
  trunk), ``order``; DIDWW's trunk groups, capacity pools, shared capacity groups, identities, address
  and emergency services do not exist here, so those relationships are always empty. Each carries its
  linkage and DIDWW's ``self`` and ``related`` links, which ``numbers/didww/api.py`` serves.

Released numbers are gone (as in /api/v1); numbers whose provisioning failed were refunded and are not
listed either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.actor import Actor
from accounts.selectors import parse_id
from billing.money import to_exact_str
from billing.pricing import show_client_order_prices
from portal.errors import ValidationFailed
from portal.jsonapi import Conflict, InvalidDocument, InvalidParameter, Resource, Spec, timestamp, truth, values_of

from .. import selectors
from ..models import Country, Number, NumberGroup, NumberType, Order
from . import voice_in

# --- Resource types ------------------------------------------------------------------------------

DID_ATTRIBUTES = (
    "number", "description", "blocked", "terminated", "awaiting_registration", "pending_removal",
    "capacity_limit", "channels_included_count", "dedicated_channels_count", "billing_cycles_count",
    "expires_at", "created_at", "emergency_enabled",
)  # fmt: skip
# DIDWW relationships with no counterpart here: always empty.
EMPTY_RELATIONSHIPS = (
    "capacity_pool", "shared_capacity_group", "address_verification",
    "emergency_calling_service", "emergency_verification", "identity",
)  # fmt: skip
DID_RELATIONSHIPS = ("did_group", "voice_in_trunk", "voice_in_trunk_group", "order", *EMPTY_RELATIONSHIPS)
# The empty ones DIDWW lets a client filter by (``<name>.id``).
EMPTY_FILTERS = (
    "capacity_pool", "shared_capacity_group", "address_verification",
    "emergency_calling_service",
)  # fmt: skip

TYPES = {
    "dids": frozenset(DID_ATTRIBUTES + DID_RELATIONSHIPS),
    "did_groups": frozenset(
        {"prefix", "features", "is_metered", "area_name", "country", "city", "region", "did_group_type"}
    ),
    "countries": frozenset({"name", "prefix", "iso"}),
    "cities": frozenset({"name", "country", "region"}),
    "regions": frozenset({"name", "country"}),
    "did_group_types": frozenset({"name"}),
    "voice_in_trunks": frozenset({*voice_in.TRUNK_ATTRIBUTES, "pop", "voice_in_trunk_group"}),
    "voice_in_trunk_groups": frozenset({*voice_in.GROUP_ATTRIBUTES, "voice_in_trunks"}),
    "orders": frozenset({"amount", "status", "reference", "created_at"}),
}

INCLUDES = frozenset(
    {
        "did_group",
        "did_group.country",
        "did_group.city",
        "did_group.region",
        "did_group.did_group_type",
        "voice_in_trunk",
        "voice_in_trunk.voice_in_trunk_group",
        "voice_in_trunk.pop",
        "voice_in_trunk_group",
        "order",
        *EMPTY_RELATIONSHIPS,
    }
)

# DIDWW's DID group features, and which of ours each means; the others are never offered here.
FEATURES = {"voice_in": "has_voice", "sms_in": "has_sms", "t38": "has_fax"}
DIDWW_FEATURES = ("voice_in", "voice_out", "t38", "sms_in", "p2p", "a2p", "emergency", "cnam_out")


def place_id(country: str, name: str) -> str:
    """The id of a city or region: country and name, e.g. ``GB-london``."""
    return f"{country}-{slugify(name) or slugify(name, allow_unicode=True)}"


def country_resource(country: Country) -> Resource:
    return Resource(
        "countries",
        country.code,
        {"name": country.name, "prefix": country.dial_code.lstrip("+"), "iso": country.code},
    )


def did_group_resource(group: NumberGroup, country: Country) -> Resource:
    country_res = country_resource(country)
    region = city = None
    if group.region:
        region = Resource(
            "regions", place_id(country.code, group.region), {"name": group.region}, {"country": country_res}
        )
    if group.city:
        city = Resource(
            "cities",
            place_id(country.code, group.city),
            {"name": group.city},
            {"country": country_res, "region": region},
        )
    type_name = str(NumberType(group.type).label)
    return Resource(
        "did_groups",
        str(group.pk),
        {
            "prefix": group.area_code,
            "features": [name for name, flag in FEATURES.items() if getattr(group, flag)],
            # Metered: answered calls are charged per started minute (the SKUs give the price) on top of the
            # monthly price.
            "is_metered": bool(group.minute_price),
            "area_name": group.city or group.region or type_name,
        },
        {
            "country": country_res,
            "city": city,
            "region": region,
            "did_group_type": Resource("did_group_types", group.type, {"name": type_name}),
        },
    )


trunk_resource = voice_in.trunk_resource


def order_resource(order: Order) -> Resource:
    return Resource(
        "orders",
        order.public_id,
        {
            "amount": to_exact_str(order.total),
            "status": order.status,
            "reference": order.public_id,
            "created_at": timestamp(order.created_at),
        },
    )


def expires_at(number: Number) -> str:
    return timestamp(datetime.combine(number.paid_through, time.min, tzinfo=UTC))


def did_resources(numbers, *, actor: Actor, self_url: Callable[[str], str]) -> list[Resource]:
    """The numbers as DIDWW DIDs, their orders priced for ``actor``: a client-scoped viewer sees what its
    client was charged, never the reseller's wholesale total."""
    numbers = list(numbers)
    if actor.is_client_scoped:
        orders = [number.order for number in numbers]
        prefetch_related_objects(orders, "items")
        show_client_order_prices(actor, orders)
    return [did_resource(number, self_url=self_url) for number in numbers]


def _trunk_capacity(number: Number, delivery: Any) -> int | None:
    return number.trunk.channels if number.trunk_id else (delivery.capacity_limit if delivery else None)


def did_resource(number: Number, *, self_url: Callable[[str], str]) -> Resource:
    """A number as a DIDWW DID. Reads ``group``, ``country``, ``trunk`` and ``order`` (select them); its
    order as stored (wholesale): pages a client may see go through ``did_resources``."""
    suspended = number.status == Number.Status.SUSPENDED
    delivery, group = voice_in.route_of(number)
    attributes = {
        "number": number.e164.removeprefix("+"),
        "description": number.label or None,
        "blocked": suspended,
        "terminated": number.cancel_at_period_end,
        "awaiting_registration": number.status == Number.Status.PENDING_REGULATORY,
        "pending_removal": number.cancel_at_period_end or suspended,
        "capacity_limit": number.capacity_limit or _trunk_capacity(number, delivery),
        "channels_included_count": 0,
        "dedicated_channels_count": 0,
        "billing_cycles_count": 0 if number.cancel_at_period_end else None,
        "expires_at": expires_at(number),
        "created_at": timestamp(number.created_at),
        "emergency_enabled": False,
    }
    relationships: dict[str, Resource | None] = {
        "did_group": did_group_resource(number.group, number.country),
        "voice_in_trunk": trunk_resource(number.trunk or delivery) if number.trunk_id or delivery else None,
        "voice_in_trunk_group": voice_in.group_resource(group) if group else None,
        "order": order_resource(number.order),
    }
    relationships.update(dict.fromkeys(EMPTY_RELATIONSHIPS))
    return Resource("dids", number.public_id, attributes, relationships, {"self": self_url(number.public_id)})


# --- Reading: the list, filters and sort keys ----------------------------------------------------


ROUTE_RELATED = ("trunk", "order", "voice_in_route__trunk__group", "voice_in_route__group")


def did_list(*, actor: Actor) -> QuerySet[Number]:
    """The actor's numbers as DIDs (released and failed ones are not), with what a DID shows."""
    return selectors.number_list(actor=actor, include_failed=False).select_related(*ROUTE_RELATED)


def did_get(*, actor: Actor, did_id: str) -> Number:
    """One DID by ``num_…`` id, integer id or E.164 number; 404 as in /api/v1."""
    return selectors.number_get(actor=actor, number_id=did_id, include_failed=False, related=ROUTE_RELATED)


def _ids(values: list[str], prefix: str = "") -> list[int]:
    """The integer ids among ``values`` (``42``, or ``ord_42`` with a prefix); others match nothing."""
    if prefix:
        return [pk for pk in (parse_id(v, prefix) for v in values) if pk is not None]
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 19]


def _places(value: str, column: str) -> Q:
    """Numbers whose group's city (or region) has one of the given ids; blank: those without one."""
    wanted = values_of(value)
    q = Q(**{f"group__{column}": ""}) if "" in wanted else Q(pk__in=[])
    countries = {v.split("-", 1)[0].upper() for v in wanted if "-" in v}
    groups = (
        NumberGroup.objects.filter(country_id__in=countries)
        .exclude(**{column: ""})
        .values_list("id", "country_id", column)
    )
    wanted_ids = set(wanted)
    matching = [pk for pk, country, name in groups if place_id(country, name) in wanted_ids]
    return q | Q(group_id__in=matching)


def _billing_cycles(value: str) -> Q:
    if value == "":
        return Q(cancel_at_period_end=False)  # null: renews every period
    if not (value.isascii() and value.isdigit()):
        raise InvalidParameter("filter[billing_cycles_count]", _("Use a whole number, or nothing for null."))
    # Only 0 (not renewing) and null exist here; any other count matches nothing.
    return Q(cancel_at_period_end=True) if int(value) == 0 else Q(pk__in=[])


def _features(value: str) -> Q:
    wanted = values_of(value)
    unknown = [f for f in wanted if f not in DIDWW_FEATURES]
    if unknown:
        raise InvalidParameter(
            "filter[did_group.features]",
            _("Unknown feature %(f)s; features: %(known)s.") % {"f": unknown[0], "known": ", ".join(DIDWW_FEATURES)},
        )
    if any(f not in FEATURES for f in wanted):
        return Q(pk__in=[])
    return Q(**{f"group__{FEATURES[f]}": True for f in wanted})


def _trunks(value: str) -> Q:
    wanted = values_of(value)
    delivered = Q(trunk__isnull=True, voice_in_route__trunk__isnull=False) & ~Q(forwarding="")
    q = Q(trunk__isnull=True) & ~delivered if "" in wanted else Q(pk__in=[])
    uids = [v.removeprefix("trk_") for v in wanted if v.startswith("trk_")]
    vits = [v.removeprefix("vit_") for v in wanted if v.startswith("vit_")]
    numeric = _ids([v for v in wanted if not v.startswith(("trk_", "vit_"))], "trk")
    return q | Q(trunk__uid__in=uids) | Q(trunk_id__in=numeric) | (delivered & Q(voice_in_route__trunk__uid__in=vits))


def _trunk_groups(value: str) -> Q:
    wanted = values_of(value)
    grouped = Q(trunk__isnull=True, voice_in_route__group__isnull=False) & ~Q(forwarding="")
    q = ~grouped if "" in wanted else Q(pk__in=[])
    uids = [v.removeprefix("vtg_") for v in wanted if v.startswith("vtg_")]
    return q | (grouped & Q(voice_in_route__group__uid__in=uids))


def _empty_relationship(value: str) -> Q:
    """A relationship that is always empty here: blank matches every number, an id none."""
    return Q() if values_of(value) == [""] else Q(pk__in=[])


def _boolean(name: str, when_true: Q) -> Callable[[str], Q]:
    return lambda value: when_true if truth(f"filter[{name}]", value) else ~when_true


SUSPENDED = Q(status=Number.Status.SUSPENDED)
LEAVING = Q(cancel_at_period_end=True) | SUSPENDED

FILTERS: dict[str, Callable[[str], Q]] = {
    "number": lambda v: Q(e164__in=["+" + n.removeprefix("+") for n in values_of(v) if n]),
    "description": lambda v: Q(label__in=values_of(v)),
    "terminated": _boolean("terminated", Q(cancel_at_period_end=True)),
    "awaiting_registration": _boolean("awaiting_registration", Q(status=Number.Status.PENDING_REGULATORY)),
    "pending_removal": _boolean("pending_removal", LEAVING),
    "blocked": _boolean("blocked", SUSPENDED),
    "emergency_enabled": _boolean("emergency_enabled", Q(pk__in=[])),
    "billing_cycles_count": _billing_cycles,
    "did_group.id": lambda v: Q(group_id__in=_ids(values_of(v))),
    "country.id": lambda v: Q(country_id__in=[c.upper() for c in values_of(v)]),
    "region.id": lambda v: _places(v, "region"),
    "city.id": lambda v: _places(v, "city"),
    "order.id": lambda v: Q(order_id__in=_ids(values_of(v), "ord")),
    "order.reference": lambda v: Q(order_id__in=_ids(values_of(v), "ord")),
    "voice_in_trunk.id": _trunks,
    "voice_in_trunk_group.id": _trunk_groups,
    "did_group.features": _features,
    **{f"{name}.id": _empty_relationship for name in EMPTY_FILTERS},
}


def _boolean_of(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


# Sort keys and what they order by; null sorts as the largest value ("unlimited", "none").
# Keys whose value is the same for every number here order by the tie-break alone.
SORTS: dict[str, Any] = {
    "blocked": _boolean_of(SUSPENDED),
    "awaiting_registration": _boolean_of(Q(status=Number.Status.PENDING_REGULATORY)),
    "terminated": F("cancel_at_period_end"),
    "capacity_limit": Coalesce(F("capacity_limit"), F("trunk__channels")),
    "billing_cycles_count": Case(
        When(cancel_at_period_end=True, then=Value(0)), default=Value(None), output_field=IntegerField()
    ),
    "description": NullIf(F("label"), Value("")),  # no label is a null description
    "number": F("e164"),
    "expires_at": F("paid_through"),
    "created_at": F("created_at"),
    "channels_included_count": None,
    "dedicated_channels_count": None,
    "emergency_enabled": None,
}

SPEC = Spec(types=TYPES, filters=frozenset(FILTERS), sorts=frozenset(SORTS), includes=INCLUDES)
# A DID's related resource (``/dids/{id}/did_group``), with what may be included from it (``country``):
# the include paths of a DID that start at that relationship.
RELATED_SPECS = {
    name: Spec(
        types=TYPES,
        includes=frozenset(path.removeprefix(f"{name}.") for path in INCLUDES if path.startswith(f"{name}.")),
    )
    for name in DID_RELATIONSHIPS
}


def did_filter(qs: QuerySet[Number], filters: dict[str, str]) -> QuerySet[Number]:
    for name, value in filters.items():
        qs = qs.filter(FILTERS[name](value))
    return qs


def did_order(qs: QuerySet[Number], sort: list[tuple[str, bool]]) -> QuerySet[Number]:
    """Ordered by the sort keys, then newest first (also the order without any)."""
    ordering = []
    for name, descending in sort:
        expression = SORTS[name]
        if expression is not None:
            ordering.append(expression.desc(nulls_first=True) if descending else expression.asc(nulls_last=True))
    return qs.order_by(*ordering, "-id")


# --- Writing: reading an update document ---------------------------------------------------------

READ_ONLY = {
    "number": gettext_lazy("The number itself cannot change."),
    "blocked": gettext_lazy("Set by renewals: a number is blocked while its renewal is unpaid."),
    "awaiting_registration": gettext_lazy("Set by the regulatory review."),
    "pending_removal": gettext_lazy("Follows from billing_cycles_count and renewals."),
    "channels_included_count": gettext_lazy("Channels are not sold per number here."),
    "dedicated_channels_count": gettext_lazy("Channels are not sold per number here."),
    "expires_at": gettext_lazy("Set by renewals."),
    "created_at": gettext_lazy("Set when the number was bought."),
    "emergency_enabled": gettext_lazy("Emergency calling is not offered here."),
}


@dataclass(frozen=True)
class DidUpdate:
    """What an update document asks for: ``changes`` as ``services.number_configure`` takes them and, when
    the document routes the DID, where (``voice_in.did_apply``)."""

    changes: dict[str, Any]
    route: voice_in.DidRoute | None = None


def _renewal(attributes: dict[str, Any]) -> dict[str, Any]:
    """``billing_cycles_count`` and ``terminated`` as ``cancel_at_period_end``."""
    wanted: dict[str, bool] = {}
    if "billing_cycles_count" in attributes:
        count = attributes["billing_cycles_count"]
        if count is None:
            wanted["billing_cycles_count"] = False
        elif isinstance(count, int) and not isinstance(count, bool) and count == 0:
            wanted["billing_cycles_count"] = True
        else:
            raise ValidationFailed(
                fields={
                    "/data/attributes/billing_cycles_count": [
                        _("Use 0 to stop renewing at the end of the paid period, or null to renew every period.")
                    ]
                }
            )
    if "terminated" in attributes:
        if not isinstance(attributes["terminated"], bool):
            raise ValidationFailed(fields={"/data/attributes/terminated": [_("Use true or false.")]})
        wanted["terminated"] = attributes["terminated"]
    if len(set(wanted.values())) > 1:
        raise ValidationFailed(
            fields={"/data/attributes/terminated": [_("terminated and billing_cycles_count disagree.")]}
        )
    return {"cancel_at_period_end": next(iter(wanted.values()))} if wanted else {}


def _linkage(relationships: dict[str, Any], name: str, type_name: str) -> dict | None:
    """A to-one relationship's linkage in an update document: its data (None to clear it)."""
    pointer = f"/data/relationships/{name}"
    relationship = relationships[name]
    if not isinstance(relationship, dict) or "data" not in relationship:
        raise ValidationFailed(
            fields={pointer: [_('Send {"data": {"type": "%(type)s", "id": …}} or null.') % {"type": type_name}]}
        )
    linkage = relationship["data"]
    if linkage is not None and (
        not isinstance(linkage, dict) or linkage.get("type") != type_name or not linkage.get("id")
    ):
        raise ValidationFailed(
            fields={pointer + "/data": [_('Send {"type": "%(type)s", "id": …}.') % {"type": type_name}]}
        )
    return linkage


def _route(actor: Actor, number: Number, relationships: dict[str, Any]) -> voice_in.DidRoute | None:
    """Where the document routes the DID: a trunk or a group (they exclude each other: setting one clears
    the other), nowhere (both null), or None when it says nothing about routing."""
    trunk = _linkage(relationships, "voice_in_trunk", "voice_in_trunks") if "voice_in_trunk" in relationships else 0
    group = (
        _linkage(relationships, "voice_in_trunk_group", "voice_in_trunk_groups")
        if "voice_in_trunk_group" in relationships
        else 0
    )
    if trunk and group:
        raise ValidationFailed(
            fields={"/data/relationships/voice_in_trunk_group": [_("Route to a trunk or to a trunk group, not both.")]}
        )
    if trunk:
        return voice_in.DidRoute(trunk=voice_in.trunk_get(actor=actor, trunk_id=str(trunk["id"])))
    if group:
        return voice_in.DidRoute(group=voice_in.group_get(actor=actor, group_id=str(group["id"])))
    if trunk is None or group is None:
        current_trunk, current_group = voice_in.route_of(number)
        clears_trunk = trunk is None and (number.trunk_id or current_trunk)
        clears_group = group is None and current_group
        return voice_in.DidRoute() if clears_trunk or clears_group else None
    return None


def did_update_read(*, actor: Actor, number: Number, body: Any) -> DidUpdate:
    """Read a PATCH document for ``number``: 400 if it is not a resource document, 409 if it names
    another type or resource, 422 (with pointers) for anything it may not change, 404 for a trunk that
    is not the actor's."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise InvalidDocument()
    if data.get("type") != "dids":
        raise Conflict(_("This endpoint updates resources of type dids."), pointer="/data/type")
    if str(data.get("id", "")) not in {number.public_id, str(number.pk)}:
        raise Conflict(_("The document's id must be this DID's id, %(id)s.") % {"id": number.public_id})
    attributes = data.get("attributes", {})
    relationships = data.get("relationships", {})
    if not isinstance(attributes, dict) or not isinstance(relationships, dict):
        raise InvalidDocument()
    errors: dict[str, list[str]] = {}
    for name in attributes:
        if name in READ_ONLY:
            errors[f"/data/attributes/{name}"] = [_("Read-only here. %(why)s") % {"why": READ_ONLY[name]}]
        elif name not in ("description", "billing_cycles_count", "terminated", "capacity_limit"):
            errors[f"/data/attributes/{name}"] = [_("DIDs have no attribute %(name)s.") % {"name": name}]
    for name in relationships:
        if name in ("voice_in_trunk", "voice_in_trunk_group"):
            continue
        if name in DID_RELATIONSHIPS:
            errors[f"/data/relationships/{name}"] = [_("This relationship cannot be changed here.")]
        else:
            errors[f"/data/relationships/{name}"] = [_("DIDs have no relationship %(name)s.") % {"name": name}]
    if "description" in attributes and not isinstance(attributes["description"], str | None):
        errors["/data/attributes/description"] = [_("Use a string, or null.")]
    if errors:
        raise ValidationFailed(fields=errors)
    changes = _renewal(attributes)
    if "description" in attributes:
        changes["label"] = attributes["description"]
    if "capacity_limit" in attributes:
        changes["capacity_limit"] = attributes["capacity_limit"]
    return DidUpdate(changes=changes, route=_route(actor, number, relationships))
