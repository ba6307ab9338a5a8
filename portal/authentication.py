"""Who is calling the API, whether they may, and how often: authentication by API key (or portal
session), the read-only rule and the per-key rate limit. Kept apart from ``portal.api`` because DRF
imports these classes while it is itself being imported."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import BaseThrottle

from accounts.actor import (
    Actor,
    access_blocked_reason,
    actor_from_api_key,
    actor_from_membership,
    membership_for,
)
from accounts.security.two_factor import two_factor_satisfied
from accounts.services import api_key_authenticate
from portal import ratelimit
from portal.ip import client_ip

KEY_HEADERS = ("X-API-Key", "Api-Key")


# --- Authentication ------------------------------------------------------------------------------


def presented_key(request) -> str | None:
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth:
        scheme, _sep, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    for header in KEY_HEADERS:
        value = request.headers.get(header)
        if value and value.strip():
            return value.strip()
    return None


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer <key>``, or the ``X-API-Key`` / ``Api-Key`` header."""

    def authenticate(self, request):
        plaintext = presented_key(request)
        if plaintext is None:
            return None
        key = api_key_authenticate(plaintext, ip_address=client_ip(request))
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid or has been revoked."))
        blocked = access_blocked_reason(account=key.account, client=key.client)
        if blocked:
            raise exceptions.PermissionDenied(blocked)
        return None, actor_from_api_key(key, ip_address=client_ip(request))

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class PortalSessionAuthentication(SessionAuthentication):
    """A logged-in portal user (for the docs page and the portal's own scripts); CSRF is enforced."""

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if not user or not user.is_active or not user.is_authenticated:
            return None
        if not two_factor_satisfied(request._request):  # a second factor owed: no API through this session
            return None
        membership = membership_for(user, request._request.session.get("account_id"))
        if membership is None:
            return None
        self.enforce_csrf(request)
        blocked = access_blocked_reason(account=membership.account, client=membership.client)
        if blocked:
            raise exceptions.PermissionDenied(blocked)
        return user, actor_from_membership(membership, ip_address=client_ip(request))


# --- Permissions ---------------------------------------------------------------------------------


class HasActor(BasePermission):
    def has_permission(self, request, view):
        if not isinstance(request.auth, Actor):
            raise exceptions.NotAuthenticated(
                _("Send your API key as 'Authorization: Bearer df_live_sk_…' (or in the X-API-Key or Api-Key header).")
            )
        return True


class ReadOnlyKeyCannotWrite(BasePermission):
    message = _("This API key is read-only; use a full-access key (df_live_sk_…) for changes.")

    def has_permission(self, request, view):
        actor = request.auth
        return request.method in SAFE_METHODS or (isinstance(actor, Actor) and actor.can_write)


# --- Throttling ----------------------------------------------------------------------------------


class ApiKeyRateThrottle(BaseThrottle):
    """Requests a minute per account, exact across processes: all of an account's API keys draw on one
    bucket, so more keys never mean more requests (portal sessions count per user)."""

    def allow_request(self, request, view):
        actor = request.auth
        if not isinstance(actor, Actor):
            return True
        bucket = f"api:account:{actor.account.pk}" if actor.api_key else f"api:user:{actor.user.pk}"
        decision = ratelimit.hit(
            bucket,
            limit=actor.account.effective_api_rate_limit,
            window_ms=settings.API_RATE_LIMIT_WINDOW_SECONDS * 1000,
        )
        request._rate_decision = decision
        return decision.allowed

    def wait(self):
        return None


def rate_limit_headers(decision: ratelimit.Decision) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset_at),
    }
