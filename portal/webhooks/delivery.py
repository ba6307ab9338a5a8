"""Sending deliveries: claim what is due, POST it outside any transaction, record what happened.

1. Claim (one short transaction): up to ``batch`` due deliveries of enabled endpoints are selected with
   ``FOR UPDATE SKIP LOCKED``, stamped with this sweep's ``claim`` and leased: their ``next_attempt_at``
   moves ``LEASE`` ahead. Concurrent sweeps never get the same rows; rows of a sweep that dies become
   due again when the lease ends.
2. Send (no transaction open): the batch goes out over pooled keep-alive connections from a few
   threads. Every connection checks the address it opens (see ``addresses``).
3. Record (one short transaction): attempts are inserted and deliveries updated in bulk — only rows
   still carrying this sweep's claim.

Outcome rules: 2xx delivered; 410 Gone fails the delivery and switches the endpoint off (for a number's
own URL: clears that URL) and its owners are told; anything else, a redirect included, and every
timeout or connection error is retried on ``SCHEDULE`` (429 and 503 wait at least their ``Retry-After``,
up to an hour) until 24 hours after the first attempt, then the delivery has failed.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import urllib3
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.services import audit_record

from . import addresses, signing
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger("didfarm.webhooks")

# Waits after each failed attempt (±10 % jitter): attempt 10, the last, is due about 23 h 42 min after
# the first, and never later than 24 hours after it.
SCHEDULE = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=8),
)
MAX_ATTEMPTS = len(SCHEDULE) + 1
JITTER = 0.1
RETRY_AFTER_MAX = timedelta(hours=1)
TIMEOUT_SECONDS = 10
# Longer than a whole batch can take to send, so a live sweep never loses its rows to another.
LEASE = timedelta(minutes=5)
EXCERPT_BYTES = 1024
READ_LIMIT = 64 * 1024
BATCH = 500


def next_attempt_at(
    *, attempts: int, now: datetime, retry_until: datetime, retry_after: timedelta | None = None
) -> datetime | None:
    """When to try again after ``attempts`` failed attempts, or None when the delivery has failed."""
    if attempts >= MAX_ATTEMPTS or now >= retry_until:
        return None
    wait = SCHEDULE[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None:
        wait = max(wait, min(retry_after, RETRY_AFTER_MAX))
    return min(now + wait, retry_until)


def parse_retry_after(value: str | None, *, now: datetime) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))


# --- HTTP ---------------------------------------------------------------------------------------


def _threads() -> int:
    return max(1, int(getattr(settings, "WEBHOOKS_SEND_THREADS", 16)))


_http: urllib3.PoolManager | None = None
_http_lock = threading.Lock()


def _pool_manager() -> urllib3.PoolManager:
    """Keep-alive connections shared by the sending threads (urllib3 directly: requests' per-call
    machinery cost more than the HTTP itself). No proxies from the environment (they would bypass the
    address check), no retries, no redirects; every new connection checks its address."""
    global _http
    with _http_lock:
        if _http is None:
            _http = urllib3.PoolManager(num_pools=64, maxsize=_threads(), block=False, retries=False)
            _http.pool_classes_by_scheme = addresses.POOL_CLASSES
        return _http


@dataclass
class Outcome:
    delivery_id: int
    at: datetime
    headers: dict[str, str]
    status_code: int | None = None
    error: str = ""
    latency_ms: int = 0
    excerpt: str = ""
    retry_after: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


@dataclass(frozen=True)
class Request:
    delivery_id: int
    url: str
    body: bytes
    headers: dict[str, str]
    at: datetime


def _error_text(exc: Exception) -> str:
    seen, cause = set(), exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, addresses.BlockedAddress):
            return f"address not allowed: {cause}"
        cause = cause.__cause__ or cause.__context__
    # (urllib3's NewConnectionError is also a TimeoutError, for compatibility: test it first.)
    if isinstance(exc, urllib3.exceptions.NewConnectionError | urllib3.exceptions.NameResolutionError):
        return "connection failed: " + re.sub(r"^\w+\(host=.*?\): ", "", str(exc))[:230]
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return f"timeout after {TIMEOUT_SECONDS} s"
    if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
        return f"connection failed: {exc}"[:255]
    return f"{type(exc).__name__}: {exc}"[:255]


def send_one(request: Request) -> Outcome:
    """POST one request and read at most 64 KB of the answer. Never raises."""
    outcome = Outcome(delivery_id=request.delivery_id, at=request.at, headers=request.headers)
    started = time.monotonic()
    response = None
    complete = False
    try:
        response = _pool_manager().request(
            "POST",
            request.url,
            body=request.body,
            headers=request.headers,
            timeout=urllib3.Timeout(connect=TIMEOUT_SECONDS, read=TIMEOUT_SECONDS),
            redirect=False,
            retries=False,
            preload_content=False,
        )
        outcome.status_code = response.status
        outcome.retry_after = response.headers.get("Retry-After")
        received = b""
        complete = False
        for chunk in response.stream(8192):
            received += chunk
            if len(received) >= READ_LIMIT or time.monotonic() - started > TIMEOUT_SECONDS:
                break
        else:
            complete = True
        outcome.excerpt = received[:EXCERPT_BYTES].decode("utf-8", errors="replace")
        if 300 <= response.status < 400:
            outcome.error = f"redirect not followed: {response.headers.get('Location', '')}"[:255]
    except Exception as exc:  # noqa: BLE001 - any failure of the request is the receiver's outcome, logged
        outcome.error = _error_text(exc)
    finally:
        if response is not None:
            if not complete:
                response.close()  # an answer cut short: its connection cannot be reused
            response.release_conn()
    outcome.latency_ms = int((time.monotonic() - started) * 1000)
    return outcome


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """The sending threads, kept for the life of the process so their connections stay open between
    batches (created on first use, so each forked worker process gets its own)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="webhook")
        return _pool


