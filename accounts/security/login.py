"""Login lockouts (django-axes counts the failures; here they become audit rows) and password-reset limits.

A lockout or a refused reset writes one audit row per email address or client address per window, not
one per attempt: someone hammering the form cannot flood the audit log.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.dispatch import receiver

from accounts.actor import membership_for
from accounts.models import AuditLog, User, login_key
from portal import ratelimit

HOUR_MS = 3_600_000


def attempted_username(request, credentials: dict | None) -> str | None:
    """The login typed, as the portal compares it (emails in any case are one login)."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get(settings.AXES_USERNAME_FORM_FIELD)
    return login_key(value) if isinstance(value, str) else value


def security_audit(
    *, action: str, email: str, ip_address: str | None, after: dict[str, Any] | None = None, once_per_s: int = 0
) -> AuditLog | None:
    """An audit row about a login or a password reset, made before anyone is logged in: attached to the
    person (and the account they work in) when the email is someone's. With ``once_per_s``, only the first
    such event for this action, email and address in that many seconds is written."""
    if once_per_s:
        marker = hashlib.sha256(f"{action}|{email}|{ip_address}".encode()).hexdigest()
        if not cache.add(f"didfarm:audit-once:{marker}", 1, timeout=once_per_s):
            return None
    user = User.objects.filter(email=login_key(email)).first() if email else None
    membership = membership_for(user) if user else None
    return AuditLog.objects.create(
        account=membership.account if membership else None,
        user=user,
        actor_label=(email or "?")[:200],
        action=action,
        subject_type="user",
        subject_id=str(user.pk) if user else "",
        subject_label=(email or "")[:200],
        after=after,
        ip_address=ip_address,
    )


# django-axes announces a lockout with this signal (its only hook): the login form's owner gets an audit
# row. The lockout itself and the page shown are axes' and ``views.locked_out``'s.
def _on_locked_out(sender, request, username, ip_address, **kwargs):
    security_audit(
        action="login.locked_out",
        email=username or "",
        ip_address=ip_address,
        after={"failures": getattr(request, "axes_failures_since_start", None), "minutes": lockout_minutes()},
        once_per_s=lockout_minutes() * 60,
    )


def connect_signals() -> None:
    from axes.signals import user_locked_out

    receiver(user_locked_out, dispatch_uid="didfarm-login-locked-out")(_on_locked_out)


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def password_reset_allowed(*, email: str, ip_address: str | None) -> bool:
    """Whether one more reset email may go to ``email`` for a request from ``ip_address``: at most
    PASSWORD_RESET_LIMIT_PER_EMAIL an hour per email and PASSWORD_RESET_LIMIT_PER_ADDRESS per address.
    A refusal writes an audit row (once an hour per email and address); the caller answers exactly as
    if the email had gone, so the page tells nobody whether an address has a login."""
    email = login_key(email or "")
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    by_address = ratelimit.hit(
        f"pwreset:ip:{ip_address or '-'}", limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS, window_ms=HOUR_MS
    )
    allowed = by_address.allowed
    if allowed:
        by_email = ratelimit.hit(
            f"pwreset:email:{digest}", limit=settings.PASSWORD_RESET_LIMIT_PER_EMAIL, window_ms=HOUR_MS
        )
        allowed = by_email.allowed
    if not allowed:
        security_audit(
            action="password_reset.throttled",
            email=email,
            ip_address=ip_address,
            after={"limit": "address" if not by_address.allowed else "email"},
            once_per_s=3600,
        )
    return allowed


def login_unlock(*, user: User, by: User) -> int:
    """Staff end a lockout early: the failed attempts recorded for this person's email go (the lockout by
    client address stays until its time is up). Audit row; returns how many records were cleared."""
    from axes.utils import reset

    cleared = reset(username=user.email)
    security_audit(
        action="login.unlocked", email=user.email, ip_address=None, after={"by": by.email, "cleared": cleared}
    )
    return cleared
