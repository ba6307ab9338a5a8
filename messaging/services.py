"""SMS: enabling it on numbers, sending (charged per segment), delivery status, inbound messages.

Money moves only through ``billing``; every charge is written in the transaction that writes the message
it pays for, with the wallet row locked first. Carriers are called from tasks, after commit, never inside
a transaction. Every status change records a ``message.status`` event in the same transaction.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.actor import Actor, system_actor
from accounts.models import Client
from accounts.services import audit_record
from billing import ledger
from billing import services as billing
from billing.money import quantize, to_cents_str, to_exact_str
from billing.pricing import Item, PriceBook
from numbers_app.carriers import CarrierError, SmsStatus, get_carrier
from numbers_app.carriers.sandbox import SandboxCarrier
from numbers_app.models import Number
from numbers_app.validation import normalize_e164, parse_e164
from portal import events, ratelimit
from portal.db import bulk
from portal.errors import (
    ApplicationError,
    DestinationNotAllowed,
    InsufficientBalance,
    NoRateForDestination,
    NotFound,
    NumberNotActive,
    PermissionDenied,
    RateLimited,
    SmsNotAvailable,
    SmsNotEnabled,
    ValidationFailed,
)
from portal.l10n import for_records
from portal.models import CLIENT_VIEW

from .models import (
    PREFIX_PATTERN,
    CarrierEvent,
    Message,
    SmsBlockedPrefix,
    SmsDestinationAllowance,
    SmsForward,
    SmsRate,
)
from .segments import MAX_BODY_CHARS, segment

logger = logging.getLogger("didfarm.messaging")

# A dispatch that has not finished after this long died with its worker; the sweeper hands it on.
DISPATCH_CLAIM_TIMEOUT = timedelta(seconds=60)
# Transient carrier errors are retried this many times, then the message fails (and is refunded).
MAX_DISPATCH_ATTEMPTS = 6
# Messages one dispatcher claims and hands over at once.
DISPATCH_BATCH = 50
# An inbound message not forwarded within this long (the wallet stayed empty, the number suspended …)
# is not forwarded at all: it stays in the inbox.
FORWARD_RETRY_WINDOW = timedelta(hours=24)
# How long a claimed forward is held before another worker may try it (its worker died).
FORWARD_LEASE = timedelta(minutes=2)
# Forwards one sweep claims at once.
FORWARD_BATCH = 100
# Messages without a delivery report one sweep looks up at once.
STATUS_QUERY_BATCH = 100


# --- Prices --------------------------------------------------------------------------------------


def addon_monthly_price(group) -> Decimal:
    """The SMS add-on's monthly price for numbers of ``group``: the group's own, or the default."""
    return quantize(group.sms_addon_price or Decimal(settings.SMS_ADDON_PRICE_DEFAULT))


# Special services a message is refused to by the number's type (phonenumbers' classification of the
# destination): revenue-share and non-personal ranges, what SMS pumping sends to. Ordinary mobile and
# fixed lines, VoIP numbers (many handsets and apps text from them) and toll-free numbers (texted in
# North America) pass; blocked prefixes (``SmsBlockedPrefix``) catch the satellite and international
# ranges phonenumbers counts as mobile. Staff can allow a range for one account.
REFUSED_TYPES = {
    phonenumbers.PhoneNumberType.PREMIUM_RATE: gettext_lazy("a premium-rate number"),
    phonenumbers.PhoneNumberType.SHARED_COST: gettext_lazy("a shared-cost number"),
    phonenumbers.PhoneNumberType.UAN: gettext_lazy("a company access number"),
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: gettext_lazy("a personal (forwarding) number"),
    phonenumbers.PhoneNumberType.PAGER: gettext_lazy("a pager"),
    phonenumbers.PhoneNumberType.VOICEMAIL: gettext_lazy("a voicemail access number"),
}

# Rates and blocked prefixes, held in each process for a few seconds: a send reads them on every message,
# and staff changes reach every process within SMS_RATES_CACHE_SECONDS.
_rules: dict = {"at": None, "rates": {}, "blocked": ()}


def _destination_rules() -> dict:
    now = time.monotonic()
    # A clock that went backwards (a test's travel in time) counts as expired too.
    if _rules["at"] is None or not 0 <= now - _rules["at"] < settings.SMS_RATES_CACHE_SECONDS:
        rates: dict[str, dict[str, Decimal]] = {}
        for prefix, country, price in SmsRate.objects.values_list("prefix", "country_id", "price_per_segment"):
            rates.setdefault(prefix, {})[country or ""] = price
        _rules["rates"] = rates
        _rules["blocked"] = tuple(SmsBlockedPrefix.objects.values_list("prefix", flat=True))
        _rules["at"] = now
    return _rules


def rates_changed() -> None:
    """Forget this process's copy of the rates and blocked prefixes (staff just edited one)."""
    _rules["at"] = None


def rate_for(digits: str, country: str | None) -> Decimal | None:
    """The price of one segment to the international number ``digits`` (no +) in ``country``: the rate
    of the longest matching prefix (a row limited to another country does not match; at equal length a
    row for the destination's country beats one for any), or None when no rate matches."""
    rates = _destination_rules()["rates"]
    for end in range(len(digits), 0, -1):
        row = rates.get(digits[:end])
        if row:
            price = row.get(country or "-", row.get(""))
            if price is not None:
                return quantize(price)
    return None


def _refusal(account, parsed: phonenumbers.PhoneNumber, digits: str) -> str | None:
    """Why ``account`` may not text this destination, or None. A refused range may be allowed for the
    account by staff (``SmsDestinationAllowance``)."""
    kind: str | Promise | None = REFUSED_TYPES.get(phonenumbers.number_type(parsed))
    if kind is None and digits.startswith(_destination_rules()["blocked"]):
        kind = _("in a satellite, international-network or special-service range")
    if kind is None:
        return None
    prefixes = [digits[:end] for end in range(1, len(digits) + 1)]
    if SmsDestinationAllowance.objects.filter(account_id=account.pk, prefix__in=prefixes).exists():
        return None
    return str(kind)


@dataclass(frozen=True)
class Destination:
    e164: str
    country: str | None
    price_per_segment: Decimal


