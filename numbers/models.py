from __future__ import annotations

from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import MONEY
from billing.periods import CYCLE_MONTHS  # noqa: F401 (the billing calendar, also read from here)
from portal.crypto import EncryptedTextField


def whole_cents(value: Decimal) -> None:
    """Number prices are set in whole cents, so what search shows is exactly what is charged."""
    from django.core.exceptions import ValidationError

    if value is not None and (value < 0 or value != value.quantize(Decimal("0.01"))):
        raise ValidationError(_("Use a price in whole cents, such as 1.50."))


class NumberType(models.TextChoices):
    LOCAL = "local", _("Local")
    MOBILE = "mobile", _("Mobile")
    NATIONAL = "national", _("National")
    TOLL_FREE = "toll_free", _("Toll-free")
    SHORT_CODE = "short_code", _("Short code")


CAPABILITIES = ("voice", "sms", "mms", "fax")
# Understood in input, never offered by this inventory: asking for them is answered with a clear 422.
UNOFFERED_CAPABILITIES = ("whatsapp", "rcs")


class BillingCycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ANNUAL = "annual", _("Annual")


class Country(models.Model):
    code = models.CharField(_("ISO code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    dial_code = models.CharField(_("dial code"), max_length=8)

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def display_name(self) -> str:
        """The name in the reader's language (CLDR through babel); English keeps the stored name."""
        from portal.l10n import country_name

        return country_name(self.code, self.name)


class NumberGroup(models.Model):
    """Numbers sold alike: one country, type and area, with the same capabilities, prices and rules
    (DIDWW calls these DID groups). Staff edit prices here."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="groups")
    type = models.CharField(_("type"), max_length=16, choices=NumberType.choices)
    area_code = models.CharField(_("area code"), max_length=8, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    has_voice = models.BooleanField(_("voice"), default=True)
    has_sms = models.BooleanField(_("SMS"), default=False)
    has_mms = models.BooleanField(_("MMS"), default=False)
    has_fax = models.BooleanField(_("fax"), default=False)
    monthly_price = models.DecimalField(_("monthly price (EUR)"), validators=[whole_cents], **MONEY)
    setup_fee = models.DecimalField(_("setup fee (EUR)"), default=Decimal("0"), validators=[whole_cents], **MONEY)
    sms_addon_price = models.DecimalField(
        _("SMS add-on per month (EUR)"), default=Decimal("0"), validators=[whole_cents], **MONEY
    )
    # Metered groups (toll-free numbers usually are): each answered call's started minutes at this price.
    minute_price = models.DecimalField(_("price per minute (EUR)"), null=True, blank=True, **MONEY)
    requires_regulatory = models.BooleanField(_("needs regulatory documents"), default=False)
    carrier = models.CharField(_("carrier"), max_length=32, default="sandbox")
    # For an imported group: the carrier's own ids (its DID group and the SKU we buy by) and what it charges
    # us; our prices above come from these through the carrier's price rule. Blank for the sandbox.
    carrier_group_ref = models.CharField(_("carrier's group id"), max_length=64, blank=True)
    carrier_sku_ref = models.CharField(_("carrier's SKU id"), max_length=64, blank=True)
    cost_monthly = models.DecimalField(_("carrier's monthly price (EUR)"), null=True, blank=True, **MONEY)
    cost_setup = models.DecimalField(_("carrier's setup price (EUR)"), null=True, blank=True, **MONEY)
    # How many of the group's numbers are for sale: kept by the services that sell and restock numbers
    # (in their transactions) and recounted by inventory_load and a nightly job, so a search can give its
    # total without counting a million rows.
    available_count = models.PositiveIntegerField(_("numbers for sale"), default=0, editable=False)

    class Meta:
        verbose_name = _("number group")
        verbose_name_plural = _("number groups")
        ordering = ["country_id", "type", "area_code", "city"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "country", "type", "area_code", "city"], name="number_group_unique_per_carrier"
            ),
        ]
        indexes = [
            models.Index(fields=["country", "type"], name="group_country_type"),
            models.Index(fields=["country", "city"], name="group_country_city"),
        ]

    def __str__(self) -> str:
        place = self.city or self.region or self.area_code
        return f"{self.country_id} {self.get_type_display()}{' · ' + place if place else ''}"

    @property
    def capabilities(self) -> list[str]:
        return [cap for cap in CAPABILITIES if getattr(self, f"has_{cap}")]


class AvailableNumber(models.Model):
    """One number in stock. A purchase locks the row and marks it sold; a release puts it back."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        RESERVED = "reserved", _("Reserved")
        SOLD = "sold", _("Sold")

    e164 = models.CharField(_("number"), max_length=20, unique=True)
    group = models.ForeignKey(NumberGroup, on_delete=models.PROTECT, related_name="stock")
    # Copied from the group (they never change for a number) so the commonest searches, by country and
    # type, walk one index in number order and stop after a page.
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    type = models.CharField(_("type"), max_length=16, choices=NumberType.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.AVAILABLE)
    # The carrier's id of this offer (DIDWW's available DID), which its order names; blank for the sandbox.
    # (db_default: the bulk loaders' raw INSERTs leave it out)
    carrier_ref = models.CharField(_("carrier reference"), max_length=64, blank=True, db_default="")

    class Meta:
        verbose_name = _("available number")
        verbose_name_plural = _("inventory")
        # Each holds what a search returns (id, number, group), so a search reads the index alone
        # (PostgreSQL's index-only scan) and tests short digit strings on index entries, not table rows.
        indexes = [
            models.Index(
                fields=["country", "e164"],
                name="stock_country_e164",
                condition=Q(status="available"),
                include=["id", "group"],
            ),
            models.Index(
                fields=["country", "type", "e164"],
                name="stock_country_type_e164",
                condition=Q(status="available"),
                include=["id", "group"],
            ),
            # Searches narrowed to some groups (a city, an area code, capabilities).
            models.Index(
                fields=["group", "e164"],
                name="stock_group_e164_available",
                condition=Q(status="available"),
                include=["id"],
            ),
        ]

    def __str__(self) -> str:
        return self.e164


class Order(models.Model):
    class Status(models.TextChoices):
        COMPLETED = "completed", _("Paid")

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="orders")
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.COMPLETED)
    total = models.DecimalField(_("total (EUR)"), **MONEY)
    currency = models.CharField(max_length=3, default="EUR")
    created_by = models.CharField(_("by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="order_account_created")]

    def __str__(self) -> str:
        return self.public_id

    @property
    def public_id(self) -> str:
        return f"ord_{self.pk}"


class SipTrunk(models.Model):
    """A SIP trunk: where a client's PBX registers and where its numbers' calls go.

    For digest authentication only the HA1 (md5 of ``username:realm:password``) is kept: it is what a
    registrar needs, and the password itself is shown once, at creation or regeneration."""

    class AuthType(models.TextChoices):
        DIGEST = "digest", _("Username and password (digest)")
        IP = "ip", _("IP address")

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("Provisioning")
        ACTIVE = "active", _("Active")

    class Registration(models.TextChoices):
        UNKNOWN = "unknown", _("Never registered")
        REGISTERED = "registered", _("Registered")
        OFFLINE = "offline", _("Offline")

    uid = models.CharField(_("id"), max_length=16, unique=True, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="trunks")
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="trunks"
    )
    name = models.CharField(_("name"), max_length=100)
    auth_type = models.CharField(_("authentication"), max_length=8, choices=AuthType.choices, default=AuthType.DIGEST)
    allowed_ips = models.JSONField(_("allowed IPs"), default=list, blank=True)
    sip_server = models.CharField(_("SIP server"), max_length=255)
    username = models.CharField(_("username"), max_length=64, unique=True)
    ha1 = models.CharField(max_length=32, blank=True, editable=False)
    channels = models.PositiveIntegerField(_("channels"), default=10)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROVISIONING)
    registration = models.CharField(
        _("registration"), max_length=12, choices=Registration.choices, default=Registration.UNKNOWN
    )
    registration_changed_at = models.DateTimeField(_("registration changed"), null=True, blank=True)
    registered_contact = models.CharField(_("registered from"), max_length=255, blank=True)
    credentials_rotated_at = models.DateTimeField(_("credentials issued"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("SIP trunk")
        verbose_name_plural = _("SIP trunks")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["account", "client"], name="trunk_account_client")]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    @property
    def public_id(self) -> str:
        return f"trk_{self.uid}"


