"""Writes for identity and access: accounts, clients, team members, API keys and the audit log."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal import events
from portal.db.rows import Lookup
from portal.errors import (
    AddressNotAllowed,
    ApiKeyExpired,
    ApiKeyLimitReached,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from portal.l10n import for_records
from portal.mail import send_in_languages

from . import keys
from .actor import Actor, system_actor
from .models import CLIENT_ROLES, Account, ApiKey, AuditLog, Client, Membership, Role, User


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    subject,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    account: Account | None = None,
) -> AuditLog:
    """Add one audit row for a state change. Call inside the transaction that makes the change."""
    with for_records():
        subject_label = str(subject)[:200]
    return AuditLog.objects.create(
        account=account or (actor.account if actor else None),
        user=actor.user if actor else None,
        api_key=actor.api_key if actor else None,
        actor_label=actor.label if actor else "system",
        action=action,
        subject_type=subject._meta.model_name,
        subject_id=str(getattr(subject, "public_id", subject.pk)),
        subject_label=subject_label,
        before=before,
        after=after,
        ip_address=actor.ip_address if actor else None,
    )


# --- People --------------------------------------------------------------------------------------


def user_language_set(*, user: User, language: str) -> User:
    """Save the language a person reads the portal (and its emails) in; blank follows the browser.
    A language the portal does not offer → ``ValidationFailed``, nothing written."""
    language = (language or "").strip().lower()
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationFailed(
            _("The portal is not available in this language."), fields={"language": [_("Choose a listed language.")]}
        )
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
    return user


# --- Reseller accounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResellerCreated:
    account: Account
    owner: User
    api_key: str
    read_only_key: str


def reseller_create(
    *,
    name: str,
    owner_email: str,
    owner_password: str | None = None,
    created_by: User | None = None,
) -> ResellerCreated:
    """Open a reseller's account: the account, its owner login (invited by email unless given a password)
    and two API keys. Its wallet and opening balance are billing's (``billing.services.reseller_onboard``,
    which calls this in its transaction)."""
    name = name.strip()
    owner_email = owner_email.strip().lower()
    if not name:
        raise ValidationFailed(fields={"name": [_("A name is required.")]})
    with transaction.atomic():
        account = Account.objects.create(name=name, billing_email=owner_email)
        owner = User.objects.filter(email=owner_email).first()
        if owner is None:
            owner = User.objects.create_user(owner_email, owner_password)
            if owner_password is None:
                transaction.on_commit(lambda: _send_invitation(owner, account))
        Membership.objects.create(user=owner, account=account, role=Role.OWNER)
        actor = system_actor(account, user=created_by)
        audit_record(actor=actor, action="account.created", subject=account, after={"name": name})
        full = api_key_create(actor=actor, name=_("Default key"), read_only=False)[1]
        read_only = api_key_create(actor=actor, name=_("Default read-only key"), read_only=True)[1]
    return ResellerCreated(account=account, owner=owner, api_key=full, read_only_key=read_only)


def account_update(*, actor: Actor, account: Account, **changes: Any) -> Account:
    """Staff change an account's status or API rate limit (None = platform default), with an audit row."""
    allowed = {
        "status",
        "suspension_reason",
        "suspension_note",
        "api_rate_limit",
        "sms_rate_limit",
        "api_key_limit",
        "name",
        "billing_email",
        "require_two_factor_team",
        "require_two_factor_clients",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(fields={field: [_("This field cannot be changed here.")] for field in unknown})
    if "status" in changes and changes["status"] not in Account.Status.values:
        raise ValidationFailed(fields={"status": [_("Unknown status.")]})
    if changes.get("api_rate_limit") is not None and int(changes["api_rate_limit"]) < 1:
        raise ValidationFailed(fields={"api_rate_limit": [_("At least one request a minute.")]})
    if changes.get("api_key_limit") is not None and int(changes["api_key_limit"]) < 1:
        raise ValidationFailed(fields={"api_key_limit": [_("At least one key.")]})
    if changes.get("sms_rate_limit") is not None and int(changes["sms_rate_limit"]) < 1:
        raise ValidationFailed(fields={"sms_rate_limit": [_("At least one message a second.")]})
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        before = {field: getattr(locked, field) for field in changes}
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(changes))
        after = {field: getattr(locked, field) for field in changes}
        changed = {f for f in changes if before[f] != after[f]}
        if changed:
            audit_record(
                actor=actor,
                action="account.updated",
                subject=locked,
                before={f: before[f] for f in changed},
                after={f: after[f] for f in changed},
                account=locked,
            )
    return locked


