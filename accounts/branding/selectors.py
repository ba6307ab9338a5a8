"""Reads of brands: what a page or an email shows a client of a reseller, and where a client's links go.

Whoever sees the portal as a reseller's client (a client admin or viewer, or anyone on the reseller's own
domain) sees that reseller's brand; a reseller without a brand still shows its own name, never the
platform's. A reseller's own people on the platform's host see the platform."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from portal.mail import Sender

from ..models import Account, Brand, Membership, Role

DEFAULT_PRIMARY = "#1f6feb"
DEFAULT_ACCENT = "#111827"


@dataclass(frozen=True)
class Look:
    """A brand as pages and emails show it."""

    account_id: int
    name: str
    primary_color: str = DEFAULT_PRIMARY
    accent_color: str = DEFAULT_ACCENT
    logo_url: str = ""
    support_email: str = ""
    support_phone: str = ""
    domain: str = ""  # only when verified: the host clients' links go to


def look_of(account: Account, brand: Brand | None = None) -> Look:
    if brand is None:
        try:
            brand = account.brand  # no query when it came with the account (``membership_for``)
        except Brand.DoesNotExist:
            brand = None
    if brand is None:
        return Look(account_id=account.pk, name=account.name, support_email=account.billing_email)
    logo_url = ""
    if brand.logo_digest:
        logo_url = reverse("brand_logo", args=[account.pk]) + f"?v={brand.logo_digest}"
    return Look(
        account_id=account.pk,
        name=brand.display_name,
        primary_color=brand.primary_color,
        accent_color=brand.accent_color,
        logo_url=logo_url,
        support_email=brand.support_email or account.billing_email,
        support_phone=brand.support_phone,
        domain=(brand.domain or "") if brand.domain_verified else "",
    )


def support_label(look: Look) -> str:
    """The reseller's support as its clients are told to contact it: its name and, where set, its address."""
    return f"{look.name} ({look.support_email})" if look.support_email else look.name


def look_for_request(request) -> Look | None:
    """The brand a page shows: the reseller's for its clients and on its domain, None (the platform) for
    everyone else."""
    actor = getattr(request, "actor", None)
    if actor is not None and actor.client is not None:
        return look_of(actor.account)
    membership = getattr(request, "membership", None)  # a client kept out (its reseller suspended, say)
    if actor is None and membership is not None and membership.client_id is not None:
        return look_of(membership.account)
    site_account_id = getattr(request, "site_account_id", None)
    if site_account_id is not None:
        if actor is not None and actor.account.pk == site_account_id:
            return look_of(actor.account)
        account = Account.objects.filter(pk=site_account_id).first()
        return look_of(account) if account is not None else None
    return None


def look_for_user(user, *, site_account_id: int | None = None) -> Look | None:
    """The brand of emails to ``user`` outside any page of theirs (a password reset): the domain's
    reseller when asked on one; otherwise the reseller of someone who logs in only as a client."""
    if site_account_id is not None:
        account = Account.objects.filter(pk=site_account_id).first()
        return look_of(account) if account is not None else None
    if user is None or user.is_staff:
        return None
    roles = list(Membership.objects.filter(user=user).select_related("account").order_by("created_at", "id"))
    if roles and all(m.role in {Role.CLIENT_ADMIN, Role.CLIENT_VIEWER} for m in roles):
        return look_of(roles[0].account)
    return None


def sender_for(look: Look | None) -> Sender | None:
    """How an email under ``look`` is sent: the brand's name as the sender's name and replies to its
    support address (the address itself stays ``DEFAULT_FROM_EMAIL``'s, which SPF and DKIM cover)."""
    if look is None:
        return None
    return Sender(name=look.name, reply_to=look.support_email)


def client_sender(account: Account) -> Sender:
    """The sender of any email to ``account``'s clients (invoices, invitations, notices)."""
    sender = sender_for(look_of(account))
    assert sender is not None
    return sender


def portal_url(look: Look | None) -> str:
    """Where links in an email under ``look`` point: the brand's verified domain (with the scheme and port
    of ``PUBLIC_URL``: the same proxy serves both), else the portal's public address."""
    if look is not None and look.domain:
        parts = urlsplit(settings.PUBLIC_URL)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{look.domain}{port}"
    return settings.PUBLIC_URL


def client_portal_url(account: Account) -> str:
    return portal_url(look_of(account))


def totp_issuer(user) -> str:
    """The name an authenticator app shows for ``user``'s login (``settings.OTP_TOTP_ISSUER``)."""
    look = look_for_user(user)
    return look.name if look is not None else settings.OTP_TOTP_ISSUER_DEFAULT
