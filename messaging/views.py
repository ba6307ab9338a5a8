"""The SMS pages: inbox with stats and filters, compose with a live segment counter, conversations, and
the SMS panel of a number's page. Each calls the same services as the API."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from billing.money import to_exact_str
from numbers_app import selectors as number_selectors
from numbers_app import services as number_services
from numbers_app.views import number_page_context
from portal.errors import ApplicationError, NotFound, ValidationFailed
from portal.l10n import ltr
from portal.pages import add_error, page_of, portal_page, query_without_page, updates_wallet_badge

from . import selectors, services
from .forms import ComposeForm, InboxFilterForm, ReplyForm, SimulateForm, SmsForwardingForm
from .models import Message
from .segments import MAX_BODY_CHARS


def _context(request, tab: str, **extra) -> dict:
    return {"messaging_tab": tab, **extra}


def _number_or_404(actor, number_id):
    try:
        return number_selectors.number_get(actor=actor, number_id=number_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _chart(stats: selectors.SmsStats) -> dict:
    """Bars (outbound and inbound stacked, as % of the busiest day) and the delivery-rate line (SVG
    points on a 0–100 grid, one per day that had a known outcome)."""
    peak = max((d.outbound + d.inbound for d in stats.days), default=0)
    bars = [
        {
            "day": d.day,
            "outbound": d.outbound,
            "inbound": d.inbound,
            "out_height": round(d.outbound * 100 / peak, 1) if peak else 0,
            "in_height": round(d.inbound * 100 / peak, 1) if peak else 0,
            "rate": d.delivery_rate,
        }
        for d in stats.days
    ]
    width = len(bars)
    dots = [
        (f"{(index + 0.5) * 100 / width:.2f}", f"{100 - float(d.delivery_rate):.2f}")
        for index, d in enumerate(stats.days)
        if d.delivery_rate is not None
    ]
    return {"bars": bars, "peak": peak, "rate_points": " ".join(f"{x},{y}" for x, y in dots), "rate_dots": dots}


@portal_page
@updates_wallet_badge  # a failed message is refunded while the table polls
@require_GET
def inbox(request):
    actor = request.actor
    numbers = list(selectors.sms_numbers(actor=actor))
    form = InboxFilterForm(request.GET or None, numbers=numbers)
    filters = selectors.MessageFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        number = next((n for n in numbers if str(n.pk) == data["number"]), None) if data["number"] else None
        filters = selectors.MessageFilters(
            number=number,
            direction=data["direction"],
            status=data["status"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            text=data["q"].strip(),
        )
    page = page_of(request, selectors.message_list(actor=actor, filters=filters))
    context = _context(
        request,
        "inbox",
        form=form,
        page=page,
        numbers=numbers,
        filtered=filters != selectors.MessageFilters(),
        query=query_without_page(request),
        full_query=request.GET.urlencode(),
    )
    stats = selectors.sms_stats(actor=actor)
    context.update(stats=stats, chart=_chart(stats))
    if request.htmx and request.htmx.target == "message-table":
        # The table refreshes itself every few seconds (and on each filter): the cards and the chart, which
        # count the same messages, come along out of band so they never fall behind the rows.
        response = render(request, "messaging/_message_table.html", context | {"stats_oob": True})
    else:
        response = render(request, "messaging/inbox.html", context)
    response["Vary"] = "HX-Request"
    response["Cache-Control"] = "no-store"
    return response


@portal_page
@require_POST
def quote(request):
    """The price line under an SMS body (the compose page and a conversation's reply box, as the text is
    typed): what sending this text from this number to this destination would charge, computed by the
    service that charges it (``sms_quote``), or why it cannot be sent. A client login is shown its own
    price, never wholesale. Nothing is written."""
    actor = request.actor
    data = request.POST
    context: dict = {"price": None, "refusal": ""}
    if data.get("from_number") and data.get("to", "").strip() and data.get("body", "").strip():
        try:
            number = number_selectors.number_get(actor=actor, number_id=data["from_number"])
            client = None
            if data.get("client") and not actor.is_client_scoped:
                client = account_selectors.client_get(actor=actor, client_id=data["client"])
            priced = services.sms_quote(actor=actor, number=number, to=data["to"], body=data["body"], client=client)
        except ApplicationError as exc:
            context["refusal"] = _first_error(exc)
        else:
            own = actor.is_client_scoped and priced.client_amount is not None
            context["price"] = to_exact_str(priced.client_amount if own else priced.amount)
    response = render(request, "messaging/_sms_quote.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _compose_form(request, data=None) -> ComposeForm:
    actor = request.actor
    return ComposeForm(
        data,
        initial={"from_number": request.GET.get("from", ""), "to": request.GET.get("to", "")},
        numbers=selectors.sms_numbers(actor=actor).filter(status="active"),
        clients=account_selectors.client_list(actor=actor),
        client_scoped=actor.is_client_scoped,
    )


def thread_url(message: Message) -> str:
    return reverse("sms_thread", args=[message.number_id, message.remote_e164.lstrip("+")])


@portal_page
@require_http_methods(["GET", "POST"])
def compose(request):
    actor = request.actor
    if request.method == "POST" and not actor.can_write:
        raise PermissionDenied
    form = _compose_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            number = number_selectors.number_get(actor=actor, number_id=data["from_number"])
            client = None
            if data.get("client"):
                client = account_selectors.client_get(actor=actor, client_id=data["client"])
            message = services.sms_send(actor=actor, number=number, to=data["to"], body=data["body"], client=client)
        except ApplicationError as exc:
            add_error(form, _on_form(exc, {"from": "from_number", "client_id": "client"}))
        else:
            messages.success(
                request,
                _("Message queued: %(n)d segment(s), EUR %(price)s. Its status updates below.")
                % {
                    "n": message.segments,
                    "price": to_exact_str(
                        message.client_amount
                        if actor.is_client_scoped and message.client_amount is not None
                        else message.amount
                    ),
                },
            )
            return redirect(thread_url(message))
    context = _context(
        request,
        "compose",
        form=form,
        max_chars=MAX_BODY_CHARS,
        has_numbers=bool(form.fields["from_number"].choices),
    )
    return render(request, "messaging/compose.html", context)


def _on_form(exc: ApplicationError, renames: dict[str, str]) -> ApplicationError:
    """A service error with its field names mapped onto the form's."""
    if getattr(exc, "fields", None):
        exc.fields = {renames.get(key, key): value for key, value in exc.fields.items()}
    return exc