def destination_check(*, account, to, field: str = "to", for_client: bool = False) -> Destination:
    """Where a message of ``account`` to ``to`` goes and what one segment costs: a valid number, not a
    refused range (unless allowed for the account) and with a rate. Raises ``ValidationFailed``,
    ``DestinationNotAllowed`` or ``NoRateForDestination`` (422, naming ``field``)."""
    try:
        parsed = parse_e164(str(to or ""), field=field)
    except ValueError as exc:
        raise ValidationFailed(fields={field: [str(exc)]}) from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    country = phonenumbers.region_code_for_number(parsed)
    refusal = _refusal(account, parsed, e164[1:])
    if refusal is not None:
        if for_client:  # the reseller's client asks the reseller, under its brand
            from accounts.branding.selectors import look_of, support_label

            message = _(
                "Messages to %(number)s are refused: it is %(kind)s. If you need to reach it, ask %(support)s to "
                "allow the range."
            ) % {"number": e164, "kind": refusal, "support": support_label(look_of(account))}
        else:
            message = _(
                "Messages to %(number)s are refused: it is %(kind)s. If you need to reach it, ask DIDfarm support "
                "to allow the range for your account."
            ) % {"number": e164, "kind": refusal}
        raise DestinationNotAllowed(message, fields={field: [message]})
    price = rate_for(e164[1:], country)
    if price is None:
        message = _("There is no SMS rate for %(number)s, so messages cannot be sent to it.") % {"number": e164}
        raise NoRateForDestination(message, fields={field: [message]})
    return Destination(e164=e164, country=country, price_per_segment=price)


