"""Writes for SIP trunks and routing: create, change, delete, regenerate credentials, route numbers to a
trunk or a forwarding target, and record registration changes reported by the carrier.

Passwords exist only in the return value of ``trunk_create`` / ``trunk_regenerate_credentials``; the
database keeps the SIP digest HA1. Routing changes reach the carrier from a task after commit, and only
for live numbers: a number routed while provisioning gets its route when it goes live.

A new trunk is ``provisioning`` until the SIP side has it: a task after commit sends it there
(``trunk_push``) and, once that is confirmed, marks it ``active``. New credentials and changed addresses or
channels are sent the same way.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from accounts.actor import Actor
from accounts.services import audit_record
from portal import events
from portal.errors import NotFound, ValidationFailed

from ..models import Number, SipTrunk
from ..validation import normalize_forwarding

PASSWORD_ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 24
MAX_ALLOWED_IPS = 20
MAX_CHANNELS = 1000


def digest_ha1(username: str, realm: str, password: str) -> str:
    """What a SIP registrar stores for digest authentication (RFC 2617/3261)."""
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).hexdigest()  # noqa: S324 - the SIP standard


def credentials_match(trunk: SipTrunk, *, username: str, password: str) -> bool:
    """The registrar's check of a PBX's credentials against the stored HA1."""
    if trunk.auth_type != SipTrunk.AuthType.DIGEST or not trunk.ha1 or username != trunk.username:
        return False
    return secrets.compare_digest(digest_ha1(username, trunk.sip_server, password), trunk.ha1)


def _new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _username_for(name: str) -> str:
    """``acme_xk9f2``: a readable stem from the trunk's name plus a random suffix."""
    stem = re.sub(r"[^a-z0-9]+", "", name.lower())[:12] or "trunk"
    return f"{stem}_{secrets.token_hex(3)[:5]}"


def _clean_ips(values) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list | tuple):
        raise ValueError(_('Send allowed_ips as a list, e.g. ["203.0.113.10", "198.51.100.0/24"].'))
    networks = []
    for value in values:
        try:
            network = ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            raise ValueError(_("Not an IP address or CIDR range: %(v)s") % {"v": value}) from None
        if network.prefixlen < (8 if network.version == 4 else 32):
            raise ValueError(_("Range too wide: %(v)s") % {"v": value})
        if str(network) not in networks:
            networks.append(str(network))
    if len(networks) > MAX_ALLOWED_IPS:
        raise ValueError(_("At most %(n)d addresses or ranges.") % {"n": MAX_ALLOWED_IPS})
    return networks


def _clean_channels(value) -> int:
    try:
        channels = int(value)
    except (TypeError, ValueError):
        raise ValueError(_("A whole number of simultaneous calls.")) from None
    if not 1 <= channels <= MAX_CHANNELS:
        raise ValueError(_("Between 1 and %(n)d simultaneous calls.") % {"n": MAX_CHANNELS})
    return channels


@dataclass(frozen=True)
class IssuedTrunk:
    trunk: SipTrunk
    password: str | None  # None for IP-authenticated trunks


