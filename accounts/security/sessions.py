"""The browsers a person is logged in on: a row per session, written at login and touched at most once a
minute, so the account page can list them and end any of them. Ending one deletes the session itself
from the session store: that browser's next request is logged out."""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import LoginSession, User
from portal.errors import NotFound, ValidationFailed
from portal.ip import client_ip

from .login import security_audit

TOUCH_EVERY_S = 60
SEEN = "_didfarm_seen"


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def login_session_record(request) -> None:
    """After a login (or a password change, which gives the session a new key): this browser's row."""
    session = request.session
    if session.session_key is None:
        session.save()
    LoginSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": request.user,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "ip_address": client_ip(request),
            "last_seen_at": timezone.now(),
        },
    )
    session[SEEN] = int(time.time())


def login_session_touch(request) -> None:
    """Keep "last seen" current, writing at most once a minute per session. A session logged in before
    the list existed (or by a test's force_login) gets its row here."""
    session = request.session
    seen = session.get(SEEN, 0)
    now = int(time.time())
    if now - seen < TOUCH_EVERY_S or session.session_key is None:
        return
    updated = LoginSession.objects.filter(session_key=session.session_key, user=request.user).update(
        last_seen_at=timezone.now(), ip_address=client_ip(request)
    )
    if not updated:
        login_session_record(request)
    session[SEEN] = now


def login_session_list(*, user: User) -> list[LoginSession]:
    """The person's sessions that still exist, newest activity first (rows of sessions that expired or were
    logged out are dropped on the way)."""
    store = _store()
    rows = list(LoginSession.objects.filter(user=user).order_by("-last_seen_at", "-id"))
    alive = [row for row in rows if store().exists(row.session_key)]
    gone = [row.pk for row in rows if row not in alive]
    if gone:
        LoginSession.objects.filter(pk__in=gone).delete()
    return alive


def login_session_forget(session_key: str | None) -> None:
    """At logout: the row goes with the session."""
    if session_key:
        LoginSession.objects.filter(session_key=session_key).delete()


def login_session_end(*, user: User, session_id: int, current_key: str | None, ip_address: str | None) -> None:
    """Log one of the person's other browsers out. The current one logs out with "Log out"."""
    row = LoginSession.objects.filter(user=user, pk=session_id).first()
    if row is None:
        raise NotFound(_("That session has already ended."))
    if row.session_key == current_key:
        raise ValidationFailed(_("This is the session you are using: log out instead."))
    with transaction.atomic():
        _store()(session_key=row.session_key).delete()
        row.delete()
        security_audit(
            action="session.ended",
            email=user.email,
            ip_address=ip_address,
            after={"device": row.user_agent[:100], "ip_address": row.ip_address},
        )


def login_sessions_end_others(*, user: User, current_key: str | None, ip_address: str | None, reason: str) -> int:
    """Log the person out everywhere but here (after a password change, or on request). Returns how many."""
    store = _store()
    rows = list(LoginSession.objects.filter(user=user).exclude(session_key=current_key or ""))
    with transaction.atomic():
        for row in rows:
            store(session_key=row.session_key).delete()
        LoginSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
        if rows:
            security_audit(
                action="session.ended_others",
                email=user.email,
                ip_address=ip_address,
                after={"count": len(rows), "reason": reason},
            )
    return len(rows)
