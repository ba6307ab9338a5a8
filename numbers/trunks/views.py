"""SIP trunk pages: the list with a create form, a trunk's page (settings, routed numbers, new credentials,
delete), the live registration badges, and routing a number from its page.

Every write goes through ``trunks`` (``trunk_create``, ``trunk_update``, ``trunk_regenerate_credentials``,
``trunk_delete``, ``number_route``), which holds all the rules; these views check the input's shape with a
form and show the service's ``ApplicationError`` messages. A password exists only in the one response that
issues it: never in the session, a message or a redirect, and that response is ``no-store``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from portal.errors import ApplicationError, NotFound
from portal.pages import add_error, go, page_of, portal_page, query_without_page, render_page, wants_fragment

from .. import selectors
from ..forms import TrunkCreateForm, TrunkUpdateForm
from ..models import SipTrunk
from ..views import number_or_404, number_page_context, route_form
from ..voice.services import trunk_registrations
from . import services as trunks

# How often the pages ask for registration changes (the sandbox or a carrier reports them).
REGISTRATION_POLL_SECONDS = 5
MAX_POLLED = 100


def _trunk_or_404(actor, trunk_id) -> SipTrunk:
    try:
        return selectors.trunk_get(actor=actor, trunk_id=trunk_id)
    except NotFound as exc:  # someone else's trunk: a 404 that does not hint it exists
        raise Http404(exc.message) from exc


def _require_write(actor) -> None:
    if not actor.can_write:
        raise PermissionDenied  # read-only logins get no forms to post


def _no_store(response):
    """Responses that may hold a password are never kept by the browser or a proxy."""
    response["Cache-Control"] = "no-store"
    return response


def _context(request, **extra) -> dict:
    return {"trunks_tab": True, "poll_seconds": REGISTRATION_POLL_SECONDS, **extra}


# --- List and create -----------------------------------------------------------------------------


def _create_form(actor, data=None) -> TrunkCreateForm:
    return TrunkCreateForm(
        data, clients=account_selectors.client_list(actor=actor), client_scoped=actor.is_client_scoped
    )


@portal_page
@require_http_methods(["GET", "POST"])
def trunk_list(request):
    actor = request.actor
    form = _create_form(actor, request.POST if request.method == "POST" else None)
    issued = None
    if request.method == "POST":
        _require_write(actor)
        if form.is_valid():
            data = form.cleaned_data
            try:
                issued = trunks.trunk_create(
                    actor=actor,
                    name=data["name"],
                    auth_type=data["auth_type"],
                    client_id=data.get("client") or None,
                    allowed_ips=data["allowed_ips"],
                    channels=data["channels"],
                )
            except ApplicationError as exc:
                add_error(form, exc)
            else:
                form = _create_form(actor)
    context = _context(
        request,
        form=form,
        issued=issued,
        trunks=page_of(request, selectors.trunk_list(actor=actor)),
        query=query_without_page(request),
    )
    response = render_page(request, "numbers/trunk_list.html", "numbers/_trunk_list_panel.html", context)
    if issued is not None:
        response["HX-Reswap"] = "innerHTML show:window:top"  # the credentials, above the form just used
    return _no_store(response)


@portal_page
@require_GET
def trunk_registration(request):
    """The registration and status badges of the trunks asked for (``?ids=3&ids=7``), each an out-of-band
    swap: the pages poll this every few seconds, so a new trunk turns active on the page when the SIP side
    has it. Trunks that are gone or not the actor's are left out."""
    ids = [int(value) for value in request.GET.getlist("ids")[:MAX_POLLED] if value.isdigit() and len(value) < 19]
    shown = selectors.trunk_list(actor=request.actor).filter(pk__in=ids) if ids else SipTrunk.objects.none()
    response = render(request, "numbers/_trunk_registrations.html", {"trunks": shown})
    response["Cache-Control"] = "no-store"
    return response


# --- One trunk -----------------------------------------------------------------------------------


