"""What /api/v3 keeps beyond our own orders and stock: DIDWW's reservations (a number held for one
account for a while) and the terms an order was placed with (its external reference, which makes placing
it idempotent, and where to call back when it settles).

Imported by ``numbers/models.py``, so Django registers these models with the numbers app."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedTextField

from ..models import AvailableNumber, Order


class DidReservation(models.Model):
    """A number in stock held for one account until ``expires_at``: its stock row is ``reserved`` (out of
    every search, and nobody else can buy it) until the reservation is ordered, deleted or expires."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="did_reservations")
    stock = models.ForeignKey(AvailableNumber, on_delete=models.CASCADE, related_name="reservations")
    description = models.CharField(_("description"), max_length=100, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("DID reservation")
        verbose_name_plural = _("DID reservations")
        constraints = [models.UniqueConstraint(fields=["stock"], name="did_reservation_one_per_number")]
        indexes = [models.Index(fields=["expires_at"], name="did_reservation_expires")]

    def __str__(self) -> str:
        return str(self.uid)


class OrderTerms(models.Model):
    """How an order was placed through /api/v3. ``external_reference_id`` is unique per account: placing
    an order with a reference already used returns that order. With a ``callback_url`` the settled status
    is sent there once, signed as DIDWW signs callbacks, with the key that placed the order (kept encrypted
    until the callback has gone, then forgotten)."""

    class Method(models.TextChoices):
        POST = "post", "POST"
        GET = "get", "GET"

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="terms")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    external_reference_id = models.CharField(_("external reference"), max_length=100, blank=True)
    allow_back_ordering = models.BooleanField(default=False)
    callback_url = models.CharField(_("callback URL"), max_length=500, blank=True)
    callback_method = models.CharField(max_length=4, choices=Method.choices, default=Method.POST)
    callback_secret = EncryptedTextField(blank=True, editable=False)
    callback_status = models.CharField(_("status called back"), max_length=12, blank=True)
    callback_attempts = models.PositiveIntegerField(default=0)
    callback_next_at = models.DateTimeField(null=True, blank=True)
    callback_error = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("order terms")
        verbose_name_plural = _("order terms")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_reference_id"],
                condition=~Q(external_reference_id=""),
                name="order_terms_external_reference_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["callback_next_at"],
                condition=Q(callback_status="") & ~Q(callback_url=""),
                name="order_terms_callback_due",
            )
        ]

    def __str__(self) -> str:
        return self.external_reference_id or str(self.order_id)


