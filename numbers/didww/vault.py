"""DIDWW's regulatory vault as /api/v3 serves it, read from our compliance rules (``numbers/regulatory``).

- A proof type is one of the document kinds a compliance profile holds (id: the kind, e.g.
  ``id_document``); its ``entity_type`` says what it proves: ``Personal`` (a person's identity document),
  ``Business`` (a company registration extract) or ``Address`` (a proof of address). Other supporting
  documents prove either kind of identity and are listed as ``Personal``.
- An address requirement is what numbers of one country and type need (id ``<country>-<type>``, e.g.
  ``DE-local``): the documents of staff's rules for that country, or the defaults. Only country and
  type pairs we sell with documents needed are listed. Identities of either kind are accepted
  (``identity_type`` ``any``) from anywhere (area levels ``world_wide``).
- Public keys: the two keys files are encrypted with before they are sent (``vault_files``).
- Supporting document templates: we publish no forms to fill in, so there are none (the list is empty).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.actor import Actor
from portal.errors import NotFound
from portal.jsonapi import Query, Resource, Spec

from ..models import Country, NumberGroup
from ..regulatory import services as regulatory
from ..regulatory.models import PROFILE_DOCUMENT_TYPES, DocumentType, EndUserType
from . import vault_files
from .catalogue import Collection, Page, _matches, _slice, _sorted, group_type_resource
from .resources import country_resource

ENTITY_TYPES: dict[str, str] = {
    DocumentType.ID: "Personal",
    DocumentType.COMPANY_REGISTRATION: "Business",
    DocumentType.PROOF_OF_ADDRESS: "Address",
    DocumentType.OTHER: "Personal",
}
# DIDWW's names of the identity fields, and which our profile always holds for each kind of identity.
MANDATORY_FIELDS = {
    EndUserType.PERSON: ["first_name", "last_name"],
    EndUserType.BUSINESS: ["company_name", "company_reg_number"],
}

PROOF_TYPE_FIELDS = frozenset({"name", "entity_type"})
TEMPLATE_FIELDS = frozenset({"name", "permanent", "url"})
REQUIREMENT_ATTRIBUTES = (
    "identity_type", "personal_area_level", "business_area_level", "address_area_level",
    "personal_proof_qty", "business_proof_qty", "address_proof_qty", "personal_mandatory_fields",
    "business_mandatory_fields", "service_description_required", "restriction_message",
)  # fmt: skip
REQUIREMENT_RELATIONSHIPS = (
    "country", "did_group_type", "personal_permanent_document", "business_permanent_document",
    "personal_onetime_document", "business_onetime_document", "personal_proof_types",
    "business_proof_types", "address_proof_types",
)  # fmt: skip


def proof_type_resource(kind: str) -> Resource:
    return Resource(
        "proof_types",
        str(kind),
        {"name": str(DocumentType(kind).label), "entity_type": ENTITY_TYPES[DocumentType(kind)]},
    )


def _proof_type_page(actor: Actor, query: Query) -> Page:
    items = [proof_type_resource(kind) for kind in PROFILE_DOCUMENT_TYPES]
    for name, value in query.filters.items():
        if name == "id":
            items = [r for r in items if _matches(r.id, value)]
        else:
            items = [r for r in items if _matches(r.attributes[name], value)]
    return _slice(_sorted(items, query), query)


def _proof_type_find(actor: Actor, proof_type_id: str) -> Resource:
    if proof_type_id not in {str(kind) for kind in PROFILE_DOCUMENT_TYPES}:
        raise NotFound(_("No such proof type."))
    return proof_type_resource(proof_type_id)


def _template_page(actor: Actor, query: Query) -> Page:
    return [], 0


def _template_find(actor: Actor, template_id: str) -> Resource:
    raise NotFound(_("There are no supporting document templates here."))


# --- Address requirements ------------------------------------------------------------------------


def requirement_id(country: str, number_type: str) -> str:
    return f"{country}-{number_type}"


def requirement_resource(country: Country, number_type: str) -> Resource:
    """What numbers of ``country`` and ``number_type`` need, from the regulatory rules."""
    needed = {
        who: regulatory.requirements_for(country=country.code, number_type=number_type, end_user_type=who)
        for who in (EndUserType.PERSON, EndUserType.BUSINESS)
    }

    def proofs(who: str, entity: str) -> list[Resource]:
        return [proof_type_resource(k) for k in needed[who] if ENTITY_TYPES.get(DocumentType(k)) in entity]

    personal = proofs(EndUserType.PERSON, ("Personal",))
    business = proofs(EndUserType.BUSINESS, ("Business", "Personal"))
    address = {r.id: r for who in needed for r in proofs(who, ("Address",))}
    attributes = {
        "identity_type": "any",
        "personal_area_level": "world_wide",
        "business_area_level": "world_wide",
        "address_area_level": "world_wide",
        "personal_proof_qty": len(personal),
        "business_proof_qty": len(business),
        "address_proof_qty": 1 if address else 0,
        "personal_mandatory_fields": MANDATORY_FIELDS[EndUserType.PERSON],
        "business_mandatory_fields": MANDATORY_FIELDS[EndUserType.BUSINESS],
        "service_description_required": False,
        "restriction_message": None,
    }
    relationships: dict = {
        "country": country_resource(country),
        "did_group_type": group_type_resource(number_type),
        "personal_permanent_document": None,
        "business_permanent_document": None,
        "personal_onetime_document": None,
        "business_onetime_document": None,
        "personal_proof_types": personal,
        "business_proof_types": business,
        "address_proof_types": list(address.values()),
    }
    return Resource("address_requirements", requirement_id(country.code, number_type), attributes, relationships)


def _requirement_pairs() -> list[tuple[Country, str]]:
    """The country and type pairs we sell whose numbers need documents."""
    rows = (
        NumberGroup.objects.filter(requires_regulatory=True)
        .values_list("country_id", "type")
        .distinct()
        .order_by("country_id", "type")
    )
    countries = Country.objects.in_bulk({c for c, _t in rows})
    return [(countries[c], t) for c, t in rows if c in countries]


def _requirement_page(actor: Actor, query: Query) -> Page:
    items = [requirement_resource(country, number_type) for country, number_type in _requirement_pairs()]
    for name, value in query.filters.items():
        if name == "country.id":
            items = [r for r in items if _matches(r.id.split("-", 1)[0], value)]
        elif name == "did_group_type.id":
            items = [r for r in items if _matches(r.id.split("-", 1)[1], value)]
    return _slice(items, query)


def _requirement_find(actor: Actor, requirement: str) -> Resource:
    country_code, _sep, number_type = requirement.partition("-")
    for country, kind in _requirement_pairs():
        if country.code == country_code.upper() and kind == number_type:
            return requirement_resource(country, kind)
    raise NotFound(_("No such address requirement."))


def _public_key_page(actor: Actor, query: Query) -> Page:
    return _slice([vault_files.public_key_resource(k) for k in vault_files.vault_keys()], query)


def _public_key_find(actor: Actor, key_id: str) -> Resource:
    return vault_files.public_key_resource(vault_files.public_key_get(key_id))


# Served without a key (the SDK asks for them without one): ``vault_endpoints`` opens them up.
PUBLIC_KEYS = Collection(Spec(types={"public_keys": frozenset({"key"})}), _public_key_page, _public_key_find, {})

COLLECTIONS: dict[str, Collection] = {
    "proof_types": Collection(
        Spec(
            types={"proof_types": PROOF_TYPE_FIELDS},
            filters=frozenset({"id", "name", "entity_type"}),
            sorts=frozenset({"name", "entity_type"}),
        ),
        _proof_type_page,
        _proof_type_find,
        {
            "id": "Document kinds (id_document, proof_of_address, company_registration, other), comma-separated",
            "name": "Names, comma-separated",
            "entity_type": "Personal, Business or Address",
        },
    ),
    "supporting_document_templates": Collection(
        Spec(types={"supporting_document_templates": TEMPLATE_FIELDS}, sorts=frozenset({"name"})),
        _template_page,
        _template_find,
        {},
    ),
    "address_requirements": Collection(
        Spec(
            types={
                "address_requirements": frozenset(REQUIREMENT_ATTRIBUTES + REQUIREMENT_RELATIONSHIPS),
                "proof_types": PROOF_TYPE_FIELDS,
                "countries": frozenset({"name", "prefix", "iso"}),
                "did_group_types": frozenset({"name"}),
            },
            filters=frozenset({"country.id", "did_group_type.id"}),
            includes=frozenset(
                {"country", "did_group_type", "personal_proof_types", "business_proof_types", "address_proof_types"}
            ),
        ),
        _requirement_page,
        _requirement_find,
        {
            "country.id": "ISO codes (DE), comma-separated",
            "did_group_type.id": "local, mobile, national, toll_free or short_code",
        },
    ),
}