def sms_allowance_add(*, actor: Actor, account, prefix: str, note: str) -> SmsDestinationAllowance:
    """Staff let ``account`` send to every destination starting with ``prefix`` (digits, without +) that
    would otherwise be refused; ``note`` says why. Audited. Adding a range already allowed changes
    nothing and returns the existing row."""
    prefix = str(prefix or "").strip().lstrip("+").replace(" ", "")
    note = str(note or "").strip()
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(PREFIX_PATTERN, prefix):
        errors["prefix"] = [_("Digits of an international number, without + (e.g. 4479).")]
    if not note:
        errors["note"] = [_("Say why the account may send there.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        allowance, created = SmsDestinationAllowance.objects.get_or_create(
            account=account, prefix=prefix, defaults={"note": note[:200], "created_by": actor.label}
        )
        if created:
            audit_record(
                actor=actor,
                account=account,
                action="sms.destination_allowed",
                subject=allowance,
                after={"prefix": prefix, "note": allowance.note},
            )
    return allowance


def sms_allowance_remove(*, actor: Actor, allowance: SmsDestinationAllowance) -> None:
    """Staff withdraw an allowed range: the account's messages to it are refused again. Audited."""
    with transaction.atomic():
        deleted, _rows = SmsDestinationAllowance.objects.filter(pk=allowance.pk).delete()
        if deleted:
            audit_record(
                actor=actor,
                account=allowance.account,
                action="sms.destination_disallowed",
                subject=allowance,
                before={"prefix": allowance.prefix, "note": allowance.note},
            )


# --- Enabling SMS on a number --------------------------------------------------------------------


def sms_check_offered(number: Number) -> None:
    """Raise ``SmsNotAvailable`` unless the number's country and type offer SMS."""
    if not number.group.has_sms:
        raise SmsNotAvailable(_("SMS not available for this number type"))


def sms_addon_quote(number: Number, *, today=None) -> dict[str, Any]:
    """What enabling SMS on ``number`` costs: the monthly add-on and what is charged now (the rest of the
    current period; nothing if this period's add-on was already paid)."""
    from billing.models import LedgerEntry

    today = today or timezone.localdate()
    monthly = addon_monthly_price(number.group)
    due = billing.sms_addon_due_now(
        monthly_price=monthly,
        billing_cycle=number.billing_cycle,
        paid_through=number.paid_through,
        today=today,
        billing_day=number.billing_day or timezone.localdate(number.created_at).day,
    )
    paid = LedgerEntry.objects.filter(
        account=number.account,
        kind=LedgerEntry.Kind.SMS_ADDON,
        dedupe_key=billing.sms_addon_key(number, period_end=number.paid_through),
    ).exists()
    return {"monthly": monthly, "due_now": Decimal("0") if paid else due, "until": number.paid_through}


def sms_toggle(*, actor: Actor, wallet, number: Number, enable: bool) -> bool:
    """Switch the SMS add-on on or off for a locked ``number``, inside the caller's transaction, with the
    account's wallet (``wallet``) already locked. Returns whether anything changed. The caller saves the
    number (and keeps "sms" in its capabilities in step).

    Enabling needs an active number whose group offers SMS, and charges the add-on for the rest of the
    current period (once per period). Disabling stops the add-on from the next renewal; nothing of the
    period is refunded."""
    if enable == number.sms_enabled:
        return False
    if enable:
        sms_check_offered(number)
        if number.status != Number.Status.ACTIVE:
            raise NumberNotActive(_("Number must be active to enable SMS"))
        quote = sms_addon_quote(number)
        number.sms_monthly_price = quote["monthly"]  # before the charge: the client's price derives from it
        billing.charge_sms_addon(wallet=wallet, number=number, amount=quote["due_now"], created_by=actor.label)
        number.sms_enabled = True
    else:
        number.sms_enabled = False
        number.sms_monthly_price = Decimal("0")
    return True


# --- Sending -------------------------------------------------------------------------------------


def validate_body(body, *, field: str = "body") -> str:
    """The text as it will be sent. Line breaks become a single LF, as handsets write them (forms post
    CRLF, which would count, and cost, one character more per line)."""
    if not isinstance(body, str) or not body.strip():
        raise ValidationFailed(fields={field: [_("Write the message text.")]})
    body = body.replace("\r\n", "\n")
    length = len(body)
    if length > MAX_BODY_CHARS:
        raise ValidationFailed(
            fields={
                field: [
                    _("At most %(max)s characters; this message has %(n)s.")
                    % {"max": f"{MAX_BODY_CHARS:,}", "n": f"{length:,}"}
                ]
            }
        )
    return body


def validate_destination(value, *, field: str = "to") -> str:
    """A valid number in E.164 (whether a message may go to it is ``destination_check``'s to say)."""
    try:
        return normalize_e164(str(value or ""), field=field)
    except ValueError as exc:
        raise ValidationFailed(fields={field: [str(exc)]}) from None


def sender_for(*, actor: Actor, number: Number | None = None, from_e164: str | None = None, field: str) -> Number:
    """The number a message is sent from: one of the actor's numbers (404s are turned into a field error
    naming the field the caller used)."""
    from .selectors import sender_get

    try:
        if number is None:
            number = sender_get(actor=actor, reference=str(from_e164 or "").strip() or "-")
    except NotFound:
        raise ValidationFailed(fields={field: [_("This is not one of your numbers.")]}) from None
    return number


def _check_sender(number: Number) -> None:
    if number.status != Number.Status.ACTIVE:
        raise NumberNotActive(
            _("Number must be active to send SMS; %(number)s is %(state)s.")
            % {"number": number.e164, "state": number.get_status_display().lower()}
        )
    if not number.sms_enabled:
        if not number.group.has_sms:
            raise SmsNotAvailable(_("SMS not available for this number type"))
        raise SmsNotEnabled(
            _("SMS is not enabled on %(number)s. Enable it on the number (EUR %(price)s a month) and send again.")
            % {"number": number.e164, "price": to_cents_str(addon_monthly_price(number.group))}
        )


def _client_for(actor: Actor, number: Number, client: Client | None) -> Client | None:
    """Whom a message is attributed to: the number's client; else the one named (reseller only)."""
    if actor.is_client_scoped:
        return actor.client
    if number.client is not None:
        if client is not None and client.pk != number.client_id:
            raise ValidationFailed(
                fields={"client_id": [_("This number belongs to %(name)s.") % {"name": number.client.name}]}
            )
        return number.client
    if client is not None and client.account_id != actor.account.pk:
        raise NotFound(_("Client not found."))
    return client


def sms_rate_check(account) -> None:
    """Count one message against the account's per-second limit; ``RateLimited`` (429) when over it."""
    decision = ratelimit.hit(f"sms:account:{account.pk}", limit=account.effective_sms_rate_limit, window_ms=1000)
    if not decision.allowed:
        raise RateLimited(
            _("At most %(n)d messages a second for this account; retry in a moment.") % {"n": decision.limit},
            retry_after=decision.retry_after,
        )


@dataclass(frozen=True)
class SmsQuote:
    """What a message costs, as ``sms_send`` charges it: the account's wallet pays ``amount``
    (``segments`` × ``price_per_segment``); ``client_amount`` is what its client is billed, if any."""

    number: Number
    to: str
    country: str | None
    body: str
    encoding: str
    segments: int
    price_per_segment: Decimal
    amount: Decimal
    client: Client | None
    client_amount: Decimal | None


def sms_quote(*, actor: Actor, number: Number, to: str, body: str, client: Client | None = None) -> SmsQuote:
    """Price ``body`` from ``number`` to ``to`` exactly as ``sms_send`` would charge it, checking
    everything it checks but the per-second limit and the balance: the same errors
    (``ValidationFailed``, ``DestinationNotAllowed``, ``NoRateForDestination``, ``NumberNotActive``,
    ``SmsNotEnabled``, ``SmsNotAvailable``, ``NotFound``). Writes nothing."""
    if actor.client is not None and number.client_id != actor.client.pk:  # (a client-scoped actor)
        raise NotFound(_("Number not found."))
    body = validate_body(body)
    destination = destination_check(account=actor.account, to=to, for_client=actor.is_client_scoped)
    _check_sender(number)
    client = _client_for(actor, number, client)
    split = segment(body)
    price = destination.price_per_segment
    amount = quantize(price * split.segments)
    client_amount = None
    if client is not None and amount > 0:
        per_segment = PriceBook.of(actor.account.pk).price(
            item=Item.SMS_SEGMENT,
            wholesale=price,
            client_id=client.pk,
            country=number.country_id,
            number_type=number.type,
        )
        client_amount = quantize(per_segment * split.segments)
    return SmsQuote(
        number=number,
        to=destination.e164,
        country=destination.country,
        body=body,
        encoding=split.encoding,
        segments=split.segments,
        price_per_segment=price,
        amount=amount,
        client=client,
        client_amount=client_amount,
    )


def sms_send(
    *,
    actor: Actor,
    number: Number,
    to: str,
    body: str,
    client: Client | None = None,
    forwarded_from: Message | None = None,
) -> Message:
    """Send ``body`` from ``number`` to ``to``.

    Checks and prices everything first (``sms_quote``: the text, the destination and its rate, the
    sender's state, the attribution), then counts the message against the account's per-second limit,
    then in one transaction writes the message (``queued``) and its ``message.status`` event, then
    debits the quote's amount (the wallet row locked from there to the commit); the carrier is called by
    a task after commit. Raises what ``sms_quote`` raises, ``RateLimited`` or ``InsufficientBalance``,
    having written nothing."""
    actor.require_write()
    quote = sms_quote(actor=actor, number=number, to=to, body=body, client=client)
    sms_rate_check(actor.account)
    message = Message(
        account=actor.account,
        client=quote.client,
        number=number,
        direction=Message.Direction.OUTBOUND,
        from_e164=number.e164,
        to_e164=quote.to,
        remote_e164=quote.to,
        body=quote.body,
        encoding=quote.encoding,
        segments=quote.segments,
        price_per_segment=quote.price_per_segment,
        amount=quote.amount,
        client_amount=quote.client_amount,
        status=Message.Status.QUEUED,
        carrier=number.group.carrier,
        created_by=actor.label,
        forwarded_from=forwarded_from,
    )
    with transaction.atomic():
        bulk.insert_one(message)
        _record_status(message)
        if quote.amount > 0:
            # Last, so the wallet row is locked only for the debit and the commit (this transaction locks
            # nothing else, so taking it last cannot deadlock).
            try:
                billing.charge_sms(message=message, created_by=actor.label)
            except InsufficientBalance:
                raise InsufficientBalance(
                    _("Insufficient wallet balance: this message costs EUR %(amount)s (%(n)d × %(price)s). Top up.")
                    % {
                        "amount": to_exact_str(quote.amount),
                        "n": quote.segments,
                        "price": to_exact_str(quote.price_per_segment),
                    },
                    required=to_exact_str(quote.amount),
                ) from None
        message_id = message.pk
        transaction.on_commit(lambda: enqueue_dispatch(message_id))
    return message


DISPATCH_NUDGE_KEY = "didfarm:sms:dispatch-nudge"


def enqueue_dispatch(message_id: int, *, force: bool = False) -> None:
    """Have a dispatcher take ``message_id`` (and whatever else is queued). With Redis, one task serves
    every message queued while it is on its way (``DISPATCH_NUDGE_KEY``): a burst of sends becomes a few
    batches, not a task per message. Without Redis (the embedded run), a task per message."""
    from .tasks import message_dispatch_task

    try:
        if settings.REDIS_URL and not force:
            from portal.ratelimit import redis_client

            if not redis_client().set(DISPATCH_NUDGE_KEY, message_id, nx=True, px=2000):
                return  # a dispatcher is on its way and will find this message queued
        message_dispatch_task.delay(message_id)
    except Exception:  # noqa: BLE001 - the message is saved and paid for; the sweeper hands it on
        logger.warning("Could not enqueue the dispatch of message %s; the sweeper will send it", message_id)


def dispatch_nudge_taken() -> None:
    """A dispatcher is about to look for queued messages: the next one queued sends a new nudge."""
    if settings.REDIS_URL:
        from portal.ratelimit import redis_client

        redis_client().delete(DISPATCH_NUDGE_KEY)


def message_payload(message: Message) -> dict[str, Any]:
    """What events and webhooks say about a message."""
    data: dict[str, Any] = {
        "id": message.public_id,
        "message_id": message.pk,
        "direction": message.direction,
        "from": message.from_e164,
        "to": message.to_e164,
        "status": message.status,
        "segments": message.segments,
        "encoding": message.encoding,
        "number_id": f"num_{message.number_id}",
        "client_id": message.client_id,
    }
    if message.direction == Message.Direction.OUTBOUND:
        data.update(
            {
                "price": to_exact_str(message.amount),
                "currency": message.currency,
                **(
                    {CLIENT_VIEW: {"price": to_exact_str(message.client_amount)}}
                    if message.client_amount is not None
                    else {}
                ),
                "error_code": message.error_code or None,
                "error_message": message.error_message or None,
            }
        )
        for stamp in ("sending_at", "sent_at", "delivered_at", "failed_at"):
            value = getattr(message, stamp)
            data[stamp] = value.isoformat().replace("+00:00", "Z") if value else None
    else:
        data["body"] = message.body
        data["received_at"] = message.received_at.isoformat().replace("+00:00", "Z") if message.received_at else None
    return data


def _record_status(message: Message) -> None:
    _record_statuses([message])


def _record_statuses(messages: list[Message]) -> None:
    """The ``message.status`` (or ``message.received``) event of each message, in one statement."""
    events.record_many(
        [
            {
                "event_type": "message.received" if m.direction == Message.Direction.INBOUND else "message.status",
                "account": m.account,
                "client": m.client,
                "subject_type": "message",
                "subject_id": m.public_id,
                "data": message_payload(m),
            }
            for m in messages
        ]
    )


# --- Delivery ------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> int:
    """Seconds before the next try of a message that met a transient carrier error on its ``attempts``-th."""
    return min(60, 2**attempts)


def _claimable_again(now) -> Q:
    """Messages in ``sending`` that no dispatcher holds: their next try is due after a transient error, or
    their dispatcher died (it has not finished within ``DISPATCH_CLAIM_TIMEOUT``)."""
    return Q(status=Message.Status.SENDING) & (
        Q(next_attempt_at__lte=now) | Q(next_attempt_at=None, sending_at__lt=now - DISPATCH_CLAIM_TIMEOUT)
    )


def _claim_for_dispatch(message_id: int, *, stale_only: bool = False) -> Message | None:
    """Move a queued message to ``sending`` (its ``message.status`` event), or take one in ``sending`` that
    no dispatcher holds (its retry is due, or its dispatcher died: still ``sending``, so no event); only the
    winner sends. With ``stale_only``, only a message already in ``sending`` is taken."""
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            0
            if stale_only
            else Message.objects.filter(pk=message_id, direction=Message.Direction.OUTBOUND)
            .filter(status=Message.Status.QUEUED)
            .update(status=Message.Status.SENDING, sending_at=now, dispatch_attempts=F("dispatch_attempts") + 1)
        )
        if not claimed:
            claimed = Message.objects.filter(_claimable_again(now), pk=message_id).update(
                sending_at=now, next_attempt_at=None, dispatch_attempts=F("dispatch_attempts") + 1
            )
            if not claimed:
                return None
            message = Message.objects.select_related("account", "client").get(pk=message_id)
        else:
            message = Message.objects.select_related("account", "client").get(pk=message_id)
            _record_status(message)
    return message


