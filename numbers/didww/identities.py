"""DIDWW's identities and addresses as /api/v3 serves them: both are our compliance profiles
(``numbers/regulatory``), read and written through its selectors and services, so tenancy, review and
the audit trail are the same as on the pages and /api/v1.

- An identity is a profile's person or company; its id is the profile's (``cpr_…``).
  ``identity_type`` ``personal`` is a person (``first_name`` and ``last_name`` make its name),
  ``business`` a company (``company_name``, ``company_reg_number``). The ``country`` relationship is the
  profile's country. DIDWW's other identity attributes (phone number, birth date, tax and VAT ids,
  contact email, description, external reference) are accepted and not kept: they read as null.
- A profile made from an identity covers every country and number type we sell whose numbers need
  documents (those ``address_requirements`` lists); staff review it against what those need.
- An address is the profile's address, with the same id; it is created for an identity (the ``identity``
  relationship), one per identity. ``address`` is the street and number, ``city_name`` the city.
  Deleting it takes the street, postal code and city off the profile.
- ``verified`` is true once staff approved the profile. Drafts and rejected profiles can change; the
  others answer 422.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from babel import Locale
from django.utils.translation import gettext as _

from accounts.actor import Actor
from portal.errors import NotFound, ValidationFailed
from portal.jsonapi import Conflict, Resource, timestamp

from ..models import Country, NumberGroup, NumberType
from ..regulatory import selectors, services
from ..regulatory.models import ComplianceProfile, EndUserType
from .resources import country_resource

IDENTITY_TYPES = {"personal": EndUserType.PERSON, "business": EndUserType.BUSINESS}
# DIDWW's identity attributes that have no place in a profile: accepted, not kept.
NOT_KEPT = (
    "phone_number", "id_number", "birth_date", "vat_id", "description", "personal_tax_id",
    "external_reference_id", "contact_email",
)  # fmt: skip
IDENTITY_ATTRIBUTES = (
    "first_name", "last_name", "company_name", "company_reg_number", "identity_type", "created_at",
    "verified", *NOT_KEPT,
)  # fmt: skip
IDENTITY_RELATIONSHIPS = ("country", "birth_country", "proofs", "addresses", "permanent_documents")
ADDRESS_ATTRIBUTES = (
    "city_name", "postal_code", "address", "description", "created_at", "verified", "external_reference_id",
)  # fmt: skip
ADDRESS_RELATIONSHIPS = ("country", "identity", "proofs", "area", "city")
# Our field names, as DIDWW's attributes point at them in an address document.
ADDRESS_POINTERS = {
    "street": "/data/attributes/address",
    "city": "/data/attributes/city_name",
    "postal_code": "/data/attributes/postal_code",
    "address_country": "/data/relationships/country",
}


# --- Reading -------------------------------------------------------------------------------------


def any_country_resource(code: str) -> Resource:
    """A country as DIDWW shows one: ours when we sell there, otherwise its ISO code, English name and
    dial code."""
    country = Country.objects.filter(code=code).first()
    if country is not None:
        return country_resource(country)
    name = Locale("en").territories.get(code, code)
    prefix = phonenumbers.country_code_for_region(code)
    return Resource("countries", code, {"name": name, "prefix": str(prefix) if prefix else None, "iso": code})


def _names(profile: ComplianceProfile) -> tuple[str | None, str | None]:
    if profile.end_user_type != EndUserType.PERSON:
        return None, None
    first, _sep, last = profile.name.rpartition(" ")
    return (first, last) if first else (last, None)


def has_address(profile: ComplianceProfile) -> bool:
    return all(getattr(profile, key) for key in services.ADDRESS_FIELDS)


def _proofs(profile: ComplianceProfile, *, address: bool) -> list[Resource]:
    from .proofs import proofs_of  # (proofs show their identity or address)

    return proofs_of(profile, address=address)


def identity_resource(profile: ComplianceProfile, *, with_address: bool = True, with_proofs: bool = True) -> Resource:
    first, last = _names(profile)
    business = profile.end_user_type == EndUserType.BUSINESS
    attributes: dict[str, Any] = dict.fromkeys(NOT_KEPT)
    attributes |= {
        "first_name": first,
        "last_name": last,
        "company_name": profile.name if business else None,
        "company_reg_number": (profile.registration_number or None) if business else None,
        "identity_type": "business" if business else "personal",
        "created_at": timestamp(profile.created_at),
        "verified": profile.status == ComplianceProfile.Status.APPROVED,
    }
    addresses = (
        [address_resource(profile, with_identity=False, with_proofs=with_proofs)]
        if with_address and has_address(profile)
        else []
    )
    return Resource(
        "identities",
        profile.public_id,
        attributes,
        {
            "country": any_country_resource(profile.address_country),
            "birth_country": None,
            "proofs": _proofs(profile, address=False) if with_proofs else [],
            "addresses": addresses,
            "permanent_documents": [],
        },
    )


def address_resource(profile: ComplianceProfile, *, with_identity: bool = True, with_proofs: bool = True) -> Resource:
    return Resource(
        "addresses",
        profile.public_id,
        {
            "city_name": profile.city,
            "postal_code": profile.postal_code,
            "address": profile.street,
            "description": None,
            "created_at": timestamp(profile.created_at),
            "verified": profile.status == ComplianceProfile.Status.APPROVED,
            "external_reference_id": None,
        },
        {
            "country": any_country_resource(profile.address_country),
            "identity": identity_resource(profile, with_address=False, with_proofs=False) if with_identity else None,
            "proofs": _proofs(profile, address=True) if with_proofs else [],
            "area": None,
            "city": None,
        },
    )


def identity_list(*, actor: Actor) -> list[ComplianceProfile]:
    return list(selectors.profile_list(actor=actor))


def identity_get(*, actor: Actor, identity_id: str) -> ComplianceProfile:
    return selectors.profile_get(actor=actor, profile_id=identity_id)


def address_list(*, actor: Actor) -> list[ComplianceProfile]:
    return [p for p in selectors.profile_list(actor=actor) if has_address(p)]


def address_get(*, actor: Actor, address_id: str) -> ComplianceProfile:
    profile = selectors.profile_get(actor=actor, profile_id=address_id)
    if not has_address(profile):
        raise NotFound(_("Address not found."))
    return profile


# --- Writing -------------------------------------------------------------------------------------


def _text(attributes: dict[str, Any], name: str) -> str | None:
    """An attribute given as text (None when left out); anything else → 422 at its pointer."""
    if name not in attributes or attributes[name] is None:
        return None
    value = attributes[name]
    if not isinstance(value, str):
        raise ValidationFailed(fields={f"/data/attributes/{name}": [_("Send text.")]})
    return value.strip()


def _country_code(relationships: Any, *, required: bool) -> str | None:
    """The ISO code a ``country`` relationship names (``{"data": {"type": "countries", "id": "DE"}}``)."""
    pointer = "/data/relationships/country"
    value = relationships.get("country") if isinstance(relationships, dict) else None
    if value is None:
        if required:
            raise ValidationFailed(fields={pointer: [_("This field is required.")]})
        return None
    linkage = value.get("data") if isinstance(value, dict) else None
    if not isinstance(linkage, dict) or linkage.get("type") != "countries" or not linkage.get("id"):
        raise ValidationFailed(fields={pointer: [_('Send {"data": {"type": "countries", "id": …}}.')]})
    code = str(linkage["id"]).strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationFailed(fields={pointer: [_("Use a two-letter ISO country code, such as DE.")]})
    return code


def _remapped(exc: ValidationFailed, pointers: dict[str, str]) -> ValidationFailed:
    fields = {pointers.get(key, key): errors for key, errors in (exc.fields or {}).items()}
    return ValidationFailed(exc.message, fields=fields)


def _identity_changes(attributes: Any, relationships: Any, profile: ComplianceProfile | None) -> dict[str, Any]:
    """The profile fields an identity document sets (all those needed when ``profile`` is None)."""
    if not isinstance(attributes, dict):
        attributes = {}
    changes: dict[str, Any] = {}
    kind = attributes.get("identity_type")
    if kind is not None or profile is None:
        if kind not in IDENTITY_TYPES:
            raise ValidationFailed(fields={"/data/attributes/identity_type": [_("Use personal or business.")]})
        changes["end_user_type"] = IDENTITY_TYPES[kind]
    end_user_type = changes.get("end_user_type") or (profile.end_user_type if profile else "")
    first, last = _names(profile) if profile is not None else (None, None)
    given_first, given_last = _text(attributes, "first_name"), _text(attributes, "last_name")
    company, registration = _text(attributes, "company_name"), _text(attributes, "company_reg_number")
    if end_user_type == EndUserType.PERSON:
        first = given_first if given_first is not None else first
        last = given_last if given_last is not None else last
        missing = [n for n, v in (("first_name", first), ("last_name", last)) if not v]
        if missing:
            raise ValidationFailed(fields={f"/data/attributes/{n}": [_("This field is required.")] for n in missing})
        if given_first is not None or given_last is not None or "end_user_type" in changes:
            changes["name"] = f"{first} {last}"
        if "end_user_type" in changes:
            changes["registration_number"] = ""
    else:
        if company is not None:
            changes["name"] = company
        elif profile is None or (profile.end_user_type != EndUserType.BUSINESS):
            raise ValidationFailed(fields={"/data/attributes/company_name": [_("This field is required.")]})
        if registration is not None:
            changes["registration_number"] = registration
    country = _country_code(relationships, required=profile is None)
    if country is not None:
        changes["address_country"] = country
    return changes


def _identity_pointers(end_user_type: str) -> dict[str, str]:
    name = "/data/attributes/last_name" if end_user_type == EndUserType.PERSON else "/data/attributes/company_name"
    return {
        "name": name,
        "registration_number": "/data/attributes/company_reg_number",
        "end_user_type": "/data/attributes/identity_type",
        "address_country": "/data/relationships/country",
    }


def _everything_sold() -> dict[str, list[str]]:
    """Every country and type whose numbers need documents (every one sold when none does)."""
    groups = NumberGroup.objects.filter(requires_regulatory=True)
    if not groups.exists():
        groups = NumberGroup.objects.all()
    pairs = set(groups.values_list("country_id", "type"))
    types = {t for _c, t in pairs}
    return {"countries": sorted({c for c, _t in pairs}), "number_types": [t for t in NumberType.values if t in types]}


def identity_create(*, actor: Actor, attributes: Any, relationships: Any) -> ComplianceProfile:
    changes = _identity_changes(attributes, relationships, None)
    try:
        return services.profile_create(actor=actor, address_later=True, **changes, **_everything_sold())
    except ValidationFailed as exc:
        raise _remapped(exc, _identity_pointers(changes["end_user_type"])) from None


def identity_update(
    *, actor: Actor, profile: ComplianceProfile, attributes: Any, relationships: Any
) -> ComplianceProfile:
    changes = _identity_changes(attributes, relationships, profile)
    try:
        return services.profile_update(actor=actor, profile=profile, **changes) if changes else profile
    except ValidationFailed as exc:
        raise _remapped(exc, _identity_pointers(changes.get("end_user_type", profile.end_user_type))) from None


def identity_delete(*, actor: Actor, profile: ComplianceProfile) -> None:
    services.profile_delete(actor=actor, profile=profile)


def _address_changes(attributes: Any, relationships: Any, *, creating: bool) -> dict[str, Any]:
    if not isinstance(attributes, dict):
        attributes = {}
    changes: dict[str, Any] = {}
    for name, field in (("address", "street"), ("city_name", "city"), ("postal_code", "postal_code")):
        value = _text(attributes, name)
        if value is not None:
            changes[field] = value
        elif creating:
            changes[field] = ""  # the service says it is required, at the attribute's pointer
    country = _country_code(relationships, required=creating)
    if country is not None:
        changes["address_country"] = country
    return changes


def _identity_linkage(actor: Actor, relationships: Any) -> ComplianceProfile:
    pointer = "/data/relationships/identity"
    value = relationships.get("identity") if isinstance(relationships, dict) else None
    linkage = value.get("data") if isinstance(value, dict) else None
    if not isinstance(linkage, dict) or linkage.get("type") != "identities" or not linkage.get("id"):
        raise ValidationFailed(fields={pointer: [_('Send {"data": {"type": "identities", "id": …}}.')]})
    return identity_get(actor=actor, identity_id=str(linkage["id"]))


def address_create(*, actor: Actor, attributes: Any, relationships: Any) -> ComplianceProfile:
    profile = _identity_linkage(actor, relationships)
    if has_address(profile):
        raise Conflict(
            _("This identity already has an address (%(id)s): change or delete it.") % {"id": profile.public_id},
            pointer="/data/relationships/identity",
        )
    changes = _address_changes(attributes, relationships, creating=True)
    try:
        return services.profile_update(actor=actor, profile=profile, **changes)
    except ValidationFailed as exc:
        raise _remapped(exc, ADDRESS_POINTERS) from None


def address_update(
    *, actor: Actor, profile: ComplianceProfile, attributes: Any, relationships: Any
) -> ComplianceProfile:
    changes = _address_changes(attributes, relationships, creating=False)
    try:
        return services.profile_update(actor=actor, profile=profile, **changes) if changes else profile
    except ValidationFailed as exc:
        raise _remapped(exc, ADDRESS_POINTERS) from None


def address_delete(*, actor: Actor, profile: ComplianceProfile) -> None:
    services.profile_address_clear(actor=actor, profile=profile)
