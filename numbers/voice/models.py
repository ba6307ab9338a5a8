"""Call records, imported from the SIP edge's accounting (``acc`` and ``missed_calls``, Kamailio's tables)."""

from __future__ import annotations

import math

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 4}


class Call(models.Model):
    """One call attempt to one of our numbers, as the edge saw it. Written only by ``calls_import``."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Answered")
        MISSED = "missed", _("Not answered")
        BUSY = "busy", _("Busy")
        REFUSED = "refused", _("Refused")

    class HangupSide(models.TextChoices):
        CALLER = "caller", _("Caller")
        CALLEE = "callee", _("Callee")

    uid = models.CharField(_("id"), max_length=16, unique=True, editable=False)
    sip_call_id = models.CharField(_("SIP Call-ID"), max_length=255, unique=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="calls")
    client = models.ForeignKey("accounts.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="calls")
    number = models.ForeignKey("numbers.Number", on_delete=models.PROTECT, related_name="calls")
    e164 = models.CharField(_("number"), max_length=20)
    trunk = models.ForeignKey(
        "numbers.SipTrunk", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    caller = models.CharField(_("caller"), max_length=64, blank=True)
    caller_ip = models.CharField(_("caller address"), max_length=64, blank=True)
    from_tag = models.CharField(max_length=128, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    sip_code = models.PositiveSmallIntegerField(_("SIP answer"), null=True, blank=True)
    sip_reason = models.CharField(_("SIP reason"), max_length=128, blank=True)
    hangup_side = models.CharField(_("hung up by"), max_length=8, choices=HangupSide.choices, blank=True)
    started_at = models.DateTimeField(_("start"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("end"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    charged = models.DecimalField(_("charged (EUR)"), null=True, blank=True, **MONEY)
    created_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-started_at", "-id"], name="call_account_started"),
            models.Index(fields=["account", "client", "-started_at", "-id"], name="call_account_client_started"),
            models.Index(fields=["number", "-started_at"], name="call_number_started"),
            models.Index(fields=["trunk", "-started_at"], name="call_trunk_started"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.e164}"

    @property
    def public_id(self) -> str:
        return f"call_{self.uid}"

    @property
    def duration_seconds(self) -> int:
        """Talk time in whole seconds (half a second and more counts as one)."""
        return (self.duration_ms + 500) // 1000

    @property
    def billable_minutes(self) -> int:
        """Started minutes of talk time: 61 s are two minutes; an unanswered call is none."""
        return math.ceil(self.duration_ms / 60000) if self.duration_ms else 0


class EdgeImport(models.Model):
    """How far the import has read each of the edge's accounting tables (the last row id taken)."""

    table = models.CharField(max_length=32, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("edge import position")

    def __str__(self) -> str:
        return f"{self.table} > {self.last_id}"


class TestCall(models.Model):
    """A call the portal places to one of its own numbers through the edge, as the carrier would, to see
    whether the number's route rings and answers. Written only by ``numbers/voice/testcalls.py``."""

    __test__ = False  # not a test case, whatever its name

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Calling")
        ANSWERED = "answered", _("Answered")
        NOT_ANSWERED = "not_answered", _("Not answered")
        FAILED = "failed", _("Could not call")

    class Alert(models.TextChoices):
        FAILED = "failed", _("Stopped ringing")
        RECOVERED = "recovered", _("Rings again")

    uid = models.CharField(_("id"), max_length=16, unique=True, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="test_calls")
    client = models.ForeignKey("accounts.Client", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    number = models.ForeignKey("numbers.Number", on_delete=models.CASCADE, related_name="test_calls")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    rang = models.BooleanField(_("rang"), default=False)
    sip_code = models.PositiveSmallIntegerField(_("SIP answer"), null=True, blank=True)
    sip_reason = models.CharField(_("SIP reason"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # A call of a daily sweep (``numbers/voice/sweeps.py``) waits, queued, until the sweep's pace lets it go:
    # ``dispatched_at`` says when its task was enqueued (a call asked for by hand is enqueued at once).
    sweep = models.ForeignKey(
        "numbers.TestCallSweep", on_delete=models.CASCADE, null=True, blank=True, related_name="calls"
    )
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    # What the sweep's comparison with the number's previous sweep found (set once: one alert a day).
    alert = models.CharField(_("alert"), max_length=10, choices=Alert.choices, blank=True)

    class Meta:
        verbose_name = _("test call")
        verbose_name_plural = _("test calls")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["number", "-created_at"], name="testcall_number_created"),
            models.Index(
                fields=["id"], condition=models.Q(dispatched_at__isnull=True, sweep__isnull=False),
                name="testcall_sweep_waiting",
            ),
        ]  # fmt: skip
        constraints = [
            # One call of each number per sweep, so one alert per number per day.
            models.UniqueConstraint(fields=["sweep", "number"], name="testcall_one_per_sweep"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"

    @property
    def public_id(self) -> str:
        return f"tcall_{self.uid}"

    @property
    def sip_call_id(self) -> str:
        """The Call-ID the test call carries, so that its call record is known as a test (never charged)."""
        return f"didfarm-test-{self.uid}@portal"

    @property
    def done(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)


class TestCallSweepSettings(models.Model):
    """A reseller's daily test-call sweep: off by default; when on, every active, routed number of the
    account is test-called once a day from ``hour`` (UTC)."""

    __test__ = False

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="test_call_sweep_settings"
    )
    enabled = models.BooleanField(_("test-call my numbers every day"), default=False)
    hour = models.PositiveSmallIntegerField(
        _("hour (UTC)"), default=6, validators=[MinValueValidator(0), MaxValueValidator(23)]
    )
    skipped_numbers = models.ManyToManyField(
        "numbers.Number", blank=True, related_name="+", verbose_name=_("numbers left out")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("daily test-call settings")
        verbose_name_plural = _("daily test-call settings")

    def __str__(self) -> str:
        return f"{self.account_id}: {'on' if self.enabled else 'off'} at {self.hour:02d}:00 UTC"


class TestCallSweep(models.Model):
    """One account's sweep of one day. Unique per account and day: however often and however many times
    at once the periodic job runs, a day has one sweep, and each number one call in it."""

    __test__ = False

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="test_call_sweeps")
    day = models.DateField(_("day"))
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("test-call sweep")
        verbose_name_plural = _("test-call sweeps")
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="testcallsweep_one_a_day")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}"