def message_dispatch(*, message_id: int, stale_only: bool = False) -> Message | None:
    """Hand a queued message to its carrier: ``queued → sending → sent`` (or ``failed``, refunded, when the
    carrier refuses it). Safe to run twice, even at once: a conditional UPDATE claims the message and the
    carrier call is idempotent by the message's id. After a transient error the message stays ``sending``
    (a retry is no change of status: no event) and its next try is scheduled ``retry_delay`` seconds on;
    after ``MAX_DISPATCH_ATTEMPTS`` it fails and is refunded."""
    message = _claim_for_dispatch(message_id, stale_only=stale_only)
    if message is None:
        return None
    carrier = get_carrier(message.carrier)
    try:
        accepted = carrier.send_sms(
            from_e164=message.from_e164, to_e164=message.to_e164, body=message.body, idempotency_key=message.public_id
        )
    except CarrierError as exc:
        if exc.transient and message.dispatch_attempts < MAX_DISPATCH_ATTEMPTS:
            # Released for the next try (its task, or the sweeper if that is lost, claims it then).
            released = Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
                next_attempt_at=timezone.now() + timedelta(seconds=retry_delay(message.dispatch_attempts))
            )
            if released:
                _enqueue_retries([(message.pk, message.dispatch_attempts)])
            message.refresh_from_db()
            return message
        return message_failed(message_id=message.pk, code=exc.code, reason=str(exc), refund=True)
    with transaction.atomic():
        if not _mark_sent(message, carrier_ref=accepted.carrier_ref, at=timezone.now()):
            message.refresh_from_db()  # another try got there first: answer with what it wrote
    return message


def _mark_sent(message: Message, *, carrier_ref: str, at) -> bool:
    """``sending → sent`` once the carrier took the message (only if still sending), with its event. Call
    inside a transaction."""
    return bool(_mark_sent_many([message], {message.pk: carrier_ref}, at=at))


def _mark_sent_many(messages: list[Message], carrier_refs: dict[int, str], *, at) -> list[Message]:
    """``_mark_sent`` for many messages: one statement for the messages, one for their events. Returns the
    messages that were still sending (and are now sent)."""
    changed = set(
        bulk.update_each(
            Message,
            column="carrier_ref",
            values={m.pk: carrier_refs[m.pk] for m in messages},
            where={"status": Message.Status.SENDING},
            same={"status": Message.Status.SENT, "sent_at": at, "next_attempt_at": None, "updated_at": at},
        )
    )
    sent = [m for m in messages if m.pk in changed]
    for message in sent:
        message.status, message.sent_at, message.carrier_ref = Message.Status.SENT, at, carrier_refs[message.pk]
    _record_statuses(sent)
    return sent