def send_all(requests_: list[Request]) -> list[Outcome]:
    if len(requests_) <= 1:
        return [send_one(r) for r in requests_]
    return list(_executor().map(send_one, requests_))


def body_of(event, *, client_view: bool = False) -> bytes:
    """The signed body. A client's endpoint (and its numbers' own URLs) get the client's view of the data:
    its prices, never the reseller's wholesale cost."""
    payload = event.as_payload(client_view=client_view)
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def build_requests(deliveries: Iterable[WebhookDelivery], *, now: datetime) -> list[Request]:
    bodies: dict[tuple[int, bool], bytes] = {}
    timestamp = int(now.timestamp())
    built = []
    for delivery in deliveries:
        event = delivery.event
        client_view = delivery.endpoint.client_id is not None
        if (event.pk, client_view) not in bodies:
            bodies[(event.pk, client_view)] = body_of(event, client_view=client_view)
        body = bodies[(event.pk, client_view)]
        headers = {
            "Content-Type": "application/json",
            "User-Agent": signing.USER_AGENT,
            **signing.signature_headers(
                secrets_=delivery.endpoint.signing_secrets(now),
                event_id=event.public_id,
                timestamp=timestamp,
                body=body,
            ),
        }
        built.append(Request(delivery_id=delivery.pk, url=delivery.url, body=body, headers=headers, at=now))
    return built


# --- Claim, send, record ----------------------------------------------------------------------


