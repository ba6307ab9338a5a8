"""Writes for regulatory compliance: profiles and their documents, submitting them for review, the staff
decision, and what the decision does to the numbers waiting on it.

The rules in one place:

- A number whose group needs documents goes live only with an approved, unexpired profile covering its
  country and type (``must_hold``). Without one, provisioning leaves it ``pending_regulatory``. A number
  bought from an upstream carrier also waits for that carrier's approval (``numbers/upstream/regulatory``).
- Approving a profile sends every number waiting on it back through provisioning (the carrier is told
  the documents are approved), which makes it live; ``regulatory.approved`` is recorded for each.
- Rejecting keeps them waiting, with the reason on the profile and in ``regulatory.rejected``.
- A number held longer than ``REGULATORY_HOLD_DAYS`` is released and everything it cost refunded.

Documents are checked before anything is written: the first bytes, the declared content type and the
file name's extension must all say PDF, JPEG or PNG, and the file must be at most
``REGULATORY_DOCUMENT_MAX_BYTES``. A request with one bad file stores none of its files.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.models import Account, Client
from accounts.services import audit_record
from billing import ledger
from billing import services as billing
from portal import events
from portal.errors import (
    ComplianceProfileMismatch,
    DocumentsMissing,
    FileTooLarge,
    FileTypeMismatch,
    InvalidState,
    NotFound,
    UnsupportedFileType,
    ValidationFailed,
)

from ..models import (
    ComplianceDocument,
    ComplianceProfile,
    Country,
    DocumentRequirement,
    DocumentType,
    EndUserType,
    Number,
    NumberType,
)
from . import selectors
from .models import PROFILE_DOCUMENT_TYPES

logger = logging.getLogger(__name__)

# What a profile must hold where staff have set no rule for a country.
DEFAULT_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    EndUserType.PERSON: (DocumentType.ID, DocumentType.PROOF_OF_ADDRESS),
    EndUserType.BUSINESS: (DocumentType.COMPANY_REGISTRATION, DocumentType.PROOF_OF_ADDRESS),
}
MAX_DOCUMENTS_PER_REQUEST = 10

# --- Which documents are needed ------------------------------------------------------------------


def requirements_for(*, country: str, number_type: str, end_user_type: str) -> list[str]:
    """The document types an end user of ``end_user_type`` needs for numbers of ``country`` and
    ``number_type``: staff's rules for the country when it has any, otherwise the defaults."""
    rules = DocumentRequirement.objects.filter(country_id=country)
    if not rules.exists():
        return [str(t) for t in DEFAULT_REQUIREMENTS.get(end_user_type, ())]
    matching = rules.filter(Q(number_type="") | Q(number_type=number_type)).filter(
        Q(end_user_type="") | Q(end_user_type=end_user_type)
    )
    return sorted(set(matching.values_list("document_type", flat=True)))


def required_documents(profile: ComplianceProfile) -> list[str]:
    """Every document type the profile needs for all the countries and types it covers."""
    needed: set[str] = set()
    for country in profile.countries or []:
        for number_type in profile.number_types or []:
            needed.update(
                requirements_for(country=country, number_type=number_type, end_user_type=profile.end_user_type)
            )
    return sorted(needed)


def requirement_notes(profile: ComplianceProfile) -> dict[str, list[str]]:
    """What staff's rules say about each document the profile needs (document type → their notes), for the
    countries, number types and kind of end user it covers; one query."""
    rules = (
        DocumentRequirement.objects.filter(
            country_id__in=profile.countries or [],
            number_type__in=["", *(profile.number_types or [])],
            end_user_type__in=["", profile.end_user_type],
        )
        .exclude(note="")
        .order_by("document_type", "country_id", "id")
    )
    notes: dict[str, list[str]] = {}
    for document_type, note in rules.values_list("document_type", "note"):
        if note not in notes.setdefault(document_type, []):
            notes[document_type].append(note)
    return notes


def missing_documents(profile: ComplianceProfile, *, adding: Iterable[str] = ()) -> list[str]:
    have = set(profile.documents.values_list("document_type", flat=True)) | set(adding)
    return [doc for doc in required_documents(profile) if doc not in have]


def document_type_label(value: str) -> str:
    try:
        return str(DocumentType(value).label)
    except ValueError:
        return value


# --- Checking and storing files ------------------------------------------------------------------