def messages_dispatch(*, message_id: int | None = None, limit: int = DISPATCH_BATCH) -> int:
    """Hand queued messages to their carriers in a batch: ``message_id`` (if queued or due again) and up to
    ``limit`` - 1 others, oldest first, claimed with ``SKIP LOCKED`` so concurrent dispatchers split the
    queue instead of waiting on each other. One carrier call per carrier (its bulk API where it has one),
    then one transaction for all the outcomes. Refused messages fail and are refunded; those that met a
    transient error stay ``sending`` with a retry scheduled (they fail, refunded, after
    ``MAX_DISPATCH_ATTEMPTS``). Returns how many messages were claimed."""
    now = timezone.now()
    with transaction.atomic():
        claimable = Message.objects.select_for_update(skip_locked=True).filter(
            Q(status=Message.Status.QUEUED) | _claimable_again(now), direction=Message.Direction.OUTBOUND
        )
        found = dict(claimable.filter(pk=message_id).values_list("pk", "status")) if message_id else {}
        # Others oldest first: queued ones, then those due again after a transient error (a dispatcher that
        # died is left to the sweeper, whose task takes it one by one).
        found.update(
            claimable.filter(Q(status=Message.Status.QUEUED) | Q(next_attempt_at__lte=now))
            .exclude(pk__in=list(found))
            .order_by("id")
            .values_list("pk", "status")[: limit - len(found)]
        )
        if not found:
            return 0
        ids = sorted(found)
        Message.objects.filter(pk__in=ids).update(
            status=Message.Status.SENDING,
            sending_at=now,
            next_attempt_at=None,
            dispatch_attempts=F("dispatch_attempts") + 1,
        )
        claimed = list(Message.objects.filter(pk__in=ids).select_related("account", "client").order_by("id"))
        # Only those that were queued change status: a retry is already sending, and records nothing.
        _record_statuses([m for m in claimed if found[m.pk] == Message.Status.QUEUED])
    outcomes: list[tuple[Message, Any]] = []
    by_carrier: dict[str, list[Message]] = {}
    for message in claimed:
        by_carrier.setdefault(message.carrier, []).append(message)
    for name, messages in by_carrier.items():
        try:
            results = get_carrier(name).send_sms_many(
                [
                    {"from_e164": m.from_e164, "to_e164": m.to_e164, "body": m.body, "idempotency_key": m.public_id}
                    for m in messages
                ]
            )
        except CarrierError as exc:
            results = [exc] * len(messages)
        outcomes.extend(zip(messages, results, strict=True))
    refused = [(message, result) for message, result in outcomes if isinstance(result, CarrierError)]
    # Transient errors are tried again until the attempts run out; every other refusal fails now.
    retry = [
        (m.pk, m.dispatch_attempts) for m, e in refused if e.transient and m.dispatch_attempts < MAX_DISPATCH_ATTEMPTS
    ]
    retried = {pk for pk, _attempts in retry}
    accepted = {message.pk: result.carrier_ref for message, result in outcomes if not isinstance(result, CarrierError)}
    with transaction.atomic():
        if retry:
            # Still sending (no new event), released for the next try: the retry, or the sweeper, claims it.
            at = timezone.now()
            bulk.update_each(
                Message,
                column="next_attempt_at",
                values={pk: at + timedelta(seconds=retry_delay(attempts)) for pk, attempts in retry},
                where={"status": Message.Status.SENDING},
            )
            transaction.on_commit(lambda: _enqueue_retries(retry))
        _mark_sent_many([m for m in claimed if m.pk in accepted], accepted, at=timezone.now())
    for message, error in refused:
        if message.pk not in retried:
            message_failed(message_id=message.pk, code=error.code, reason=str(error), refund=True)
    return len(claimed)


# How long one dispatcher keeps taking batches while full ones keep coming (then it leaves the rest to
# the dispatchers it asked to help): a worker is not held by one burst for long.
DISPATCH_RUN_SECONDS = 5


def dispatch_run(*, message_id: int) -> None:
    """A dispatcher's turn: hand ``message_id`` over with whatever else is queued, batch after batch (for
    up to ``DISPATCH_RUN_SECONDS``; when a full batch was taken, another dispatcher is asked to help). If
    another dispatcher has the message already there is nothing to do, unless that dispatcher died mid-way
    (then it is taken over). Transient carrier errors are not retried here: the message stays ``sending``
    with its next try scheduled (the sweeper stands behind a lost one)."""
    dispatch_nudge_taken()
    claimed = messages_dispatch(message_id=message_id)
    deadline = time.monotonic() + DISPATCH_RUN_SECONDS
    while claimed == DISPATCH_BATCH and time.monotonic() < deadline:
        enqueue_dispatch(message_id)  # more are waiting: a second dispatcher may share them
        claimed = messages_dispatch()
    # Whatever the batches took, this message may be one a dead dispatcher left in "sending": take it over.
    message_dispatch(message_id=message_id, stale_only=True)


def _enqueue_retries(retry: list[tuple[int, int]]) -> None:
    from .tasks import message_dispatch_task

    try:
        for message_id, attempts in retry:
            message_dispatch_task.apply_async((message_id,), countdown=retry_delay(attempts))
    except Exception:  # noqa: BLE001 - they are queued again; the sweeper hands them on
        logger.warning("Could not schedule dispatch retries; the sweeper will send them")


def message_failed(*, message_id: int, code: str, reason: str, refund: bool) -> Message | None:
    """Mark an outbound message failed (once) and, when the carrier never accepted it, refund its charge."""
    account_id = Message.objects.values_list("account_id", flat=True).get(pk=message_id)
    with transaction.atomic():
        if refund:
            ledger.lock_wallet_of(account_id)  # the wallet first, as every money-moving transaction does
        message = Message.objects.select_for_update(of=("self",)).select_related("account", "client").get(pk=message_id)
        if message.status not in (Message.Status.QUEUED, Message.Status.SENDING):
            return message  # the carrier has it already (or it ended): a late error from another try changes nothing
        message.status = Message.Status.FAILED
        message.failed_at = timezone.now()
        message.next_attempt_at = None
        message.error_code = code[:40]
        message.error_message = reason[:255]
        if refund and message.amount > 0:
            with for_records():  # the refund's reason is part of its ledger entry
                reason_text = _("not sent")
            billing.refund_reference(
                account=message.account,
                reference=ledger.Reference("message", message.public_id),
                reason=reason_text,
            )
            message.refunded = True
        message.save()
        _record_status(message)
    return message