def trunk_create(
    *,
    actor: Actor,
    name: str,
    auth_type: str = SipTrunk.AuthType.DIGEST,
    client_id=None,
    allowed_ips=None,
    channels=10,
) -> IssuedTrunk:
    """Create a trunk with fresh credentials. The password is in the result only."""
    actor.require_write()
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Name the trunk, e.g. after the client or the PBX.")]
    if auth_type not in SipTrunk.AuthType.values:
        errors["auth_type"] = [_("Use digest or ip.")]
    try:
        ips = _clean_ips(allowed_ips)
    except ValueError as exc:
        errors["allowed_ips"] = [str(exc)]
        ips = []
    if auth_type == SipTrunk.AuthType.IP and not ips and "allowed_ips" not in errors:
        errors["allowed_ips"] = [_("An IP-authenticated trunk needs at least one address or range.")]
    try:
        channels = _clean_channels(channels)
    except ValueError as exc:
        errors["channels"] = [str(exc)]
    if errors:
        raise ValidationFailed(fields=errors)
    client = account_selectors.client_for(actor, client_id)
    password = _new_password() if auth_type == SipTrunk.AuthType.DIGEST else None
    realm = settings.SIP_SERVER
    for _attempt in range(5):
        username = _username_for(name)
        try:
            with transaction.atomic():
                trunk = SipTrunk.objects.create(
                    uid=secrets.token_hex(4),
                    account=actor.account,
                    client=client,
                    name=name[:100],
                    auth_type=auth_type,
                    allowed_ips=ips,
                    sip_server=realm,
                    username=username,
                    ha1=digest_ha1(username, realm, password) if password else "",
                    channels=channels,
                    status=SipTrunk.Status.PROVISIONING,  # until the SIP side has it (``trunk_push``)
                )
                audit_record(
                    actor=actor,
                    action="trunk.created",
                    subject=trunk,
                    after={
                        "name": trunk.name,
                        "auth_type": auth_type,
                        "username": username,
                        "channels": channels,
                        "allowed_ips": ips,
                        "client": client.public_id if client else None,
                    },
                )
                transaction.on_commit(functools.partial(enqueue_trunk_push, trunk.pk))
            return IssuedTrunk(trunk=trunk, password=password)
        except IntegrityError:
            continue  # a username or id collision: draw again
    raise ValidationFailed(_("Could not allocate credentials; try again."))


def _require_own(actor: Actor, trunk: SipTrunk) -> None:
    if trunk.account_id != actor.account.pk or (actor.is_client_scoped and trunk.client_id != actor.client.pk):
        raise NotFound(_("Trunk not found."))


