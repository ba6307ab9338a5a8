from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The key in an event's data holding what its client sees instead (see ``Event.view_data``).
CLIENT_VIEW = "_client_view"


class Event(models.Model):
    """The outbox: one row per business event, written inside the transaction that caused it.

    Webhook delivery reads these rows, so an event can never be lost to a crashed task or a broker hiccup.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # (indexed by ``event_account_created``, which leads with it)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="events", db_index=False)
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    type = models.CharField(_("event"), max_length=64)
    subject_type = models.CharField(_("subject type"), max_length=64, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    # Set once webhook deliveries exist for this event (or it needed none). Events left unset are
    # picked up by the fan-out sweeper, so a lost task delays deliveries but never loses them.
    fanned_out_at = models.DateTimeField(_("fanned out"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="event_account_created"),
            models.Index(fields=["account", "type", "-created_at"], name="event_account_type_created"),
            models.Index(fields=["id"], condition=models.Q(fanned_out_at__isnull=True), name="event_not_fanned_out"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"

    @property
    def public_id(self) -> str:
        return f"evt_{self.uid.hex}"

    def view_data(self, *, client_view: bool = False) -> dict:
        """The event's data as its audience may see it. An event about a client's charge keeps, under
        ``CLIENT_VIEW``, the values its client sees instead (its own prices): the client's endpoints and
        keys get those; the reseller gets the data without that key."""
        data = dict(self.data)
        overrides = data.pop(CLIENT_VIEW, None)
        if client_view and overrides:
            data.update(overrides)
        return data

    def as_payload(self, *, client_view: bool = False) -> dict:
        return {
            "id": self.public_id,
            "event": self.type,
            "timestamp": self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "data": self.view_data(client_view=client_view),
        }


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed for retries."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="idempotency_key_unique_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class RateBucket(models.Model):
    """A rate-limit bucket (one per API key, per user…) for deployments without Redis (the embedded
    run). Its row is locked while a request is counted, so counting is exact across processes."""

    bucket = models.CharField(max_length=200, unique=True)

    class Meta:
        verbose_name = _("rate-limit bucket")
        verbose_name_plural = _("rate-limit buckets")

    def __str__(self) -> str:
        return self.bucket


class RateHit(models.Model):
    """One allowed request in a bucket's sliding window."""

    bucket = models.ForeignKey(RateBucket, on_delete=models.CASCADE, related_name="hits")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("rate-limit hit")
        verbose_name_plural = _("rate-limit hits")
        indexes = [models.Index(fields=["bucket", "at"], name="ratehit_bucket_at")]

    def __str__(self) -> str:
        return f"{self.bucket_id} @ {self.at:%H:%M:%S}"


class Heartbeat(models.Model):
    """When a background process last showed it is alive: ``worker`` (it ran the heartbeat task) and
    ``beat`` (it sent a periodic task). ``/readyz`` reports how long ago (portal/health.py)."""

    name = models.CharField(max_length=20, primary_key=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"


# Webhook models live beside their code; importing them here registers them with the app.
from portal.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402

__all__ = [
    "Event",
    "IdempotencyRecord",
    "RateBucket",
    "RateHit",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
