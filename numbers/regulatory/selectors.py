"""Reads for compliance profiles, their documents and port-in requests, always scoped to who is asking: a
reseller sees its whole account, a client login or key only its own client's (never the account's own
profiles). Someone else's or a missing id is ``NotFound``."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.selectors import parse_id
from portal.errors import NotFound

from ..models import ComplianceDocument, ComplianceProfile, Number, PortRequest, PortStep


def _scoped(qs, actor: Actor):
    qs = qs.filter(account=actor.account)
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    return qs


def profile_list(*, actor: Actor, status: str = "", client_id: int | None = None) -> QuerySet[ComplianceProfile]:
    """The actor's compliance profiles, newest first, with their documents and how many numbers wait on
    each."""
    qs = _scoped(ComplianceProfile.objects.all(), actor)
    if status:
        qs = qs.filter(status=status)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    waiting = Count("numbers", filter=Q(numbers__status=Number.Status.PENDING_REGULATORY), distinct=True)
    return (
        qs.select_related("client")
        .prefetch_related(Prefetch("documents", queryset=ComplianceDocument.objects.order_by("created_at", "id")))
        .annotate(waiting_count=waiting)
        .order_by("-created_at", "-id")
    )


def profile_get(*, actor: Actor, profile_id: str | int) -> ComplianceProfile:
    """One of the actor's profiles by integer id or ``cpr_…`` id."""
    pk = parse_id(str(profile_id).strip(), "cpr")
    profile = profile_list(actor=actor).filter(pk=pk).first() if pk else None
    if profile is None:
        raise NotFound(_("Compliance profile not found."))
    return profile


def profiles_for_number(*, actor: Actor, number: Number) -> QuerySet[ComplianceProfile]:
    """Profiles that could prove ``number``: the number's client's and the account's own, covering its
    country and type, not expired. Filtered in Python for coverage (the lists are JSON)."""
    qs = profile_list(actor=actor).exclude(status=ComplianceProfile.Status.EXPIRED)
    qs = qs.filter(Q(client__isnull=True) | Q(client_id=number.client_id))
    ids = [p.pk for p in qs if p.covers(country=number.country_id, number_type=number.type)]
    return qs.filter(pk__in=ids)


def profiles_for_checkout(*, actor: Actor, client_id: int | None) -> QuerySet[ComplianceProfile]:
    """Profiles a purchase for ``client_id`` (or none) may use: that client's and the account's own."""
    qs = profile_list(actor=actor).exclude(status=ComplianceProfile.Status.EXPIRED)
    if client_id:
        return qs.filter(Q(client__isnull=True) | Q(client_id=client_id))
    return qs.filter(client__isnull=True)


def profile_waiting_numbers(*, actor: Actor, profile: ComplianceProfile) -> QuerySet[Number]:
    return profile.numbers.filter(account=actor.account, status=Number.Status.PENDING_REGULATORY).order_by("e164")


def document_get(
    *, actor: Actor, document_id: str | int, profile: ComplianceProfile | None = None, port: PortRequest | None = None
) -> ComplianceDocument:
    """One document the actor may read: of one of its profiles or ports (of ``profile`` or ``port`` when
    given)."""
    pk = parse_id(str(document_id).strip(), "doc")
    qs = _scoped(ComplianceDocument.objects.all(), actor)
    if profile is not None:
        qs = qs.filter(profile=profile)
    if port is not None:
        qs = qs.filter(port=port)
    document = qs.filter(pk=pk).first() if pk else None
    if document is None:
        raise NotFound(_("Document not found."))
    return document


def document_get_or_none(*, actor: Actor, document_id: int) -> ComplianceDocument | None:
    try:
        return document_get(actor=actor, document_id=document_id)
    except NotFound:
        return None


def port_list(*, actor: Actor, status: str = "") -> QuerySet[PortRequest]:
    qs = _scoped(PortRequest.objects.all(), actor)
    if status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("client", "compliance_profile")
        .prefetch_related(
            Prefetch("documents", queryset=ComplianceDocument.objects.order_by("created_at", "id")),
            Prefetch("steps", queryset=PortStep.objects.order_by("created_at", "id")),
        )
        .order_by("-created_at", "-id")
    )


def port_get(*, actor: Actor, port_id: str | int) -> PortRequest:
    """One of the actor's port requests by integer id or ``port_…`` id."""
    pk = parse_id(str(port_id).strip(), "port")
    port = port_list(actor=actor).filter(pk=pk).first() if pk else None
    if port is None:
        raise NotFound(_("Port request not found."))
    return port
