"""DIDWW's voice-in trunks and trunk groups over our routing.

A voice-in trunk says where a DID's calls are delivered. Two kinds exist here:

- our registration trunks (``SipTrunk``, ``trk_…``): the client's PBX registers with our SIP side. They
  are listed as voice-in trunks with a SIP configuration that has ``enabled_sip_registration`` true; they
  are created at /api/v1/portal/sip-trunks (credentials are shown once there), renamed and resized here;
- delivery trunks (``VoiceInTrunk``, ``vit_…``), created here: a SIP address (host, port, username …) or a
  phone number (a PSTN configuration's ``dst``). A DID routed to one is forwarded to that address
  (``Number.forwarding``, through ``services.number_update``), so everything that follows forwarding
  (the carrier's routing, suspension, the pages) follows these too.

A trunk group holds delivery trunks; a DID routed to a group is forwarded to its first trunk (lowest
priority, then highest weight). ``voice_in_trunk`` and ``voice_in_trunk_group`` exclude each other, as at
DIDWW: setting one clears the other.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.selectors import client_for
from accounts.services import audit_record
from portal.errors import NotFound, ValidationFailed
from portal.jsonapi import Resource, timestamp, values_of

from .. import selectors, services
from ..models import Number, SipTrunk
from ..trunks import services as trunk_services
from ..validation import normalize_forwarding
from .models import DidVoiceInRoute, VoiceInTrunk, VoiceInTrunkGroup

# The SDK's SIP configuration attributes. Where calls go is built from host, port, username and the
# transport; the others are kept and shown back as sent.
SIP_ATTRIBUTES = frozenset(
    {
        "username", "host", "port", "auth_enabled", "resolve_ruri", "auth_user", "auth_password",
        "auth_from_user", "auth_from_domain", "sst_enabled", "sst_min_timer", "sst_max_timer", "sst_accept_501",
        "sst_session_expires", "sip_timer_b", "dns_srv_failover_timer", "rtp_ping", "force_symmetric_rtp",
        "max_transfers", "max_30x_redirects", "allowed_rtp_ips", "use_did_in_ruri", "cnam_lookup",
        "enabled_sip_registration", "codec_ids", "rerouting_disconnect_code_ids", "transport_protocol_id",
        "rx_dtmf_format_id", "tx_dtmf_format_id", "sst_refresh_method_id", "media_encryption_mode",
        "stir_shaken_mode", "diversion_relay_policy", "diversion_inject_mode", "network_protocol_priority",
    }
)  # fmt: skip
CODECS = frozenset({6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19})  # the SDK's ``Codec`` values
TRANSPORTS = {1: "", 2: ";transport=tcp", 3: ";transport=tls"}  # UDP, TCP, TLS
HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$")
USER = re.compile(r"^[A-Za-z0-9._~+%!$&'()*,;=-]*(\{DID\})?[A-Za-z0-9._~+%!$&'()*,;=-]*$")
DID_PLACEHOLDER = "{DID}"

TRUNK_ATTRIBUTES = (
    "name", "priority", "weight", "capacity_limit", "cli_format", "cli_prefix", "description",
    "ringing_timeout", "created_at", "external_reference_id", "configuration",
)  # fmt: skip
WRITABLE = frozenset(TRUNK_ATTRIBUTES) - {"created_at"}
CLI_FORMATS = ("raw", "e164", "local")
GROUP_ATTRIBUTES = ("name", "capacity_limit", "created_at", "external_reference_id")

Trunk = SipTrunk | VoiceInTrunk


# --- Where calls go ------------------------------------------------------------------------------


def destination(trunk: VoiceInTrunk, number: Number) -> str:
    """The forwarding a number routed to ``trunk`` gets: a SIP URI (``{DID}`` in the username becomes the
    number without the plus) or the PSTN destination in E.164."""
    if trunk.kind == VoiceInTrunk.Kind.PSTN:
        return "+" + str(trunk.configuration.get("dst", "")).lstrip("+")
    config = trunk.configuration
    user = str(config.get("username") or DID_PLACEHOLDER).replace(DID_PLACEHOLDER, number.e164.lstrip("+"))
    port = config.get("port")
    return (
        f"sip:{user}@{config['host']}"
        + (f":{port}" if port else "")
        + TRANSPORTS.get(config.get("transport_protocol_id") or 1, "")
    )


def group_first_trunk(group: VoiceInTrunkGroup) -> VoiceInTrunk | None:
    return group.trunks.order_by("priority", "-weight", "id").first()


def route_of(number: Number) -> tuple[VoiceInTrunk | None, VoiceInTrunkGroup | None]:
    """The delivery trunk or group a number's forwarding came from; (None, None) when its forwarding was
    set some other way (or it is not forwarded)."""
    route = getattr(number, "voice_in_route", None)
    if route is None or not number.forwarding or number.trunk_id:
        return None, None
    trunk = route.trunk if route.trunk_id else (group_first_trunk(route.group) if route.group_id else None)
    if trunk is None or destination(trunk, number) != number.forwarding:
        return None, None
    return (route.trunk, None) if route.trunk_id else (None, route.group)


# --- Resources -----------------------------------------------------------------------------------


def group_resource(group: VoiceInTrunkGroup, *, trunks: list[VoiceInTrunk] | None = None) -> Resource:
    relationships: dict[str, Any] = {}
    if trunks is not None:
        relationships["voice_in_trunks"] = [trunk_resource(t, with_group=False) for t in trunks]
    return Resource(
        "voice_in_trunk_groups",
        group.public_id,
        {
            "name": group.name,
            "capacity_limit": group.capacity_limit,
            "created_at": timestamp(group.created_at),
            "external_reference_id": group.external_reference_id or None,
        },
        relationships,
    )


def trunk_resource(trunk: Trunk, *, with_group: bool = True) -> Resource:
    """A registration or delivery trunk as a DIDWW voice-in trunk (never a password)."""
    if isinstance(trunk, SipTrunk):
        attributes: dict[str, Any] = {
            "name": trunk.name,
            "priority": 1,
            "weight": 100,
            "capacity_limit": trunk.channels,
            "cli_format": "e164",
            "cli_prefix": None,
            "description": None,
            "ringing_timeout": None,
            "created_at": timestamp(trunk.created_at),
            "external_reference_id": None,
            # Where the PBX registers (the credentials were shown once, at /api/v1/portal/sip-trunks).
            "configuration": {
                "type": "sip_configurations",
                "attributes": {
                    "enabled_sip_registration": True,
                    "incoming_auth_username": trunk.username,
                    "username": trunk.username,
                    "host": trunk.sip_server,
                },
            },
        }
        return Resource("voice_in_trunks", trunk.public_id, attributes, {"pop": None, "voice_in_trunk_group": None})
    attributes = {
        "name": trunk.name,
        "priority": trunk.priority,
        "weight": trunk.weight,
        "capacity_limit": trunk.capacity_limit,
        "cli_format": trunk.cli_format,
        "cli_prefix": trunk.cli_prefix or None,
        "description": trunk.description or None,
        "ringing_timeout": trunk.ringing_timeout,
        "created_at": timestamp(trunk.created_at),
        "external_reference_id": trunk.external_reference_id or None,
        "configuration": {"type": trunk.kind, "attributes": dict(trunk.configuration)},
    }
    group = group_resource(trunk.group) if with_group and trunk.group_id else None
    return Resource("voice_in_trunks", trunk.public_id, attributes, {"pop": None, "voice_in_trunk_group": group})


# --- Reading -------------------------------------------------------------------------------------


def _scoped(qs: QuerySet, actor: Actor) -> QuerySet:
    qs = qs.filter(account=actor.account)
    return qs.filter(client=actor.client) if actor.client is not None else qs


def delivery_trunks(*, actor: Actor) -> QuerySet[VoiceInTrunk]:
    return _scoped(VoiceInTrunk.objects.select_related("group"), actor)


def trunk_groups(*, actor: Actor) -> QuerySet[VoiceInTrunkGroup]:
    return _scoped(VoiceInTrunkGroup.objects.all(), actor)


def trunk_list(*, actor: Actor, filters: dict[str, str]) -> list[Trunk]:
    """The actor's registration and delivery trunks, oldest first."""
    registration = selectors.trunk_list(actor=actor)
    delivery = delivery_trunks(actor=actor)
    for name, value in filters.items():
        wanted = values_of(value)
        if name == "name":
            registration, delivery = registration.filter(name__in=wanted), delivery.filter(name__in=wanted)
        elif name == "external_reference_id":
            registration = registration.none() if "" not in wanted else registration
            delivery = delivery.filter(external_reference_id__in=wanted)
        elif name == "configuration.type":
            if "sip_configurations" not in wanted:
                registration = registration.none()
            delivery = delivery.filter(kind__in=wanted)
    trunks: list[Trunk] = [*registration, *delivery]
    return sorted(trunks, key=lambda t: (t.created_at, isinstance(t, VoiceInTrunk), t.pk))


