"""Reads for SMS, always scoped to who is asking: a reseller sees its account's messages, a client admin
(or a client-bound key) only its client's."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.selectors import parse_id
from numbers_app.models import Number
from numbers_app.validation import normalize_e164
from portal.db.rows import Lookup
from portal.errors import NotFound

from .models import Message


@dataclass(frozen=True)
class MessageFilters:
    number: Number | None = None
    direction: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""
    contact: str = ""
    client_id: int | None = None


def _scoped(actor: Actor) -> QuerySet[Message]:
    qs = Message.objects.filter(account=actor.account)
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    return qs


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def message_list(*, actor: Actor, filters: MessageFilters | None = None) -> QuerySet[Message]:
    """Messages newest first, narrowed by ``filters`` (dates are whole days in the portal's time zone)."""
    f = filters or MessageFilters()
    qs = _scoped(actor)
    if f.number is not None:
        qs = qs.filter(number=f.number)
    if f.direction:
        qs = qs.filter(direction=f.direction)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.date_from:
        qs = qs.filter(created_at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(created_at__lt=_day_start(f.date_to + timedelta(days=1)))
    if f.text:
        qs = qs.filter(Q(body__icontains=f.text) | Q(remote_e164__contains=f.text))
    if f.contact:
        qs = qs.filter(remote_e164=f.contact)
    if f.client_id is not None:
        qs = qs.filter(client_id=f.client_id)
    return qs.select_related("number", "client").order_by("-created_at", "-id")


def message_get(*, actor: Actor, message_id: str | int) -> Message:
    """One message by integer id or ``msg_…`` id."""
    text = str(message_id).strip()
    qs = _scoped(actor).select_related("number", "client")
    message = None
    if text.startswith("msg_"):
        try:
            message = qs.filter(uid=uuid.UUID(hex=text[4:])).first()
        except ValueError:
            message = None
    elif text.isascii() and text.isdigit() and len(text) < 19:
        message = qs.filter(pk=int(text)).first()
    if message is None:
        raise NotFound(_("Message not found."))
    return message


_PLAIN_E164 = re.compile(r"^\+[1-9]\d{5,14}$")

# What a send reads of its number, the number's group and client; any other field still loads when read,
# at the price of a query. Every API send looks its number up, and compiling the ORM query for it cost
# more than the send's SQL statements together, so the statement is written once (``portal.db.rows``).
_senders = Lookup(
    Number,
    fields={"account_id", "client_id", "group_id", "e164", "country_id", "type", "status", "sms_enabled"},
    related={"group": {"carrier", "has_sms", "sms_addon_price"}, "client": {"account_id", "name"}},
)


def sender_get(*, actor: Actor, reference: str) -> Number:
    """A number to send from, by id, ``num_…`` id or E.164 (spaces allowed): one of the actor's numbers
    that is not released. The same answer as ``numbers.selectors.number_get``, with its group and client
    (the fields ``_senders`` reads), and no parsing when the number is already written in E.164."""
    text = str(reference).strip()
    if text.startswith("+"):
        by = "e164"
        if not _PLAIN_E164.match(text):
            try:
                text = normalize_e164(text)
            except ValueError:
                raise NotFound(_("Number not found.")) from None
        value = text
    else:
        by, value = "id", parse_id(text, "num")
        if value is None:
            raise NotFound(_("Number not found."))
    conditions = {"account": actor.account.pk, "status__ne": Number.Status.RELEASED}
    if actor.client is not None:
        conditions["client"] = actor.client.pk
    number = _senders.first(**conditions, **{"e164" if by == "e164" else "id": value})
    if number is None:
        raise NotFound(_("Number not found."))
    return number


def sms_numbers(*, actor: Actor) -> QuerySet[Number]:
    """The actor's numbers with SMS on, that can send now or later (not released or failed)."""
    qs = Number.objects.filter(account=actor.account, sms_enabled=True).exclude(
        status__in=[Number.Status.RELEASED, Number.Status.FAILED]
    )
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    return qs.select_related("client", "group").order_by("e164")


def thread_list(*, actor: Actor, number: Number | None = None) -> QuerySet:
    """Conversations: one row per (our number, other party), the latest first, with the last message."""
    base = _scoped(actor)
    if number is not None:
        base = base.filter(number=number)
    last = base.filter(number_id=OuterRef("number_id"), remote_e164=OuterRef("remote_e164")).order_by(
        "-created_at", "-id"
    )
    return (
        base.values("number_id", "remote_e164")
        .annotate(
            messages=Count("id"),
            last_at=Max("created_at"),
            last_body=Subquery(last.values("body")[:1]),
            last_direction=Subquery(last.values("direction")[:1]),
            last_status=Subquery(last.values("status")[:1]),
            number_e164=Max("number__e164"),
        )
        .order_by("-last_at", "remote_e164")
    )


def thread_messages(*, actor: Actor, number: Number, contact: str) -> QuerySet[Message]:
    return _scoped(actor).filter(number=number, remote_e164=contact).order_by("created_at", "id")


@dataclass(frozen=True)
class DayStats:
    day: date
    outbound: int
    inbound: int
    delivered: int
    failed: int

    @property
    def delivery_rate(self) -> Decimal | None:
        done = self.delivered + self.failed
        return (Decimal(self.delivered * 100) / done).quantize(Decimal("0.1")) if done else None


@dataclass(frozen=True)
class SmsStats:
    today_outbound: int
    today_inbound: int
    month_outbound: int
    month_inbound: int
    month_segments: int
    delivered_30d: int
    failed_30d: int
    pending_30d: int
    days: list[DayStats]

    @property
    def delivery_rate_30d(self) -> Decimal | None:
        """Delivered ÷ messages whose fate is known (delivered or failed), in percent."""
        done = self.delivered_30d + self.failed_30d
        return (Decimal(self.delivered_30d * 100) / done).quantize(Decimal("0.1")) if done else None


def sms_day(*, actor: Actor, day: date) -> DayStats:
    """The actor's messages of one day (in the portal's time zone), counted in one query."""
    counts = (
        message_list(actor=actor, filters=MessageFilters(date_from=day, date_to=day))
        .order_by()
        .aggregate(
            outbound=Count("id", filter=Q(direction=Message.Direction.OUTBOUND)),
            inbound=Count("id", filter=Q(direction=Message.Direction.INBOUND)),
            delivered=Count("id", filter=Q(status=Message.Status.DELIVERED)),
            failed=Count("id", filter=Q(status=Message.Status.FAILED)),
        )
    )
    return DayStats(day=day, **counts)


def sms_stats(*, actor: Actor, days: int = 30) -> SmsStats:
    """Counts for today, this month and the last ``days`` days (by day), in two queries."""
    today = timezone.localdate()
    month_start = today.replace(day=1)
    since = min(today - timedelta(days=days - 1), month_start)
    rows = (
        _scoped(actor)
        .filter(created_at__gte=_day_start(since))
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            outbound=Count("id", filter=Q(direction=Message.Direction.OUTBOUND)),
            inbound=Count("id", filter=Q(direction=Message.Direction.INBOUND)),
            delivered=Count("id", filter=Q(status=Message.Status.DELIVERED)),
            failed=Count("id", filter=Q(status=Message.Status.FAILED)),
            segments=Sum("segments", filter=Q(direction=Message.Direction.OUTBOUND)),
            pending=Count(
                "id",
                filter=Q(status__in=[Message.Status.QUEUED, Message.Status.SENDING, Message.Status.SENT]),
            ),
        )
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    window = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    series = []
    for day in window:
        row = by_day.get(day, {})
        series.append(
            DayStats(
                day=day,
                outbound=row.get("outbound", 0),
                inbound=row.get("inbound", 0),
                delivered=row.get("delivered", 0),
                failed=row.get("failed", 0),
            )
        )
    month_rows = [row for day, row in by_day.items() if day >= month_start]
    window_rows = [row for day, row in by_day.items() if day >= window[0]]
    today_row = by_day.get(today, {})
    return SmsStats(
        today_outbound=today_row.get("outbound", 0),
        today_inbound=today_row.get("inbound", 0),
        month_outbound=sum(r["outbound"] for r in month_rows),
        month_inbound=sum(r["inbound"] for r in month_rows),
        month_segments=sum(r["segments"] or 0 for r in month_rows),
        delivered_30d=sum(r["delivered"] for r in window_rows),
        failed_30d=sum(r["failed"] for r in window_rows),
        pending_30d=sum(r["pending"] for r in window_rows),
        days=series,
    )
