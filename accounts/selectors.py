"""Reads for identity and access, always scoped to who is asking (but for whom the portal writes to
about an account: ``notification_recipients``, asked by the tasks that send mail)."""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from portal.errors import NotFound, PermissionDenied

from .actor import Actor
from .models import Account, ApiKey, AuditLog, Client, Membership, Role


def parse_id(value: str | int, prefix: str) -> int | None:
    """Accept ``42`` or ``"cli_42"``; anything else is None (and so a 404)."""
    text = str(value)
    if text.startswith(prefix + "_"):
        text = text[len(prefix) + 1 :]
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def client_list(*, actor: Actor, search: str = "") -> QuerySet[Client]:
    qs = Client.objects.filter(account=actor.account)
    if actor.client is not None:
        qs = qs.filter(pk=actor.client.pk)
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("name", "id")


def client_get(*, actor: Actor, client_id: str | int) -> Client:
    pk = parse_id(client_id, "cli")
    client = client_list(actor=actor).filter(pk=pk).first() if pk else None
    if client is None:
        raise NotFound(_("Client not found."))
    return client


def client_for(actor: Actor, client_id: str | int | None) -> Client | None:
    """The client an optional id names, the one rule for every door that takes a ``client_id``. A client
    login is always its own client: naming none means it, naming another is 404. A reseller naming
    none means the account itself (None); a client it does not have is 404 (``client_get``)."""
    if client_id in (None, ""):
        return actor.client if actor.is_client_scoped else None
    return client_get(actor=actor, client_id=client_id)


def api_key_list(*, actor: Actor, include_revoked: bool = True) -> QuerySet[ApiKey]:
    qs = ApiKey.objects.filter(account=actor.account).select_related("client", "created_by")
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def api_key_get(*, actor: Actor, key_id: str | int) -> ApiKey:
    pk = parse_id(key_id, "key")
    key = api_key_list(actor=actor).filter(pk=pk).first() if pk else None
    if key is None:
        raise NotFound(_("API key not found."))
    return key


def member_list(*, actor: Actor, pending: bool | None = None) -> QuerySet[Membership]:
    """The account's people; ``pending=True`` only invitations not accepted yet (no password chosen),
    ``pending=False`` only people who have accepted."""
    qs = Membership.objects.filter(account=actor.account).select_related("user", "client")
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    if pending is not None:
        unusable = Q(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        qs = qs.filter(unusable) if pending else qs.exclude(unusable)
    return qs.order_by("role", "user__email")


def member_get(*, actor: Actor, membership_id: int | str) -> Membership:
    pk = parse_id(membership_id, "mem")
    member = member_list(actor=actor).filter(pk=pk).first() if pk else None
    if member is None:
        raise NotFound(_("Team member not found."))
    return member


def audit_list(*, actor: Actor, action: str = "") -> QuerySet[AuditLog]:
    """The account's audit log: for owners and admins (and account-wide keys) only."""
    if not actor.can_view_audit:
        raise PermissionDenied(_("The audit log is visible to the account's owners and admins."))
    qs = AuditLog.objects.filter(account=actor.account).select_related("user")
    if action:
        qs = qs.filter(action__startswith=action)
    return qs.order_by("-created_at", "-id")


def notification_recipients(
    *, account: Account, client: Client | None = None, billing_email: bool = False
) -> set[tuple[str, str | None]]:
    """Whom the portal writes to about something of ``account``, each with their language: its owners and
    admins; with ``client``, that client's admins too; with ``billing_email``, the account's billing
    address (in the sender's language) unless one of those people has it already."""
    people = Membership.objects.filter(account=account, role__in=[Role.OWNER, Role.ADMIN])
    if client is not None:
        people = people | Membership.objects.filter(client=client, role=Role.CLIENT_ADMIN)
    recipients: set[tuple[str, str | None]] = set(people.values_list("user__email", "user__language"))
    if billing_email and account.billing_email and account.billing_email not in {email for email, _ in recipients}:
        recipients.add((account.billing_email, None))
    return recipients
