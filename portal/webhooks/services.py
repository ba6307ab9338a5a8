"""Writes for webhooks: endpoints (create, change, delete, rotate the secret), test events,
redelivery, and the fan-out of outbox events into deliveries.

Who may manage endpoints: the account's owners and admins (and full account-wide keys) for any endpoint;
a client's admin (or full client key) for its own client's endpoints only. Read-only keys and viewers
only read. A secret exists in plain form only in the return value of ``webhook_create`` and
``webhook_rotate_secret``, which is what people are shown once.

Sending is in ``delivery``; nothing here touches the network (URL checks resolve DNS, outside any
transaction).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from accounts.actor import Actor
from accounts.models import Account, Client
from accounts.services import audit_record
from portal.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from portal.models import Event

from . import addresses, catalogue, signing
from .models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger("didfarm.webhooks")

# How long the previous secret keeps signing after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)
# How long after its first attempt a delivery is retried.
RETRY_WINDOW = timedelta(hours=24)
MAX_ENDPOINTS = 20
FAN_OUT_BATCH = 500


@dataclass(frozen=True)
class IssuedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown in this one response only


def _require_manage(actor: Actor) -> None:
    actor.require_write()
    if not (actor.can_administer or actor.is_client_scoped):
        raise PermissionDenied(_("Only the account's owners and admins manage webhooks."))


def _require_own(actor: Actor, endpoint: WebhookEndpoint) -> None:
    if endpoint.account_id != actor.account.pk or (actor.client is not None and endpoint.client_id != actor.client.pk):
        raise NotFound(_("Webhook endpoint not found."))


def _client_of(actor: Actor, client_id) -> Client | None:
    if actor.client is not None:  # a client-scoped actor: its client's endpoints only
        if client_id not in (None, "") and account_selectors.parse_id(client_id, "cli") != actor.client.pk:
            raise NotFound(_("Client not found."))
        return actor.client
    if client_id in (None, ""):
        return None
    return account_selectors.client_get(actor=actor, client_id=client_id)


def _clean(changes: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if "url" in changes or not partial:
        try:
            values["url"] = addresses.check_url(changes.get("url") or "")
        except ValueError as exc:
            errors["url"] = [str(exc)]
    if "events" in changes or not partial:
        try:
            values["events"] = catalogue.normalize(changes.get("events"))
        except ValueError as exc:
            errors["events"] = [str(exc)]
    if "description" in changes:
        description = str(changes["description"] or "").strip()
        if len(description) > 200:
            errors["description"] = [_("At most 200 characters.")]
        values["description"] = description
    if "enabled" in changes:
        if not isinstance(changes["enabled"], bool):
            errors["enabled"] = [_("Use true or false.")]
        values["enabled"] = changes["enabled"]
    if errors:
        raise ValidationFailed(fields=errors)
    return values


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "client": endpoint.client.public_id if endpoint.client is not None else None,
    }


def webhook_create(
    *,
    actor: Actor,
    url: str,
    events,
    description: str = "",
    client_id=None,
    enabled: bool = True,
) -> IssuedEndpoint:
    """A new endpoint with a fresh secret (in the result only). At most ``MAX_ENDPOINTS`` per account, even
    when creates run at once: the account row is locked while they are counted."""
    _require_manage(actor)
    values = _clean({"url": url, "events": events, "description": description, "enabled": enabled}, partial=False)
    client = _client_of(actor, client_id)
    secret = signing.new_secret()
    with transaction.atomic():
        # The account row is the lock for its endpoint count: locking the endpoints themselves would not
        # stop two creates at once (neither sees the other's new row), and with none yet there is no row.
        Account.objects.select_for_update().filter(pk=actor.account.pk).first()
        existing = WebhookEndpoint.objects.filter(account=actor.account, kind=WebhookEndpoint.Kind.ENDPOINT).count()
        if existing >= MAX_ENDPOINTS:
            raise ValidationFailed(_("At most %(n)d webhook endpoints per account.") % {"n": MAX_ENDPOINTS})
        endpoint = WebhookEndpoint.objects.create(
            uid=secrets.token_hex(6),
            account=actor.account,
            client=client,
            secret=secret,
            **values,
        )
        audit_record(actor=actor, action="webhook.created", subject=endpoint, after=_snapshot(endpoint))
    return IssuedEndpoint(endpoint=endpoint, secret=secret)


def webhook_update(*, actor: Actor, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    """Change the URL, events, description, or switch the endpoint on or off. Switching it on again
    clears why it was switched off; its waiting deliveries resume."""
    _require_manage(actor)
    _require_own(actor, endpoint)
    allowed = {"url", "events", "description", "enabled", "client_id"}
    if endpoint.is_number_urls:
        allowed = {"description", "enabled"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(fields={key: [_("This field cannot be changed.")] for key in sorted(unknown)})
    values = _clean(changes, partial=True)
    if "client_id" in changes:
        values["client"] = _client_of(actor, changes["client_id"])
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update(of=("self",)).select_related("client").get(pk=endpoint.pk)
        before = _snapshot(endpoint)
        for field, value in values.items():
            setattr(endpoint, field, value)
        if values.get("enabled") is True:
            endpoint.disabled_reason, endpoint.disabled_at = "", None
        elif values.get("enabled") is False and before["enabled"]:
            endpoint.disabled_at = timezone.now()
        endpoint.save()
        after = _snapshot(endpoint)
        if after != before:
            changed = [key for key in after if after[key] != before[key]]
            audit_record(
                actor=actor,
                action="webhook.updated",
                subject=endpoint,
                before={key: before[key] for key in changed},
                after={key: after[key] for key in changed},
            )
    if values.get("enabled") is True:
        _kick_sending()
    return endpoint


def webhook_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint with its delivery log. The signer of numbers' own URLs is not deleted: switch it
    off, or clear the numbers' webhook URLs."""
    _require_manage(actor)
    _require_own(actor, endpoint)
    if endpoint.is_number_urls:
        raise InvalidState(_("This signs your numbers' own webhook URLs; switch it off instead of deleting it."))
    with transaction.atomic():
        audit_record(actor=actor, action="webhook.deleted", subject=endpoint, before=_snapshot(endpoint))
        endpoint.delete()


