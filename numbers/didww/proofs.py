"""DIDWW's proofs as /api/v3 serves them: the documents of one kind on a compliance profile.

- A proof is made of a proof type, an entity (an identity for ``Personal`` and ``Business`` proof types,
  an address for ``Address`` ones) and encrypted files. Each file is decrypted into a compliance
  document of that kind on the entity's profile (a draft or rejected one), exactly as an upload on the
  profile's page; the encrypted files are then gone. A second proof of the same kind adds its files.
- Its id is the profile's and the kind's (``cpr_12-id_document``). Deleting it removes those documents
  while the profile can still change.
- When the profile then holds every document its countries and types need, and its address, it is
  submitted: staff review it as any other, and their verdict shows as ``verified`` on the identity and
  the address (true once approved).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.actor import Actor
from portal.errors import NotFound, ValidationFailed
from portal.jsonapi import Resource, timestamp

from ..regulatory import selectors, services
from ..regulatory.models import PROFILE_DOCUMENT_TYPES, ComplianceDocument, ComplianceProfile
from . import identities, vault_files
from .models import EncryptedFile
from .vault import ENTITY_TYPES, proof_type_resource

MAX_FILES = services.MAX_DOCUMENTS_PER_REQUEST


def proof_id(profile: ComplianceProfile, kind: str) -> str:
    return f"{profile.public_id}-{kind}"


def _entity(profile: ComplianceProfile, kind: str) -> Resource:
    if ENTITY_TYPES.get(kind) == "Address":
        return identities.address_resource(profile, with_identity=False, with_proofs=False)
    return identities.identity_resource(profile, with_address=False, with_proofs=False)


def proof_resource(profile: ComplianceProfile, kind: str, documents: list[ComplianceDocument]) -> Resource:
    expires = profile.expires_at
    return Resource(
        "proofs",
        proof_id(profile, kind),
        {
            "created_at": timestamp(min(d.created_at for d in documents)) if documents else None,
            "expires_at": f"{expires.isoformat()}T00:00:00.000Z" if expires else None,
            "external_reference_id": None,
        },
        {"proof_type": proof_type_resource(kind), "entity": _entity(profile, kind), "files": []},
    )


def relationship_linkage(relationships: Any, name: str, types: tuple[str, ...], *, many: bool = False) -> Any:
    pointer = f"/data/relationships/{name}"
    value = relationships.get(name) if isinstance(relationships, dict) else None
    data = value.get("data") if isinstance(value, dict) else None
    items = data if many and isinstance(data, list) else [data]
    if not items or not all(
        isinstance(i, dict) and i.get("type") in types and isinstance(i.get("id"), str) and i["id"] for i in items
    ):
        wanted = "|".join(types)
        shape = f'[{{"type": "{wanted}", "id": …}}]' if many else f'{{"type": "{wanted}", "id": …}}'
        raise ValidationFailed(fields={pointer: [_('Send {"data": %(shape)s}.') % {"shape": shape}]})
    return items if many else items[0]


def proof_create(*, actor: Actor, relationships: Any) -> tuple[ComplianceProfile, str]:
    """Turn encrypted files into documents of one kind on an identity's or address's profile; returns the
    profile and the kind."""
    actor.require_write()
    kind_link = relationship_linkage(relationships, "proof_type", ("proof_types",))
    kind = kind_link["id"]
    if kind not in {str(k) for k in PROFILE_DOCUMENT_TYPES}:
        raise NotFound(_("No such proof type."))
    entity_type = "addresses" if ENTITY_TYPES.get(kind) == "Address" else "identities"
    entity = relationship_linkage(relationships, "entity", ("identities", "addresses"))
    if entity["type"] != entity_type:
        raise ValidationFailed(
            fields={
                "/data/relationships/entity": [
                    _("A proof of this type is of %(entity)s.") % {"entity": entity_type},
                ]
            }
        )
    if entity_type == "addresses":
        profile = identities.address_get(actor=actor, address_id=entity["id"])
    else:
        profile = identities.identity_get(actor=actor, identity_id=entity["id"])
    links = relationship_linkage(relationships, "files", ("encrypted_files",), many=True)
    if len(links) > MAX_FILES:
        raise ValidationFailed(
            fields={"/data/relationships/files": [_("At most %(n)d files.") % {"n": MAX_FILES}]},
        )
    items = [vault_files.file_get(actor=actor, file_id=link["id"]) for link in links]
    uploads = [
        vault_files.file_open(item, document_type=kind, field=f"/data/relationships/files/{index}")
        for index, item in enumerate(items)
    ]
    with transaction.atomic():
        wanted = {i.pk for i in items}
        taken = set(EncryptedFile.objects.select_for_update().filter(pk__in=wanted).values_list("pk", flat=True))
        if taken != wanted:  # used by another proof meanwhile
            raise NotFound(_("Encrypted file not found."))
        services.profile_documents_add(actor=actor, profile=profile, uploads=uploads)
        EncryptedFile.objects.filter(pk__in=taken).delete()
        profile.refresh_from_db()
        if identities.has_address(profile) and not services.missing_documents(profile):
            services.profile_submit(actor=actor, profile=profile)
    return selectors.profile_get(actor=actor, profile_id=profile.pk), kind


def proof_get(*, actor: Actor, proof: str) -> tuple[ComplianceProfile, str, list[ComplianceDocument]]:
    profile_id, _sep, kind = proof.partition("-")
    profile = selectors.profile_get(actor=actor, profile_id=profile_id)
    documents = [d for d in profile.documents.all() if d.document_type == kind]
    if not documents:
        raise NotFound(_("Proof not found."))
    return profile, kind, documents


def proof_delete(*, actor: Actor, proof: str) -> None:
    _profile, _kind, documents = proof_get(actor=actor, proof=proof)
    with transaction.atomic():
        for document in documents:
            services.document_delete(actor=actor, document=document)


def proofs_of(profile: ComplianceProfile, *, address: bool) -> list[Resource]:
    """The proofs on a profile: of its address (``address``) or of its identity."""
    kinds: dict[str, list[ComplianceDocument]] = {}
    for document in profile.documents.all():
        kinds.setdefault(document.document_type, []).append(document)
    return [
        proof_resource(profile, kind, documents)
        for kind, documents in kinds.items()
        if kind in ENTITY_TYPES and (ENTITY_TYPES[kind] == "Address") == address
    ]
