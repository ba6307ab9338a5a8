from __future__ import annotations

import csv

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from portal.pages import page_of, portal_page, query_without_page

from . import selectors
from .forms import TransactionFilterForm
from .money import to_exact_str


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


@portal_page
def wallet(request):
    actor = request.actor
    form, filters = _filters(request)
    entries = page_of(request, selectors.transaction_list(actor=actor, filters=filters))
    context = {
        "form": form,
        "entries": entries,
        "wallet": selectors.wallet_get(actor=actor) if actor.can_see_wallet else None,
        "query": query_without_page(request),
    }
    template = "billing/_transaction_table.html" if request.htmx else "billing/wallet_detail.html"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (client names and descriptions are typed
    by people)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


@portal_page
def wallet_export(request):
    """Every entry matching the filters, as CSV, streamed in chunks so a long history stays cheap."""
    actor = request.actor
    _form, filters = _filters(request)
    qs = selectors.transaction_list(actor=actor, filters=filters)
    writer = csv.writer(_Echo())

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
                    _cell(entry.description),
                    _cell(entry.client.name) if entry.client else "",
                    to_exact_str(entry.shown_amount),
                    "" if actor.is_client_scoped else to_exact_str(entry.balance_after),
                    entry.currency,
                    _cell(entry.reference_type),
                    _cell(entry.reference_id),
                ]
            )

    filename = f"didfarm-transactions-{timezone.localdate():%Y%m%d}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@portal_page
def renewals(request):
    """Renewals due in the next 30 days, with a warning when the wallet will not cover them."""
    actor = request.actor
    if not actor.can_see_wallet:
        raise Http404(_("Renewals are the reseller's to see."))
    upcoming = selectors.upcoming_renewals(actor=actor, days=30)
    return render(request, "billing/renewals.html", {"upcoming": upcoming})