class Number(models.Model):
    """A number owned by a reseller account (optionally for one of its clients)."""

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("Provisioning")
        PENDING_REGULATORY = "pending_regulatory", _("Awaiting documents")
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        SUSPENDED = "suspended", _("Suspended")
        RELEASED = "released", _("Released")
        FAILED = "failed", _("Failed")

    # (indexed by ``number_account_id``, which leads with it)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="numbers", db_index=False)
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="numbers"
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="numbers")
    group = models.ForeignKey(NumberGroup, on_delete=models.PROTECT, related_name="owned")
    e164 = models.CharField(_("number"), max_length=20)
    # (no index: numbers are always looked for within an account, and countries are never deleted)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", db_index=False)
    type = models.CharField(_("type"), max_length=16, choices=NumberType.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROVISIONING)
    billing_cycle = models.CharField(
        _("billing cycle"), max_length=10, choices=BillingCycle.choices, default=BillingCycle.MONTHLY
    )
    monthly_price = models.DecimalField(_("monthly price (EUR)"), **MONEY)
    setup_fee = models.DecimalField(_("setup fee (EUR)"), **MONEY)
    paid_through = models.DateField(_("paid through"))
    cancel_at_period_end = models.BooleanField(_("cancel at period end"), default=False)
    label = models.CharField(_("label"), max_length=100, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    capabilities = models.JSONField(_("capabilities"), default=list, encoder=DjangoJSONEncoder)
    # (indexed where set: see Meta)
    trunk = models.ForeignKey(
        SipTrunk, on_delete=models.PROTECT, null=True, blank=True, related_name="numbers", db_index=False
    )
    forwarding = models.CharField(_("forwarding (SIP URI or number)"), max_length=255, blank=True)
    # How many calls to this number the SIP edge lets up at once (its dialog profile per number); beyond it
    # a call is answered 486. Null: no limit of its own (the trunk's channels still count).
    capacity_limit = models.PositiveIntegerField(_("calls at once"), null=True, blank=True)
    # What the carrier was last told about this number's routing, and when (set by the routing task).
    route_applied = models.CharField(_("route at the carrier"), max_length=255, blank=True)
    route_applied_at = models.DateTimeField(_("route applied"), null=True, blank=True)
    sms_forwarding = models.CharField(_("SMS forwarding"), max_length=20, blank=True)
    # Where this number's own events are posted: its message events (inbound SMS, delivery statuses) to
    # sms_webhook_url, its other events (provisioned, live, suspended, released…) to voice_webhook_url;
    # either one empty means webhook_url, the one URL for all of them.
    webhook_url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    sms_webhook_url = models.URLField(_("SMS webhook URL"), max_length=500, blank=True)
    voice_webhook_url = models.URLField(_("voice webhook URL"), max_length=500, blank=True)
    # SMS on this number: the paid add-on (``capabilities`` then lists "sms" too), at the monthly price
    # fixed when it was enabled (0 while SMS is off).
    sms_enabled = models.BooleanField(_("SMS enabled"), default=False)
    sms_monthly_price = models.DecimalField(_("SMS add-on per month (EUR)"), default=Decimal("0"), **MONEY)
    # The compliance profile whose approval lets this number go live (where its country needs documents),
    # and since when it has been held waiting for one: held too long, it is released and refunded.
    compliance_profile = models.ForeignKey(
        "numbers.ComplianceProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="numbers",
        verbose_name=_("compliance profile"),
        db_index=False,
    )
    regulatory_held_at = models.DateTimeField(_("awaiting documents since"), null=True, blank=True)
    # The port-in request that brought the number over from another carrier, if any.
    port = models.ForeignKey(
        "numbers.PortRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ported_numbers",
        verbose_name=_("ported in by"),
        db_index=False,
    )
    carrier_ref = models.CharField(_("carrier reference"), max_length=64, blank=True)
    provision_attempts = models.PositiveSmallIntegerField(default=0)
    provision_claimed_at = models.DateTimeField(null=True, blank=True)
    provision_retry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    # Renewal state: the day a renewal first could not be paid (cleared when paid), when the number was
    # suspended for it, and the paid-through date whose "expiring" notice was sent.
    # The day of the month periods end on (31 → the last day of shorter months); set when bought and when
    # a suspended number is paid again.
    billing_day = models.PositiveSmallIntegerField(_("billing day"), null=True, blank=True)
    payment_due_since = models.DateField(_("renewal unpaid since"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    expiring_notice_for = models.DateField(null=True, blank=True, editable=False)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    created_at = models.DateTimeField(_("bought"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("number")
        verbose_name_plural = _("numbers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["e164"], condition=~Q(status="released") & ~Q(status="failed"), name="number_owned_once"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-id"], name="number_account_id"),
            # The SIP edge's lookup of a called number (``sip_route``), released owners included.
            models.Index(fields=["e164"], name="number_e164"),
            models.Index(fields=["account", "client", "-id"], name="number_account_client_id"),
            models.Index(fields=["status", "paid_through"], name="number_status_paid_through"),
            # One account's renewals in date order: what a renewal run claims, batch by batch, and what the
            # upcoming-renewals page lists. (The statuses are ``billing.renewals.RENEWABLE``.)
            models.Index(
                fields=["account", "paid_through", "id"],
                name="number_renewal_due",
                condition=Q(status__in=["active", "inactive", "suspended"]),
            ),
            models.Index(fields=["account", "e164"], name="number_sms_enabled", condition=Q(sms_enabled=True)),
            # Links most numbers do not have are indexed only where set: every index a number is in is
            # written again each time it renews (the paid-through date is indexed, so no update is "HOT").
            models.Index(fields=["trunk"], name="number_trunk", condition=Q(trunk__isnull=False)),
            models.Index(
                fields=["compliance_profile"],
                name="number_compliance_profile",
                condition=Q(compliance_profile__isnull=False),
            ),
            models.Index(fields=["port"], name="number_port", condition=Q(port__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.e164

    @property
    def public_id(self) -> str:
        return f"num_{self.pk}"

    @property
    def number_formatted(self) -> str:
        from .validation import format_international

        return format_international(self.e164)

    # What the viewer pays: the client's prices when ``billing.pricing.show_client_prices`` has set them
    # (client-scoped viewers), wholesale otherwise.
    @property
    def shown_monthly_price(self) -> Decimal:
        prices = getattr(self, "client_prices", None)
        return prices.monthly if prices else self.monthly_price

    @property
    def shown_sms_monthly_price(self) -> Decimal:
        prices = getattr(self, "client_prices", None)
        return prices.sms_monthly if prices else self.sms_monthly_price

    @property
    def shown_minute_price(self) -> Decimal | None:
        """A metered number's price per answered minute, as the viewer pays it (None: not metered)."""
        prices = getattr(self, "client_prices", None)
        return prices.minute if prices else (self.group.minute_price or None)

    @property
    def route_since(self):
        """Since when the carrier has had the route it has now: when it was last sent, or, for a number
        never routed (nothing to send), since it went live (since it was bought, where that is not known)."""
        return self.route_applied_at or self.activated_at or self.created_at


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    number = models.OneToOneField(Number, on_delete=models.PROTECT, related_name="order_item")
    e164 = models.CharField(max_length=20)
    billing_cycle = models.CharField(max_length=10, choices=BillingCycle.choices)
    setup_fee = models.DecimalField(**MONEY)
    first_period = models.DecimalField(**MONEY)
    # The SMS add-on's first period, when the number was bought with SMS.
    sms_addon = models.DecimalField(default=Decimal("0"), **MONEY)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")

    def __str__(self) -> str:
        return f"{self.order} · {self.e164}"


class SandboxRoute(models.Model):
    """The sandbox carrier's own record of where each number it provisioned sends calls."""

    carrier_ref = models.CharField(max_length=64, unique=True)
    destination = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sandbox route")
        verbose_name_plural = _("sandbox routes")

    def __str__(self) -> str:
        return f"{self.carrier_ref} → {self.destination or '—'}"


class Carrier(models.Model):
    """An upstream carrier the portal buys numbers from, configured by staff (or ``manage.py carrier``).

    The built-in sandbox needs no row: ``get_carrier("sandbox")`` works without one, and a row named
    ``sandbox`` only sets its priority, price rule or scope. The API key is encrypted at rest and never
    shown again once saved. Lower ``priority`` is preferred: when two carriers offer the same number, the
    preferred one's offer is the one for sale (the cheaper one between equals)."""

    class Kind(models.TextChoices):
        SANDBOX = "sandbox", _("Sandbox (built in)")
        DIDWW = "didww", _("DIDWW API v3")

    class ImportStatus(models.TextChoices):
        NEVER = "never", _("Never imported")
        OK = "ok", _("Imported")
        FAILED = "failed", _("Import failed")

    name = models.SlugField(_("name"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DIDWW)
    api_url = models.URLField(_("API base URL"), max_length=255, blank=True)
    api_key = EncryptedTextField(_("API key"), blank=True)
    callback_secret = EncryptedTextField(_("callback secret"), blank=True)
    # Empty: every country (or type) the carrier offers.
    countries = models.JSONField(_("countries served"), default=list, blank=True)
    number_types = models.JSONField(_("number types served"), default=list, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=10)
    markup_percent = models.DecimalField(_("markup (%)"), max_digits=7, decimal_places=2, default=Decimal("30"))
    rounding = models.DecimalField(
        _("round prices up to a multiple of (EUR)"), max_digits=6, decimal_places=2, default=Decimal("0.05")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    last_import_status = models.CharField(
        _("last import"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.NEVER, editable=False
    )
    last_import_at = models.DateTimeField(_("last import at"), null=True, blank=True, editable=False)
    last_import_error = models.CharField(_("last import error"), max_length=500, blank=True, editable=False)
    last_import_count = models.PositiveIntegerField(_("numbers imported"), default=0, editable=False)
    reconciled_at = models.DateTimeField(_("last reconciliation"), null=True, blank=True, editable=False)
    # The last reconciliation's differences still open: [{"kind", "number", "detail"}], newest run only.
    reconciliation = models.JSONField(_("reconciliation differences"), default=list, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name


# Compliance profiles, documents and port-in requests live in their own module.
# What /api/v3 keeps beyond orders and stock (reservations, how an order was placed).
from .didww.models import AddressVerification, DidReservation, EncryptedFile, OrderTerms, VaultKey  # noqa: E402, F401
from .regulatory.models import (  # noqa: E402, F401
    ComplianceDocument,
    ComplianceProfile,
    DocumentRequirement,
    DocumentType,
    EndUserType,
    PortRequest,
    PortStep,
    UpstreamSubmission,
    UpstreamSubmissionStep,
)

# Call records from the SIP edge.
from .voice.models import Call, EdgeImport, TestCall, TestCallSweep, TestCallSweepSettings  # noqa: E402, F401