# --- Clients -------------------------------------------------------------------------------------


def _client_snapshot(client: Client) -> dict[str, Any]:
    return {"name": client.name, "email": client.email, "reference": client.reference, "is_active": client.is_active}


def client_create(
    *,
    actor: Actor,
    name: str,
    email: str = "",
    reference: str = "",
    admin_email: str = "",
    admin_name: str = "",
) -> Client:
    """Create an end client and, optionally, invite its client admin."""
    actor.require_admin()
    if actor.is_client_scoped:
        raise PermissionDenied(_("A client-scoped key or login cannot create clients."))
    name = name.strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("A name is required.")]})
    try:
        with transaction.atomic():
            client = Client.objects.create(
                account=actor.account, name=name, email=email.strip().lower(), reference=reference.strip()
            )
            audit_record(actor=actor, action="client.created", subject=client, after=_client_snapshot(client))
            events.record(
                "client.created",
                account=actor.account,
                client=client,
                subject_type="client",
                subject_id=client.public_id,
                data={"client_id": client.pk, "name": client.name, "reference": client.reference},
            )
            if admin_email:
                member_invite(
                    actor=actor, email=admin_email, full_name=admin_name, role=Role.CLIENT_ADMIN, client=client
                )
    except IntegrityError as exc:
        raise ValidationFailed(fields={"name": [_("You already have a client with this name.")]}) from exc
    return client


def client_update(*, actor: Actor, client: Client, **changes: Any) -> Client:
    actor.require_admin()
    allowed = {"name", "email", "reference", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(fields={field: [_("This field cannot be changed.")] for field in unknown})
    if "name" in changes and not str(changes["name"]).strip():
        raise ValidationFailed(fields={"name": [_("A name is required.")]})
    try:
        with transaction.atomic():
            locked = Client.objects.select_for_update().get(pk=client.pk, account=actor.account)
            before = _client_snapshot(locked)
            for field, value in changes.items():
                setattr(locked, field, value.strip() if isinstance(value, str) else value)
            locked.save()
            after = _client_snapshot(locked)
            if after != before:
                audit_record(actor=actor, action="client.updated", subject=locked, before=before, after=after)
                events.record(
                    "client.updated",
                    account=actor.account,
                    client=locked,
                    subject_type="client",
                    subject_id=locked.public_id,
                    data={"client_id": locked.pk, **after},
                )
    except IntegrityError as exc:
        raise ValidationFailed(fields={"name": [_("You already have a client with this name.")]}) from exc
    return locked


# --- Team ----------------------------------------------------------------------------------------


def member_invite(
    *, actor: Actor, email: str, role: str, client: Client | None = None, full_name: str = "", notify: bool = True
) -> Membership:
    """Give a person a role on the account (or on one client) and email them a link to set a password.

    Owners and admins invite anyone; nobody can grant a role above their own."""
    actor.require_admin()
    if role not in CLIENT_ROLES and not actor.can_manage_team:
        raise PermissionDenied(_("Team members are invited by an owner or admin in the portal."))
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Unknown role.")]})
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise PermissionDenied(_("Only an owner can add another owner."))
    if role in CLIENT_ROLES and client is None:
        raise ValidationFailed(fields={"client": [_("Choose the client this person may see.")]})
    if role not in CLIENT_ROLES:
        client = None
    if client is not None and client.account_id != actor.account.pk:
        raise NotFound(_("Client not found."))
    with transaction.atomic():
        found = User.objects.filter(email=email).first()
        created = found is None
        user = found or User.objects.create_user(email, None, full_name=full_name.strip())
        if Membership.objects.filter(user=user, account=actor.account).exists():
            raise ValidationFailed(fields={"email": [_("This person is already on your team.")]})
        membership = Membership.objects.create(user=user, account=actor.account, role=role, client=client)
        audit_record(
            actor=actor,
            action="member.invited",
            subject=membership,
            after={"email": email, "role": role, "client": client.public_id if client else None},
        )
        if notify:
            send = _send_invitation if created else _send_access_notice
            transaction.on_commit(lambda: send(user, actor.account, client))
    return membership


def member_remove(*, actor: Actor, membership: Membership) -> None:
    """Take a person's access away. Only an owner removes an owner, and an account keeps one owner:
    the account row is locked while owners are counted, so two owners cannot remove each other at once."""
    actor.require_admin()
    if membership.account_id != actor.account.pk:
        raise NotFound()
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise PermissionDenied(_("Only an owner can remove an owner."))
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=actor.account.pk)
        if membership.role == Role.OWNER:
            owners = Membership.objects.filter(account=actor.account, role=Role.OWNER).count()
            if owners <= 1:
                raise ValidationFailed(_("An account keeps at least one owner."))
        audit_record(
            actor=actor,
            action="member.removed",
            subject=membership,
            before={"email": membership.user.email, "role": membership.role},
        )
        membership.delete()