class VoiceInTrunkGroup(models.Model):
    """DIDWW's voice-in trunk group: trunks a DID's calls go to in turn, by the trunks' priority (lowest
    first) and then weight (highest first). Here a DID routed to a group is forwarded to its first trunk."""

    uid = models.CharField(max_length=16, unique=True, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="voice_in_trunk_groups")
    client = models.ForeignKey("accounts.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    capacity_limit = models.PositiveIntegerField(_("calls at once"), null=True, blank=True)
    external_reference_id = models.CharField(_("external reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("voice-in trunk group")
        verbose_name_plural = _("voice-in trunk groups")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def public_id(self) -> str:
        return f"vtg_{self.uid}"


class VoiceInTrunk(models.Model):
    """DIDWW's voice-in trunk: where a DID's calls are delivered, a SIP address (``sip_configurations``:
    host, port, username, transport, codecs …) or a phone number (``pstn_configurations``: dst). A DID
    routed to one is forwarded there (``Number.forwarding``); ``DidVoiceInRoute`` remembers which trunk
    that forwarding came from. Registration trunks are ``SipTrunk``s, listed beside these."""

    class Kind(models.TextChoices):
        SIP = "sip_configurations", "SIP"
        PSTN = "pstn_configurations", "PSTN"

    uid = models.CharField(max_length=16, unique=True, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="voice_in_trunks")
    client = models.ForeignKey("accounts.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    group = models.ForeignKey(
        VoiceInTrunkGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="trunks"
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # The configuration's attributes as sent (without the password, kept apart and encrypted).
    configuration = models.JSONField(default=dict)
    auth_password = EncryptedTextField(blank=True, editable=False)
    capacity_limit = models.PositiveIntegerField(_("calls at once"), null=True, blank=True)
    priority = models.PositiveIntegerField(default=1)
    weight = models.PositiveIntegerField(default=100)
    ringing_timeout = models.PositiveIntegerField(null=True, blank=True)
    cli_format = models.CharField(max_length=8, default="e164")
    cli_prefix = models.CharField(max_length=20, blank=True)
    external_reference_id = models.CharField(_("external reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("voice-in trunk")
        verbose_name_plural = _("voice-in trunks")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["account", "name"], name="voice_in_trunk_account_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def public_id(self) -> str:
        return f"vit_{self.uid}"


class DidVoiceInRoute(models.Model):
    """Which voice-in trunk (or group) a number's forwarding was set from: the DID's ``voice_in_trunk``
    or ``voice_in_trunk_group``. Exactly one of the two. Only believed while the number's forwarding is
    still what that trunk gives it (a forwarding set another way makes the DID show no trunk)."""

    number = models.OneToOneField("numbers.Number", on_delete=models.CASCADE, related_name="voice_in_route")
    trunk = models.ForeignKey(VoiceInTrunk, on_delete=models.CASCADE, null=True, blank=True, related_name="routes")
    group = models.ForeignKey(VoiceInTrunkGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="routes")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(trunk__isnull=False, group__isnull=True) | Q(trunk__isnull=True, group__isnull=False),
                name="did_voice_in_route_trunk_xor_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number_id} → {self.trunk_id or self.group_id}"


class CdrExport(models.Model):
    """An export of inbound call records (DIDWW's ``exports`` of type ``cdr_in``) for a month, or for the
    range ``starts_at`` ≤ start < ``ends_at`` when the filters named one (``from``/``to``). Complete as soon
    as it is made: its CSV is written when it is downloaded, from the calls of that period."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="cdr_exports")
    client = models.ForeignKey("accounts.Client", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    year = models.PositiveIntegerField()
    month = models.PositiveIntegerField()
    did_number = models.CharField(max_length=20, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    callback_url = models.CharField(max_length=500, blank=True)
    callback_method = models.CharField(max_length=4, default="post")
    external_reference_id = models.CharField(_("external reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("call record export")
        verbose_name_plural = _("call record exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"cdr_in {self.year}-{self.month:02d}"


class VaultKey(models.Model):
    """One of the two RSA key pairs files for the regulatory vault are encrypted with (DIDWW's
    ``public_keys``; its SDK encrypts each file's AES key for both). Made once, on first use; the private
    key is kept encrypted with ``ENCRYPTION_KEYS``."""

    slot = models.PositiveSmallIntegerField(unique=True)
    public_pem = models.TextField()
    private_pem = EncryptedTextField()
    fingerprint = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("vault key")
        verbose_name_plural = _("vault keys")
        ordering = ["slot"]

    def __str__(self) -> str:
        return f"{self.slot}: {self.fingerprint}"


class EncryptedFile(models.Model):
    """A file sent to the regulatory vault, kept as it came: encrypted with the vault keys (checked to
    open, and to be a PDF, JPEG or PNG, when it arrived). A proof decrypts it into a compliance document;
    unused, it expires."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="encrypted_files")
    client = models.ForeignKey("accounts.Client", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    file_name = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=100)
    content = models.BinaryField()
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("encrypted file")
        verbose_name_plural = _("encrypted files")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return str(self.uid)


class AddressVerification(models.Model):
    """DIDWW's address verification: an address (a compliance profile) put forward for DIDs that need
    documents. Making one attaches the profile to those numbers; its status is the profile's review
    (``pending`` until staff decide, then ``approved`` or ``rejected`` with the profile's reason)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="address_verifications")
    client = models.ForeignKey("accounts.Client", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    profile = models.ForeignKey(
        "numbers.ComplianceProfile", on_delete=models.CASCADE, related_name="address_verifications"
    )
    numbers = models.ManyToManyField("numbers.Number", related_name="address_verifications")
    service_description = models.CharField(_("service description"), max_length=500, blank=True)
    callback_url = models.CharField(_("callback URL"), max_length=500, blank=True)
    callback_method = models.CharField(max_length=4, default="post")
    external_reference_id = models.CharField(_("external reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("address verification")
        verbose_name_plural = _("address verifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return str(self.uid)
