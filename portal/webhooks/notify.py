"""Telling people about webhooks that need them: an endpoint switched off because it answered 410. Each
person reads it in their own language."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.branding.selectors import look_of, portal_url, sender_for
from accounts.selectors import notification_recipients
from portal.mail import send_in_languages

from .models import WebhookEndpoint


def endpoint_disabled_notify(*, endpoint_id: int) -> int:
    """Email the account's owners and admins (and, for a client's endpoint, that client's admins) that
    the endpoint was switched off. Returns how many people were written to."""
    endpoint = WebhookEndpoint.objects.select_related("account", "client").filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.enabled:
        return 0
    recipients = notification_recipients(
        account=endpoint.account, client=endpoint.client if endpoint.client_id else None
    )
    if not recipients:
        return 0
    # A client's endpoint: the email goes out under its reseller's brand (its clients' admins read it too).
    sender, base = None, settings.PUBLIC_URL
    if endpoint.client_id:
        look = look_of(endpoint.account)
        sender, base = sender_for(look), portal_url(look)
    link = base + reverse("webhook_detail", args=[endpoint.pk])

    def compose() -> tuple[str, str]:
        subject = _("Webhook endpoint switched off: %(url)s") % {"url": endpoint.url}
        body = _(
            "Hello,\n\nThe webhook endpoint %(url)s of %(account)s answered 410 Gone, so events are no "
            "longer sent to it.\n\nIf the endpoint should receive events again, switch it back on "
            "(deliveries still waiting resume) at:\n\n%(link)s\n"
        ) % {"url": endpoint.url, "account": endpoint.account.name, "link": link}
        return subject, body

    return send_in_languages(people=recipients, compose=compose, sender=sender)
