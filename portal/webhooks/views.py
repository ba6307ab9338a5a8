"""Developers → Webhooks: the endpoint list with an add form (the secret shown once), an endpoint's page
(settings, send a test event, switch off/on, rotate the secret, delete, and the delivery log with every
attempt and a redeliver button), and the signer of numbers' own URLs.

Every write goes through ``services``; these views check the input's shape with a form and show the
service's ``ApplicationError`` messages. A secret exists only in the one response that issues it: never in
the session, a message or a redirect, and that response is ``no-store``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import selectors as account_selectors
from portal.errors import ApplicationError, NotFound
from portal.pages import add_error, page_of, portal_page, query_without_page

from . import addresses, catalogue, selectors, services
from .forms import DeliveryFilterForm, WebhookEditForm, WebhookForm
from .models import WebhookDelivery, WebhookEndpoint

# While deliveries are waiting to be sent, the log refreshes this often.
LOG_POLL_SECONDS = 2


def _can_manage(actor) -> bool:
    return actor.can_write and (actor.can_administer or actor.is_client_scoped)


def _require_manage(actor) -> None:
    if not _can_manage(actor):
        raise PermissionDenied


def _endpoint_or_404(actor, webhook_id) -> WebhookEndpoint:
    try:
        return selectors.endpoint_get(actor=actor, webhook_id=webhook_id)
    except NotFound as exc:  # someone else's endpoint: a 404 that does not hint it exists
        raise Http404(exc.message) from exc


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def _fragment(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _go(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- List and add --------------------------------------------------------------------------------


def _add_form(actor, data=None) -> WebhookForm:
    return WebhookForm(
        data,
        clients=account_selectors.client_list(actor=actor),
        client_scoped=actor.is_client_scoped,
        initial={"events": [catalogue.ALL]},
    )


@portal_page
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    actor = request.actor
    form = _add_form(actor, request.POST if request.method == "POST" else None)
    issued = None
    if request.method == "POST":
        _require_manage(actor)
        if form.is_valid():
            data = form.cleaned_data
            try:
                issued = services.webhook_create(
                    actor=actor,
                    url=data["url"],
                    events=data["events"],
                    description=data["description"],
                    client_id=data.get("client") or None,
                )
            except ApplicationError as exc:
                add_error(form, exc)
            else:
                form = _add_form(actor)
    endpoints = list(selectors.endpoint_list(actor=actor))
    stats = selectors.endpoint_stats(endpoints=endpoints)
    for endpoint in endpoints:
        endpoint.stats = stats[endpoint.pk]
    own_scope = actor.client.pk if actor.client else None
    context = {
        "webhooks_tab": True,
        "form": form,
        "issued": issued,
        "endpoints": [e for e in endpoints if not e.is_number_urls],
        "signers": [e for e in endpoints if e.is_number_urls],
        "can_manage": _can_manage(actor),
        "own_signer": any(e.is_number_urls and e.client_id == own_scope for e in endpoints),
        "private_targets_allowed": addresses.allow_private(),
    }
    template = "portal/_webhook_list_panel.html" if _fragment(request) else "portal/webhook_list.html"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    if issued is not None:
        response["HX-Reswap"] = "innerHTML show:window:top"
    return _no_store(response)


@portal_page
@require_POST
def webhook_number_urls_setup(request):
    actor = request.actor
    _require_manage(actor)
    try:
        issued = services.webhook_number_urls_setup(actor=actor)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _go(request, reverse("webhook_list"))
    return _endpoint_page(request, issued.endpoint, issued=issued)


# --- One endpoint --------------------------------------------------------------------------------


def _edit_form(endpoint: WebhookEndpoint, data=None) -> WebhookEditForm:
    # An alias (sms.received) ticks the box of the event it names, so saving the form keeps it.
    events = list(dict.fromkeys(catalogue.canonical(name) for name in endpoint.events))
    initial = {"url": endpoint.url, "events": events, "description": endpoint.description}
    return WebhookEditForm(data, initial=initial)


def _endpoint_page(request, endpoint: WebhookEndpoint, *, form=None, issued=None, full=None):
    actor = request.actor
    filters = DeliveryFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    deliveries = page_of(request, selectors.delivery_list(actor=actor, endpoint=endpoint, status=status), per_page=20)
    context = {
        "webhooks_tab": True,
        "endpoint": endpoint,
        "form": form or (None if endpoint.is_number_urls else _edit_form(endpoint)),
        "issued": issued,
        "deliveries": deliveries,
        "filters": filters,
        "query": query_without_page(request),
        "can_manage": _can_manage(actor),
        "poll_seconds": LOG_POLL_SECONDS,
        "polling": any(d.status == WebhookDelivery.Status.PENDING for d in deliveries),
        "stats": selectors.endpoint_stats(endpoints=[endpoint])[endpoint.pk],
    }
    if full is None:
        full = not _fragment(request)
    template = "portal/webhook_detail.html" if full else "portal/_webhook_panel.html"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return _no_store(response)


@portal_page
@require_http_methods(["GET", "POST"])
def webhook_detail(request, webhook_id: int):
    actor = request.actor
    endpoint = _endpoint_or_404(actor, webhook_id)
    if request.method == "GET":
        if _fragment(request) and request.headers.get("HX-Target") == "delivery-log":
            return _delivery_log(request, endpoint)
        return _endpoint_page(request, endpoint)
    _require_manage(actor)
    if endpoint.is_number_urls:
        raise PermissionDenied
    form = _edit_form(endpoint, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.webhook_update(
                actor=actor, endpoint=endpoint, url=data["url"], events=data["events"], description=data["description"]
            )
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            if not request.htmx:
                return redirect("webhook_detail", webhook_id=endpoint.pk)
            return _endpoint_page(request, _endpoint_or_404(actor, endpoint.pk))
    return _endpoint_page(request, endpoint, form=form)


def _delivery_log(request, endpoint):
    actor = request.actor
    filters = DeliveryFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    deliveries = page_of(request, selectors.delivery_list(actor=actor, endpoint=endpoint, status=status), per_page=20)
    context = {
        "endpoint": endpoint,
        "deliveries": deliveries,
        "filters": filters,
        "query": query_without_page(request),
        "can_manage": _can_manage(actor),
        "poll_seconds": LOG_POLL_SECONDS,
        "polling": any(d.status == WebhookDelivery.Status.PENDING for d in deliveries),
    }
    return _no_store(render(request, "portal/_webhook_log.html", context))


def _action(request, webhook_id, run, success: str | None):
    """Run one service on the endpoint; show the page again with the outcome."""
    actor = request.actor
    endpoint = _endpoint_or_404(actor, webhook_id)
    _require_manage(actor)
    try:
        result = run(actor, endpoint)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        result = None
    else:
        if success:
            messages.success(request, success)
    if not request.htmx and not isinstance(result, services.IssuedEndpoint):
        return redirect("webhook_detail", webhook_id=endpoint.pk)
    issued = result if isinstance(result, services.IssuedEndpoint) else None
    return _endpoint_page(request, _endpoint_or_404(actor, endpoint.pk), issued=issued, full=not request.htmx)


@portal_page
@require_POST
def webhook_test(request, webhook_id: int):
    return _action(
        request,
        webhook_id,
        lambda actor, endpoint: services.webhook_send_test(actor=actor, endpoint=endpoint),
        _("Test event sent. Its attempt appears in the log below."),
    )


@portal_page
@require_POST
def webhook_toggle(request, webhook_id: int):
    enable = request.POST.get("enabled") == "1"
    return _action(
        request,
        webhook_id,
        lambda actor, endpoint: services.webhook_update(actor=actor, endpoint=endpoint, enabled=enable),
        _("Switched on: events are sent again.") if enable else _("Switched off: no events are sent."),
    )


@portal_page
@require_POST
def webhook_rotate(request, webhook_id: int):
    return _action(
        request,
        webhook_id,
        lambda actor, endpoint: services.webhook_rotate_secret(actor=actor, endpoint=endpoint),
        None,
    )


@portal_page
@require_POST
def webhook_delete(request, webhook_id: int):
    actor = request.actor
    endpoint = _endpoint_or_404(actor, webhook_id)
    _require_manage(actor)
    try:
        services.webhook_delete(actor=actor, endpoint=endpoint)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _go(request, reverse("webhook_detail", args=[endpoint.pk]))
    messages.success(request, _("Endpoint %(url)s deleted.") % {"url": endpoint.url})
    return _go(request, reverse("webhook_list"))


@portal_page
@require_POST
def webhook_redeliver(request, webhook_id: int, delivery_id: int):
    actor = request.actor
    endpoint = _endpoint_or_404(actor, webhook_id)
    _require_manage(actor)
    try:
        delivery = selectors.delivery_get(actor=actor, endpoint=endpoint, delivery_id=delivery_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        services.webhook_redeliver(actor=actor, delivery=delivery)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Redelivery queued: it is sent now with the same event id."))
    if not request.htmx:
        return redirect("webhook_detail", webhook_id=endpoint.pk)
    return _delivery_log(request, endpoint)