def trunk_get(*, actor: Actor, trunk_id: str) -> Trunk:
    """One of the actor's trunks: ``vit_…`` a delivery trunk, anything else as /api/v1 finds trunks."""
    if trunk_id.startswith("vit_"):
        trunk = delivery_trunks(actor=actor).filter(uid=trunk_id.removeprefix("vit_")).first()
        if trunk is None:
            raise NotFound(_("Trunk not found."))
        return trunk
    return selectors.trunk_get(actor=actor, trunk_id=trunk_id)


def group_get(*, actor: Actor, group_id: str) -> VoiceInTrunkGroup:
    group = trunk_groups(actor=actor).filter(uid=group_id.removeprefix("vtg_")).first()
    if group is None or not group_id.startswith("vtg_"):
        raise NotFound(_("Trunk group not found."))
    return group


# --- Checking what a document asks for ----------------------------------------------------------


def _whole(value: Any, *, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_sip(config: dict[str, Any], errors: dict[str, list[str]], pointer: str) -> None:
    for name in config:
        if name not in SIP_ATTRIBUTES:
            errors[f"{pointer}/{name}"] = [_("SIP configurations have no attribute %(name)s.") % {"name": name}]
    if config.get("enabled_sip_registration"):
        errors[f"{pointer}/enabled_sip_registration"] = [
            _("Trunks your PBX registers to are created at /api/v1/portal/sip-trunks; here, give the host calls go to.")
        ]
    host = config.get("host")
    if not isinstance(host, str) or not HOST.match(host):
        errors[f"{pointer}/host"] = [_("Give the host calls go to: a domain name or an IPv4 address.")]
    if config.get("port") is not None and not _whole(config["port"], low=1, high=65535):
        errors[f"{pointer}/port"] = [_("Use a port from 1 to 65535, or null.")]
    username = config.get("username")
    if username is not None and (not isinstance(username, str) or len(username) > 64 or not USER.match(username)):
        errors[f"{pointer}/username"] = [_("Use letters, digits and . _ - + (and {DID} for the number).")]
    transport = config.get("transport_protocol_id")
    if transport is not None and transport not in TRANSPORTS:
        errors[f"{pointer}/transport_protocol_id"] = [_("Use 1 (UDP), 2 (TCP) or 3 (TLS).")]
    codecs = config.get("codec_ids")
    if codecs is not None and (not isinstance(codecs, list) or not all(c in CODECS for c in codecs)):
        errors[f"{pointer}/codec_ids"] = [
            _("Use a list of codec ids: %(ids)s.") % {"ids": ", ".join(str(c) for c in sorted(CODECS))}
        ]


def _check_configuration(value: Any, errors: dict[str, list[str]]) -> tuple[str, dict[str, Any]] | None:
    pointer = "/data/attributes/configuration"
    if not isinstance(value, dict) or not isinstance(value.get("attributes", {}), dict):
        errors[pointer] = [_('Send {"type": "sip_configurations" or "pstn_configurations", "attributes": {…}}.')]
        return None
    kind, config = value.get("type"), dict(value.get("attributes") or {})
    if kind == VoiceInTrunk.Kind.SIP:
        _check_sip(config, errors, pointer + "/attributes")
    elif kind == VoiceInTrunk.Kind.PSTN:
        dst = str(config.get("dst") or "")
        unknown = set(config) - {"dst"}
        for name in sorted(unknown):
            errors[f"{pointer}/attributes/{name}"] = [_("PSTN configurations have only dst.")]
        if not (dst.lstrip("+").isascii() and dst.lstrip("+").isdigit() and 7 <= len(dst.lstrip("+")) <= 15):
            errors[f"{pointer}/attributes/dst"] = [_("Give the number calls go to in international format.")]
        config = {"dst": dst.lstrip("+")}
    else:
        errors[f"{pointer}/type"] = [_("Use sip_configurations or pstn_configurations.")]
        return None
    return kind, config


def _check_attributes(attributes: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The model values an attributes object asks for: 422 with pointers for anything wrong."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in attributes.items():
        pointer = f"/data/attributes/{name}"
        if name not in WRITABLE:
            errors[pointer] = [_("Read-only, or no such attribute.")]
        elif name == "name":
            if not isinstance(value, str) or not value.strip() or len(value) > 100:
                errors[pointer] = [_("Name the trunk (at most 100 characters).")]
            else:
                values["name"] = value.strip()
        elif name in ("description", "cli_prefix", "external_reference_id"):
            limit = {"description": 255, "cli_prefix": 20, "external_reference_id": 100}[name]
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                errors[pointer] = [_("Use a string of at most %(n)d characters, or null.") % {"n": limit}]
            else:
                values[name] = value or ""
        elif name in ("capacity_limit", "ringing_timeout"):
            if value is not None and not _whole(value, low=1, high=100_000):
                errors[pointer] = [_("Use a positive whole number, or null.")]
            else:
                values[name] = value
        elif name in ("priority", "weight"):
            if not _whole(value, low=0, high=65535):
                errors[pointer] = [_("Use a whole number from 0 to 65535.")]
            else:
                values[name] = value
        elif name == "cli_format":
            if value not in CLI_FORMATS:
                errors[pointer] = [_("Use raw, e164 or local.")]
            else:
                values[name] = value
        elif name == "configuration":
            checked = _check_configuration(value, errors)
            if checked:
                values["kind"], values["configuration"] = checked
    if creating:
        if "name" not in attributes:
            errors.setdefault("/data/attributes/name", [_("Name the trunk (at most 100 characters).")])
        if "configuration" not in attributes:
            errors.setdefault("/data/attributes/configuration", [_("Say where calls go: a SIP or PSTN configuration.")])
    if errors:
        raise ValidationFailed(fields=errors)
    if "configuration" in values and values["kind"] == VoiceInTrunk.Kind.SIP:
        values["auth_password"] = str(values["configuration"].pop("auth_password", None) or "")
    return values


def _group_linkage(actor: Actor, relationships: Any) -> VoiceInTrunkGroup | None | object:
    """The ``voice_in_trunk_group`` a document sets: a group, None, or ``UNCHANGED``."""
    if not isinstance(relationships, dict) or "voice_in_trunk_group" not in relationships:
        return services.UNCHANGED
    pointer = "/data/relationships/voice_in_trunk_group"
    unknown = set(relationships) - {"voice_in_trunk_group", "pop"}
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(fields={f"/data/relationships/{name}": [_("This relationship cannot be set here.")]})
    value = relationships["voice_in_trunk_group"]
    linkage = value.get("data", 0) if isinstance(value, dict) else 0
    if linkage is None:
        return None
    if not isinstance(linkage, dict) or linkage.get("type") != "voice_in_trunk_groups" or not linkage.get("id"):
        raise ValidationFailed(fields={pointer: [_('Send {"data": {"type": "voice_in_trunk_groups", "id": …}}.')]})
    return group_get(actor=actor, group_id=str(linkage["id"]))


# --- Writing -------------------------------------------------------------------------------------


def _check_destination(kind: str, configuration: dict[str, Any]) -> None:
    probe = VoiceInTrunk(kind=kind, configuration=configuration)
    try:
        normalize_forwarding(destination(probe, Number(e164="+10000000000")))
    except ValueError as exc:
        raise ValidationFailed(fields={"/data/attributes/configuration": [str(exc)]}) from None


def trunk_create(*, actor: Actor, attributes: Any, relationships: Any = None) -> VoiceInTrunk:
    """A delivery trunk for the actor (a client-bound key's: for its client)."""
    actor.require_write()
    if not isinstance(attributes, dict):
        raise ValidationFailed(fields={"/data/attributes": [_("Send the attributes as an object.")]})
    values = _check_attributes(attributes, creating=True)
    _check_destination(values["kind"], values["configuration"])
    group = _group_linkage(actor, relationships)
    client = client_for(actor, None)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                trunk = VoiceInTrunk.objects.create(
                    uid=secrets.token_hex(4),
                    account=actor.account,
                    client=client,
                    group=None if group is services.UNCHANGED else group,
                    **values,
                )
                audit_record(
                    actor=actor,
                    action="voice_in_trunk.created",
                    subject=trunk,
                    after={"name": trunk.name, "kind": trunk.kind, "configuration": trunk.configuration},
                )
            return trunk
        except IntegrityError:
            continue  # an id collision: draw again
    raise ValidationFailed(_("Could not allocate an id; try again."))


def _reroute(actor: Actor, trunks: list[VoiceInTrunk]) -> None:
    """Numbers routed to these trunks (directly or through their groups) follow their new destination."""
    routes = DidVoiceInRoute.objects.filter(
        Q(trunk__in=trunks) | Q(group__in={t.group_id for t in trunks if t.group_id})
    ).select_related("number", "trunk", "group")
    for route in routes:
        number = route.number
        if number.status in (Number.Status.RELEASED, Number.Status.FAILED) or number.trunk_id:
            continue
        trunk = route.trunk or group_first_trunk(route.group)
        if trunk is not None and number.forwarding and destination(trunk, number) != number.forwarding:
            services.number_update(actor=actor, number=number, changes={"forwarding": destination(trunk, number)})


def trunk_update(*, actor: Actor, trunk: Trunk, attributes: Any, relationships: Any = None) -> Trunk:
    """Change a trunk; numbers routed to a delivery trunk follow a changed destination (one transaction).
    Registration trunks take a new name and capacity_limit (their channels) only."""
    actor.require_write()
    if not isinstance(attributes, dict):
        raise ValidationFailed(fields={"/data/attributes": [_("Send the attributes as an object.")]})
    if isinstance(trunk, SipTrunk):
        other = sorted(set(attributes) - {"name", "capacity_limit"})
        if other or (isinstance(relationships, dict) and relationships):
            pointer = f"/data/attributes/{other[0]}" if other else "/data/relationships"
            why = _(
                "Registration trunks change their name and capacity_limit here; the rest at /api/v1/portal/sip-trunks."
            )
            raise ValidationFailed(fields={pointer: [why]})
        changes = {"name": attributes["name"]} if "name" in attributes else {}
        if "capacity_limit" in attributes:
            changes["channels"] = attributes["capacity_limit"]
        return trunk_services.trunk_update(actor=actor, trunk=trunk, **changes)
    values = _check_attributes(attributes, creating=False)
    if "configuration" in values:
        _check_destination(values["kind"], values["configuration"])
    group = _group_linkage(actor, relationships)
    if group is not services.UNCHANGED:
        values["group"] = group
    with transaction.atomic():
        trunk = VoiceInTrunk.objects.select_for_update().get(pk=trunk.pk)
        if values.get("kind") == VoiceInTrunk.Kind.SIP and "auth_password" in values and not values["auth_password"]:
            values.pop("auth_password")  # a configuration sent without the password keeps the stored one
        before = {k: getattr(trunk, k) for k in values if k != "auth_password"}
        old_group_id = trunk.group_id
        for name, value in values.items():
            setattr(trunk, name, value)
        trunk.save()
        after = {k: getattr(trunk, k) for k in before}
        if before != after:
            audit_record(
                actor=actor,
                action="voice_in_trunk.updated",
                subject=trunk,
                before={k: getattr(v, "public_id", v) for k, v in before.items()},
                after={k: getattr(v, "public_id", v) for k, v in after.items()},
            )
        affected = [trunk]
        if old_group_id and old_group_id != trunk.group_id:
            affected += list(VoiceInTrunk.objects.filter(group_id=old_group_id))
        _reroute(actor, affected)
    return trunk


def trunk_delete(*, actor: Actor, trunk: Trunk) -> None:
    """Delete a trunk no number is routed to (422 naming them otherwise)."""
    actor.require_write()
    if isinstance(trunk, SipTrunk):
        trunk_services.trunk_delete(actor=actor, trunk=trunk)
        return
    with transaction.atomic():
        trunk = VoiceInTrunk.objects.select_for_update().get(pk=trunk.pk)
        routed = [
            r.number.e164
            for r in DidVoiceInRoute.objects.filter(trunk=trunk).select_related("number", "trunk")
            if route_of(r.number)[0] == trunk and r.number.status not in (Number.Status.RELEASED, Number.Status.FAILED)
        ]
        if routed:
            raise ValidationFailed(
                _("%(n)d number(s) still route to this trunk. Route them elsewhere first.") % {"n": len(routed)},
                numbers=routed[:20],
            )
        audit_record(actor=actor, action="voice_in_trunk.deleted", subject=trunk, before={"name": trunk.name})
        trunk.delete()


# --- Trunk groups --------------------------------------------------------------------------------


def _check_group_attributes(attributes: Any, *, creating: bool) -> dict[str, Any]:
    if not isinstance(attributes, dict):
        raise ValidationFailed(fields={"/data/attributes": [_("Send the attributes as an object.")]})
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in attributes.items():
        pointer = f"/data/attributes/{name}"
        if name == "name" and isinstance(value, str) and value.strip() and len(value) <= 100:
            values["name"] = value.strip()
        elif name == "name":
            errors[pointer] = [_("Name the group (at most 100 characters).")]
        elif name == "capacity_limit" and (value is None or _whole(value, low=1, high=100_000)):
            values["capacity_limit"] = value
        elif name == "external_reference_id" and (value is None or (isinstance(value, str) and len(value) <= 100)):
            values["external_reference_id"] = value or ""
        elif name in GROUP_ATTRIBUTES and name != "created_at":
            errors[pointer] = [_("Not a valid value.")]
        else:
            errors[pointer] = [_("Read-only, or no such attribute.")]
    if creating and "name" not in values:
        errors.setdefault("/data/attributes/name", [_("Name the group (at most 100 characters).")])
    if errors:
        raise ValidationFailed(fields=errors)
    return values


def _group_trunks(actor: Actor, relationships: Any) -> list[VoiceInTrunk] | None:
    """The delivery trunks a group document lists (None when it lists none)."""
    if not isinstance(relationships, dict) or "voice_in_trunks" not in relationships:
        return None
    value = relationships["voice_in_trunks"]
    linkages = value.get("data") if isinstance(value, dict) else None
    pointer = "/data/relationships/voice_in_trunks"
    if not isinstance(linkages, list) or not all(
        isinstance(item, dict) and item.get("type") == "voice_in_trunks" for item in linkages
    ):
        raise ValidationFailed(fields={pointer: [_('Send {"data": [{"type": "voice_in_trunks", "id": …}, …]}.')]})
    trunks = []
    for item in linkages:
        trunk = trunk_get(actor=actor, trunk_id=str(item.get("id") or ""))
        if not isinstance(trunk, VoiceInTrunk):
            raise ValidationFailed(fields={pointer: [_("Registration trunks cannot be in a group.")]})
        trunks.append(trunk)
    return trunks


def group_save(
    *, actor: Actor, group: VoiceInTrunkGroup | None, attributes: Any, relationships: Any = None
) -> VoiceInTrunkGroup:
    """Create (``group`` None) or change a trunk group; numbers routed to it follow its new first trunk."""
    actor.require_write()
    values = _check_group_attributes(attributes or {}, creating=group is None)
    trunks = _group_trunks(actor, relationships)
    with transaction.atomic():
        if group is None:
            group = VoiceInTrunkGroup.objects.create(
                uid=secrets.token_hex(4), account=actor.account, client=client_for(actor, None), **values
            )
            audit_record(actor=actor, action="voice_in_trunk_group.created", subject=group, after={"name": group.name})
        else:
            group = VoiceInTrunkGroup.objects.select_for_update().get(pk=group.pk)
            for name, value in values.items():
                setattr(group, name, value)
            group.save()
            audit_record(actor=actor, action="voice_in_trunk_group.updated", subject=group, after=values)
        if trunks is not None:
            previous = list(group.trunks.all())
            VoiceInTrunk.objects.filter(group=group).exclude(pk__in=[t.pk for t in trunks]).update(group=None)
            VoiceInTrunk.objects.filter(pk__in=[t.pk for t in trunks]).update(group=group)
            _reroute(actor, previous + list(VoiceInTrunk.objects.filter(group=group)))
    return group


def group_delete(*, actor: Actor, group: VoiceInTrunkGroup) -> None:
    actor.require_write()
    with transaction.atomic():
        routed = [r.number.e164 for r in group.routes.select_related("number") if route_of(r.number)[1] == group]
        if routed:
            raise ValidationFailed(
                _("%(n)d number(s) still route to this group. Route them elsewhere first.") % {"n": len(routed)},
                numbers=routed[:20],
            )
        audit_record(actor=actor, action="voice_in_trunk_group.deleted", subject=group, before={"name": group.name})
        group.trunks.update(group=None)
        group.delete()


# --- A DID's route -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DidRoute:
    """Where a DID update sends its calls: a trunk or a group, or (both None) nowhere."""

    trunk: Trunk | None = None
    group: VoiceInTrunkGroup | None = None


def did_apply(*, actor: Actor, number: Number, changes: dict[str, Any], route: DidRoute | None) -> Number:
    """``services.number_update`` with a DIDWW route: a registration trunk is a trunk route, a delivery
    trunk or group a forwarding (remembered in ``DidVoiceInRoute``). One transaction."""
    if route is None:
        return services.number_update(actor=actor, number=number, changes=changes)
    target = route.trunk if route.trunk is not None else None
    if route.group is not None:
        target = group_first_trunk(route.group)
        if target is None:
            raise ValidationFailed(
                fields={"/data/relationships/voice_in_trunk_group": [_("This group has no trunks yet.")]}
            )
    with transaction.atomic():
        if isinstance(target, VoiceInTrunk):
            if target.client_id and target.client_id != number.client_id:
                raise ValidationFailed(
                    fields={
                        "sip_trunk_id": [
                            _("This trunk belongs to another client; it takes only that client's numbers.")
                        ]
                    }
                )
            number = services.number_update(
                actor=actor, number=number, changes={**changes, "forwarding": destination(target, number)}
            )
            DidVoiceInRoute.objects.update_or_create(
                number=number,
                defaults={"trunk": None if route.group else target, "group": route.group},
            )
            return number
        if target is None and not number.trunk_id and any(route_of(number)):
            changes = {**changes, "forwarding": ""}  # off the delivery trunk it was forwarded to
        trunk = target if target is not None else (None if number.trunk_id else services.UNCHANGED)
        number = services.number_update(actor=actor, number=number, changes=changes, trunk=trunk)
        DidVoiceInRoute.objects.filter(number=number).delete()
    return number
