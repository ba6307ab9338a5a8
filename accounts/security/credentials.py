"""A person's own password and email address, each changed only with the current password."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User, login_key
from portal.errors import ValidationFailed

from .login import security_audit


def _check_current(user: User, password: str, field: str) -> None:
    if not password or not user.check_password(password):
        raise ValidationFailed(fields={field: [_("That is not your current password.")]})


def user_password_change(*, user: User, current_password: str, new_password: str, ip_address: str | None) -> User:
    """A new password (the portal's password rules apply). The caller ends the person's other sessions."""
    _check_current(user, current_password, "current_password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed(fields={"new_password": list(exc.messages)}) from None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        security_audit(action="password.changed", email=user.email, ip_address=ip_address)
    return user


def user_email_change(*, user: User, password: str, email: str, ip_address: str | None) -> User:
    """A new login email (lower-cased, not someone else's)."""
    _check_current(user, password, "password")
    email = login_key(email or "")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(fields={"email": [_("Enter a valid email address.")]}) from None
    if email == user.email:
        return user
    before = user.email
    try:
        with transaction.atomic():
            if User.objects.filter(email=email).exclude(pk=user.pk).exists():  # both spelled by login_key
                raise IntegrityError
            User.objects.filter(pk=user.pk).update(email=email)
            user.email = email
            security_audit(
                action="email.changed", email=email, ip_address=ip_address, after={"before": before, "after": email}
            )
    except IntegrityError:
        raise ValidationFailed(fields={"email": [_("Another login already uses this email address.")]}) from None
    return user
