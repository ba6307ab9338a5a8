"""Regulatory data: compliance profiles (who the end user is, with the documents that prove it), the
documents themselves (kept in private storage, never under a public URL), which documents each country
and number type needs, and port-in requests with their timeline.

Imported by ``models.py``, so Django registers these models with the numbers app."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedTextField
from portal.storage import PrivateFileStorage

from ..models import BillingCycle, Country, NumberType


@deconstructible
class PrivateDocumentStorage(PrivateFileStorage):
    """Regulatory documents under ``REGULATORY_DOCUMENTS_DIR``."""

    folder_setting = "REGULATORY_DOCUMENTS_DIR"


def document_path(instance: ComplianceDocument, filename: str) -> str:
    """A random name under the account's folder: the uploader's file name never reaches the disk."""
    extension = Path(filename).suffix.lower()
    return f"{instance.account_id}/{uuid.uuid4().hex}{extension}"


class DocumentType(models.TextChoices):
    ID = "id_document", _("Identity document (passport or ID card)")
    PROOF_OF_ADDRESS = "proof_of_address", _("Proof of address (less than 3 months old)")
    COMPANY_REGISTRATION = "company_registration", _("Company registration extract")
    LETTER_OF_AUTHORIZATION = "letter_of_authorization", _("Letter of authorization (porting)")
    BILL = "bill", _("Recent bill from the current carrier (porting)")
    OTHER = "other", _("Other supporting document")


PROFILE_DOCUMENT_TYPES = (
    DocumentType.ID,
    DocumentType.PROOF_OF_ADDRESS,
    DocumentType.COMPANY_REGISTRATION,
    DocumentType.OTHER,
)
PORT_DOCUMENT_TYPES = (DocumentType.LETTER_OF_AUTHORIZATION, DocumentType.BILL, DocumentType.OTHER)


class EndUserType(models.TextChoices):
    PERSON = "person", _("Person")
    BUSINESS = "business", _("Business")


class DocumentRequirement(models.Model):
    """One document a country (and optionally one number type, one kind of end user) needs. Staff edit
    these; where a country has none, the defaults in ``regulatory.DEFAULT_REQUIREMENTS`` apply."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="document_requirements")
    number_type = models.CharField(
        _("number type"), max_length=16, choices=NumberType.choices, blank=True, help_text=_("Empty: every type.")
    )
    end_user_type = models.CharField(
        _("end user"), max_length=10, choices=EndUserType.choices, blank=True, help_text=_("Empty: both.")
    )
    document_type = models.CharField(_("document"), max_length=32, choices=DocumentType.choices)
    note = models.CharField(_("note shown to the customer"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("document requirement")
        verbose_name_plural = _("document requirements")
        ordering = ["country_id", "number_type", "end_user_type", "document_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "number_type", "end_user_type", "document_type"], name="document_requirement_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country_id} {self.number_type or '*'} {self.end_user_type or '*'}: {self.document_type}"


class ComplianceProfile(models.Model):
    """Who an end user is and where, for the countries and number types it covers, with the documents
    that prove it. Filled once per client (or for the account itself) and reused for every number."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("In review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="compliance_profiles")
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="compliance_profiles"
    )
    end_user_type = models.CharField(_("end user"), max_length=10, choices=EndUserType.choices)
    name = models.CharField(_("name (person or company)"), max_length=200)
    registration_number = models.CharField(_("company registration number"), max_length=64, blank=True)
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    address_country = models.CharField(_("country of the address"), max_length=2)
    countries = models.JSONField(_("countries covered"), default=list)
    number_types = models.JSONField(_("number types covered"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.CharField(_("reviewed by"), max_length=200, blank=True)
    expires_at = models.DateField(_("approval valid until"), null=True, blank=True)
    created_by = models.CharField(_("by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("compliance profile")
        verbose_name_plural = _("compliance profiles")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "client", "-id"], name="profile_account_client"),
            models.Index(fields=["status", "submitted_at"], name="profile_status_submitted"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    @property
    def public_id(self) -> str:
        return f"cpr_{self.pk}"

    @property
    def is_editable(self) -> bool:
        """Drafts and rejected profiles can be changed (and then submitted again); the others are under
        review or decided."""
        return self.status in (self.Status.DRAFT, self.Status.REJECTED)

    def covers(self, *, country: str, number_type: str) -> bool:
        return country in (self.countries or []) and number_type in (self.number_types or [])


class PortRequest(models.Model):
    """A request to bring numbers over from another carrier. Statuses move submitted → pending (with the
    losing carrier) → scheduled (a date is set) → completed, or end rejected or cancelled."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        PENDING = "pending", _("Pending")
        SCHEDULED = "scheduled", _("Scheduled")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN = (Status.SUBMITTED, Status.PENDING, Status.SCHEDULED)

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="port_requests")
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="port_requests"
    )
    numbers = models.JSONField(_("numbers"), default=list)
    current_carrier = models.CharField(_("current carrier"), max_length=200)
    authorization_name = models.CharField(_("authorized person"), max_length=200)
    # Both are needed by the losing carrier to release the numbers, and encrypted at rest (ENCRYPTION_KEYS,
    # portal/crypto.py). Staff see them in full; pages and the API show the account number masked, and only
    # whether a PIN was given.
    account_number = EncryptedTextField(_("account number at the carrier"), max_length=100, blank=True)
    pin = EncryptedTextField(_("account PIN"), max_length=32, blank=True)
    billing_cycle = models.CharField(
        _("billing cycle"), max_length=10, choices=BillingCycle.choices, default=BillingCycle.MONTHLY
    )
    compliance_profile = models.ForeignKey(
        ComplianceProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="port_requests"
    )
    carrier = models.CharField(_("carrier"), max_length=32, default="sandbox")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    estimated_completion = models.DateField(_("estimated completion"))
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    order = models.ForeignKey(
        "numbers.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="port_requests"
    )
    # Why the last attempt to complete it did not (the wallet could not pay, a number was taken), and when.
    last_error = models.CharField(_("last problem"), max_length=255, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    # Staff only: when the request was made, some of its numbers were another account's, or in another
    # account's open request (``conflicts`` says which, and whose). The requester was answered exactly as
    # for any request and is never told; staff settle the conflict before the port may go ahead.
    in_conflict = models.BooleanField(_("conflict"), default=False)
    conflicts = models.JSONField(_("conflicting claims"), default=list, blank=True)
    created_by = models.CharField(_("by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("port-in request")
        verbose_name_plural = _("port-in requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "client", "-id"], name="port_account_client"),
            models.Index(fields=["status", "scheduled_at"], name="port_status_scheduled"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def public_id(self) -> str:
        return f"port_{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def can_cancel(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.PENDING)

    @property
    def account_number_masked(self) -> str:
        """What pages and the API show: the last 4 characters when at least as many are hidden, else none."""
        value = self.account_number
        shown = 4 if len(value) >= 8 else 0
        return "*" * (len(value) - shown) + value[len(value) - shown :]


class PortStep(models.Model):
    """One step of a port's timeline: the status it reached, when, and a note (a date, a reason)."""

    port = models.ForeignKey(PortRequest, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(_("status"), max_length=10, choices=PortRequest.Status.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("port step")
        verbose_name_plural = _("port steps")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.port} → {self.status}"


class ComplianceDocument(models.Model):
    """One uploaded file, proving a compliance profile or supporting a port request. Checked before it is
    stored (type by its first bytes, declared content type and extension agreeing; size)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="compliance_documents")
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="compliance_documents"
    )
    profile = models.ForeignKey(
        ComplianceProfile, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    port = models.ForeignKey(PortRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="documents")
    document_type = models.CharField(_("document"), max_length=32, choices=DocumentType.choices)
    file = models.FileField(_("file"), storage=PrivateDocumentStorage(), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.CharField(_("uploaded by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(profile__isnull=False, port__isnull=True) | Q(profile__isnull=True, port__isnull=False),
                name="document_belongs_to_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()}: {self.original_name}"

    @property
    def public_id(self) -> str:
        return f"doc_{self.pk}"