def message_status_report(
    *, carrier: str, carrier_ref: str, delivered: bool, error_code: str = "", error_message: str = ""
) -> Message:
    """A delivery report: ``sent → delivered`` or ``sent → failed`` (not refunded: the carrier carried it).
    Reports for messages already final are ignored. ``LookupError`` when the reference is not known (yet)."""
    report = {
        "carrier_ref": carrier_ref,
        "delivered": delivered,
        "error_code": error_code,
        "error_message": error_message,
    }
    with transaction.atomic():
        message = _apply_status_reports(carrier=carrier, reports=[report]).get(carrier_ref)
        if message is None:
            raise LookupError(carrier_ref)
    return message


def _apply_status_reports(*, carrier: str, reports: list[dict]) -> dict[str, Message]:
    """Apply delivery reports (``carrier_ref``, ``delivered``, ``error_code``, ``error_message``) inside the
    caller's transaction: the messages are locked (in id order), those not final yet move to delivered or
    failed, one statement for the delivered, one per failed message, one for all the events. Returns the
    messages found, by reference; a reference missing from it is not known (yet)."""
    refs = {str(report.get("carrier_ref", "")) for report in reports} - {""}
    messages = {
        m.carrier_ref: m
        for m in Message.objects.select_for_update(of=("self",))
        .select_related("account", "client")
        .filter(carrier=carrier, carrier_ref__in=refs)
        .order_by("pk")
    }
    now = timezone.now()
    changed: list[Message] = []
    for report in reports:
        message = messages.get(str(report.get("carrier_ref", "")))
        if message is None or message.is_final:  # unknown, or final already (a repeated report too)
            continue
        message.sent_at = message.sent_at or now
        message.updated_at = now
        if report.get("delivered"):
            message.status, message.delivered_at = Message.Status.DELIVERED, now
        else:
            message.status, message.failed_at = Message.Status.FAILED, now
            message.error_code = str(report.get("error_code") or "undelivered")[:40]
            message.error_message = str(report.get("error_message") or _("The network could not deliver the message."))[
                :255
            ]
            message.save(update_fields=["status", "failed_at", "error_code", "error_message", "sent_at", "updated_at"])
        changed.append(message)
    delivered = [m.pk for m in changed if m.status == Message.Status.DELIVERED]
    if delivered:
        Message.objects.filter(pk__in=delivered).update(
            status=Message.Status.DELIVERED, delivered_at=now, sent_at=Coalesce("sent_at", Value(now)), updated_at=now
        )
    _record_statuses(changed)
    return messages


def carrier_status_reports(*, carrier: str, reports: dict[str, dict]) -> list[dict]:
    """A carrier's callback carrying many delivery reports (``reports``: by the carrier's id of each
    report). Each is stored as a callback, once (a repeated one is ignored), and applied, all in one
    transaction, each callback marked processed with what it changed. Returns the reports naming messages
    not known yet: their callbacks stay unprocessed, for a retry (or the sweeper)."""
    with transaction.atomic():
        CarrierEvent.objects.bulk_create(
            [
                CarrierEvent(carrier=carrier, kind=CarrierEvent.Kind.STATUS, provider_id=provider_id, payload=payload)
                for provider_id, payload in reports.items()
            ],
            ignore_conflicts=True,
        )
        # Those another process is applying right now (locked) are its to finish.
        pending = list(
            CarrierEvent.objects.select_for_update(skip_locked=True)
            .filter(carrier=carrier, kind=CarrierEvent.Kind.STATUS, provider_id__in=list(reports), processed_at=None)
            .order_by("pk")
            .values_list("pk", "provider_id")
        )
        found = _apply_status_reports(carrier=carrier, reports=[reports[provider_id] for _pk, provider_id in pending])
        outcomes, early = {}, []
        for pk, provider_id in pending:
            message = found.get(str(reports[provider_id].get("carrier_ref", "")))
            if message is None:
                early.append(reports[provider_id])
            else:
                outcomes[pk] = f"{message.public_id} {message.status}"
        bulk.update_each(CarrierEvent, column="outcome", values=outcomes, same={"processed_at": timezone.now()})
    return early


def dispatch_stalled_ids(*, older_than: timedelta | None = None, limit: int = 500) -> list[int]:
    """Outbound messages a lost task left queued or waiting for their next try, or whose dispatcher died
    while sending."""
    older_than = older_than or timedelta(seconds=settings.SMS_DISPATCH_STALE_SECONDS)
    cutoff = timezone.now() - older_than
    queued = Message.objects.filter(status=Message.Status.QUEUED, created_at__lt=cutoff)
    # Dead dispatchers, and retries after a transient error whose task was lost (overdue by as long).
    sending = Message.objects.filter(status=Message.Status.SENDING).filter(
        Q(next_attempt_at=None, sending_at__lt=timezone.now() - DISPATCH_CLAIM_TIMEOUT) | Q(next_attempt_at__lt=cutoff)
    )
    ids = list(queued.values_list("pk", flat=True)[:limit]) + list(sending.values_list("pk", flat=True)[:limit])
    return ids


def messages_sent_sweep(*, limit: int = STATUS_QUERY_BATCH) -> int:
    """Messages the carrier took (``sent``) whose delivery report has not come after
    ``SMS_STATUS_QUERY_SECONDS`` (its task was lost with a worker, or with a Redis restart): the carrier is
    asked what became of each, and its answer is applied as its delivery report would have been (same
    service, same ``message.status`` event and webhooks, no refund: the carrier carried it). A message the
    carrier has no record of fails (``unknown_to_carrier``); one still on its way, or whose carrier cannot
    be asked or does not answer, is asked again later, and fails (``expired``) once past its validity
    (``SMS_VALIDITY_HOURS`` after it was sent), as carriers drop such messages.

    Up to ``limit`` messages are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and their next look
    scheduled (``next_attempt_at``) in one short transaction; the carrier is asked outside it. Safe to run
    twice, at once: each message is claimed by one run, and a report (real or looked up) applies once.
    Returns how many messages were looked up."""
    now = timezone.now()
    interval = timedelta(seconds=settings.SMS_STATUS_QUERY_SECONDS)
    with transaction.atomic():
        due = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=Message.Status.SENT, direction=Message.Direction.OUTBOUND)
            .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at=None, sent_at__lte=now - interval))
            .order_by("sent_at", "pk")
            .values_list("pk", "carrier", "carrier_ref", "sent_at")[:limit]
        )
        if not due:
            return 0
        Message.objects.filter(pk__in=[row[0] for row in due]).update(next_attempt_at=now + interval)
    expiry = now - timedelta(hours=settings.SMS_VALIDITY_HOURS)
    reports: dict[str, list[dict]] = {}
    for _pk, carrier, carrier_ref, sent_at in due:
        report = _looked_up_report(
            carrier=carrier, carrier_ref=carrier_ref, expired=sent_at is not None and sent_at <= expiry
        )
        if report is not None:
            reports.setdefault(carrier, []).append(report)
    for carrier, carrier_reports in reports.items():
        with transaction.atomic():
            _apply_status_reports(carrier=carrier, reports=carrier_reports)
    return len(due)