def webhook_rotate_secret(*, actor: Actor, endpoint: WebhookEndpoint) -> IssuedEndpoint:
    """A new secret now; the one it replaces keeps signing for 24 hours (requests carry both signatures),
    so receivers can switch without losing a request. Rotating again within those 24 hours drops the
    oldest secret."""
    _require_manage(actor)
    _require_own(actor, endpoint)
    secret = signing.new_secret()
    now = timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
        endpoint.secret = secret
        endpoint.secret_rotated_at = now
        endpoint.save()
        audit_record(
            actor=actor,
            action="webhook.secret_rotated",
            subject=endpoint,
            after={"previous_secret_valid_until": endpoint.previous_secret_expires_at.isoformat()},
        )
    return IssuedEndpoint(endpoint=endpoint, secret=secret)


def webhook_send_test(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A ``webhook.test`` event for this endpoint alone, sent once, right away (its outcome is in the
    endpoint's log)."""
    _require_manage(actor)
    _require_own(actor, endpoint)
    if endpoint.is_number_urls:
        raise InvalidState(_("Test events go to an endpoint's URL; this one signs your numbers' own URLs."))
    if not endpoint.enabled:
        raise InvalidState(_("Switch the endpoint on before sending it a test event."))
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.create(
            account=actor.account,
            client=endpoint.client,
            type=catalogue.TEST_EVENT,
            subject_type="webhook",
            subject_id=endpoint.public_id,
            data={"webhook_id": endpoint.public_id, "message": "A test event sent from DIDfarm."},
            created_at=now,
            fanned_out_at=now,
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=event,
            url=endpoint.url,
            next_attempt_at=now,
            retry_until=now,  # one attempt: a test shows what happens now
            redelivery=True,
        )
        audit_record(actor=actor, action="webhook.test_sent", subject=endpoint, after={"event": event.public_id})
        _kick_sending()
    return delivery


def webhook_redeliver(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, with the same event id and body. A finished delivery gets one more
    attempt; a waiting one is attempted now and keeps its retry schedule."""
    _require_manage(actor)
    _require_own(actor, delivery.endpoint)
    if not delivery.endpoint.enabled:
        raise InvalidState(_("Switch the endpoint on before redelivering to it."))
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.claim is not None:
            raise InvalidState(_("This delivery is being sent right now."))
        if delivery.status != WebhookDelivery.Status.PENDING:
            delivery.status = WebhookDelivery.Status.PENDING
            delivery.retry_until = now
        delivery.next_attempt_at = now
        delivery.redelivery = True
        delivery.save(update_fields=["status", "retry_until", "next_attempt_at", "redelivery"])
        audit_record(
            actor=actor,
            action="webhook.redelivered",
            subject=delivery.endpoint,
            after={"delivery": delivery.public_id, "event": delivery.event.public_id},
        )
        _kick_sending()
    return delivery


def webhook_number_urls_setup(*, actor: Actor) -> IssuedEndpoint:
    """Issue the secret that signs requests to numbers' own webhook URLs (the actor's account, or its
    client), shown once. Deliveries to those URLs create it on first use; this gets it in advance."""
    _require_manage(actor)
    client_id = actor.client.pk if actor.client is not None else None
    with transaction.atomic():
        signer = number_url_signer(account_id=actor.account.pk, client_id=client_id)
        if signer.secret_rotated_at is not None or signer.deliveries.exists():
            raise InvalidState(_("The secret for numbers' URLs was issued already; rotate it to get a new one."))
    return webhook_rotate_secret(actor=actor, endpoint=signer)


def _kick_sending() -> None:
    """Send what is due now rather than at the next sweep (if the broker is down, the sweep will)."""
    transaction.on_commit(_enqueue_send)


def _enqueue_send() -> None:
    from .tasks import webhook_deliveries_send_task

    try:
        webhook_deliveries_send_task.delay()
    except Exception:  # noqa: BLE001 - any broker failure; the delivery row is already due
        logger.warning("Could not enqueue webhook sending; the sweeper will send what is due")


# --- Fan-out: events → deliveries ---------------------------------------------------------------


def number_url_signer(*, account_id: int, client_id: int | None) -> WebhookEndpoint:
    """The endpoint row whose secret signs requests to numbers' own webhook URLs (one per account and per
    client), created on first use. Call inside a transaction."""
    lookup = {"account_id": account_id, "client_id": client_id, "kind": WebhookEndpoint.Kind.NUMBER_URLS}
    signer = WebhookEndpoint.objects.filter(**lookup).first()
    if signer is not None:
        return signer
    try:
        with transaction.atomic():  # a savepoint: a concurrent fan-out may create the same row
            return WebhookEndpoint.objects.create(
                uid=secrets.token_hex(6), secret=signing.new_secret(), events=[catalogue.ALL], **lookup
            )
    except IntegrityError:
        return WebhookEndpoint.objects.get(**lookup)


def _number_pk(event: Event) -> int | None:
    if event.type in catalogue.MESSAGE_EVENTS:
        ref = str((event.data or {}).get("number_id") or "")
    elif event.subject_type == "number":
        ref = event.subject_id
    else:
        return None
    return account_selectors.parse_id(ref, "num")


def number_event_url(number, event_type: str) -> str:
    """Where a number's own URLs take one of its events: message events to its SMS webhook URL, the
    others to its voice webhook URL, either one falling back to its webhook URL; "" when it has none."""
    own = number.sms_webhook_url if event_type in catalogue.MESSAGE_EVENTS else number.voice_webhook_url
    return own or number.webhook_url


def events_fan_out(*, event_ids: list[int] | None = None, limit: int = FAN_OUT_BATCH) -> int:
    """Create the deliveries of events not fanned out yet (those given, or the oldest ``limit``): one per
    matching enabled endpoint of the event's account that existed when the event happened (the
    endpoint's client scope and subscription decide), plus one to the number's own URL when the event
    concerns a number that has one.

    Idempotent and safe to run concurrently: events are claimed with ``SKIP LOCKED`` and marked in the
    same transaction, and the unique constraints on deliveries stop any duplicate. Returns the number of
    events handled."""
    from numbers_app.models import Number

    now = timezone.now()
    with transaction.atomic():
        qs = Event.objects.select_for_update(skip_locked=True).filter(fanned_out_at__isnull=True)
        if event_ids is not None:
            qs = qs.filter(pk__in=event_ids)
        events = list(qs.order_by("id")[:limit])
        if not events:
            return 0
        deliverable = [e for e in events if e.type in catalogue.BY_NAME]
        accounts = {e.account_id for e in deliverable}
        endpoints: dict[int, list[WebhookEndpoint]] = {}
        if accounts:
            for endpoint in WebhookEndpoint.objects.filter(
                account_id__in=accounts, enabled=True, kind=WebhookEndpoint.Kind.ENDPOINT
            ).order_by("id"):
                endpoints.setdefault(endpoint.account_id, []).append(endpoint)
        number_pks = {pk for pk in (_number_pk(e) for e in deliverable) if pk}
        numbers = {
            n.pk: n
            for n in Number.objects.filter(pk__in=number_pks)
            .filter(~Q(webhook_url="") | ~Q(sms_webhook_url="") | ~Q(voice_webhook_url=""))
            .only("pk", "account_id", "client_id", "webhook_url", "sms_webhook_url", "voice_webhook_url")
        }
        signers: dict[tuple[int, int | None], WebhookEndpoint] = {}
        rows: list[WebhookDelivery] = []
        for event in deliverable:
            due = {"event": event, "next_attempt_at": now, "retry_until": now + RETRY_WINDOW, "created_at": now}
            for endpoint in endpoints.get(event.account_id, ()):
                if endpoint.client_id and endpoint.client_id != event.client_id:
                    continue
                if endpoint.created_at > event.created_at:
                    continue  # an endpoint hears of what happens from its creation on, not of older events
                if catalogue.subscribed(endpoint.events, event.type):
                    rows.append(WebhookDelivery(endpoint=endpoint, url=endpoint.url, **due))
            number_pk = _number_pk(event)
            number = numbers.get(number_pk) if number_pk is not None else None
            if number is None or number.account_id != event.account_id:
                continue
            url = number_event_url(number, event.type)
            if not url:
                continue
            key = (number.account_id, number.client_id)
            if key not in signers:
                signers[key] = number_url_signer(account_id=key[0], client_id=key[1])
            if signers[key].enabled:
                rows.append(WebhookDelivery(endpoint=signers[key], number=number, url=url, **due))
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        Event.objects.filter(pk__in=[e.pk for e in events]).update(fanned_out_at=now)
    return len(events)


# --- Sending ------------------------------------------------------------------------------------


def webhooks_sweep(*, time_budget: float = 25.0, batch: int | None = None) -> int:
    """Fan out events still waiting, then send due deliveries batch after batch until none is due or
    ``time_budget`` seconds have passed. Safe to run in several processes at once. Returns how many
    deliveries were attempted."""
    import time

    from . import delivery

    batch = batch or delivery.BATCH
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < time_budget:
        fanned = events_fan_out()
        attempted = delivery.send_batch(limit=batch)
        sent += attempted
        if not fanned and attempted < batch:
            break
    delivery.expire_stranded()
    return sent
