"""Who is asking. Every selector and service takes an ``Actor``, resolved either from a logged-in
session (through the user's membership) or from an API key."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from portal.errors import PermissionDenied

from .models import ACCOUNT_ROLES, Account, ApiKey, Client, Membership, Role, User


@dataclass(frozen=True)
class Actor:
    account: Account
    role: str
    user: User | None = None
    api_key: ApiKey | None = None
    client: Client | None = None
    read_only: bool = False
    ip_address: str | None = None

    @property
    def label(self) -> str:
        if self.api_key is not None:
            return f"API key {self.api_key.masked}"
        return self.user.email if self.user else "system"

    @property
    def is_client_scoped(self) -> bool:
        return self.client is not None

    @property
    def can_write(self) -> bool:
        return not self.read_only and self.role != Role.CLIENT_VIEWER

    @property
    def can_administer(self) -> bool:
        """Owners and admins (and full account-wide API keys) manage clients, keys and settings."""
        return self.can_write and self.role in {Role.OWNER, Role.ADMIN}

    @property
    def can_manage_team(self) -> bool:
        """Inviting people is done by a person, never by an API key."""
        return self.can_administer and self.api_key is None

    @property
    def can_view_audit(self) -> bool:
        return self.role in {Role.OWNER, Role.ADMIN} and not self.is_client_scoped

    @property
    def can_see_wallet(self) -> bool:
        return self.role in ACCOUNT_ROLES

    def require_write(self) -> None:
        if not self.can_write:
            raise PermissionDenied(_("This key or role is read-only."))

    def require_admin(self) -> None:
        if not self.can_administer:
            raise PermissionDenied(_("Only the account's owners and admins can do this."))


def access_blocked_reason(*, account: Account, client: Client | None) -> str | None:
    """Why an otherwise valid login or key may not act right now, or None."""
    if account.status != Account.Status.ACTIVE:
        if client is not None:  # the reseller's client is sent to the reseller, under its brand
            from .branding.selectors import look_of, support_label

            return str(
                _("Access is paused for now; contact %(support)s.") % {"support": support_label(look_of(account))}
            )
        return str(_("This account is suspended; contact DIDfarm support."))
    if client is not None and not client.is_active:
        return str(
            _("Access for %(client)s is paused; ask %(account)s to reactivate it.")
            % {"client": client.name, "account": account.name}
        )
    return None


def actor_from_membership(membership: Membership, *, ip_address: str | None = None) -> Actor:
    return Actor(
        account=membership.account,
        role=membership.role,
        user=membership.user,
        client=membership.client,
        read_only=membership.role == Role.CLIENT_VIEWER,
        ip_address=ip_address,
    )


def actor_from_api_key(key: ApiKey, *, ip_address: str | None = None) -> Actor:
    if key.client_id:
        role = Role.CLIENT_VIEWER if key.read_only else Role.CLIENT_ADMIN
    else:
        role = Role.ADMIN
    return Actor(
        account=key.account,
        role=role,
        api_key=key,
        client=key.client,
        read_only=key.read_only,
        ip_address=ip_address,
    )


def system_actor(account: Account, *, user: User | None = None) -> Actor:
    """For work the platform does on an account's behalf: tasks (no user) or DIDfarm staff (their user)."""
    return Actor(account=account, role=Role.OWNER, user=user)


def membership_for(user: User, account_id: int | None = None) -> Membership | None:
    # The account's brand comes along (without its logo's bytes): every page of a client shows it.
    memberships = (
        Membership.objects.select_related("account", "account__brand", "client", "user")
        .defer("account__brand__logo")
        .filter(user=user)
    )
    if account_id is not None:
        chosen = memberships.filter(account_id=account_id).first()
        if chosen is not None:
            return chosen
    return memberships.order_by("created_at", "id").first()
