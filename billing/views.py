from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors as account_selectors
from portal.errors import ApplicationError
from portal.pages import add_error, page_of, portal_page, query_without_page, render_page, wants_fragment

from . import exports, invoices, selectors, services
from .forms import CostPeriodForm, PriceRuleForm, TransactionFilterForm
from .models import Invoice
from .money import to_exact_str
from .payments import selectors as payment_selectors
from .payments import views as payment_views


def _filters(request):
    actor = request.actor
    form = TransactionFilterForm(request.GET or None, clients=account_selectors.client_list(actor=actor))
    if actor.is_client_scoped:
        del form.fields["client"]  # they see one client only; the filter would offer nothing
    filters = selectors.TransactionFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.TransactionFilters(
            kind=data["kind"],
            client_id=int(data["client"]) if data.get("client") else None,
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    return form, filters


def wallet_page_context(request) -> dict:
    actor = request.actor
    form, filters = _filters(request)
    entries = page_of(request, selectors.transaction_list(actor=actor, filters=filters))
    if actor.can_see_wallet and not actor.is_client_scoped:
        entries.object_list = list(entries.object_list)  # read once; the table reads the same objects
        receipts = payment_selectors.receipt_ids(entries=entries.object_list)
        for entry in entries.object_list:
            entry.receipt_top_up_id = receipts.get(entry.pk)
    return {
        "form": form,
        "entries": entries,
        "wallet": selectors.wallet_get(actor=actor) if actor.can_see_wallet else None,
        "query": query_without_page(request),
    }


@portal_page(open_while_suspended=True)
def wallet(request):
    context = wallet_page_context(request)
    if not wants_fragment(request):
        context |= payment_views.wallet_context(request)
    return render_page(request, "billing/wallet_detail.html", "billing/_transaction_table.html", context)


@portal_page
def wallet_export(request):
    """Every entry matching the filters, as CSV, streamed in chunks so a long history stays cheap."""
    actor = request.actor
    _form, filters = _filters(request)
    qs = selectors.transaction_list(actor=actor, filters=filters)
    writer = csv.writer(exports.Echo())

    def rows():
        yield writer.writerow(
            [
                _("id"),
                _("time (UTC)"),
                _("kind"),
                _("description"),
                _("client"),
                _("amount"),
                _("balance after"),
                _("currency"),
                _("reference type"),
                _("reference id"),
            ]
        )
        for entry in qs.iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    entry.public_id,
                    entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    entry.kind,
                    exports.cell(entry.description),
                    exports.cell(entry.client.name) if entry.client else "",
                    to_exact_str(entry.shown_amount),
                    "" if actor.is_client_scoped else to_exact_str(entry.balance_after),
                    entry.currency,
                    exports.cell(entry.reference_type),
                    exports.cell(entry.reference_id),
                ]
            )

    filename = f"didfarm-transactions-{timezone.localdate():%Y%m%d}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@portal_page
def renewals(request):
    """Renewals due in the coming billing month, with a warning when the wallet will not cover them."""
    actor = request.actor
    if not actor.can_see_wallet:
        raise Http404(_("Renewals are the reseller's to see."))
    upcoming = selectors.upcoming_renewals(actor=actor)
    return render(request, "billing/renewals.html", {"upcoming": upcoming})


# --- Per-client costs ----------------------------------------------------------------------------


def _period(request) -> tuple[CostPeriodForm, date, date]:
    today = timezone.localdate()
    form = CostPeriodForm(request.GET or None)
    date_to, date_from = today, today.replace(day=1)
    if form.is_bound and form.is_valid():
        date_to = form.cleaned_data["date_to"] or today
        date_from = form.cleaned_data["date_from"] or date_to.replace(day=1)
    if not form.is_bound:  # show the period the page is for
        form = CostPeriodForm(initial={"date_from": date_from, "date_to": date_to})
    return form, date_from, date_to


def _last_months(day: date, count: int) -> list[date]:
    """The first days of the ``count`` months ending with ``day``'s month, oldest first."""
    index = day.year * 12 + day.month - 1
    return [date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(count - 1, -1, -1)]


