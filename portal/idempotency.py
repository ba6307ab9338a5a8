"""Idempotency-Key for POSTs that cost money or create things.

The first successful (2xx) response to a key is stored and replayed for 24 hours. The same key with
another body, on another endpoint or from another API key or user is refused with 422; a retry that
arrives while the first request is still running gets 409. A request that fails writes nothing (services
are atomic), so its key is released and a corrected retry may use it again. Keys are scoped per account.

The stored response is written in the same database transaction as the work it describes, so a crash can
never leave work done without its record (a retry would repeat it) or a record without its work.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from portal.errors import IdempotencyConflict, IdempotencyKeyReused, ValidationFailed
from portal.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A request still "running" after this long died with its process; the key may be taken over.
ABANDONED_AFTER = timedelta(minutes=10)


def request_fingerprint(*, method: str, route: str, caller: str, data) -> str:
    """What makes two requests "the same": method, endpoint (its route name and arguments, so /api/v1 and
    its /v1 mirror agree), the caller (API key or user) and the body (``_body_of``)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method.upper()} {route} {caller}\n{canonical}".encode()).hexdigest()


def _body_of(request):
    """The body as the fingerprint sees it: the JSON document, or for a multipart upload its fields with
    each file as its name and the SHA-256 of its bytes (the boundary differs on every send; the file may
    not, and another file under the same name must not look like a retry)."""
    files = getattr(request, "FILES", None)
    if not files:
        return request.data
    body: dict[str, list] = {}
    for name in sorted(request.data.keys()):
        if name not in files:
            body[name] = [str(value) for value in request.data.getlist(name)]
    for name in sorted(files.keys()):
        for upload in files.getlist(name):
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            body.setdefault(name, []).append({"name": upload.name, "sha256": digest.hexdigest()})
    return body


def _route_of(request) -> str:
    match = request.resolver_match
    if match is None:
        return request.path
    return match.url_name + "?" + "&".join(f"{k}={v}" for k, v in sorted(match.kwargs.items()))


def _caller_of(actor) -> str:
    return f"key:{actor.api_key.pk}" if actor.api_key is not None else f"user:{actor.user.pk}"


def _expired_before():
    return timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)


def begin(*, account, key: str, method: str, path: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    """Claim ``key`` for this request. Returns ``(record, replay)``: replay is True when ``record``
    holds a finished response to send back instead of running the request again."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    account=account, key=key, method=method, path=path, request_hash=fingerprint
                )
            return record, False
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(account=account, key=key).first()
            if record is None:
                continue  # released between our insert and our read: claim it again
            stale = record.created_at < _expired_before() or (
                record.state == IdempotencyRecord.State.RUNNING and record.created_at < timezone.now() - ABANDONED_AFTER
            )
            if stale:
                IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).delete()
                continue
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused() from None
            if record.state == IdempotencyRecord.State.RUNNING:
                raise IdempotencyConflict() from None
            return record, True
    raise IdempotencyConflict()


def finish(record: IdempotencyRecord, *, status: int, body) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.State.DONE, response_status=status, response_body=body
    )


def release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, state=IdempotencyRecord.State.RUNNING).delete()


def purge_expired() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=_expired_before()).delete()
    return deleted


class _NotStored(Exception):
    def __init__(self, response):
        self.response = response


def idempotent(view_method):
    """Decorate a DRF view's ``post`` to honour the ``Idempotency-Key`` header."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ValidationFailed(
                fields={
                    HEADER: [_("Use a unique string of 1 to %(n)d characters, such as a UUID.") % {"n": MAX_KEY_LENGTH}]
                }
            )
        actor = request.auth
        fingerprint = request_fingerprint(
            method=request.method, route=_route_of(request), caller=_caller_of(actor), data=_body_of(request)
        )
        record, replay = begin(
            account=actor.account, key=key, method=request.method, path=request.path, fingerprint=fingerprint
        )
        if replay:
            return Response(
                record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"}
            )
        try:
            # The view's work and the stored response commit together, or not at all.
            with transaction.atomic():
                response = view_method(self, request, *args, **kwargs)
                if not 200 <= response.status_code < 300:
                    raise _NotStored(response)
                finish(record, status=response.status_code, body=response.data)
        except _NotStored as not_stored:
            release(record)
            return not_stored.response
        except BaseException:
            release(record)
            raise
        return response

    wrapper.idempotent = True
    return wrapper
