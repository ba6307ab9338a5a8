"""Reads of call records, always scoped to who is asking: a reseller sees its own calls, a client admin
(or a client-scoped key) only its client's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.selectors import parse_id
from portal.errors import NotFound

from ..models import Number, SipTrunk
from .models import Call, TestCall, TestCallSweep, TestCallSweepSettings


@dataclass(frozen=True)
class CallFilters:
    number: Number | None = None
    trunk: SipTrunk | None = None
    client_id: int | None = None
    since: date | None = None  # first day, inclusive (UTC)
    until: date | None = None  # last day, inclusive (UTC)
    status: str = ""


def call_list(*, actor: Actor, filters: CallFilters | None = None) -> QuerySet[Call]:
    f = filters or CallFilters()
    qs = Call.objects.filter(account=actor.account)
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    if f.number is not None:
        qs = qs.filter(number=f.number)
    if f.trunk is not None:
        qs = qs.filter(trunk=f.trunk)
    if f.client_id is not None:
        qs = qs.filter(client_id=f.client_id)
    if f.since is not None:
        qs = qs.filter(started_at__gte=datetime.combine(f.since, time.min, tzinfo=timezone.get_fixed_timezone(0)))
    if f.until is not None:
        end = datetime.combine(f.until + timedelta(days=1), time.min, tzinfo=timezone.get_fixed_timezone(0))
        qs = qs.filter(started_at__lt=end)
    if f.status:
        qs = qs.filter(status=f.status)
    return qs.select_related("number", "trunk", "client").order_by("-id")


def call_get(*, actor: Actor, call_id: str | int) -> Call:
    """One of the actor's calls by ``call_…`` id or integer id."""
    text = str(call_id).strip()
    qs = call_list(actor=actor)
    if text.startswith("call_"):
        call = qs.filter(uid=text.removeprefix("call_")).first()
    else:
        pk = parse_id(text, "call")
        call = qs.filter(pk=pk).first() if pk else None
    if call is None:
        raise NotFound(_("Call not found."))
    return call


@dataclass(frozen=True)
class CallStats:
    calls: int
    answered: int
    minutes: Decimal
    charged: Decimal
    days: list[dict]  # {"day": date, "calls": int, "minutes": Decimal}

    @property
    def answer_rate(self) -> int | None:
        """Answered calls as a whole percentage of all calls (None without calls)."""
        return round(100 * self.answered / self.calls) if self.calls else None


def call_stats(calls: QuerySet[Call]) -> CallStats:
    """Totals and a per-day series (calls, talk minutes) of a filtered call list."""
    answered = Q(status=Call.Status.COMPLETED) | Q(status=Call.Status.IN_PROGRESS)
    totals = calls.order_by().aggregate(
        calls=Count("id"), answered=Count("id", filter=answered), ms=Sum("duration_ms"), charged=Sum("charged")
    )
    per_day = (
        calls.order_by()
        .annotate(day=TruncDate("started_at", tzinfo=timezone.get_fixed_timezone(0)))
        .values("day")
        .annotate(calls=Count("id"), ms=Sum("duration_ms"))
        .order_by("day")
    )
    days = [
        {
            "day": row["day"],
            "calls": row["calls"],
            "minutes": (Decimal(row["ms"] or 0) / 60000).quantize(Decimal("0.1")),
        }
        for row in per_day
    ]
    return CallStats(
        calls=totals["calls"] or 0,
        answered=totals["answered"] or 0,
        minutes=(Decimal(totals["ms"] or 0) / 60000).quantize(Decimal("0.1")),
        charged=totals["charged"] or Decimal("0"),
        days=days,
    )


def calls_on(*, actor: Actor, day: date) -> int:
    """How many calls reached the actor's numbers on ``day`` (UTC, as the call filters count days)."""
    return call_list(actor=actor, filters=CallFilters(since=day, until=day)).count()


# --- Daily test calls (``sweeps.py``) --------------------------------------------------------------

SWEEP_DONE = (TestCall.Status.ANSWERED, TestCall.Status.NOT_ANSWERED, TestCall.Status.FAILED)
SWEEP_CONCLUSIVE = (TestCall.Status.ANSWERED, TestCall.Status.NOT_ANSWERED)


def sweep_settings_get(*, account) -> TestCallSweepSettings:
    """The account's sweep settings (the defaults, unsaved, when it never changed them)."""
    found = TestCallSweepSettings.objects.filter(account=account).first()
    return found or TestCallSweepSettings(account=account)


@dataclass(frozen=True)
class SweepSummary:
    sweep: TestCallSweep
    tested: int
    ringing: int
    failing: int
    waiting: int
    alerts: int
    recoveries: int


def sweep_summary(*, actor: Actor) -> SweepSummary | None:
    """The actor's latest sweep in figures (a client login sees its own numbers' part), or None."""
    sweep = TestCallSweep.objects.filter(account=actor.account).first()
    if sweep is None:
        return None
    calls = TestCall.objects.filter(sweep=sweep)
    if actor.client is not None:
        calls = calls.filter(client=actor.client)
    counts = calls.aggregate(
        tested=Count("id", filter=Q(status__in=SWEEP_DONE)),
        ringing=Count("id", filter=Q(status__in=SWEEP_CONCLUSIVE, rang=True)),
        failing=Count("id", filter=Q(status__in=SWEEP_DONE, rang=False)),
        waiting=Count("id", filter=~Q(status__in=SWEEP_DONE)),
        alerts=Count("id", filter=Q(alert=TestCall.Alert.FAILED)),
        recoveries=Count("id", filter=Q(alert=TestCall.Alert.RECOVERED)),
    )
    if not counts["tested"] and not counts["waiting"]:
        return None  # nothing of the viewer's in it (a client's numbers may all be left out)
    return SweepSummary(sweep=sweep, **{k: v or 0 for k, v in counts.items()})


def number_skipped(number: Number) -> bool:
    """Whether the reseller left ``number`` out of its daily test calls."""
    return TestCallSweepSettings.skipped_numbers.through.objects.filter(
        testcallsweepsettings__account_id=number.account_id, number_id=number.pk
    ).exists()


def sweep_history(*, actor: Actor, number: Number, days: int = 7) -> list[TestCall]:
    """The number's last ``days`` sweep results, newest first (the number is one of the actor's)."""
    return list(
        TestCall.objects.filter(account=actor.account, number=number, sweep__isnull=False)
        .select_related("sweep")
        .order_by("-sweep__day")[:days]
    )