def _month_chart(lines: list[selectors.CostLine], *, months: list[date], client_view: bool) -> list[dict]:
    """Bars for the last months: the client's price, and (for the reseller) the wholesale cost beside it."""
    by_key = {line.key: line for line in lines}
    peak = max([line.price for line in lines] + [line.wholesale for line in lines] + [Decimal("0")])
    bars = []
    for month in months:
        line = by_key.get(f"{month:%Y-%m}")
        price = line.price if line else Decimal("0")
        cost = line.wholesale if line else Decimal("0")
        bars.append(
            {
                "month": month,
                "price": price,
                "cost": None if client_view else cost,
                "margin": None if client_view else price - cost,
                "price_height": float(price / peak * 100) if peak > 0 and price > 0 else 0.0,
                "cost_height": float(cost / peak * 100) if peak > 0 and cost > 0 and not client_view else 0.0,
            }
        )
    return bars


@portal_page
def client_costs_list(request):
    """The reseller's clients with what each cost and was billed this month (or the period asked)."""
    actor = request.actor
    if actor.is_client_scoped:
        return redirect("client_costs", client_id=actor.client.pk)
    form, date_from, date_to = _period(request)
    rows = selectors.costs_by_client(actor=actor, date_from=date_from, date_to=date_to)
    context = {"form": form, "rows": rows, "date_from": date_from, "date_to": date_to, "query": request.GET.urlencode()}
    return render(request, "billing/client_costs_list.html", context)


@portal_page
def client_costs(request, client_id: int):
    actor = request.actor
    form, date_from, date_to = _period(request)
    costs = selectors.client_costs(actor=actor, client_id=client_id, date_from=date_from, date_to=date_to)
    months = _last_months(date_to, 12)
    first = months[0]
    chart_lines = selectors.client_costs(actor=actor, client_id=client_id, date_from=first, date_to=date_to).by_month
    context = {
        "form": form,
        "costs": costs,
        "client": costs.client,
        "client_view": actor.is_client_scoped,
        "bars": _month_chart(chart_lines, months=months, client_view=actor.is_client_scoped),
        "invoices": selectors.invoice_list(actor=actor, client_id=costs.client.pk)[:12],
        "query": request.GET.urlencode(),
        "this_month": timezone.localdate().strftime("%Y-%m"),
    }
    return render(request, "billing/client_costs.html", context)


@portal_page
def client_costs_export(request, client_id: int):
    _form, date_from, date_to = _period(request)
    return exports.costs_csv_response(request.actor, client_id=client_id, date_from=date_from, date_to=date_to)


# --- Invoices ------------------------------------------------------------------------------------


@portal_page(open_while_suspended=True)
def invoice_list(request):
    actor = request.actor
    invoices = page_of(request, selectors.invoice_list(actor=actor))
    return render(request, "billing/invoice_list.html", {"invoices": invoices, "query": query_without_page(request)})


@portal_page(open_while_suspended=True)
def invoice_detail(request, invoice_id: int):
    actor = request.actor
    invoice = selectors.invoice_get(actor=actor, invoice_id=invoice_id)
    lines = page_of(request, invoice.lines.all().order_by("date", "entry_id"), per_page=100)
    reseller_admin = actor.can_administer and not actor.is_client_scoped
    issued = invoice.status == Invoice.Status.ISSUED
    # Credit and re-issue: the credited invoice (this one, or the one this credit note cancels) and the
    # corrected invoice that replaces it, as far as the actor may see it (a client: once it is issued).
    credited = invoice.credit_for if invoice.is_credit_note else invoice
    replacement = selectors.invoice_list(actor=actor).filter(replaces=credited).first() if issued else None
    context = {
        "invoice": invoice,
        "document": invoice.snapshot,
        "state": invoice.payment_state(),
        "credit_notes": list(invoice.credit_notes.all()) if issued else [],
        "can_act": reseller_admin and issued,
        "lines": lines,
        "client_view": actor.is_client_scoped,
        "can_issue": invoice.status == Invoice.Status.DRAFT
        and actor.can_administer
        and not actor.is_client_scoped
        and invoice.period_end < timezone.localdate(),
        "query": query_without_page(request),
        "has_messages": invoices.invoice_has_messages(invoice),
        "credited": credited,
        "replacement": replacement,
        "can_reissue": reseller_admin and replacement is None and credited.payment_state() == "credited",
    }
    return render(request, "billing/invoice_detail.html", context)