def _acting_role(actor: Actor) -> str:
    """The actor's role as it is now (read under the account lock the caller holds): a role taken away a
    moment ago no longer counts."""
    if actor.user is None:
        return actor.role
    current = Membership.objects.filter(account=actor.account, user=actor.user).values_list("role", flat=True).first()
    return current or ""


def _other_owners(account: Account, membership: Membership) -> int:
    return Membership.objects.filter(account=account, role=Role.OWNER).exclude(pk=membership.pk).count()


def _member_snapshot(membership: Membership) -> dict[str, Any]:
    return {"role": membership.role, "client": membership.client.public_id if membership.client is not None else None}


def member_role_change(*, actor: Actor, membership: Membership, role: str, client: Client | None = None) -> Membership:
    """Give a team member another role; a client role names the one client it covers.

    Done by an owner or admin in the portal (never by an API key). Nobody grants a role above their own:
    only an owner makes someone an owner or changes an owner's role. An account keeps at least one owner,
    so the last owner is not demoted. The account row is locked while owners are counted (and the actor's
    own role is read again under that lock), so two owners cannot demote each other at once. Writes an
    audit row with the role before and after; changing nothing writes nothing."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Roles are changed by an owner or admin in the portal."))
    if membership.account_id != actor.account.pk:
        raise NotFound(_("Team member not found."))
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Unknown role.")]})
    if role in CLIENT_ROLES and client is None:
        raise ValidationFailed(fields={"client": [_("Choose the client this person may see.")]})
    if role not in CLIENT_ROLES:
        client = None
    if client is not None and client.account_id != actor.account.pk:
        raise NotFound(_("Client not found."))
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=actor.account.pk)
        locked = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "client")
            .filter(pk=membership.pk, account=account)
            .first()
        )
        if locked is None:
            raise NotFound(_("Team member not found."))
        acting = _acting_role(actor)
        if acting not in {Role.OWNER, Role.ADMIN}:
            raise PermissionDenied(_("Only the account's owners and admins can do this."))
        if acting != Role.OWNER and Role.OWNER in {role, locked.role}:
            raise PermissionDenied(_("Only an owner can make someone an owner or change an owner's role."))
        before = _member_snapshot(locked)
        after = {"role": role, "client": client.public_id if client else None}
        if before == after:
            return locked
        if locked.role == Role.OWNER and role != Role.OWNER and not _other_owners(account, locked):
            raise ValidationFailed(_("An account keeps at least one owner: make someone else an owner first."))
        locked.role, locked.client = role, client
        locked.save(update_fields=["role", "client"])
        audit_record(
            actor=actor,
            action="member.role_changed",
            subject=locked,
            before={"email": locked.user.email, **before},
            after={"email": locked.user.email, **after},
        )
    return locked


def member_invitation_resend(*, actor: Actor, membership: Membership) -> Membership:
    """Email a pending invitation again: a fresh link to choose a password (earlier links keep working
    until one of them is used). For people who have not accepted yet; the email goes after commit."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Invitations are sent by an owner or admin in the portal."))
    if membership.account_id != actor.account.pk:
        raise NotFound(_("Team member not found."))
    user = membership.user
    if not membership.is_pending:
        raise ValidationFailed(_("%(email)s has already accepted the invitation.") % {"email": user.email})
    with transaction.atomic():
        audit_record(actor=actor, action="member.invitation_resent", subject=membership, after={"email": user.email})
        account, client = actor.account, membership.client
        transaction.on_commit(lambda: _send_invitation(user, account, client))
    return membership