def trunk_update(*, actor: Actor, trunk: SipTrunk, **changes: Any) -> SipTrunk:
    """Rename, resize or change the allowed IPs of a trunk."""
    actor.require_write()
    _require_own(actor, trunk)
    unknown = set(changes) - {"name", "channels", "allowed_ips"}
    if unknown:
        raise ValidationFailed(fields={key: [_("This field cannot be changed.")] for key in sorted(unknown)})
    values, errors = {}, {}
    if "name" in changes:
        if not str(changes["name"] or "").strip():
            errors["name"] = [_("A name is required.")]
        values["name"] = str(changes["name"] or "").strip()[:100]
    if "channels" in changes:
        try:
            values["channels"] = _clean_channels(changes["channels"])
        except ValueError as exc:
            errors["channels"] = [str(exc)]
    if "allowed_ips" in changes:
        try:
            values["allowed_ips"] = _clean_ips(changes["allowed_ips"])
        except ValueError as exc:
            errors["allowed_ips"] = [str(exc)]
        if trunk.auth_type == SipTrunk.AuthType.IP and not values.get("allowed_ips") and "allowed_ips" not in errors:
            errors["allowed_ips"] = [_("An IP-authenticated trunk needs at least one address or range.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        trunk = SipTrunk.objects.select_for_update().get(pk=trunk.pk)
        before = {field: getattr(trunk, field) for field in values}
        for field, value in values.items():
            setattr(trunk, field, value)
        trunk.save()
        if before != values:
            audit_record(actor=actor, action="trunk.updated", subject=trunk, before=before, after=values)
            if {"channels", "allowed_ips"} & {field for field in values if before[field] != values[field]}:
                trunk_id = trunk.pk
                transaction.on_commit(lambda: enqueue_trunk_push(trunk_id))
    return trunk


def trunk_regenerate_credentials(*, actor: Actor, trunk: SipTrunk) -> IssuedTrunk:
    """A new password (and HA1): the old one stops working at once, so the client's PBX must be updated."""
    actor.require_write()
    _require_own(actor, trunk)
    if trunk.auth_type != SipTrunk.AuthType.DIGEST:
        raise ValidationFailed(_("This trunk authenticates by IP address; it has no password to regenerate."))
    password = _new_password()
    with transaction.atomic():
        trunk = SipTrunk.objects.select_for_update().get(pk=trunk.pk)
        trunk.ha1 = digest_ha1(trunk.username, trunk.sip_server, password)
        trunk.credentials_rotated_at = timezone.now()
        trunk.save(update_fields=["ha1", "credentials_rotated_at", "updated_at"])
        audit_record(
            actor=actor, action="trunk.credentials_regenerated", subject=trunk, after={"username": trunk.username}
        )
        trunk_id = trunk.pk
        transaction.on_commit(lambda: enqueue_trunk_push(trunk_id))
    return IssuedTrunk(trunk=trunk, password=password)


def trunk_delete(*, actor: Actor, trunk: SipTrunk) -> None:
    """Delete a trunk no number routes to."""
    actor.require_write()
    _require_own(actor, trunk)
    with transaction.atomic():
        trunk = SipTrunk.objects.select_for_update().get(pk=trunk.pk)
        routed = trunk.numbers.exclude(status__in=[Number.Status.RELEASED, Number.Status.FAILED])
        count = routed.count()
        if count:
            raise ValidationFailed(
                _("%(n)d number(s) still route to this trunk. Route them elsewhere first.") % {"n": count},
                numbers=list(routed.values_list("e164", flat=True)[:20]),
            )
        audit_record(actor=actor, action="trunk.deleted", subject=trunk, before={"name": trunk.name})
        trunk.numbers.update(trunk=None)  # released numbers keep no link to a deleted trunk
        trunk.delete()


def enqueue_trunk_push(trunk_id: int) -> None:
    from ..tasks import trunk_push_task

    trunk_push_task.delay(trunk_id)


def trunk_push(*, trunk_id: int) -> SipTrunk | None:
    """Send the trunk as it is now to the SIP side (the carrier's registrar); once it confirms, a trunk
    still ``provisioning`` becomes ``active`` (a conditional UPDATE: one audit row however many pushes run).
    Safe to run twice, even at once: the SIP side takes the same settings again. No transaction is open
    while the carrier is called. Raises ``CarrierError`` for the task to retry; returns None for a trunk
    that is gone."""
    from ..carriers import get_carrier

    trunk = SipTrunk.objects.select_related("account").filter(pk=trunk_id).first()
    if trunk is None:
        return None
    get_carrier().configure_trunk(
        trunk_ref=trunk.public_id,
        username=trunk.username,
        realm=trunk.sip_server,
        ha1=trunk.ha1,
        allowed_ips=list(trunk.allowed_ips),
        channels=trunk.channels,
    )
    with transaction.atomic():
        activated = SipTrunk.objects.filter(pk=trunk_id, status=SipTrunk.Status.PROVISIONING).update(
            status=SipTrunk.Status.ACTIVE, updated_at=timezone.now()
        )
        if activated:
            trunk.status = SipTrunk.Status.ACTIVE
            audit_record(
                actor=None,
                account=trunk.account,
                action="trunk.activated",
                subject=trunk,
                before={"status": SipTrunk.Status.PROVISIONING},
                after={"status": SipTrunk.Status.ACTIVE},
            )
    return trunk


def trunks_stalled_ids(*, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Trunks still provisioning a while after their last change: their push was lost (a broker or worker
    gone) or is failing; the sweeper sends them again. Pushing is idempotent, so a false alarm costs
    nothing."""
    stalled = SipTrunk.objects.filter(status=SipTrunk.Status.PROVISIONING, updated_at__lt=timezone.now() - older_than)
    return list(stalled.values_list("pk", flat=True)[:500])


def trunk_registration_update(*, trunk_id: int, registered: bool, contact: str = "") -> SipTrunk | None:
    """The carrier reports a PBX registering or going offline. Records ``trunk.registered`` or
    ``trunk.offline`` once per change (a repeated report changes nothing)."""
    with transaction.atomic():
        trunk = SipTrunk.objects.select_for_update().filter(pk=trunk_id).first()
        if trunk is None:
            return None
        state = SipTrunk.Registration.REGISTERED if registered else SipTrunk.Registration.OFFLINE
        if trunk.registration == state:
            return trunk
        trunk.registration = state
        trunk.registration_changed_at = timezone.now()
        trunk.registered_contact = contact[:255] if registered else trunk.registered_contact
        trunk.save(update_fields=["registration", "registration_changed_at", "registered_contact", "updated_at"])
        events.record(
            "trunk.registered" if registered else "trunk.offline",
            account=trunk.account,
            client=trunk.client,
            subject_type="trunk",
            subject_id=trunk.public_id,
            data={
                "trunk_uuid": trunk.public_id,
                "trunk_id": trunk.pk,
                "name": trunk.name,
                "username": trunk.username,
                "contact": contact if registered else trunk.registered_contact,
            },
        )
    return trunk


# --- Routing -------------------------------------------------------------------------------------


def route_destination(number: Number) -> str:
    """Where the carrier should send the number's calls: the trunk's SIP address, or the forwarding."""
    if number.trunk_id:
        return f"sip:{number.trunk.username}@{number.trunk.sip_server}"
    return number.forwarding


def number_route(
    *, actor: Actor, number: Number, trunk: SipTrunk | None = None, forwarding: str | None = None
) -> Number:
    """Send the number's calls to ``trunk``, or forward them to ``forwarding`` (a SIP URI or E.164), or,
    with neither, to nowhere. Allowed while the number is still being set up: the carrier gets the route
    when it goes live."""
    actor.require_write()
    if trunk is not None and forwarding:
        raise ValidationFailed(_("Route to a trunk or forward, not both."))
    if number.account_id != actor.account.pk or (actor.is_client_scoped and number.client_id != actor.client.pk):
        raise NotFound(_("Number not found."))
    if trunk is not None:
        _require_own(actor, trunk)
        if trunk.client_id and trunk.client_id != number.client_id:
            raise ValidationFailed(
                fields={
                    "sip_trunk_id": [_("This trunk belongs to another client; it takes only that client's numbers.")]
                }
            )
    try:
        target = normalize_forwarding(forwarding or "")
    except ValueError as exc:
        raise ValidationFailed(fields={"forwarding": [str(exc)]}) from None
    with transaction.atomic():
        number = Number.objects.select_for_update(of=("self",)).select_related("trunk").get(pk=number.pk)
        if number.status in (Number.Status.RELEASED, Number.Status.FAILED):
            raise NotFound(_("Number not found."))
        before = {"trunk": number.trunk.public_id if number.trunk else None, "forwarding": number.forwarding}
        number.trunk = trunk
        number.forwarding = "" if trunk is not None else target
        number.save(update_fields=["trunk", "forwarding", "updated_at"])
        after = {"trunk": trunk.public_id if trunk else None, "forwarding": number.forwarding}
        if before != after:
            audit_record(actor=actor, action="number.routed", subject=number, before=before, after=after)
        number_id = number.pk
        transaction.on_commit(lambda: enqueue_route_push(number_id))
    return number


def enqueue_route_push(number_id: int) -> None:
    from ..tasks import number_route_push_task

    number_route_push_task.delay(number_id)


def number_route_push(*, number_id: int) -> bool:
    """Tell the carrier where a live number's calls go, if that changed. Safe to run twice; returns
    whether the carrier was called."""
    from ..carriers import get_carrier

    number = Number.objects.select_related("trunk", "group").filter(pk=number_id).first()
    routable = (Number.Status.ACTIVE, Number.Status.INACTIVE, Number.Status.SUSPENDED)
    if number is None or number.status not in routable or not number.carrier_ref:
        return False
    # A suspended number keeps its settings, but the carrier sends its calls nowhere until it is paid.
    destination = "" if number.status == Number.Status.SUSPENDED else route_destination(number)
    if destination == number.route_applied and number.route_applied_at:
        return False
    get_carrier(number.group.carrier).configure_routing(carrier_ref=number.carrier_ref, destination=destination)
    Number.objects.filter(pk=number_id).update(route_applied=destination, route_applied_at=timezone.now())
    return True
