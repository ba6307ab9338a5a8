"""Two-factor authentication: an authenticator app (TOTP, django-otp's device) and one-time recovery codes.

Enabling takes a code from the app, so nobody ends up with a second factor they cannot produce; it makes
a fresh set of recovery codes and ends the person's other sessions. DIDfarm staff must have a second
factor, and so must people on a reseller account that asks for it (its team, its client logins):
``two_factor_required``. API keys are not affected: a key is its own credential.

The TOTP secret is encrypted at rest (``AuthenticatorDevice``); recovery codes are kept as hashes.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import CLIENT_ROLES, AuthenticatorDevice, RecoveryCode, RecoveryCodeDevice, User
from portal.errors import PermissionDenied, ValidationFailed

from .login import security_audit

RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes get typed from paper


def recovery_code_digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").replace(" ", "").encode()).hexdigest()


def _new_recovery_code() -> str:
    body = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(12))
    return f"{body[:4]}-{body[4:8]}-{body[8:]}"


def has_two_factor(user: User) -> bool:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_required(user: User) -> bool:
    """DIDfarm staff always; anyone else when a reseller account they belong to asks it of its team
    (owners, admins, members) or of its client logins."""
    if user.is_staff and settings.TWO_FACTOR_REQUIRED_FOR_STAFF:
        return True
    return user.memberships.filter(
        Q(account__require_two_factor_team=True) & ~Q(role__in=CLIENT_ROLES)
        | Q(account__require_two_factor_clients=True, role__in=CLIENT_ROLES)
    ).exists()


def totp_secret(device: AuthenticatorDevice) -> str:
    """The secret as authenticator apps take it typed in (base32, in groups of four)."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_qr_svg(device: AuthenticatorDevice) -> str:
    """The otpauth:// link as an inline SVG QR code (made here: the secret never leaves for a QR service)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111", light="#fff", border=2)


def totp_setup_begin(*, user: User) -> AuthenticatorDevice:
    """A new, unconfirmed authenticator for ``user`` (an earlier unconfirmed one is dropped). It counts
    for nothing until ``totp_setup_confirm`` sees a code from it."""
    with transaction.atomic():
        AuthenticatorDevice.objects.filter(user=user, confirmed=False).delete()
        return AuthenticatorDevice.objects.create(user=user, name=_("Authenticator app")[:64], confirmed=False)


def totp_setup_pending(*, user: User, device_id: int | None) -> AuthenticatorDevice | None:
    if not device_id:
        return None
    return AuthenticatorDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()


def totp_setup_confirm(*, user: User, device: AuthenticatorDevice, code: str, ip_address: str | None) -> list[str]:
    """Switch two-factor on with the app's current code. Replaces any earlier app and recovery codes, and
    returns the new recovery codes (shown once). A wrong code → ``ValidationFailed``, nothing changes."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationFailed(_("Start the set-up again."))
    if not device.verify_token(_digits(code)):
        from accounts.branding.selectors import totp_issuer

        message = _("That code does not match. Check the app shows %(name)s and type the current code.") % {
            "name": totp_issuer(user)
        }
        raise ValidationFailed(fields={"code": [message]})
    with transaction.atomic():
        AuthenticatorDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user)
        security_audit(action="two_factor.enabled", email=user.email, ip_address=ip_address)
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    # The device stays (a session that logged in with a recovery code keeps pointing at it); its codes go.
    device = RecoveryCodeDevice.objects.filter(user=user).first() or RecoveryCodeDevice.objects.create(
        user=user, name=_("Recovery codes")[:64], confirmed=True
    )
    device.codes.all().delete()
    codes = [_new_recovery_code() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, code_hash=recovery_code_digest(c)) for c in codes)
    return codes


def recovery_codes_regenerate(*, user: User, ip_address: str | None) -> list[str]:
    """New recovery codes; the old ones stop working. Only for someone with two-factor on."""
    if not has_two_factor(user):
        raise ValidationFailed(_("Turn on two-factor authentication first."))
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        security_audit(action="two_factor.recovery_codes_regenerated", email=user.email, ip_address=ip_address)
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user).count()


def two_factor_disable(*, user: User, code: str, ip_address: str | None) -> None:
    """Switch two-factor off with a current code (from the app, or a recovery code). Refused for people
    who must have it (staff; an account's requirement)."""
    if two_factor_required(user):
        raise PermissionDenied(_("Two-factor authentication is required for your login, so it cannot be turned off."))
    if two_factor_verify(user=user, code=code) is None:
        raise ValidationFailed(fields={"code": [_("That code does not match.")]})
    with transaction.atomic():
        AuthenticatorDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()
        security_audit(action="two_factor.disabled", email=user.email, ip_address=ip_address)


def two_factor_verify(*, user: User, code: str):
    """The device a code belongs to (the app's current code, or an unused recovery code, which is used up
    by this), or None. Each device slows down repeated wrong codes (django-otp's throttling)."""
    code = (code or "").strip()
    if not code or len(code) > 32:
        return None
    # Six digits are the app's code; anything else can only be a recovery code. Each goes to its own kind
    # of device, so a mistyped recovery code does not slow down the app's codes, nor the other way round.
    compact = code.replace(" ", "")
    model = AuthenticatorDevice if compact.isdigit() and len(compact) == 6 else RecoveryCodeDevice
    with transaction.atomic():  # devices are locked while a code is checked: one code, one use
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(compact):
                return device
    return None


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())[:8]


def two_factor_satisfied(request) -> bool:
    """Whether this logged-in session may use the portal: its second factor was checked at login, or the
    person has none and needs none."""
    user = request.user
    if getattr(user, "is_verified", lambda: False)():
        return True
    return not has_two_factor(user) and not two_factor_required(user)


def two_factor_policy_set(*, actor, team: bool, clients: bool):
    """An owner or admin asks its team and/or its client logins to use two-factor authentication. People
    under the requirement who have none are sent to set it up at their next page. Audit row on a change."""
    from accounts.models import Account
    from accounts.services import audit_record

    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the account's owners and admins can do this."))
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=actor.account.pk)
        before = {"team": account.require_two_factor_team, "clients": account.require_two_factor_clients}
        after = {"team": bool(team), "clients": bool(clients)}
        if before != after:
            account.require_two_factor_team, account.require_two_factor_clients = after["team"], after["clients"]
            account.save(update_fields=["require_two_factor_team", "require_two_factor_clients"])
            audit_record(actor=actor, action="account.two_factor_required", subject=account, before=before, after=after)
    return account