def member_invitation_revoke(*, actor: Actor, membership: Membership) -> None:
    """Withdraw an invitation nobody has accepted yet: the membership goes and, unless the person is
    invited to another account too, the link in the email stops working (a new unusable password changes
    what the link's token was made from). The owner rules of ``member_remove`` apply."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Invitations are withdrawn by an owner or admin in the portal."))
    if membership.account_id != actor.account.pk:
        raise NotFound(_("Team member not found."))
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=actor.account.pk)
        locked = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "client")
            .filter(pk=membership.pk, account=account)
            .first()
        )
        if locked is None:
            raise NotFound(_("Team member not found."))
        if not locked.is_pending:
            raise ValidationFailed(
                _("%(email)s has already accepted the invitation; remove them from the team instead.")
                % {"email": locked.user.email}
            )
        if locked.role == Role.OWNER:
            if _acting_role(actor) != Role.OWNER:
                raise PermissionDenied(_("Only an owner can remove an owner."))
            if not _other_owners(account, locked):
                raise ValidationFailed(_("An account keeps at least one owner."))
        audit_record(
            actor=actor,
            action="member.invitation_revoked",
            subject=locked,
            before={"email": locked.user.email, **_member_snapshot(locked)},
        )
        user = locked.user
        locked.delete()
        if not Membership.objects.filter(user=user).exists():
            user.set_unusable_password()
            user.save(update_fields=["password"])


def _email_brand(account: Account, client: Client | None):
    """The name, sender and address of emails about access: the reseller's brand for its clients' logins,
    the platform for its own people."""
    from .branding.selectors import look_of, portal_url, sender_for

    if client is None:
        return "DIDfarm", None, settings.PUBLIC_URL
    look = look_of(account)
    return look.name, sender_for(look), portal_url(look)


def _send_access_notice(user: User, account: Account, client: Client | None = None) -> None:
    """For someone who already has a login: no password to set, just the news. In their language, or the
    inviter's when they never chose one."""
    brand, sender, base = _email_brand(account, client)
    name = client.name if client is not None else account.name

    def compose() -> tuple[str, str]:
        subject = _("You now have access to %(account)s on %(brand)s") % {"account": name, "brand": brand}
        body = _(
            "Hello,\n\nYou now have access to %(account)s on the %(brand)s portal. Log in as usual with "
            "%(email)s at %(url)s and choose %(account)s at the top of the page.\n"
        ) % {"account": name, "brand": brand, "email": user.email, "url": base + reverse("login")}
        return subject, body

    send_in_languages(
        people=[(user.email, user.language)], compose=compose, default_language=get_language(), sender=sender
    )


def _send_invitation(user: User, account: Account, client: Client | None = None) -> None:
    brand, sender, base = _email_brand(account, client)
    name = client.name if client is not None else account.name
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = base + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})

    def compose() -> tuple[str, str]:
        subject = _("You have been invited to %(account)s on %(brand)s") % {"account": name, "brand": brand}
        body = _(
            "Hello,\n\nYou now have access to %(account)s on the %(brand)s portal.\n"
            "Choose your password here:\n\n%(link)s\n\nYour login is %(email)s.\n"
        ) % {"account": name, "brand": brand, "link": link, "email": user.email}
        return subject, body

    send_in_languages(
        people=[(user.email, user.language)], compose=compose, default_language=get_language(), sender=sender
    )


# --- API keys ------------------------------------------------------------------------------------


MAX_ALLOWED_NETWORKS = 50


def _allowed_networks(values: list[str] | None) -> list[str]:
    """Addresses and CIDR ranges, IPv4 or IPv6, written the canonical way (``2001:db8::/32``, a lone address
    as itself). A range with host bits set (``10.1.2.3/8``) is refused rather than guessed at."""
    normalised: list[str] = []
    errors: list[str] = []
    for raw in values or []:
        text = str(raw).strip()
        if not text:
            continue
        try:
            network = ipaddress.ip_network(text, strict=True)
        except ValueError:
            errors.append(
                _("%(value)s is not an IP address or a range such as 203.0.113.0/24 or 2001:db8::/32.")
                % {"value": text[:60]}
            )
            continue
        single = network.num_addresses == 1
        value = str(network.network_address) if single else str(network)
        if value not in normalised:
            normalised.append(value)
    if errors:
        raise ValidationFailed(fields={"allowed_ips": errors})
    if len(normalised) > MAX_ALLOWED_NETWORKS:
        raise ValidationFailed(
            fields={"allowed_ips": [_("At most %(n)d addresses or ranges per key.") % {"n": MAX_ALLOWED_NETWORKS}]}
        )
    return normalised