@portal_page(open_while_suspended=True)
def invoice_download(request, invoice_id: int, fmt: str):
    if fmt not in ("pdf", "csv", "xml"):
        raise Http404(_("Invoices download as PDF, CSV or UBL XML."))
    invoice = selectors.invoice_get(actor=request.actor, invoice_id=invoice_id)
    if fmt == "xml" and not invoice.snapshot:
        raise Http404(_("A draft has no e-invoice: issue it first."))
    return exports.invoice_response(invoice, fmt)


@portal_page
def invoice_messages_download(request, invoice_id: int):
    """Every message behind the invoice's SMS summary, as CSV."""
    invoice = selectors.invoice_get(actor=request.actor, invoice_id=invoice_id)
    return exports.invoice_messages_csv_response(invoice)


@portal_page
@require_POST
def invoice_prepare(request, client_id: int):
    """Draft (or bring up to date) a client's invoice for a month, then show it."""
    month_text = request.POST.get("month") or timezone.localdate().strftime("%Y-%m")
    try:
        month = date.fromisoformat(f"{month_text}-01")
        if month.year < 2000:
            raise ValueError(month_text)
        invoice = invoices.invoice_prepare(actor=request.actor, client_id=client_id, month=month)
    except ValueError:
        messages.error(request, _("Choose a month such as 2026-11."))
        return redirect("client_costs", client_id=client_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("client_costs", client_id=client_id)
    messages.success(request, _("The draft is up to date with every charge so far."))
    return redirect("invoice_detail", invoice_id=invoice.pk)


@portal_page
@require_POST
def invoice_issue(request, invoice_id: int):
    try:
        invoice = invoices.invoice_issue_now(actor=request.actor, invoice_id=invoice_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
    return redirect("invoice_detail", invoice_id=invoice_id)


# --- Price list ----------------------------------------------------------------------------------


def _price_form(actor, data=None, initial=None) -> PriceRuleForm:
    from numbers_app.models import Country

    return PriceRuleForm(
        data,
        initial=initial,
        clients=account_selectors.client_list(actor=actor),
        countries=Country.objects.order_by("name"),
    )


@portal_page
@require_http_methods(["GET", "POST"])
def price_list(request):
    """The price list: its lines, a form to add or change one, and examples of what clients pay."""
    actor = request.actor
    if actor.is_client_scoped or not actor.can_see_wallet:
        raise Http404(_("Price lists are the reseller's."))
    form = _price_form(actor, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not actor.can_administer:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                rule = services.price_rule_save(
                    actor=actor,
                    data=services.PriceRuleInput(
                        client_id=int(data["client"]) if data["client"] else None,
                        country=data["country"],
                        number_type=data["number_type"],
                        markup_percent=data["markup_percent"],
                        **{name: data[name] for name in services.FIXED_FIELDS},
                    ),
                )
            except ApplicationError as exc:
                add_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Saved: %(scope)s. New charges use it; charges already made keep their price.")
                    % {"scope": rule.scope_label},
                )
                return redirect("price_list")
    rules = list(selectors.price_rule_list(actor=actor))
    context = {
        "form": form,
        "rules": rules,
        "examples": selectors.price_examples(actor=actor, rules=rules),
        "can_edit": actor.can_administer,
    }
    return render(request, "billing/price_list.html", context)


@portal_page
@require_POST
def price_rule_delete(request, rule_id: int):
    try:
        services.price_rule_delete(actor=request.actor, rule_id=rule_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Line removed. New charges no longer use it."))
    return redirect("price_list")
