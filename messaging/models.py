from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import MONEY

# Leading digits of an international number, without + (its country code first).
PREFIX_PATTERN = r"^[1-9][0-9]{0,14}$"
PREFIX_DIGITS = RegexValidator(PREFIX_PATTERN, _("Digits of an international number, without + (e.g. 4479)."))


class SmsRate(models.Model):
    """What one outbound segment to a destination costs, by the destination's leading digits (its
    international number without +), as carriers price them: the longest matching prefix wins. A row
    with a country applies to that country's numbers only (``1`` for the United States does not price
    Jamaica's ``1876``); at equal length it beats a row without one. A destination no row matches is
    refused. Staff edit these in admin."""

    prefix = models.CharField(_("prefix"), max_length=15, validators=[PREFIX_DIGITS])
    country = models.ForeignKey(
        "numbers.Country",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sms_rates",
        help_text=_("Only for numbers of this country (leave empty for any number starting with the prefix)."),
    )
    price_per_segment = models.DecimalField(_("price per segment (EUR)"), **MONEY)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("SMS rate")
        verbose_name_plural = _("SMS rates")
        ordering = ["prefix", "country_id"]
        constraints = [
            models.CheckConstraint(condition=Q(price_per_segment__gte=0), name="sms_rate_not_negative"),
            models.CheckConstraint(condition=Q(prefix__regex=PREFIX_PATTERN), name="sms_rate_prefix_digits"),
            models.UniqueConstraint(fields=["prefix", "country"], name="sms_rate_prefix_country_once"),
            models.UniqueConstraint(fields=["prefix"], condition=Q(country=None), name="sms_rate_prefix_once"),
        ]

    def __str__(self) -> str:
        return f"+{self.prefix}{f' ({self.country_id})' if self.country_id else ''} · {self.price_per_segment}"