def api_key_create(
    *,
    actor: Actor,
    name: str,
    read_only: bool,
    client: Client | None = None,
    expires_at: datetime | None = None,
    allowed_ips: list[str] | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its plaintext, which is never stored and never shown again.

    A client-scoped actor can only make keys for its own client, and a read-only one none at all.
    ``expires_at`` (in the future) ends the key by itself; ``allowed_ips`` (addresses and CIDR ranges)
    limits where requests with it may come from. An account has at most ``effective_api_key_limit``
    active keys: the account row is locked while they are counted, so keys created at the same moment
    cannot pass the cap together; one too many → ``ApiKeyLimitReached``, nothing written."""
    actor.require_write()
    if actor.client is not None:  # a client-scoped actor: its keys are its client's
        if client is not None and client.pk != actor.client.pk:
            raise NotFound(_("Client not found."))
        client = actor.client
    elif not actor.can_administer:
        raise PermissionDenied(_("Only the account's owners and admins can create API keys."))
    if client is not None and client.account_id != actor.account.pk:
        raise NotFound(_("Client not found."))
    name = name.strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("Give the key a name, such as the system that uses it.")]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed(fields={"expires_at": [_("Choose a moment in the future, or no expiry.")]})
    networks = _allowed_networks(allowed_ips)
    plaintext = keys.generate(read_only=read_only)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=actor.account.pk)
        active = api_key_active_count(account=account)
        if active >= account.effective_api_key_limit:
            raise ApiKeyLimitReached(
                _(
                    "This account already has %(n)d active API keys, the most it may have. Revoke a key you "
                    "no longer use, then create this one."
                )
                % {"n": active}
            )
        key = ApiKey.objects.create(
            account=actor.account,
            client=client,
            name=name[:100],
            read_only=read_only,
            prefix=keys.display_prefix(plaintext),
            last_four=plaintext[-4:],
            key_hash=keys.digest(plaintext),
            created_by=actor.user,
            expires_at=expires_at,
            allowed_ips=networks,
        )
        audit_record(
            actor=actor,
            action="api_key.created",
            subject=key,
            after={
                "name": key.name,
                "read_only": read_only,
                "masked": key.masked,
                "client": client.public_id if client else None,
                "expires_at": expires_at,
                "allowed_ips": networks,
            },
        )
    return key, plaintext


def api_key_active_count(*, account: Account) -> int:
    """Keys that still work: neither revoked nor expired."""
    now = timezone.now()
    return (
        ApiKey.objects.filter(account=account, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .count()
    )


def api_key_revoke(*, actor: Actor, key: ApiKey) -> ApiKey:
    """Revoke a key; the very next request made with it is refused. Revoking twice changes nothing."""
    actor.require_write()
    if actor.client is not None and key.client_id != actor.client.pk:  # (a client-scoped actor)
        raise NotFound(_("API key not found."))
    if not actor.is_client_scoped and not actor.can_administer:
        raise PermissionDenied(_("Only the account's owners and admins can revoke API keys."))
    with transaction.atomic():
        updated = ApiKey.objects.filter(pk=key.pk, account=actor.account, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        key.refresh_from_db()
        if updated:
            audit_record(
                actor=actor, action="api_key.revoked", subject=key, before={"revoked": False}, after={"revoked": True}
            )
    return key


# Every API request reads its key, account and client: the statement is written once (``portal.db.rows``).
_keys = Lookup(ApiKey, related={"account": None, "client": None})


def api_key_authenticate(plaintext: str, *, ip_address: str | None = None) -> ApiKey | None:
    """The unrevoked key matching ``plaintext``, or None. An expired key → ``ApiKeyExpired``; a request
    from outside the key's allow-list → ``AddressNotAllowed``. Records ``last_used_at`` (of a key that
    was let in) at most once a minute."""
    if not keys.is_well_formed(plaintext):
        return None
    key = _keys.first(key_hash=keys.digest(plaintext), revoked_at__isnull=True)
    if key is None:
        return None
    now = timezone.now()
    if key.expires_at is not None and key.expires_at <= now:
        raise ApiKeyExpired(
            _(
                "This API key expired at %(when)s UTC. Create a new key on the API keys page (or with "
                "POST /api/v1/api-keys using a key that still works) and use it instead."
            )
            % {"when": key.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")}
        )
    if key.allowed_ips and not _address_allowed(ip_address, key.allowed_ips):
        raise AddressNotAllowed(
            _(
                "This API key only accepts requests from the addresses on its allow-list, and %(address)s is "
                "not on it. Call from an allowed address, or use a key whose allow-list includes this one."
            )
            % {"address": ip_address or "?"}
        )
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def _address_allowed(address: str | None, networks: list[str]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:  # ::ffff:203.0.113.9 is 203.0.113.9
        ip = ip.ipv4_mapped
    for text in networks:
        network = ipaddress.ip_network(text)
        if network.version == ip.version and ip in network:
            return True
    return False
