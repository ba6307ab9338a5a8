"""DIDWW's address verifications as /api/v3 serves them: an address (a compliance profile, ``cpr_…``) put
forward for DIDs that need documents.

- Creating one attaches the address's profile to each DID, as setting ``compliance_profile_id`` on the
  number does (``number_configure``: a profile that does not cover a DID → 422; a DID that is not yours →
  404). Everything applies, or nothing.
- Its ``status`` is the profile's review: ``pending`` until staff decide, then ``approved`` (the DIDs go
  live, as for any approval) or ``rejected``, with the profile's reason in ``reject_reasons`` (and
  ``reject_comment``). A corrected profile submitted again is ``pending`` again.
- ``callback_url``, ``callback_method``, ``service_description`` and ``external_reference_id`` are kept and
  shown; no callback is sent (poll the status).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.actor import Actor
from portal.errors import ComplianceProfileMismatch, NotFound, ValidationFailed
from portal.jsonapi import Resource, timestamp

from ..regulatory.models import ComplianceProfile
from . import identities
from .models import AddressVerification
from .proofs import relationship_linkage
from .resources import did_get

ATTRIBUTES = (
    "service_description", "callback_url", "callback_method", "external_reference_id", "status",
    "reject_reasons", "reject_comment", "reference", "created_at",
)  # fmt: skip
RELATIONSHIPS = ("address", "dids")
MAX_DIDS = 100
LIMITS = {"service_description": 500, "callback_url": 500, "external_reference_id": 100}


def status_of(profile: ComplianceProfile) -> str:
    if profile.status in (ComplianceProfile.Status.APPROVED, ComplianceProfile.Status.EXPIRED):
        return "approved"
    if profile.status == ComplianceProfile.Status.REJECTED:
        return "rejected"
    return "pending"


def verification_resource(item: AddressVerification) -> Resource:
    profile = item.profile
    status = status_of(profile)
    rejected = status == "rejected" and profile.rejection_reason
    return Resource(
        "address_verifications",
        str(item.uid),
        {
            "service_description": item.service_description or None,
            "callback_url": item.callback_url or None,
            "callback_method": item.callback_method if item.callback_url else None,
            "external_reference_id": item.external_reference_id or None,
            "status": status,
            "reject_reasons": [profile.rejection_reason] if rejected else None,
            "reject_comment": profile.rejection_reason if rejected else None,
            "reference": profile.public_id,
            "created_at": timestamp(item.created_at),
        },
        {
            "address": identities.address_resource(profile, with_identity=False, with_proofs=False)
            if identities.has_address(profile)
            else None,
            "dids": [Resource("dids", n.public_id, {}) for n in item.numbers.all()],
        },
    )


def verification_list(*, actor: Actor) -> QuerySet[AddressVerification]:
    qs = AddressVerification.objects.filter(account=actor.account)
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    return qs.select_related("profile").prefetch_related("numbers").order_by("-created_at", "-id")


def verification_get(*, actor: Actor, verification_id: str) -> AddressVerification:
    item = verification_list(actor=actor).filter(uid=_uid(verification_id)).first()
    if item is None:
        raise NotFound(_("Address verification not found."))
    return item


def _uid(value: str) -> str | None:
    import uuid

    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def _attributes(attributes: Any) -> dict[str, str]:
    if not isinstance(attributes, dict):
        attributes = {}
    values: dict[str, str] = {}
    for name, limit in LIMITS.items():
        value = attributes.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value.strip()) > limit:
            raise ValidationFailed(
                fields={f"/data/attributes/{name}": [_("Send text of at most %(n)d characters.") % {"n": limit}]}
            )
        values[name] = value.strip()
    method = attributes.get("callback_method")
    if method is not None:
        if method not in ("post", "get"):
            raise ValidationFailed(fields={"/data/attributes/callback_method": [_("Use post or get.")]})
        values["callback_method"] = method
    return values


def verification_create(*, actor: Actor, attributes: Any, relationships: Any) -> AddressVerification:
    """Put an address forward for DIDs: its profile is attached to each (one transaction)."""
    from ..services import number_update

    actor.require_write()
    values = _attributes(attributes)
    address = relationship_linkage(relationships, "address", ("addresses",))
    links = relationship_linkage(relationships, "dids", ("dids",), many=True)
    if len(links) > MAX_DIDS:
        raise ValidationFailed(fields={"/data/relationships/dids": [_("At most %(n)d DIDs.") % {"n": MAX_DIDS}]})
    profile = identities.address_get(actor=actor, address_id=address["id"])
    numbers = {n.pk: n for n in (did_get(actor=actor, did_id=link["id"]) for link in links)}
    with transaction.atomic():
        for number in sorted(numbers.values(), key=lambda n: n.pk):
            if number.compliance_profile_id != profile.pk:
                try:
                    number_update(actor=actor, number=number, changes={"compliance_profile_id": profile.pk})
                except ComplianceProfileMismatch as exc:
                    pointer = {"/data/relationships/dids": [exc.message]}
                    raise ComplianceProfileMismatch(exc.message, fields=pointer) from None
        item = AddressVerification.objects.create(
            account=actor.account, client=actor.client or profile.client, profile=profile, **values
        )
        item.numbers.set(numbers.values())
    return verification_get(actor=actor, verification_id=str(item.uid))
