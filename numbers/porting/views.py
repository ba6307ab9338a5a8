"""Numbers → Porting: the request wizard, a request's page, cancelling it and adding documents.

As elsewhere: forms check shape, ``porting`` decides, reads go through the actor-scoped selectors
(someone else's id is a 404), and an HTMX request gets the panel it swaps while a plain request gets the
page (or a redirect after a write).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from billing import quotes
from billing import selectors as billing_selectors
from portal.errors import ApplicationError, NotFound
from portal.pages import (
    add_error,
    form_errors_to_messages,
    go,
    no_store,
    page_of,
    portal_page,
    query_without_page,
    render_page,
    wants_fragment,
)

from ..models import PortRequest
from ..regulatory import selectors
from ..regulatory import services as regulatory
from ..regulatory.forms import DocumentUploadForm
from ..regulatory.models import PORT_DOCUMENT_TYPES
from ..regulatory.views import upload_error
from ..views import can_buy
from . import services as porting
from .forms import PortDetailsForm, PortDocumentsForm, PortNumbersForm


def _port_or_404(actor, port_id) -> PortRequest:
    try:
        return selectors.port_get(actor=actor, port_id=port_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@portal_page
@require_GET
def port_list(request):
    actor = request.actor
    context = {
        "numbers_tab": "porting",
        "ports": page_of(request, selectors.port_list(actor=actor)),
        "can_request": can_buy(actor),
        "query": query_without_page(request),
    }
    return render_page(request, "numbers/porting_list.html", "numbers/_porting_list_panel.html", context)


WIZARD_STEPS = ((1, _("Numbers")), (2, _("Carrier details")), (3, _("Documents")))


DETAIL_FIELDS = ("current_carrier", "authorization_name", "account_number", "pin", "compliance_profile")


def _wizard(request, step: int, *, keep_details: bool = False, **parts):
    """One step of the wizard; ``kept`` holds the answers of the other steps, sent along as hidden fields."""
    kept = {}
    if step == 1 and keep_details:
        kept = {key: request.POST.get(key, "") for key in DETAIL_FIELDS}
    context = {"numbers_tab": "porting", "step": step, "steps": WIZARD_STEPS, "kept": kept, **parts}
    return no_store(render_page(request, "numbers/porting_new.html", "numbers/_porting_wizard.html", context))


def _numbers_errors_on(form: PortNumbersForm, exc: ApplicationError) -> None:
    """The service names each bad number by its place (``numbers[2]``); the page has one field for them
    all, so each error names the line of the list it is about (and the number as written there)."""
    errors = []  # (all written before the first is added: adding one drops the field's cleaned value)
    for key, messages_ in (exc.fields or {}).items():
        place = re.fullmatch(r"numbers\[(\d+)\]", key)
        for message in messages_:
            if place:
                errors.append(("numbers", form.line_error(int(place.group(1)), message)))
            else:
                errors.append(("numbers" if key.startswith("numbers") else None, message))
    for field, message in errors:
        form.add_error(field, message)
    if not exc.fields:
        form.add_error("numbers", exc.message)


@portal_page
@require_http_methods(["GET", "POST"])
def port_new(request):
    """The request wizard: numbers (checked at once), carrier details, documents. Every step carries the
    others' answers as hidden fields (so Back keeps them); the request is created by the last step only,
    in one service call that checks everything again."""
    actor = request.actor
    if not can_buy(actor):
        raise PermissionDenied  # the reseller requests ports, as it buys numbers
    clients = account_selectors.client_list(actor=actor)
    if request.method == "GET":
        return _wizard(request, 1, numbers_form=PortNumbersForm(clients=clients))
    step, back = request.POST.get("step", "1"), request.POST.get("back", "")
    numbers_form = PortNumbersForm(request.POST, clients=clients)
    has_details = "current_carrier" in request.POST
    if not numbers_form.is_valid():
        return _wizard(request, 1, numbers_form=numbers_form, keep_details=has_details)
    try:
        groups = porting.port_numbers_check(numbers_form.cleaned_data["numbers"], account=actor.account)
    except ApplicationError as exc:
        _numbers_errors_on(numbers_form, exc)
        return _wizard(request, 1, numbers_form=numbers_form, keep_details=has_details)
    client_id = numbers_form.cleaned_data["client"]
    client = clients.filter(pk=client_id).first() if client_id else None
    profiles = list(selectors.profiles_for_checkout(actor=actor, client_id=client.pk if client else None))
    common = {
        "numbers_form": numbers_form,
        "numbers": list(groups),
        "needs_documents": any(group.requires_regulatory for group in groups.values()),
        "quote": _quote(groups, numbers_form),
    }
    if back == "1":
        return _wizard(request, 1, keep_details=has_details, **common)
    details_form = PortDetailsForm(request.POST if has_details else None, profiles=profiles)
    if step == "1" or back == "2" or not details_form.is_valid():
        return _wizard(request, 2, details_form=details_form, **common)
    details = {k: v for k, v in details_form.cleaned_data.items() if k != "compliance_profile"}
    documents_form = PortDocumentsForm(request.POST, request.FILES) if step == "3" else PortDocumentsForm()
    if step == "2" or not documents_form.is_valid():
        return _wizard(request, 3, details_form=details_form, documents_form=documents_form, **common)
    uploads = [
        regulatory.Upload(document_type=field, file=documents_form.cleaned_data[field], field=field)
        for field in ("letter_of_authorization", "bill")
        if documents_form.cleaned_data.get(field)
    ]
    try:
        port = porting.port_create(
            actor=actor,
            numbers=list(groups),
            client=client,
            compliance_profile_id=details_form.cleaned_data["compliance_profile"],
            uploads=uploads,
            billing_cycle=numbers_form.cleaned_data["billing_cycle"],
            **details,
        )
    except ApplicationError as exc:
        add_error(documents_form, exc)
        return _wizard(request, 3, details_form=details_form, documents_form=documents_form, **common)
    messages.success(
        request,
        _("Port request %(port)s sent: we will tell you when the current carrier confirms a date.")
        % {"port": port.public_id},
    )
    return go(request, reverse("port_detail", args=[port.pk]))


def _quote(groups: dict, numbers_form: PortNumbersForm):
    """What completing the port would charge at today's prices (the wizard is the reseller's)."""
    cycle = numbers_form.cleaned_data["billing_cycle"]
    return quotes.quote_total(
        quotes.line_quote(setup_fee=g.setup_fee, monthly_price=g.monthly_price, billing_cycle=cycle)
        for g in groups.values()
    )


def _port_page(request, port: PortRequest, *, upload_form=None):
    actor = request.actor
    shortfall = ""
    if port.is_open and actor.can_see_wallet:
        shortfall = porting.describe_shortfall(port, billing_selectors.wallet_get(actor=actor).balance)
    context = {
        "numbers_tab": "porting",
        "port": port,
        "steps": list(port.steps.all()),
        "can_manage": can_buy(actor),
        "upload_form": upload_form or DocumentUploadForm(types=PORT_DOCUMENT_TYPES),
        "quote": porting.port_quote(port, client_view=actor.is_client_scoped),  # never wholesale for a client
        "shortfall": shortfall,
        "max_mb": settings.REGULATORY_DOCUMENT_MAX_BYTES // (1024 * 1024),
    }
    return no_store(render_page(request, "numbers/porting_detail.html", "numbers/_porting_panel.html", context))


@portal_page
@require_GET
def port_detail(request, port_id: int):
    return _port_page(request, _port_or_404(request.actor, port_id))


def _after_port_write(request, port_id: int):
    if not wants_fragment(request):
        return redirect("port_detail", port_id=port_id)
    return _port_page(request, _port_or_404(request.actor, port_id))


@portal_page
@require_POST
def port_cancel(request, port_id: int):
    actor = request.actor
    port = _port_or_404(actor, port_id)
    try:
        porting.port_cancel(actor=actor, port=port)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Port request %(port)s cancelled.") % {"port": port.public_id})
    return _after_port_write(request, port.pk)


@portal_page
@require_POST
def port_upload(request, port_id: int):
    actor = request.actor
    port = _port_or_404(actor, port_id)
    form = DocumentUploadForm(request.POST, request.FILES, types=PORT_DOCUMENT_TYPES)
    if form.is_valid():
        upload = regulatory.Upload(document_type=form.cleaned_data["document_type"], file=form.cleaned_data["file"])
        try:
            porting.port_documents_add(actor=actor, port=port, uploads=[upload])
        except ApplicationError as exc:
            upload_error(request, form, exc)
        else:
            messages.success(request, _("%(name)s uploaded.") % {"name": upload.file.name})
            return _after_port_write(request, port.pk)
    if not wants_fragment(request):
        form_errors_to_messages(request, form)
        return redirect("port_detail", port_id=port.pk)
    return _port_page(request, _port_or_404(actor, port.pk), upload_form=form)