@portal_page
@require_GET
def thread_list(request):
    actor = request.actor
    numbers = list(selectors.sms_numbers(actor=actor))
    chosen = request.GET.get("number", "")
    number = next((n for n in numbers if str(n.pk) == chosen), None)
    page = page_of(request, selectors.thread_list(actor=actor, number=number))
    context = _context(request, "threads", page=page, numbers=numbers, chosen=chosen, query=query_without_page(request))
    return render(request, "messaging/thread_list.html", context)


def _thread_context(request, number, contact: str, **extra) -> dict:
    actor = request.actor
    conversation = list(selectors.thread_messages(actor=actor, number=number, contact=contact))
    return _context(
        request,
        "threads",
        number=number,
        contact=contact,
        conversation=conversation,
        sandbox=number.group.carrier == "sandbox",
        live=any(not m.is_final for m in conversation),
        max_chars=MAX_BODY_CHARS,
        **extra,
    )


@portal_page
@updates_wallet_badge  # a reply is charged; a failed message is refunded while the conversation polls
@require_http_methods(["GET", "POST"])
def thread_detail(request, number_id: int, contact: str):
    actor = request.actor
    number = _number_or_404(actor, number_id)
    contact = "+" + contact.lstrip("+")
    if not contact[1:].isdigit():
        raise Http404(_("Not a phone number."))
    reply, simulate = ReplyForm(auto_id="reply_%s"), SimulateForm(auto_id="simulate_%s")
    if request.method == "POST":
        if not actor.can_write:
            raise PermissionDenied
        if request.POST.get("action") == "simulate":
            simulate = SimulateForm(request.POST, auto_id="simulate_%s")
            if simulate.is_valid():
                try:
                    services.sms_simulate_inbound(
                        actor=actor, number=number, from_e164=contact, body=simulate.cleaned_data["body"]
                    )
                except ApplicationError as exc:
                    add_error(simulate, exc)
                else:
                    simulate = SimulateForm(auto_id="simulate_%s")
        else:
            reply = ReplyForm(request.POST, auto_id="reply_%s")
            if reply.is_valid():
                try:
                    services.sms_send(actor=actor, number=number, to=contact, body=reply.cleaned_data["body"])
                except ApplicationError as exc:
                    add_error(reply, _on_form(exc, {"to": "body"}))
                else:
                    reply = ReplyForm(auto_id="reply_%s")
        if not request.htmx and not (reply.errors or simulate.errors):
            return redirect(request.path)
    context = _thread_context(request, number, contact, reply=reply, simulate=simulate)
    if request.htmx and request.htmx.target == "thread-messages":
        response = render(request, "messaging/_thread_messages.html", context)
    elif request.htmx:
        response = render(request, "messaging/_thread.html", context)
    else:
        response = render(request, "messaging/thread_detail.html", context)
    response["Vary"] = "HX-Request"
    response["Cache-Control"] = "no-store"
    return response


@portal_page
@updates_wallet_badge  # the SMS add-on is charged when it is switched on
@require_POST
def number_sms(request, number_id: int):
    """The SMS panel of a number's page: switch the add-on on or off, or set SMS forwarding."""
    actor = request.actor
    if not actor.can_write:
        raise PermissionDenied
    number = _number_or_404(actor, number_id)
    action = request.POST.get("action")
    forwarding_form = SmsForwardingForm(request.POST if action == "forwarding" else None)
    try:
        if action in ("enable", "disable"):
            wanted = [c for c in number.capabilities if c not in ("sms", "mms")]
            if action == "enable":
                wanted.append("sms")
            number_services.number_configure(actor=actor, number=number, capabilities=wanted)
            if action == "enable":
                messages.success(request, _("SMS is on for %(number)s.") % {"number": ltr(number.number_formatted)})
            else:
                messages.success(
                    request,
                    _("SMS is off for %(number)s; the add-on is not renewed.")
                    % {"number": ltr(number.number_formatted)},
                )
        elif action == "forwarding":
            if not forwarding_form.is_valid():
                raise ValidationFailed(fields={k: list(v) for k, v in forwarding_form.errors.items()})
            number_services.number_configure(
                actor=actor, number=number, sms_forwarding=forwarding_form.cleaned_data["sms_forwarding"]
            )
            messages.success(request, _("SMS forwarding saved."))
        else:
            raise ValidationFailed(_("Unknown action."))
    except ApplicationError as exc:
        messages.error(request, exc.message if not getattr(exc, "fields", None) else _first_error(exc))
    if not request.htmx:
        return redirect("number_detail", number_id=number.pk)
    number = _number_or_404(actor, number.pk)
    return render(request, "numbers/_number_panel.html", number_page_context(request, number))


def _first_error(exc: ApplicationError) -> str:
    for field_messages in exc.fields.values():
        if field_messages:
            return str(field_messages[0])
    return exc.message