def _looked_up_report(*, carrier: str, carrier_ref: str, expired: bool) -> dict | None:
    """The delivery report a status query stands in for, or None while the message may still arrive."""
    try:
        status = get_carrier(carrier).sms_status(carrier_ref=carrier_ref)
    except CarrierError as exc:
        logger.warning("Could not ask %s about message %s: %s", carrier, carrier_ref, exc)
        status = None
    report: dict[str, Any] = {"carrier_ref": carrier_ref, "delivered": False}
    if status is not None and status.state == SmsStatus.DELIVERED:
        return {**report, "delivered": True}
    if status is not None and status.state == SmsStatus.FAILED:
        return {**report, "error_code": status.error_code, "error_message": status.error_message}
    if status is not None and status.state == SmsStatus.UNKNOWN:
        return {
            **report,
            "error_code": "unknown_to_carrier",
            "error_message": _("No delivery report came, and the carrier has no record of the message."),
        }
    if expired:
        return {
            **report,
            "error_code": "expired",
            "error_message": _("No delivery report came within %(hours)d hours: the message has expired.")
            % {"hours": settings.SMS_VALIDITY_HOURS},
        }
    return None


# --- Carrier callbacks and inbound messages ------------------------------------------------------


def carrier_event_ingest(*, carrier: str, kind: str, provider_id: str, payload: dict) -> tuple[CarrierEvent, bool]:
    """Store a carrier callback and have a task process it. Returns ``(event, created)``; a callback
    already received (same carrier, kind and id) is ignored. The sweeper processes any stored callback
    left unprocessed."""
    if kind not in CarrierEvent.Kind.values:
        raise ValidationFailed(fields={"kind": [_("Use inbound or status.")]})
    try:
        with transaction.atomic():
            event = CarrierEvent.objects.create(carrier=carrier, kind=kind, provider_id=provider_id, payload=payload)
            event_id = event.pk
            transaction.on_commit(lambda: _enqueue_carrier_event(event_id))
    except IntegrityError:
        return CarrierEvent.objects.get(carrier=carrier, kind=kind, provider_id=provider_id), False
    return event, True


def carrier_inbound_received(*, carrier: str, provider_id: str, payload: dict) -> None:
    """The intake of an inbound message from a carrier in this process (``numbers_app.carriers.callbacks``):
    stored and processed as a real carrier's HTTP callback is."""
    carrier_event_ingest(carrier=carrier, kind=CarrierEvent.Kind.INBOUND, provider_id=provider_id, payload=payload)


def carrier_report_later(*, delay: float, **report: Any) -> None:
    """The intake of one delivery report from a carrier in this process, arriving ``delay`` seconds on."""
    from .tasks import sandbox_delivery_report_task

    sandbox_delivery_report_task.apply_async(kwargs=report, countdown=delay)


def carrier_reports_later(*, reports: list[dict], delay: float) -> None:
    """The intake of a batch callback of delivery reports from a carrier in this process, ``delay`` seconds on."""
    from .tasks import sandbox_delivery_reports_task

    sandbox_delivery_reports_task.apply_async(kwargs={"reports": reports}, countdown=delay)


def _enqueue_carrier_event(event_id: int) -> None:
    from .tasks import carrier_event_process_task

    carrier_event_process_task.delay(event_id)


def carrier_event_process(*, event_id: int) -> str:
    """Act on a stored callback, once: the callback's row is locked, and marked processed in the same
    transaction as what it changed. Raises ``LookupError`` (nothing changed) when a delivery report names
    a message not known yet (the task retries)."""
    with transaction.atomic():
        event = CarrierEvent.objects.select_for_update().filter(pk=event_id, processed_at=None).first()
        if event is None:
            return "already processed"
        payload = event.payload
        if event.kind == CarrierEvent.Kind.STATUS:
            message = message_status_report(
                carrier=event.carrier,
                carrier_ref=str(payload.get("carrier_ref", "")),
                delivered=bool(payload.get("delivered")),
                error_code=str(payload.get("error_code") or ""),
                error_message=str(payload.get("error_message") or ""),
            )
            outcome = f"{message.public_id} {message.status}"
        else:
            received = sms_receive(
                carrier=event.carrier,
                provider_id=event.provider_id,
                from_e164=str(payload.get("from", "")),
                to_e164=str(payload.get("to", "")),
                body=str(payload.get("body", "")),
            )
            outcome = f"{received.public_id} received" if received else "dropped: no SMS-enabled number"
        CarrierEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now(), outcome=outcome)
    return outcome


def carrier_events_stalled_ids(*, older_than: timedelta = timedelta(seconds=30), limit: int = 500) -> list[int]:
    return list(
        CarrierEvent.objects.filter(processed_at=None, received_at__lt=timezone.now() - older_than).values_list(
            "pk", flat=True
        )[:limit]
    )


def sms_receive(*, carrier: str, provider_id: str, from_e164: str, to_e164: str, body: str) -> Message | None:
    """Store an inbound message on the owned, SMS-enabled number it was sent to (free of charge) and record
    ``message.received``; forward it after commit if the number says so. Once per carrier message id.
    Returns None (and stores nothing) when no number of ours takes SMS at ``to_e164``."""
    try:
        to = normalize_e164(to_e164, field="to")
    except ValueError:
        return None
    sender = (from_e164 or "").strip()[:20]
    number = (
        Number.objects.select_related("account", "client", "group")
        .filter(e164=to, sms_enabled=True, status=Number.Status.ACTIVE)
        .first()
    )
    if number is None:
        return None
    text = body[: MAX_BODY_CHARS * 2]
    split = segment(text)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                account=number.account,
                client=number.client,
                number=number,
                direction=Message.Direction.INBOUND,
                from_e164=sender,
                to_e164=to,
                remote_e164=sender,
                body=text,
                encoding=split.encoding,
                segments=split.segments,
                status=Message.Status.RECEIVED,
                carrier=carrier,
                carrier_ref=provider_id[:64],
                received_at=timezone.now(),
                created_by=carrier,
            )
            _record_status(message)
            if number.sms_forwarding:
                now = timezone.now()
                SmsForward.objects.create(message=message, next_attempt_at=now, retry_until=now + FORWARD_RETRY_WINDOW)
                message_id = message.pk
                transaction.on_commit(lambda: _enqueue_forward(message_id))
    except IntegrityError:
        return Message.objects.filter(carrier=carrier, carrier_ref=provider_id[:64]).first()
    return message


