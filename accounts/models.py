from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from portal.crypto import EncryptedTextField


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username):
        # Logins are email addresses, stored lower-case; accept them typed in any case. Compared exactly
        # after ``login_key``, never with the database's case-insensitive match: that would let spellings
        # the lockout counts apart ("ı" is upper-cased to "I" by PostgreSQL) reach the same person.
        return self.get(email=login_key(username))

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


def login_key(value: str) -> str:
    """The one spelling of a login (an email address) the portal stores, looks up, locks out and
    throttles by."""
    return value.strip().lower() if isinstance(value, str) else value


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address: reseller staff, client admins or DIDfarm staff."""

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(_("DIDfarm staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The portal's language for this person; blank follows the browser."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Account(models.Model):
    """A reseller: a company with a DIDfarm wallet that buys numbers for its end clients."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    class SuspensionReason(models.TextChoices):
        NON_PAYMENT = "non_payment", _("Non-payment")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    billing_email = models.EmailField(_("billing email"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # Why a suspended account is suspended, shown to its people; a suspension for non-payment is lifted by
    # billing as soon as the wallet covers what is due (billing/payments/suspension.py).
    suspension_reason = models.CharField(
        _("suspension reason"), max_length=16, choices=SuspensionReason.choices, blank=True
    )
    suspension_note = models.CharField(
        _("suspension note"), max_length=255, blank=True, help_text=_("Shown to the reseller while suspended.")
    )
    api_rate_limit = models.PositiveIntegerField(
        _("API requests a minute"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for the platform default."),
    )
    sms_rate_limit = models.PositiveIntegerField(
        _("SMS a second"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Outbound messages a second for the whole account. Leave empty for the platform default."),
    )
    api_key_limit = models.PositiveIntegerField(
        _("active API keys"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for the platform default."),
    )
    require_two_factor_team = models.BooleanField(_("team must use two-factor authentication"), default=False)
    require_two_factor_clients = models.BooleanField(
        _("client logins must use two-factor authentication"), default=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reseller account")
        verbose_name_plural = _("reseller accounts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def public_id(self) -> str:
        return f"acc_{self.pk}"

    @property
    def effective_api_rate_limit(self) -> int:
        return self.api_rate_limit or settings.API_RATE_LIMIT_DEFAULT

    @property
    def effective_api_key_limit(self) -> int:
        return self.api_key_limit or settings.API_KEYS_MAX_ACTIVE

    @property
    def effective_sms_rate_limit(self) -> int:
        return self.sms_rate_limit or settings.SMS_RATE_LIMIT_DEFAULT


class Client(models.Model):
    """An end client of a reseller account."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="clients")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("contact email"), blank=True)
    reference = models.CharField(
        _("your reference"), max_length=100, blank=True, help_text=_("Your own id for this client.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="client_name_unique_per_account"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def public_id(self) -> str:
        return f"cli_{self.pk}"


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MEMBER = "member", _("Member")
    CLIENT_ADMIN = "client_admin", _("Client admin")
    CLIENT_VIEWER = "client_viewer", _("Client viewer")


ACCOUNT_ROLES = {Role.OWNER, Role.ADMIN, Role.MEMBER}
CLIENT_ROLES = {Role.CLIENT_ADMIN, Role.CLIENT_VIEWER}


class Membership(models.Model):
    """Grants a user a role on a reseller account, or (client roles) on one client of it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, null=True, blank=True, related_name="members")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="one_membership_per_user_and_account"),
            models.CheckConstraint(
                name="client_roles_name_a_client",
                condition=(
                    Q(role__in=["client_admin", "client_viewer"], client__isnull=False)
                    | Q(role__in=["owner", "admin", "member"], client__isnull=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.client or self.account}"

    @property
    def is_pending(self) -> bool:
        """Invited, and the person has not chosen a password yet (the invitation link does that)."""
        return not self.user.has_usable_password()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.client_id and self.account_id and self.client.account_id != self.account_id:
            raise ValidationError({"client": _("This client belongs to another reseller account.")})


class ApiKey(models.Model):
    """An API key. Only its SHA-256 is stored; the key itself is shown once, at creation."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    client = models.ForeignKey(
        Client,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        help_text=_("When set, the key sees only this client's data."),
    )
    name = models.CharField(_("name"), max_length=100)
    read_only = models.BooleanField(_("read-only"), default=False)
    prefix = models.CharField(_("prefix"), max_length=24)
    last_four = models.CharField(_("last four"), max_length=4)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # Addresses and CIDR ranges (IPv4 and IPv6) requests with this key may come from; empty: anywhere.
    allowed_ips = models.JSONField(_("allowed addresses"), default=list, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="apikey_account_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked})"

    @property
    def public_id(self) -> str:
        return f"key_{self.pk}"

    @property
    def masked(self) -> str:
        return f"{self.prefix}…{self.last_four}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class AuditLog(models.Model):
    """Who changed what, from which value to which. Rows are only ever added."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, null=True, blank=True, related_name="audit")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(_("actor"), max_length=200)
    action = models.CharField(_("action"), max_length=64)
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject id"), max_length=64)
    subject_label = models.CharField(_("subject"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="audit_account_created"),
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.subject_type}:{self.subject_id}"


class LoginSession(models.Model):
    """One browser logged in as a user: recorded at login so the person can see where they are logged in
    and end any of those sessions (which deletes the session itself: that browser is logged out)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("logged in"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("login session")
        verbose_name_plural = _("login sessions")
        ordering = ["-last_seen_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.ip_address or '?'}"


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """A person's authenticator app (TOTP, RFC 6238): django-otp's ``TOTPDevice`` with the shared secret
    encrypted at rest (``ENCRYPTION_KEYS``), so a copy of the table or a backup gives nobody the codes.
    The one-time-password arithmetic, throttling and the ``otpauth://`` link are django-otp's own, taken
    unchanged from ``TOTPDevice``; the secret is hex, as there."""

    key = EncryptedTextField(default=default_key)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    # The time step of the last code accepted: a code is never accepted twice.
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    bin_key = TOTPDevice.bin_key
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """A person's one-time recovery codes, as a django-otp device: any unused code passes the second step
    once, for when the authenticator app is lost. Only each code's SHA-256 is kept (the codes carry 60 bits
    of randomness, so a slow hash would add nothing); they are shown once, when made."""

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token) -> bool:
        allowed, _data = self.verify_is_allowed()
        if not allowed:
            return False
        from .security.two_factor import recovery_code_digest

        used = self.codes.filter(code_hash=recovery_code_digest(str(token))).delete()[0]
        if used:
            self.throttle_reset()
        else:
            self.throttle_increment()
        return bool(used)


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "code_hash"], name="recovery_code_unique")]

    def __str__(self) -> str:
        return f"recovery code of {self.device.user}"


class Brand(models.Model):
    """How a reseller shows itself to its end clients: the name, logo, colours and support contacts on every
    page and email a client sees, and optionally the client portal on the reseller's own host name.

    A domain is served only once verified (``domain_verified_at``): the reseller publishes
    ``domain_token`` in DNS and staff approve it (``accounts/branding/services.py``); changing the domain
    clears the verification. Colours are checked for contrast with white text when saved."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="brand")
    display_name = models.CharField(_("display name"), max_length=80)
    # The logo as re-encoded by the portal (PNG), never the uploaded bytes: whatever rode along in the upload
    # (scripts in an SVG, trailing data) is gone. Kept in the database so every web process can serve it.
    logo = models.BinaryField(_("logo"), blank=True, default=b"")
    logo_digest = models.CharField(max_length=16, blank=True, editable=False)
    primary_color = models.CharField(_("primary colour"), max_length=7, default="#1f6feb")
    accent_color = models.CharField(_("accent colour"), max_length=7, default="#111827")
    support_email = models.EmailField(_("support email"), blank=True)
    support_phone = models.CharField(_("support phone"), max_length=20, blank=True)
    domain = models.CharField(_("client portal domain"), max_length=253, null=True, blank=True, unique=True)
    domain_token = models.CharField(_("verification token"), max_length=64, blank=True, editable=False)
    domain_verified_at = models.DateTimeField(_("domain verified"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.display_name

    @property
    def domain_verified(self) -> bool:
        return bool(self.domain and self.domain_verified_at)
