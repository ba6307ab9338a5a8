from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as default_csrf_failure
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.forms import ClientEditForm
from billing import selectors as billing_selectors
from messaging import selectors as messaging_selectors
from numbers_app import selectors as number_selectors
from numbers_app.models import Number
from numbers_app.voice import selectors as call_selectors
from portal.api import json_error
from portal.errors import ApplicationError
from portal.middleware import is_api_path
from portal.pages import add_error, portal_page, render_page, wants_fragment
from portal.webhooks import selectors as webhook_selectors

# The states a reseller watches first, in this order, each a card linking to My numbers filtered by it.
DASHBOARD_STATES = (
    Number.Status.ACTIVE,
    Number.Status.PROVISIONING,
    Number.Status.PENDING_REGULATORY,
    Number.Status.SUSPENDED,
    Number.Status.INACTIVE,
    Number.Status.FAILED,
)


@portal_page
def dashboard(request):
    """What a reseller looks at first: balance, numbers by state, numbers waiting for documents, SMS today,
    the renewals of the coming billing month and whether the balance covers them, spend and the latest
    transactions. A client login sees its own client's numbers, messages and costs (at its prices), never
    the reseller's wallet, renewals or wholesale prices."""
    actor = request.actor
    today = timezone.localdate()
    spend = billing_selectors.daily_spend(actor=actor, days=30)
    total = sum((d.amount for d in spend), Decimal("0"))
    peak = max((d.amount for d in spend), default=Decimal("0"))
    bars = [{"day": d.day, "amount": d.amount, "height": float(d.amount / peak * 100) if peak else 0.0} for d in spend]
    # Renewals are priced wholesale: the reseller's only. They bring the balance along (one wallet read).
    renewals = billing_selectors.upcoming_renewals(actor=actor, today=today, shown=0) if actor.can_see_wallet else None
    by_status = number_selectors.number_counts_by_status(actor=actor)
    context = {
        "balance": renewals.balance if renewals else None,
        "renewals": renewals,
        "shortfall": renewals.total - renewals.balance if renewals and renewals.total > renewals.balance else None,
        "numbers_total": sum(by_status.values()),
        "states": [(status, status.label, by_status[status]) for status in DASHBOARD_STATES if by_status.get(status)],
        "waiting_documents": by_status.get(Number.Status.PENDING_REGULATORY, 0),
        "sms_today": messaging_selectors.sms_day(actor=actor, day=today),
        "calls_today": call_selectors.calls_on(actor=actor, day=today),
        "sweep": call_selectors.sweep_summary(actor=actor),
        "today": today,
        "spend_total": total,
        "spend_peak": peak,
        "bars": bars,
        "recent": billing_selectors.transaction_list(actor=actor)[:5],
        "webhooks_failed": webhook_selectors.failed_deliveries(actor=actor).count(),
        "webhooks_failed_latest": list(webhook_selectors.failed_deliveries(actor=actor)[:5]),
        "webhooks_off": list(webhook_selectors.disabled_endpoints(actor=actor)),
    }
    return render(request, "portal/dashboard.html", context)


# --- One client of a reseller: what it has across the apps, summed up ------------------------------


def _reseller_client(request, client_id: int):
    """The client page is the reseller's: client logins get a 403 whatever the id (no hint of what exists);
    a client of another reseller is a 404."""
    if request.actor.is_client_scoped:
        raise PermissionDenied
    return account_selectors.client_get(actor=request.actor, client_id=client_id)


def _client_page(request, client, *, form=None):
    """The client page, or (for htmx) its content: what the client has, summed up, each part linking to the
    page that lists it in full."""
    actor = request.actor
    today = timezone.localdate()
    month_start = today.replace(day=1)
    numbers = number_selectors.number_list(actor=actor, client_id=client.pk)
    counts = dict(numbers.order_by().values_list("status").annotate(n=Count("id")))
    by_status = [
        {"status": value, "label": label, "count": counts[value]}
        for value, label in Number.Status.choices
        if counts.get(value)
    ]
    directions = dict(
        messaging_selectors.message_list(
            actor=actor, filters=messaging_selectors.MessageFilters(client_id=client.pk, date_from=month_start)
        )
        .order_by()
        .values_list("direction")
        .annotate(n=Count("id"))
    )
    if form is None:
        form = ClientEditForm(initial={"name": client.name, "email": client.email, "reference": client.reference})
    context = {
        "client": client,
        "form": form,
        "can_edit": actor.can_administer,
        "numbers_total": sum(counts.values()),
        "numbers_by_status": by_status,
        "trunks": number_selectors.trunk_list(actor=actor).filter(client=client),
        "sms_numbers": messaging_selectors.sms_numbers(actor=actor).filter(client=client),
        "sent": directions.get("outbound", 0),
        "received": directions.get("inbound", 0),
        "costs": billing_selectors.client_costs(
            actor=actor, client_id=client.pk, date_from=month_start, date_to=today, numbers_shown=0
        ),
        "month_start": month_start,
        "people": account_selectors.member_list(actor=actor).filter(client=client),
    }
    return render_page(request, "accounts/client_detail.html", "accounts/_client_page.html", context)


@portal_page
@require_http_methods(["GET", "POST"])
def client_detail(request, client_id: int):
    actor = request.actor
    client = _reseller_client(request, client_id)
    if request.method == "GET":
        return _client_page(request, client)
    if not actor.can_administer:
        raise PermissionDenied
    form = ClientEditForm(request.POST)
    if form.is_valid():
        try:
            client = account_services.client_update(actor=actor, client=client, **form.cleaned_data)
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            if not wants_fragment(request):
                return redirect("client_detail", client_id=client.pk)
            return _client_page(request, client)
    return _client_page(request, client, form=form)


@portal_page
@require_POST
def client_status(request, client_id: int):
    """Suspend (``active=0``) or reactivate (``active=1``) a client's access. The page asks first."""
    actor = request.actor
    client = _reseller_client(request, client_id)
    if not actor.can_administer:
        raise PermissionDenied
    active = request.POST.get("active") == "1"
    try:
        client = account_services.client_update(actor=actor, client=client, is_active=active)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if active:
            messages.success(
                request, _("%(name)s is active again: its people and keys have access.") % {"name": client.name}
            )
        else:
            messages.success(request, _("%(name)s suspended.") % {"name": client.name})
    if wants_fragment(request):
        return _client_page(request, client)
    return redirect("client_detail", client_id=client.pk)


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
    """Liveness: the process answers. No dependency is asked (``readyz`` does that)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Readiness: each dependency's status and latency; 503 when a required one is down."""
    from portal import health

    ready, report = health.readiness()
    response = JsonResponse(report, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    if not ready:
        response["Retry-After"] = "10"
    return response