def _enqueue_forward(message_id: int) -> None:
    from .tasks import sms_forward_task

    try:
        sms_forward_task.delay(message_id)
    except Exception:  # noqa: BLE001 - the inbound message is stored; the answer to the carrier must not fail
        logger.warning("Could not enqueue the forwarding of message %s; the sweeper will forward it", message_id)


def forward_retry_delay(attempts: int) -> timedelta:
    """How long a forward that could not go on its ``attempts``-th try waits: 1, 2, 4 … minutes, at most
    an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def sms_forward(*, message_id: int) -> Message | None:
    """Pass an inbound message on to its number's ``sms_forwarding`` destination, as a charged outbound
    SMS from the same number, if its forward is due: claimed by a conditional UPDATE (a forward another
    worker holds, or one that has ended, is left alone). Returns the copy when this call sent it.

    ``RateLimited`` is raised, with the forward due again when the limit allows, for the caller to retry
    soon; what the owner can put right (the wallet, a suspended number, SMS switched off) is retried with
    a growing wait until ``retry_until``, then the forward fails. Once: the copy points at the original
    (a unique link), written in the transaction that marks the forward done."""
    now = timezone.now()
    claimed = SmsForward.objects.filter(
        message_id=message_id, status=SmsForward.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + FORWARD_LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return _forward_attempt(message_id)


def _forward_attempt(message_id: int) -> Message | None:
    """One try of a forward this worker has claimed (its lease runs until ``FORWARD_LEASE`` from the claim)."""
    inbound = Message.objects.select_related("account", "number", "number__group", "client").get(pk=message_id)
    number = inbound.number
    if not number.sms_forwarding:
        _forward_end(message_id, status=SmsForward.Status.CANCELLED, error_code="forwarding_off")
        return None
    text = f"{inbound.from_e164}: {inbound.body}"
    if len(text) > MAX_BODY_CHARS:
        text = text[: MAX_BODY_CHARS - 1] + "…"
    try:
        with transaction.atomic():
            copy = sms_send(
                actor=system_actor(inbound.account),
                number=number,
                to=number.sms_forwarding,
                body=text,
                forwarded_from=inbound,
            )
            _forward_end(message_id, status=SmsForward.Status.FORWARDED)
        return copy
    except IntegrityError:  # forwarded already, by a try whose lease ran out before it finished
        _forward_end(message_id, status=SmsForward.Status.FORWARDED)
        return None
    except RateLimited as exc:
        _forward_later(message_id, wait=timedelta(seconds=exc.extra.get("retry_after") or 1), error_code=exc.code)
        raise
    except (InsufficientBalance, NumberNotActive, SmsNotEnabled, SmsNotAvailable) as exc:
        forward = SmsForward.objects.get(pk=message_id)
        _forward_later(message_id, wait=forward_retry_delay(forward.attempts), error_code=exc.code)
        return None
    except ApplicationError as exc:  # the destination is not one a message can go to: trying again won't help
        _forward_end(message_id, status=SmsForward.Status.FAILED, error_code=exc.code)
        return None


def _forward_end(message_id: int, *, status: str, error_code: str = "") -> None:
    SmsForward.objects.filter(pk=message_id).update(
        status=status, next_attempt_at=None, error_code=error_code[:40], finished_at=timezone.now()
    )


def _forward_later(message_id: int, *, wait: timedelta, error_code: str) -> None:
    """The forward is due again after ``wait``, or has failed if that is past its ``retry_until``."""
    at = timezone.now() + wait
    pending = SmsForward.objects.filter(pk=message_id, status=SmsForward.Status.PENDING)
    if not pending.filter(retry_until__gt=at).update(next_attempt_at=at, error_code=error_code[:40]):
        pending.update(
            status=SmsForward.Status.FAILED,
            next_attempt_at=None,
            error_code=error_code[:40],
            finished_at=timezone.now(),
        )


def sms_forwards_sweep(*, limit: int = FORWARD_BATCH) -> int:
    """Forward what a lost task, or one that ran out of retries, left due: up to ``limit`` forwards are
    claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and leased (``next_attempt_at`` pushed on by
    ``FORWARD_LEASE``) in one short transaction, then tried one by one. Safe to run in several processes
    at once: a forward is claimed by one of them, and a copy is sent once whatever happens. Returns how
    many forwards were tried."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            SmsForward.objects.select_for_update(skip_locked=True)
            .filter(status=SmsForward.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not due:
            return 0
        SmsForward.objects.filter(pk__in=due).update(next_attempt_at=now + FORWARD_LEASE, attempts=F("attempts") + 1)
    for message_id in due:
        try:
            _forward_attempt(message_id)
        except RateLimited:
            pass  # due again as soon as the limit allows
        except Exception:  # noqa: BLE001 - one forward must not stop the others; its lease runs out and it is tried again
            logger.exception("Forwarding message %s failed; it is tried again after the lease", message_id)
    return len(due)


def sms_simulate_inbound(*, actor: Actor, number: Number, from_e164: str, body: str) -> Message:
    """Sandbox only: have someone at ``from_e164`` text ``number``. Goes through the carrier's callback
    intake, like a real message, and returns the stored message."""
    actor.require_write()
    if actor.client is not None and number.client_id != actor.client.pk:  # (a client-scoped actor)
        raise NotFound(_("Number not found."))
    body = validate_body(body)
    sender = validate_destination(from_e164, field="from")
    if number.group.carrier != "sandbox":
        raise PermissionDenied(_("Only numbers on the sandbox carrier can receive simulated messages."))
    if not number.sms_enabled:
        raise SmsNotEnabled(_("Enable SMS on %(number)s first.") % {"number": number.e164})
    if number.status != Number.Status.ACTIVE:
        # The intake drops messages to numbers that are not active: nothing would be stored.
        raise NumberNotActive(
            _("Number must be active to receive SMS; %(number)s is %(state)s.")
            % {"number": number.e164, "state": number.get_status_display().lower()}
        )
    provider_id = SandboxCarrier().simulate_inbound(to_e164=number.e164, from_e164=sender, body=body)
    event = CarrierEvent.objects.get(carrier="sandbox", kind="inbound", provider_id=provider_id)
    carrier_event_process(event_id=event.pk)
    return Message.objects.get(carrier="sandbox", carrier_ref=provider_id)