class SmsBlockedPrefix(models.Model):
    """A destination range no message goes to unless staff allow it for an account: satellite and
    international networks, premium-rate and other special services, the ranges SMS-pumping fraud sends
    to (it is paid a share of what those messages cost). Seeded by a migration; staff edit it."""

    prefix = models.CharField(_("prefix"), max_length=15, unique=True, validators=[PREFIX_DIGITS])
    note = models.CharField(_("what it is"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("blocked SMS destination")
        verbose_name_plural = _("blocked SMS destinations")
        ordering = ["prefix"]
        constraints = [
            models.CheckConstraint(condition=Q(prefix__regex=PREFIX_PATTERN), name="sms_blocked_prefix_digits"),
        ]

    def __str__(self) -> str:
        return f"+{self.prefix}"


class SmsDestinationAllowance(models.Model):
    """Staff let one account send to a range that is otherwise refused (a blocked prefix, or a special
    service such as premium rate): every destination starting with ``prefix``. Added and removed through
    ``messaging.services`` only, each with an audit row."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="sms_allowances")
    prefix = models.CharField(_("prefix"), max_length=15, validators=[PREFIX_DIGITS])
    note = models.CharField(_("why"), max_length=200)
    created_by = models.CharField(_("by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("allowed SMS destination")
        verbose_name_plural = _("allowed SMS destinations")
        ordering = ["account_id", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["account", "prefix"], name="sms_allowance_once"),
            models.CheckConstraint(condition=Q(prefix__regex=PREFIX_PATTERN), name="sms_allowance_prefix_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} +{self.prefix}"


class Message(models.Model):
    """One SMS, sent from or received on an owned number. Outbound messages carry their charge; the
    ledger entry that paid for one names it (``reference_type="message"``)."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        RECEIVED = "received", _("Received")

    FINAL = (Status.DELIVERED, Status.FAILED, Status.RECEIVED)

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # (the account's and the number's own indexes would repeat the first column of the composite indexes
    # below: one index less to write per message)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="messages", db_index=False)
    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    number = models.ForeignKey("numbers.Number", on_delete=models.PROTECT, related_name="messages", db_index=False)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    from_e164 = models.CharField(_("from"), max_length=20)
    to_e164 = models.CharField(_("to"), max_length=20)
    # The other party (``to`` for outbound, ``from`` for inbound): what a conversation is keyed on.
    remote_e164 = models.CharField(_("contact"), max_length=20)
    body = models.TextField(_("text"))
    encoding = models.CharField(_("encoding"), max_length=8)
    segments = models.PositiveSmallIntegerField(_("segments"))
    price_per_segment = models.DecimalField(_("price per segment (EUR)"), default=0, **MONEY)
    amount = models.DecimalField(_("charge (EUR)"), default=0, **MONEY)
    # What the reseller bills its client for it (its price list at the time of sending); empty when the
    # message is the reseller's own.
    client_amount = models.DecimalField(_("client price (EUR)"), null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error_message = models.CharField(_("error"), max_length=255, blank=True)
    refunded = models.BooleanField(_("refunded"), default=False)
    carrier = models.CharField(_("carrier"), max_length=32, default="sandbox")
    carrier_ref = models.CharField(_("carrier message id"), max_length=64, blank=True)
    dispatch_attempts = models.PositiveSmallIntegerField(default=0)
    # Set while a message stays ``sending`` after a transient carrier error: no dispatcher holds it, and its
    # next try may claim it from then on (a retry is not a change of status, so it records no event). For a
    # ``sent`` message whose delivery report is late: when the carrier is next asked about it.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # An outbound copy of an inbound message, sent on to the number's SMS forwarding destination.
    forwarded_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="forwarded_as"
    )
    created_by = models.CharField(_("by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sending_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "carrier_ref"], condition=~Q(carrier_ref=""), name="message_carrier_ref_once"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"], name="message_account_created"),
            models.Index(fields=["account", "client", "-created_at", "-id"], name="message_account_client"),
            models.Index(fields=["number", "-created_at", "-id"], name="message_number_created"),
            models.Index(fields=["account", "remote_e164", "-created_at"], name="message_account_remote"),
            # Messages a lost task left behind, found by the sweeper.
            models.Index(
                fields=["status", "created_at"],
                name="message_unfinished",
                condition=Q(status__in=["queued", "sending"]),
            ),
            # Messages still waiting for their delivery report, looked up by the sweeper when it is late.
            models.Index(fields=["sent_at"], name="message_awaiting_report", condition=Q(status="sent")),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def public_id(self) -> str:
        return f"msg_{self.uid.hex}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class CarrierEvent(models.Model):
    """A callback from a carrier (an inbound message, a delivery report), stored raw before it is
    processed. The unique provider id makes a repeated callback a no-op."""

    class Kind(models.TextChoices):
        INBOUND = "inbound", _("Inbound message")
        STATUS = "status", _("Delivery report")

    carrier = models.CharField(max_length=32)
    provider_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("carrier callback")
        verbose_name_plural = _("carrier callbacks")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "kind", "provider_id"], name="carrier_event_once"),
        ]
        indexes = [
            models.Index(fields=["received_at"], name="carrier_event_unprocessed", condition=Q(processed_at=None)),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.kind} {self.provider_id}"


class SmsForward(models.Model):
    """An inbound message to pass on to its number's SMS forwarding destination, written in the transaction
    that stores the message (an outbox row). The task that forwards it may be lost or run out of retries:
    the row stays ``pending`` with ``next_attempt_at``, and the sweeper claims due rows with
    ``SELECT … FOR UPDATE SKIP LOCKED``, pushing ``next_attempt_at`` forward by a lease while it works, so a
    worker that dies mid-way only delays the forward. The copy itself is unique per inbound message
    (``Message.forwarded_from``), so a forward is sent and charged once however often it is tried."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        FORWARDED = "forwarded", _("Forwarded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    message = models.OneToOneField(Message, on_delete=models.CASCADE, primary_key=True, related_name="forward")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the next try is due (the lease's end while one is under way); empty once it has ended.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A forward still not sent by then has failed (the message stays in the inbox).
    retry_until = models.DateTimeField(_("retry until"))
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS forward")
        verbose_name_plural = _("SMS forwards")
        indexes = [
            models.Index(fields=["next_attempt_at"], name="sms_forward_due", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.status}"