def _update_form(trunk: SipTrunk, data=None) -> TrunkUpdateForm:
    initial = {"name": trunk.name, "channels": trunk.channels, "allowed_ips": trunk.allowed_ips}
    return TrunkUpdateForm(data, initial=initial)


def _trunk_page(request, trunk: SipTrunk, *, form=None, issued=None):
    actor = request.actor
    context = _context(
        request,
        trunk=trunk,
        form=form or _update_form(trunk),
        issued=issued,
        numbers=selectors.routing_table(actor=actor, trunk=trunk),
        registrations=trunk_registrations(trunk) if settings.SIP_EDGE_ENABLED else [],
        polled=[trunk],
    )
    return _no_store(render_page(request, "numbers/trunk_detail.html", "numbers/_trunk_panel.html", context))


@portal_page
@require_http_methods(["GET", "POST"])
def trunk_detail(request, trunk_id: int):
    actor = request.actor
    trunk = _trunk_or_404(actor, trunk_id)
    if request.method == "GET":
        return _trunk_page(request, trunk)
    _require_write(actor)
    form = _update_form(trunk, request.POST)
    if form.is_valid():
        try:
            trunks.trunk_update(actor=actor, trunk=trunk, **form.cleaned_data)
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            if not request.htmx:
                return redirect("trunk_detail", trunk_id=trunk.pk)
            return _trunk_page(request, _trunk_or_404(actor, trunk.pk))
    return _trunk_page(request, trunk, form=form)


@portal_page
@require_POST
def trunk_regenerate(request, trunk_id: int):
    """New credentials, shown in this response only; the old password stops working at once."""
    actor = request.actor
    trunk = _trunk_or_404(actor, trunk_id)
    _require_write(actor)
    try:
        issued = trunks.trunk_regenerate_credentials(actor=actor, trunk=trunk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _trunk_page(request, trunk)
    return _trunk_page(request, _trunk_or_404(actor, trunk.pk), issued=issued)


@portal_page
@require_POST
def trunk_delete(request, trunk_id: int):
    actor = request.actor
    trunk = _trunk_or_404(actor, trunk_id)
    _require_write(actor)
    try:
        trunks.trunk_delete(actor=actor, trunk=trunk)
    except ApplicationError as exc:  # numbers still route to it: say so on the trunk's page
        messages.error(request, exc.message)
        return go(request, reverse("trunk_detail", args=[trunk.pk]))
    messages.success(request, _("Trunk “%(name)s” deleted.") % {"name": trunk.name})
    return go(request, reverse("trunk_list"))


# --- Routing a number (from the number's page) ---------------------------------------------------


ROUTE_FIELDS = {"sip_trunk_id": "trunk"}  # the service's field names → the form's


@portal_page
@require_POST
def number_route(request, number_id: int):
    actor = request.actor
    number = number_or_404(actor, number_id)
    _require_write(actor)
    form = route_form(actor, number, request.POST)
    trunk = None
    if form.is_valid() and form.cleaned_data["route"] == "trunk":
        try:
            trunk = selectors.trunk_get(actor=actor, trunk_id=form.cleaned_data["trunk"])
        except NotFound as exc:  # not one of the actor's trunks: as if it did not exist
            form.add_error("trunk", exc.message)
    if form.is_valid():
        data = form.cleaned_data
        forwarding = data["forwarding"] if data["route"] == "forward" else ""
        try:
            trunks.number_route(actor=actor, number=number, trunk=trunk, forwarding=forwarding)
        except ApplicationError as exc:
            if exc.fields:
                exc.fields = {ROUTE_FIELDS.get(key, key): value for key, value in exc.fields.items()}
            add_error(form, exc)
        else:
            messages.success(request, _route_saved(data["route"]))
            if not wants_fragment(request):
                return redirect("number_detail", number_id=number.pk)
            number = number_or_404(actor, number.pk)
            form = None
    context = number_page_context(request, number, route=form)
    return render_page(request, "numbers/number_detail.html", "numbers/_number_panel.html", context)


def _route_saved(route: str) -> str:
    if route == "none":
        return _("Route removed: calls to this number are not delivered.")
    return _("Route saved.")
