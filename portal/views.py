from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as default_csrf_failure
from django.views.decorators.csrf import csrf_exempt

from billing import selectors as billing_selectors
from portal.api import json_error
from portal.middleware import is_api_path
from portal.pages import portal_page
from portal.webhooks import selectors as webhook_selectors


@portal_page
def dashboard(request):
    actor = request.actor
    spend = billing_selectors.daily_spend(actor=actor, days=30)
    total = sum((d.amount for d in spend), Decimal("0"))
    peak = max((d.amount for d in spend), default=Decimal("0"))
    bars = [{"day": d.day, "amount": d.amount, "height": float(d.amount / peak * 100) if peak else 0.0} for d in spend]
    context = {
        "wallet": billing_selectors.wallet_get(actor=actor) if actor.can_see_wallet else None,
        "spend_total": total,
        "spend_peak": peak,
        "bars": bars,
        "recent": billing_selectors.transaction_list(actor=actor)[:5],
        "webhooks_failed": webhook_selectors.failed_deliveries(actor=actor).count(),
        "webhooks_failed_latest": list(webhook_selectors.failed_deliveries(actor=actor)[:5]),
        "webhooks_off": list(webhook_selectors.disabled_endpoints(actor=actor)),
    }
    return render(request, "portal/dashboard.html", context)


def uri_too_long(request, *, length: int, limit: int):
    """414 for a URL longer than the portal serves (``UrlLengthMiddleware``): the API's error body (JSON:API's
    under /api/v3), or a page that does not repeat the address."""
    if is_api_path(request.path):
        message = _(
            "This URL is %(length)d bytes long; at most %(limit)d are accepted. Ask for fewer items at once, "
            "in several requests."
        ) % {"length": length, "limit": limit}
        if request.path.startswith("/api/v3"):
            from portal import jsonapi

            return jsonapi.error_response(request, code="uri_too_long", message=message, status=414)
        return json_error(request, code="uri_too_long", message=message, status=414)
    return render(request, "portal/uri_too_long.html", {"limit": limit}, status=414)


@csrf_exempt  # it writes nothing; a POST to a wrong URL deserves the JSON 404, not a CSRF page
def api_not_found(request, *args):
    message = _("No API endpoint at %(path)s. See /api/docs for the list.") % {"path": request.path}
    if request.path.endswith("/"):
        try:
            resolve(request.path.rstrip("/"))
            message = _("No API endpoint at %(path)s. API paths have no trailing slash: use %(fixed)s.") % {
                "path": request.path,
                "fixed": request.path.rstrip("/"),
            }
        except Resolver404:
            pass
    return json_error(request, code="not_found", message=message, status=404)


def csrf_failure(request, reason=""):
    """CSRF refusals under /api answer in the API's format; pages keep Django's explanation."""
    if is_api_path(request.path):
        return json_error(
            request,
            code="forbidden",
            message=_("CSRF check failed. API clients authenticate with an API key, which needs no CSRF token."),
            status=403,
        )
    return default_csrf_failure(request, reason=reason)


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
