"""Webhook endpoints, the deliveries fanned out to them from the event outbox, and every attempt made.

Invariants:
- one delivery per (event, endpoint) — and per (event, endpoint, number) for a number's own URL — so a
  fan-out that runs twice creates nothing twice;
- a delivery waiting for its next attempt is a row with ``next_attempt_at``; the sweeper claims due rows
  with ``SELECT … FOR UPDATE SKIP LOCKED`` and pushes ``next_attempt_at`` forward by a lease while it
  sends, so a worker that dies mid-send only delays the delivery by the lease;
- ``claim`` names the sweep that holds a delivery: only that sweep records its outcome.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedTextField


class WebhookEndpoint(models.Model):
    """Where an account (or one of its clients) wants events POSTed, and the secret that signs them.

    ``kind = number_urls`` is the one row per account (and per client) that holds the signing secret for
    the webhook URLs set on individual numbers; it has no URL of its own."""

    class Kind(models.TextChoices):
        ENDPOINT = "endpoint", _("Endpoint")
        NUMBER_URLS = "number_urls", _("Numbers' own webhook URLs")

    uid = models.CharField(_("id"), max_length=16, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ENDPOINT)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="webhook_endpoints")
    client = models.ForeignKey(
        "accounts.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        help_text=_("Only this client's events; empty for every event of the account."),
    )
    url = models.URLField(_("URL"), max_length=500, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list, help_text=_('Event names, or ["*"] for all.'))
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=200, blank=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    # The HMAC keys: "whsec_" + base64 of 32 random bytes. They must be readable to sign, so they are
    # encrypted with ENCRYPTION_KEYS (portal/crypto.py), not hashed; they are shown to people once (at
    # creation and at each rotation), never listed.
    secret = EncryptedTextField(max_length=100, editable=False)
    previous_secret = EncryptedTextField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    secret_rotated_at = models.DateTimeField(_("secret rotated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["account", "enabled"], name="webhook_endpoint_account")]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(kind="number_urls", client__isnull=True),
                name="one_number_url_signer_per_account",
            ),
            models.UniqueConstraint(
                fields=["account", "client"],
                condition=Q(kind="number_urls", client__isnull=False),
                name="one_number_url_signer_per_client",
            ),
        ]

    def __str__(self) -> str:
        return self.url or str(self.get_kind_display())

    @property
    def public_id(self) -> str:
        return f"whk_{self.uid}"

    @property
    def is_number_urls(self) -> bool:
        return self.kind == self.Kind.NUMBER_URLS

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets that sign a request sent at ``now``: the current one, plus the previous one for 24
        hours after a rotation."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and now < self.previous_secret_expires_at:
            secrets.append(self.previous_secret)
        return secrets


class WebhookDelivery(models.Model):
    """One event for one destination, tried until it succeeds or its 24 hours are over."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("portal.Event", on_delete=models.CASCADE, related_name="webhook_deliveries")
    # Set when the destination is a number's own webhook URL (the endpoint is then its account's signer).
    number = models.ForeignKey(
        "numbers.Number", on_delete=models.CASCADE, null=True, blank=True, related_name="webhook_deliveries"
    )
    url = models.URLField(_("URL"), max_length=500)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Due time of the next attempt while pending; while a sweep sends, the end of its lease.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # No automatic attempt after this (24 hours after the first attempt was due).
    retry_until = models.DateTimeField(_("retries until"))
    claim = models.UUIDField(null=True, blank=True, editable=False)
    # The next attempt was asked for by a person (redeliver); logged as such.
    redelivery = models.BooleanField(_("redelivery requested"), default=False)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint"),
            models.Index(fields=["status", "-created_at"], name="webhook_delivery_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"], condition=Q(number__isnull=True), name="one_delivery_per_endpoint"
            ),
            models.UniqueConstraint(
                fields=["event", "endpoint", "number"],
                condition=Q(number__isnull=False),
                name="one_delivery_per_number_url",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.url}"

    @property
    def public_id(self) -> str:
        return f"dlv_{self.pk}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery and what came back."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("time"))
    url = models.URLField(_("URL"), max_length=500)
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    response_excerpt = models.TextField(_("response (first 1 KB)"), blank=True)
    request_headers = models.JSONField(_("headers sent"), default=dict)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    manual = models.BooleanField(_("redelivery"), default=False)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery_id", "number"]
        indexes = [models.Index(fields=["delivery", "number"], name="webhook_attempt_delivery")]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"
