"""Reads for webhooks, always scoped to who is asking: a client's login or key sees only the endpoints
of its client (and their deliveries)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from accounts.selectors import parse_id
from portal.errors import NotFound

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

FAILED_WINDOW = timedelta(days=7)


def endpoint_list(*, actor: Actor, include_number_urls: bool = True) -> QuerySet[WebhookEndpoint]:
    qs = WebhookEndpoint.objects.filter(account=actor.account)
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    if not include_number_urls:
        qs = qs.filter(kind=WebhookEndpoint.Kind.ENDPOINT)
    return qs.select_related("client").order_by("kind", "created_at", "id")


def endpoint_get(*, actor: Actor, webhook_id: str | int) -> WebhookEndpoint:
    """One of the actor's endpoints by integer id or ``whk_…`` id."""
    text = str(webhook_id).strip()
    qs = endpoint_list(actor=actor)
    if text.startswith("whk_"):
        uid = text.removeprefix("whk_")
        endpoint = qs.filter(uid=uid).first() if uid.isascii() and uid.isalnum() else None
    else:
        pk = parse_id(text, "whk")
        endpoint = qs.filter(pk=pk).first() if pk else None
    if endpoint is None:
        raise NotFound(_("Webhook endpoint not found."))
    return endpoint


def endpoint_stats(*, endpoints: list[WebhookEndpoint]) -> dict[int, dict[str, int]]:
    """Deliveries in the last 7 days per endpoint, by status (one query)."""
    since = timezone.now() - FAILED_WINDOW
    rows = (
        WebhookDelivery.objects.filter(endpoint__in=[e.pk for e in endpoints], created_at__gte=since)
        .values("endpoint_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    stats: dict[int, dict[str, int]] = {e.pk: {} for e in endpoints}
    for row in rows:
        stats[row["endpoint_id"]][row["status"]] = row["n"]
    return stats


def delivery_list(*, actor: Actor, endpoint: WebhookEndpoint, status: str = "") -> QuerySet[WebhookDelivery]:
    qs = WebhookDelivery.objects.filter(endpoint=endpoint, endpoint__account=actor.account)
    if actor.client is not None:
        qs = qs.filter(endpoint__client=actor.client)
    if status:
        qs = qs.filter(status=status)
    attempts = WebhookAttempt.objects.order_by("number")
    return (
        qs.select_related("event", "number")
        .prefetch_related(Prefetch("attempt_log", queryset=attempts))
        .order_by("-created_at", "-id")
    )


def delivery_get(*, actor: Actor, endpoint: WebhookEndpoint, delivery_id: str | int) -> WebhookDelivery:
    pk = parse_id(str(delivery_id).strip(), "dlv")
    delivery = delivery_list(actor=actor, endpoint=endpoint).filter(pk=pk).first() if pk else None
    if delivery is None:
        raise NotFound(_("Delivery not found."))
    return delivery


def failed_deliveries(*, actor: Actor) -> QuerySet[WebhookDelivery]:
    """Deliveries that gave up in the last 7 days, newest first (the dashboard's warning)."""
    qs = WebhookDelivery.objects.filter(
        endpoint__account=actor.account,
        status=WebhookDelivery.Status.FAILED,
        created_at__gte=timezone.now() - FAILED_WINDOW,
    )
    if actor.client is not None:
        qs = qs.filter(endpoint__client=actor.client)
    return qs.select_related("event", "endpoint").order_by("-created_at", "-id")


def disabled_endpoints(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    """Endpoints switched off because they answered 410 Gone."""
    return endpoint_list(actor=actor).filter(~Q(disabled_reason=""), enabled=False)