def claim(
    *, limit: int = BATCH, now: datetime | None = None, delivery_ids: list[int] | None = None
) -> tuple[uuid.UUID, list[int]] | None:
    """Lease up to ``limit`` due deliveries to a new claim: the claim and the ids leased, or None when
    nothing is due."""
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        qs = WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now, endpoint__enabled=True
        )
        if delivery_ids is not None:
            qs = qs.filter(pk__in=delivery_ids)
        ids = list(qs.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        if not ids:
            return None
        WebhookDelivery.objects.filter(pk__in=ids).update(claim=token, next_attempt_at=now + LEASE)
    return token, ids


def record(*, token: uuid.UUID, outcomes: list[Outcome], now: datetime | None = None) -> None:
    """Log every attempt and move each delivery on (delivered, retry later, or failed), for the rows this
    claim still holds. Endpoints that answered 410 are switched off.

    Rows that end the same way are updated by one statement (a batch of successes is one UPDATE), and
    the attempts are one INSERT."""
    now = now or timezone.now()
    by_id = {o.delivery_id: o for o in outcomes}
    gone_endpoints: set[int] = set()
    gone_numbers: list[WebhookDelivery] = []
    with transaction.atomic():
        held = list(
            WebhookDelivery.objects.select_for_update()
            .filter(claim=token, pk__in=list(by_id))
            .only("pk", "endpoint_id", "number_id", "url", "attempts", "retry_until", "redelivery")
            .order_by("pk")
        )
        groups: dict[tuple, list[int]] = {}
        attempts = []
        for delivery in held:
            outcome = by_id[delivery.pk]
            number = delivery.attempts + 1
            values = {
                "claim": None,
                "redelivery": False,
                "last_attempt_at": outcome.at,
                "last_status_code": outcome.status_code,
                "last_error": outcome.error[:255],
            }
            if outcome.succeeded:
                values.update(status=WebhookDelivery.Status.SUCCEEDED, delivered_at=outcome.at, next_attempt_at=None)
            elif outcome.gone:
                values.update(
                    status=WebhookDelivery.Status.FAILED,
                    next_attempt_at=None,
                    last_error=(
                        "Gone: the number's webhook URL was cleared"
                        if delivery.number_id
                        else "Gone: the endpoint was switched off"
                    ),
                )
                if delivery.number_id:
                    gone_numbers.append(delivery)
                else:
                    gone_endpoints.add(delivery.endpoint_id)
            else:
                wait = None
                if outcome.status_code in (429, 503):
                    wait = parse_retry_after(outcome.retry_after, now=now)
                due = next_attempt_at(attempts=number, now=now, retry_until=delivery.retry_until, retry_after=wait)
                values["next_attempt_at"] = due
                if due is None:
                    values["status"] = WebhookDelivery.Status.FAILED
            groups.setdefault(tuple(sorted(values.items())), []).append(delivery.pk)
            attempts.append(
                WebhookAttempt(
                    delivery_id=delivery.pk,
                    number=number,
                    at=outcome.at,
                    url=delivery.url,
                    status_code=outcome.status_code,
                    error=outcome.error[:255],
                    latency_ms=outcome.latency_ms,
                    response_excerpt=outcome.excerpt,
                    request_headers=_loggable(outcome.headers),
                    succeeded=outcome.succeeded,
                    manual=delivery.redelivery,
                )
            )
        for values, ids in groups.items():
            WebhookDelivery.objects.filter(pk__in=ids).update(attempts=F("attempts") + 1, **dict(values))
        WebhookAttempt.objects.bulk_create(attempts)
        if gone_endpoints:
            _switch_off(gone_endpoints, now=now)
        for delivery in gone_numbers:
            _clear_number_url(delivery)


def _loggable(headers: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in headers.items() if key != "Content-Type"}


def _switch_off(endpoint_ids: set[int], *, now: datetime) -> None:
    from .tasks import webhook_disabled_notify_task

    reason = "The endpoint answered 410 Gone."
    for endpoint in WebhookEndpoint.objects.select_for_update().filter(pk__in=endpoint_ids, enabled=True):
        endpoint.enabled = False
        endpoint.disabled_reason = reason
        endpoint.disabled_at = now
        endpoint.save(update_fields=["enabled", "disabled_reason", "disabled_at", "updated_at"])
        audit_record(
            actor=None,
            account=endpoint.account,
            action="webhook.disabled",
            subject=endpoint,
            before={"enabled": True},
            after={"enabled": False, "reason": reason},
        )
        endpoint_id = endpoint.pk
        transaction.on_commit(lambda endpoint_id=endpoint_id: webhook_disabled_notify_task.delay(endpoint_id))


def _clear_number_url(delivery: WebhookDelivery) -> None:
    """A number's own URL answered 410: stop sending there (the number keeps its other settings)."""
    from numbers_app.models import Number

    number = Number.objects.select_for_update().filter(pk=delivery.number_id).first()
    if number is None:
        return
    before = {}
    for field_name in ("webhook_url", "sms_webhook_url", "voice_webhook_url"):
        if getattr(number, field_name) == delivery.url:
            before[field_name] = delivery.url
            setattr(number, field_name, "")
    if before:
        number.save(update_fields=[*before, "updated_at"])
        audit_record(
            actor=None,
            account=number.account,
            action="number.webhook_url_gone",
            subject=number,
            before=before,
            after={key: "" for key in before},
        )


def expire_stranded(*, now: datetime | None = None) -> int:
    """Deliveries waiting on a switched-off endpoint past their 24 hours have failed."""
    now = now or timezone.now()
    off = list(WebhookEndpoint.objects.filter(enabled=False).values_list("pk", flat=True)[:1000])
    if not off:
        return 0
    return WebhookDelivery.objects.filter(
        endpoint_id__in=off, status=WebhookDelivery.Status.PENDING, retry_until__lt=now, claim__isnull=True
    ).update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error="The endpoint is switched off.")


def send_batch(*, limit: int = BATCH, delivery_ids: list[int] | None = None) -> int:
    """Claim, send and record one batch; returns how many deliveries were attempted."""
    now = timezone.now()
    claimed = claim(limit=limit, now=now, delivery_ids=delivery_ids)
    if claimed is None:
        return 0
    token, ids = claimed
    deliveries = list(
        WebhookDelivery.objects.filter(pk__in=ids, claim=token).select_related("endpoint", "event").order_by("id")
    )
    outcomes = send_all(build_requests(deliveries, now=now))
    record(token=token, outcomes=outcomes)
    return len(outcomes)