# kind: (first bytes, content type, extensions)
FILE_KINDS = {
    "PDF": (b"%PDF-", "application/pdf", (".pdf",)),
    "JPEG": (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    "PNG": (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
}


@dataclass
class Upload:
    """A file offered as a document, with the field it came in (for error messages)."""

    document_type: str
    file: Any  # an UploadedFile: name, size, content_type, chunks()
    field: str = "file"
    content_type: str = ""
    sha256: str = ""


def _kind_by_bytes(head: bytes) -> str | None:
    return next((kind for kind, (magic, _t, _e) in FILE_KINDS.items() if head.startswith(magic)), None)


def _kind_by_type(content_type: str) -> str | None:
    return next((kind for kind, (_m, ctype, _e) in FILE_KINDS.items() if ctype == content_type), None)


def _kind_by_extension(name: str) -> str | None:
    extension = Path(name or "").suffix.lower()
    return next((kind for kind, (_m, _t, exts) in FILE_KINDS.items() if extension in exts), None)


def document_check(upload: Upload, *, allowed_types=PROFILE_DOCUMENT_TYPES) -> Upload:
    """Check one file before anything is written; fills in its content type and SHA-256.

    Raises ``FileTooLarge``, ``UnsupportedFileType`` or ``FileTypeMismatch`` (all 422) naming the field,
    or ``ValidationFailed`` for an unknown document type."""
    field = upload.field
    if upload.document_type not in [str(t) for t in allowed_types]:
        raise ValidationFailed(
            fields={
                f"{field}.document_type" if field != upload.document_type else field: [
                    _("Unknown document type; use one of: %(types)s.") % {"types": ", ".join(allowed_types)}
                ]
            }
        )
    limit = settings.REGULATORY_DOCUMENT_MAX_BYTES
    size = upload.file.size or 0
    if size > limit:
        raise FileTooLarge(
            _("%(name)s is larger than %(mb)d MB.") % {"name": upload.file.name, "mb": limit // (1024 * 1024)},
            fields={field: [_("At most %(mb)d MB.") % {"mb": limit // (1024 * 1024)}]},
        )
    if size == 0:
        raise UnsupportedFileType(
            _("%(name)s is empty.") % {"name": upload.file.name}, fields={field: [_("Empty file.")]}
        )
    digest = hashlib.sha256()
    head = b""
    for chunk in upload.file.chunks():
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        digest.update(chunk)
    upload.file.seek(0)
    declared = (upload.file.content_type or "").split(";")[0].strip().lower()
    by_bytes, by_type, by_name = _kind_by_bytes(head), _kind_by_type(declared), _kind_by_extension(upload.file.name)
    if by_bytes is None or (by_type is None and by_name is None):
        raise UnsupportedFileType(
            _("%(name)s is not a PDF, JPEG or PNG file.") % {"name": upload.file.name},
            fields={field: [_("Send a PDF, JPEG or PNG file.")]},
        )
    if not (by_bytes == by_type == by_name):
        raise FileTypeMismatch(
            _(
                "%(name)s does not look like what it claims: its content is %(content)s, its name says %(ext)s "
                "and its declared type is %(type)s."
            )
            % {
                "name": upload.file.name,
                "content": by_bytes,
                "ext": by_name or _("something else"),
                "type": declared or _("missing"),
            },
            fields={field: [_("The content, the extension and the content type must agree.")]},
        )
    upload.content_type = FILE_KINDS[by_bytes][1]
    upload.sha256 = digest.hexdigest()
    return upload


def decrypted_upload(*, content: bytes, name: str, document_type: str, field: str = "file") -> Upload:
    """A file that arrived encrypted, as an upload of ``document_type``: named and typed by its first bytes
    (``name``'s stem with the extension of a PDF, JPEG or PNG), then checked like any other upload."""
    kind = _kind_by_bytes(content[:16])
    content_type = "application/octet-stream"
    if kind is not None:
        _magic, content_type, extensions = FILE_KINDS[kind]
        name = f"{Path(name).stem or 'document'}{extensions[0]}"
    upload = Upload(
        document_type=document_type, file=SimpleUploadedFile(name, content, content_type=content_type), field=field
    )
    return document_check(upload)


@contextlib.contextmanager
def files_written():
    """Collects the names of files stored while a transaction runs, and deletes them if it fails, so a
    refused request leaves nothing on disk either."""
    names: list[str] = []
    try:
        yield names
    except BaseException:
        storage = ComplianceDocument._meta.get_field("file").storage
        for name in names:
            with contextlib.suppress(OSError):
                storage.delete(name)
        raise


def store_documents(
    *, actor: Actor, uploads: list[Upload], written: list[str], account: Account, client: Client | None, **owner
) -> list[ComplianceDocument]:
    """Write checked files and their rows (inside the caller's transaction; ``owner`` is ``profile=`` or
    ``port=``)."""
    stored = []
    for upload in uploads:
        document = ComplianceDocument(
            account=account,
            client=client,
            document_type=upload.document_type,
            original_name=Path(upload.file.name or "document").name[:200],
            content_type=upload.content_type,
            size=upload.file.size,
            sha256=upload.sha256,
            uploaded_by=actor.label,
            **owner,
        )
        document.file.save(upload.file.name or "document", upload.file, save=False)
        written.append(str(document.file.name))
        document.save()
        stored.append(document)
    return stored


def delete_files_on_commit(names: list[str]) -> None:
    """Delete stored document files once the caller's transaction commits (kept if it rolls back)."""
    storage = ComplianceDocument._meta.get_field("file").storage

    def delete():
        for name in names:
            with contextlib.suppress(OSError):
                storage.delete(name)

    transaction.on_commit(delete)


def check_uploads(uploads: list[Upload], *, allowed_types=PROFILE_DOCUMENT_TYPES) -> list[Upload]:
    if len(uploads) > MAX_DOCUMENTS_PER_REQUEST:
        raise ValidationFailed(
            fields={"documents": [_("At most %(n)d files at once.") % {"n": MAX_DOCUMENTS_PER_REQUEST}]}
        )
    return [document_check(upload, allowed_types=allowed_types) for upload in uploads]


# --- Profiles ------------------------------------------------------------------------------------

PROFILE_FIELDS = (
    "end_user_type",
    "name",
    "registration_number",
    "street",
    "postal_code",
    "city",
    "address_country",
    "countries",
    "number_types",
    "client_id",
)


ADDRESS_FIELDS = ("street", "postal_code", "city")


def _clean_profile(
    actor: Actor, changes: dict[str, Any], *, creating: bool, address_later: bool = False
) -> dict[str, Any]:
    """Check a profile's fields (all of them when creating, but the street, postal code and city when the
    address comes later; those given when changing). Unknown keys and bad values → ``ValidationFailed``
    naming each field."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    errors: dict[str, list[str]] = {key: [_("Unknown field.")] for key in sorted(unknown)}
    values: dict[str, Any] = {}
    required = (
        "end_user_type",
        "name",
        "street",
        "postal_code",
        "city",
        "address_country",
        "countries",
        "number_types",
    )
    if creating:
        for key in required:
            if address_later and key in ADDRESS_FIELDS:
                continue
            if changes.get(key) in (None, "", []):
                errors.setdefault(key, []).append(_("This field is required."))
    for key, value in changes.items():
        if key in unknown or (creating and key in errors):
            continue
        if key == "end_user_type":
            if value not in EndUserType.values:
                errors[key] = [_("Use person or business.")]
            else:
                values[key] = value
        elif key in ("name", "street", "city", "postal_code", "registration_number"):
            limit = {"name": 200, "street": 200, "city": 100, "postal_code": 20, "registration_number": 64}[key]
            text = str(value or "").strip()
            if key != "registration_number" and not text:
                errors[key] = [_("This field is required.")]
            elif len(text) > limit:
                errors[key] = [_("At most %(n)d characters.") % {"n": limit}]
            else:
                values[key] = text
        elif key == "address_country":
            code = str(value or "").strip().upper()
            if code not in phonenumbers.SUPPORTED_REGIONS:
                errors[key] = [_("Use a two-letter ISO country code, such as DE.")]
            else:
                values[key] = code
        elif key == "countries":
            codes = value if isinstance(value, list) else [value]
            codes = [str(c).strip().upper() for c in codes if str(c).strip()]
            known = set(Country.objects.filter(code__in=codes).values_list("code", flat=True))
            bad = [c for c in codes if c not in known]
            if not codes:
                errors[key] = [_("Name at least one country.")]
            elif bad:
                errors[key] = [_("No numbers are sold in: %(codes)s.") % {"codes": ", ".join(bad)}]
            else:
                values[key] = sorted(set(codes))
        elif key == "number_types":
            types = value if isinstance(value, list) else [value]
            types = [str(t).strip() for t in types if str(t).strip()]
            bad = [t for t in types if t not in NumberType.values]
            if not types:
                errors[key] = [_("Name at least one number type.")]
            elif bad:
                errors[key] = [_("Unknown number type: %(types)s.") % {"types": ", ".join(bad)}]
            else:
                values[key] = [t for t in NumberType.values if t in types]
        elif key == "client_id":
            if actor.client is not None:  # a client-scoped actor: its own client's profiles only
                if value not in (None, "") and str(value).removeprefix("cli_") != str(actor.client.pk):
                    raise NotFound(_("Client not found."))
                continue
            from accounts import selectors as account_selectors

            values["client"] = (
                account_selectors.client_get(actor=actor, client_id=value) if value not in (None, "") else None
            )
    if errors:
        raise ValidationFailed(fields=errors)
    return values


def _snapshot(profile: ComplianceProfile) -> dict[str, Any]:
    return {
        "status": profile.status,
        "name": profile.name,
        "countries": profile.countries,
        "number_types": profile.number_types,
        "client": profile.client.public_id if profile.client is not None else None,
    }


def profile_create(*, actor: Actor, address_later: bool = False, **fields: Any) -> ComplianceProfile:
    """A new profile, in draft: fill it, add its documents, then submit it. A client login's profile is
    its client's; a reseller's is for the client named (or for the account itself). With
    ``address_later`` the street, postal code and city may be left out (``profile_update`` adds them);
    such a profile cannot be submitted until they are there."""
    actor.require_write()
    values = _clean_profile(actor, fields, creating=True, address_later=address_later)
    client = actor.client if actor.is_client_scoped else values.pop("client", None)
    with transaction.atomic():
        profile = ComplianceProfile.objects.create(
            account=actor.account, client=client, created_by=actor.label, **values
        )
        audit_record(actor=actor, action="compliance_profile.created", subject=profile, after=_snapshot(profile))
    return profile


def _lock(profile: ComplianceProfile) -> ComplianceProfile:
    return ComplianceProfile.objects.select_for_update(of=("self",)).select_related("client").get(pk=profile.pk)


def _require_editable(profile: ComplianceProfile) -> None:
    if not profile.is_editable:
        raise InvalidState(
            _("A profile that is %(status)s cannot be changed; create a new one instead.")
            % {"status": profile.get_status_display().lower()}
        )


def profile_update(*, actor: Actor, profile: ComplianceProfile, **changes: Any) -> ComplianceProfile:
    """Change a draft or rejected profile (only the keys given change)."""
    actor.require_write()
    values = _clean_profile(actor, changes, creating=False)
    with transaction.atomic():
        profile = _lock(profile)
        _require_editable(profile)
        before = _snapshot(profile)
        for field, value in values.items():
            setattr(profile, field, value)
        profile.save()
        audit_record(
            actor=actor, action="compliance_profile.updated", subject=profile, before=before, after=_snapshot(profile)
        )
    return profile


def profile_address_clear(*, actor: Actor, profile: ComplianceProfile) -> ComplianceProfile:
    """Take the street, postal code and city off a draft or rejected profile (it keeps its country); it
    cannot be submitted until an address is set again."""
    actor.require_write()
    with transaction.atomic():
        profile = _lock(profile)
        _require_editable(profile)
        before = {key: getattr(profile, key) for key in ADDRESS_FIELDS}
        for key in ADDRESS_FIELDS:
            setattr(profile, key, "")
        profile.save()
        audit_record(actor=actor, action="compliance_profile.updated", subject=profile, before=before)
    return profile


def profile_delete(*, actor: Actor, profile: ComplianceProfile) -> None:
    """Delete a draft or rejected profile and its files. Numbers that named it keep waiting, without it."""
    actor.require_write()
    with transaction.atomic():
        profile = _lock(profile)
        _require_editable(profile)
        names = [d.file.name for d in profile.documents.all() if d.file.name]
        audit_record(actor=actor, action="compliance_profile.deleted", subject=profile, before=_snapshot(profile))
        profile.delete()
        delete_files_on_commit(names)


def profile_documents_add(
    *, actor: Actor, profile: ComplianceProfile, uploads: list[Upload]
) -> list[ComplianceDocument]:
    """Add documents to a draft or rejected profile. All files are checked first; one bad file and none is
    stored."""
    actor.require_write()
    if not uploads:
        raise ValidationFailed(fields={"file": [_("Choose a file to upload.")]})
    uploads = check_uploads(uploads)
    with files_written() as written, transaction.atomic():
        profile = _lock(profile)
        _require_editable(profile)
        stored = store_documents(
            actor=actor,
            uploads=uploads,
            written=written,
            account=profile.account,
            client=profile.client,
            profile=profile,
        )
        audit_record(
            actor=actor,
            action="compliance_profile.documents_added",
            subject=profile,
            after={"documents": [f"{d.public_id} {d.document_type}" for d in stored]},
        )
    return stored


def document_delete(*, actor: Actor, document: ComplianceDocument) -> None:
    """Remove a document from a profile that can still change (a port's documents:
    ``porting.port_document_delete``)."""
    actor.require_write()
    if document.port is not None:
        from ..porting import services as porting  # (it imports this module)

        porting.port_document_delete(actor=actor, port=document.port, document=document)
        return
    with transaction.atomic():
        document = (
            ComplianceDocument.objects.select_for_update(of=("self",)).select_related("profile").get(pk=document.pk)
        )
        subject = document.profile
        if subject is None:  # (a document is a profile's or a port's)
            raise NotFound(_("Document not found."))
        _require_editable(_lock(subject))
        audit_record(
            actor=actor,
            action="document.deleted",
            subject=subject,
            before={"document": f"{document.public_id} {document.document_type} {document.original_name}"},
        )
        name = document.file.name
        document.delete()
        delete_files_on_commit([name] if name else [])


def profile_submit(*, actor: Actor, profile: ComplianceProfile) -> ComplianceProfile:
    """Send a draft (or corrected rejected) profile to DIDfarm staff for review. Every document its
    countries and types need must be there (``DocumentsMissing`` names those that are not)."""
    actor.require_write()
    with transaction.atomic():
        profile = _lock(profile)
        _submit_locked(actor, profile)
    return profile


def _submit_locked(actor: Actor, profile: ComplianceProfile) -> None:
    _require_editable(profile)
    if not all(getattr(profile, key) for key in ADDRESS_FIELDS):
        raise ValidationFailed(
            _("Add the address (street, postal code and city) before submitting."),
            fields={key: [_("This field is required.")] for key in ADDRESS_FIELDS if not getattr(profile, key)},
        )
    missing = missing_documents(profile)
    if missing:
        labels = ", ".join(document_type_label(m) for m in missing)
        raise DocumentsMissing(
            _("Add these documents before submitting: %(documents)s.") % {"documents": labels},
            fields={"documents": [_("Missing: %(documents)s.") % {"documents": labels}]},
            missing=missing,
        )
    before = profile.status
    profile.status = ComplianceProfile.Status.SUBMITTED
    profile.submitted_at = timezone.now()
    profile.save()
    audit_record(
        actor=actor,
        action="compliance_profile.submitted",
        subject=profile,
        before={"status": before},
        after={"status": profile.status},
    )
    from ..upstream.regulatory import upstream_send_enqueue

    upstream_send_enqueue(profile.pk)  # numbers bought from an upstream carrier: their documents go there too


def regulatory_submit(
    *,
    actor: Actor,
    uploads: list[Upload],
    profile: ComplianceProfile | None = None,
    number: Number | None = None,
    details: dict[str, Any] | None = None,
) -> ComplianceProfile:
    """Documents and the request for review in one go (``POST /api/regulatory/submit``), for a profile or
    for a number waiting on documents.

    For a number: its profile when it has one that can still change; otherwise a new profile covering the
    number's country and type, made from ``details`` (the profile's fields), which is then attached to
    the number. Files are checked first; if anything is refused (a bad file, a document still missing, a
    profile under review) nothing is stored at all."""
    actor.require_write()
    if profile is None and number is None:
        raise ValidationFailed(
            fields={"compliance_profile_id": [_("Name the compliance profile or the number the documents are for.")]}
        )
    if not uploads:
        raise ValidationFailed(fields={"documents": [_("Attach at least one document.")]})
    uploads = check_uploads(uploads)
    details = {k: v for k, v in (details or {}).items() if v not in (None, "", [])}
    if number is not None and profile is None:
        if number.compliance_profile_id:
            profile = selectors.profile_get(actor=actor, profile_id=number.compliance_profile_id)
        else:
            details.setdefault("countries", [number.country_id])
            details.setdefault("number_types", [number.type])
            details["client_id"] = number.client_id
            values = _clean_profile(actor, details, creating=True)
    elif details:
        raise ValidationFailed(
            fields={key: [_("Change the profile itself; this request only adds documents.")] for key in sorted(details)}
        )
    with files_written() as written, transaction.atomic():
        if profile is None:
            client = actor.client if actor.is_client_scoped else values.pop("client", None)
            profile = ComplianceProfile.objects.create(
                account=actor.account, client=client, created_by=actor.label, **values
            )
            audit_record(actor=actor, action="compliance_profile.created", subject=profile, after=_snapshot(profile))
        else:
            profile = _lock(profile)
        if number is not None:
            check_covers(profile, number)
        _require_editable(profile)
        store_documents(
            actor=actor,
            uploads=uploads,
            written=written,
            account=profile.account,
            client=profile.client,
            profile=profile,
        )
        _submit_locked(actor, profile)
        if number is not None and number.compliance_profile_id != profile.pk:
            number = Number.objects.select_for_update().get(pk=number.pk)
            number.compliance_profile = profile
            number.save(update_fields=["compliance_profile", "updated_at"])
            audit_record(
                actor=actor, action="number.updated", subject=number, after={"compliance_profile": profile.public_id}
            )
    return profile


# --- Using profiles for numbers --------------------------------------------------------------------


def check_covers(profile: ComplianceProfile, number: Number) -> None:
    if profile.client_id and profile.client_id != number.client_id:
        raise ComplianceProfileMismatch(
            _("Profile %(profile)s belongs to another client than %(number)s.")
            % {"profile": profile.public_id, "number": number.e164},
            fields={"compliance_profile_id": [_("This profile is another client's.")]},
        )
    if not profile.covers(country=number.country_id, number_type=number.type):
        raise ComplianceProfileMismatch(
            _("Profile %(profile)s does not cover %(country)s %(type)s numbers such as %(number)s.")
            % {"profile": profile.public_id, "country": number.country_id, "type": number.type, "number": number.e164},
            fields={"compliance_profile_id": [_("This profile does not cover the number's country and type.")]},
        )


def profile_for_purchase(*, actor: Actor, profile_id: str | None, client: Client | None) -> ComplianceProfile | None:
    """The profile a purchase names (``compliance_profile_id`` / ``provider_bundle_id``), checked to be
    usable for numbers of ``client``: ``NotFound`` when it is not the actor's, 422 when it expired or is
    another client's."""
    if not profile_id:
        return None
    profile = selectors.profile_get(actor=actor, profile_id=profile_id)
    if profile.status == ComplianceProfile.Status.EXPIRED:
        raise ComplianceProfileMismatch(
            _("Profile %(profile)s has expired; submit a new one.") % {"profile": profile.public_id},
            fields={"compliance_profile_id": [_("This profile has expired.")]},
        )
    if profile.client_id and profile.client_id != (client.pk if client else None):
        raise ComplianceProfileMismatch(
            _("Profile %(profile)s belongs to another client than these numbers.") % {"profile": profile.public_id},
            fields={"compliance_profile_id": [_("This profile is another client's.")]},
        )
    return profile


def profile_check_for_groups(profile: ComplianceProfile | None, groups: dict[str, Any]) -> set[str]:
    """Which of the numbers being bought or ported (E.164 → their group) get ``profile``: those it covers.
    Every number that needs documents must be covered, or ``ComplianceProfileMismatch`` names them."""
    if profile is None:
        return set()
    covered = {e164 for e164, g in groups.items() if profile.covers(country=g.country_id, number_type=g.type)}
    uncovered = sorted(e164 for e164, group in groups.items() if group.requires_regulatory and e164 not in covered)
    if uncovered:
        raise ComplianceProfileMismatch(
            _("Profile %(profile)s does not cover %(numbers)s (country or number type). Nothing was bought.")
            % {"profile": profile.public_id, "numbers": ", ".join(uncovered)},
            fields={"compliance_profile_id": [_("This profile does not cover every number that needs documents.")]},
        )
    return covered


def is_approved_for(profile: ComplianceProfile | None, number: Number) -> bool:
    """True when ``profile`` proves ``number`` now: approved, not past its validity, covering it."""
    if profile is None or profile.status != ComplianceProfile.Status.APPROVED:
        return False
    if profile.expires_at and profile.expires_at < timezone.localdate():
        return False
    return profile.covers(country=number.country_id, number_type=number.type)


def must_hold(number: Number) -> bool:
    """Provisioning's question: does this number wait for documents? A number bought from an upstream
    carrier that needs them also waits for that carrier's approval of its profile."""
    if not number.group.requires_regulatory:
        return False
    if not is_approved_for(number.compliance_profile, number):
        return True
    from ..upstream.regulatory import awaits_upstream

    return awaits_upstream(number)


def _number_event(event_type: str, number: Number, **extra) -> None:
    from ..events import number_event_record

    number_event_record(
        event_type,
        number,
        compliance_profile_id=number.compliance_profile.public_id if number.compliance_profile is not None else None,
        **extra,
    )


def approved_event(number: Number) -> None:
    """``regulatory.approved`` for a number whose documents are now approved (inside the transaction)."""
    _number_event("regulatory.approved", number)


def _release_for_provisioning(number: Number) -> None:
    """A held number whose documents are approved goes back through provisioning, which tells the carrier
    and makes it live (after commit)."""
    from ..services import provisioning_enqueue

    number.status = Number.Status.PROVISIONING
    number.regulatory_held_at = None
    number.provision_claimed_at = None
    number.provision_retry_at = None
    number.save(
        update_fields=["status", "regulatory_held_at", "provision_claimed_at", "provision_retry_at", "updated_at"]
    )
    approved_event(number)
    number_id = number.pk
    transaction.on_commit(lambda: provisioning_enqueue([number_id]))


def numbers_release(waiting: list[Number]) -> list[str]:
    """Of the (locked) numbers waiting for documents, those that need wait no more go back through
    provisioning, with ``regulatory.approved`` (in the caller's transaction); their numbers."""
    released = []
    for number in waiting:
        if not must_hold(number):
            _release_for_provisioning(number)
            released.append(number.e164)
    return released


def number_profile_attached(*, actor: Actor, number: Number) -> None:
    """After a profile is attached to a number (locked, in the caller's transaction): if the number waits
    for documents and the profile is approved, it goes live now."""
    if (
        number.status == Number.Status.PENDING_REGULATORY
        and number.compliance_profile is not None
        and not must_hold(number)
    ):
        _release_for_provisioning(number)
        audit_record(
            actor=actor,
            action="number.regulatory_approved",
            subject=number,
            before={"status": "pending_regulatory"},
            after={"status": "provisioning", "compliance_profile": number.compliance_profile.public_id},
        )
    elif number.status == Number.Status.PENDING_REGULATORY:
        from ..upstream.regulatory import upstream_send_enqueue

        upstream_send_enqueue(number.compliance_profile_id)


# --- Staff decisions -------------------------------------------------------------------------------


def profile_approve(*, actor: Actor, profile: ComplianceProfile) -> ComplianceProfile:
    """Staff accept a submitted profile. Every number waiting on it and covered by it goes through
    provisioning again and becomes live; ``regulatory.approved`` for each (or for the profile when none
    waits). One audit row for the decision."""
    with transaction.atomic():
        profile = _lock(profile)
        if profile.status != ComplianceProfile.Status.SUBMITTED:
            raise InvalidState(_("Only profiles in review can be approved."))
        now = timezone.now()
        profile.status = ComplianceProfile.Status.APPROVED
        profile.rejection_reason = ""
        profile.reviewed_at = now
        profile.reviewed_by = actor.label
        profile.expires_at = timezone.localdate() + timedelta(days=settings.REGULATORY_APPROVAL_VALID_DAYS)
        profile.save()
        waiting = list(
            Number.objects.select_for_update(of=("self",))
            .select_related("account", "client", "compliance_profile")
            .filter(compliance_profile=profile, status=Number.Status.PENDING_REGULATORY)
            .order_by("pk")
        )
        released = numbers_release(waiting)
        audit_record(
            actor=actor,
            account=profile.account,
            action="compliance_profile.approved",
            subject=profile,
            before={"status": "submitted"},
            after={"status": "approved", "expires_at": profile.expires_at.isoformat(), "numbers_released": released},
        )
        if not released:
            _profile_event("regulatory.approved", profile)
        _notify_on_commit(profile.pk)
    return profile


def profile_reject(*, actor: Actor, profile: ComplianceProfile, reason: str) -> ComplianceProfile:
    """Staff refuse a submitted profile, saying why. Numbers waiting on it keep waiting;
    ``regulatory.rejected`` with the reason for each (or for the profile when none waits)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why, so the customer can put it right.")]})
    if len(reason) > 1000:
        raise ValidationFailed(fields={"reason": [_("At most 1000 characters.")]})
    with transaction.atomic():
        profile = _lock(profile)
        if profile.status != ComplianceProfile.Status.SUBMITTED:
            raise InvalidState(_("Only profiles in review can be rejected."))
        profile.status = ComplianceProfile.Status.REJECTED
        profile.rejection_reason = reason
        profile.reviewed_at = timezone.now()
        profile.reviewed_by = actor.label
        profile.save()
        waiting = list(
            Number.objects.select_related("account", "client", "compliance_profile", "trunk")
            .filter(compliance_profile=profile, status=Number.Status.PENDING_REGULATORY)
            .order_by("pk")
        )
        for number in waiting:
            _number_event("regulatory.rejected", number, reason=reason)
        audit_record(
            actor=actor,
            account=profile.account,
            action="compliance_profile.rejected",
            subject=profile,
            before={"status": "submitted"},
            after={"status": "rejected", "reason": reason},
        )
        if not waiting:
            _profile_event("regulatory.rejected", profile, reason=reason)
        _notify_on_commit(profile.pk)
    return profile


def _profile_event(event_type: str, profile: ComplianceProfile, **extra) -> None:
    events.record(
        event_type,
        account=profile.account,
        client=profile.client,
        subject_type="compliance_profile",
        subject_id=profile.public_id,
        data={"compliance_profile_id": profile.public_id, "status": profile.status, "numbers": []} | extra,
    )


def _notify_on_commit(profile_id: int) -> None:
    from ..tasks import profile_decision_notify_task

    transaction.on_commit(lambda: profile_decision_notify_task.delay(profile_id))


def profile_decision_notify(*, profile_id: int) -> int:
    """Email the decision on a profile (and, for a rejection, the reason) to the account's owners and
    admins and, for a client's profile, that client's admins. Returns how many people were written to."""
    from django.urls import reverse

    from accounts.selectors import notification_recipients
    from portal.mail import send_in_languages

    profile = ComplianceProfile.objects.select_related("account", "client").filter(pk=profile_id).first()
    if profile is None or profile.status not in (ComplianceProfile.Status.APPROVED, ComplianceProfile.Status.REJECTED):
        return 0
    recipients = notification_recipients(account=profile.account, client=profile.client if profile.client_id else None)
    if not recipients:
        return 0
    # A client's profile: the email goes out under its reseller's brand (its clients' admins read it too).
    sender, base = None, settings.PUBLIC_URL
    if profile.client_id:
        from accounts.branding.selectors import look_of, portal_url, sender_for

        look = look_of(profile.account)
        sender, base = sender_for(look), portal_url(look)
    link = base + reverse("compliance_detail", args=[profile.pk])
    waiting = profile.numbers.filter(status=Number.Status.PENDING_REGULATORY).count()

    def compose() -> tuple[str, str]:
        if profile.status == ComplianceProfile.Status.APPROVED:
            subject = _("Documents approved: %(name)s") % {"name": profile.name}
            body = _(
                "Hello,\n\nThe compliance profile of %(name)s (%(id)s) was approved. Numbers waiting on it go "
                "live now, and numbers bought with it go live at once.\n\n%(link)s\n"
            ) % {"name": profile.name, "id": profile.public_id, "link": link}
        else:
            subject = _("Documents rejected: %(name)s") % {"name": profile.name}
            body = _(
                "Hello,\n\nThe compliance profile of %(name)s (%(id)s) was rejected:\n\n%(reason)s\n\n"
                "%(waiting)d number(s) keep waiting for it. Correct the profile or its documents and submit it "
                "again:\n\n%(link)s\n"
            ) % {
                "name": profile.name,
                "id": profile.public_id,
                "reason": profile.rejection_reason,
                "waiting": waiting,
                "link": link,
            }
        return subject, body

    return send_in_languages(people=recipients, compose=compose, sender=sender)


# --- Periodic work -----------------------------------------------------------------------------------


def profiles_expire(*, today=None) -> int:
    """Approved profiles past their validity become expired (numbers already live stay live; new numbers
    need a new approval). Safe to run twice."""
    today = today or timezone.localdate()
    expired = 0
    for profile_id in ComplianceProfile.objects.filter(
        status=ComplianceProfile.Status.APPROVED, expires_at__lt=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            profile = (
                ComplianceProfile.objects.select_for_update()
                .filter(pk=profile_id, status=ComplianceProfile.Status.APPROVED, expires_at__lt=today)
                .first()
            )
            if profile is None:
                continue
            profile.status = ComplianceProfile.Status.EXPIRED
            profile.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=None,
                account=profile.account,
                action="compliance_profile.expired",
                subject=profile,
                before={"status": "approved"},
                after={"status": "expired"},
            )
            expired += 1
    return expired


def held_too_long_ids(*, now=None) -> list[int]:
    cutoff = (now or timezone.now()) - timedelta(days=settings.REGULATORY_HOLD_DAYS)
    return list(
        Number.objects.filter(status=Number.Status.PENDING_REGULATORY, regulatory_held_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )


def number_hold_expire(*, number_id: int, now=None) -> bool:
    """Release a number that waited for approved documents longer than ``REGULATORY_HOLD_DAYS`` and refund
    everything it cost (``number.released``). The wallet is locked first, as in every paying
    transaction; the number is claimed with its state, so running twice releases and refunds once."""
    from ..services import number_end_term

    cutoff = (now or timezone.now()) - timedelta(days=settings.REGULATORY_HOLD_DAYS)
    account_id = Number.objects.filter(pk=number_id).values_list("account_id", flat=True).first()
    if account_id is None:
        return False
    with transaction.atomic():
        ledger.lock_wallet(Account(pk=account_id))
        number = (
            Number.objects.select_for_update(of=("self",))
            .select_related("account", "client", "compliance_profile")
            .filter(pk=number_id, status=Number.Status.PENDING_REGULATORY, regulatory_held_at__lt=cutoff)
            .first()
        )
        if number is None:
            return False
        reason = _("no approved documents within %(days)d days") % {"days": settings.REGULATORY_HOLD_DAYS}
        number_end_term(number=number, reason=reason)
        refunded = billing.refund_number(number=number, reason=reason)
        audit_record(
            actor=None,
            account=number.account,
            action="number.regulatory_expired",
            subject=number,
            before={"status": "pending_regulatory"},
            after={"status": "released", "refunded": str(refunded)},
        )
    return True


def regulatory_sweep(*, now=None) -> dict[str, int]:
    """The daily job: expire old approvals, release (and refund) numbers held too long."""
    released = sum(1 for number_id in held_too_long_ids(now=now) if number_hold_expire(number_id=number_id, now=now))
    return {"profiles_expired": profiles_expire(), "numbers_released": released}
