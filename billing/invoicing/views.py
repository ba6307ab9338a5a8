"""Pages: the reseller's legal profile, a client's billing profile, and what is done to an issued invoice
(mark paid, send again, credit, re-issue once credited)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing import invoices
from portal.errors import ApplicationError
from portal.pages import add_error, portal_page

from ..models import LegalProfile, ViesResult
from . import profiles, sending, vies
from .forms import ClientBillingProfileForm, CreditNoteForm, LegalProfileForm


def _initial(profile) -> dict:
    if profile is None:
        return {}
    fields = LegalProfileForm.base_fields if isinstance(profile, LegalProfile) else ClientBillingProfileForm.base_fields
    return {name: getattr(profile, name) for name in fields if name != "logo" and hasattr(profile, name)}


@portal_page(open_while_suspended=True)
@require_http_methods(["GET", "POST"])
def legal_profile(request):
    actor = request.actor
    try:
        profile = profiles.legal_profile_get(actor=actor)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    form = LegalProfileForm(request.POST or None, request.FILES or None, initial=_initial(profile))
    if request.method == "POST":
        if not actor.can_administer:
            messages.error(request, _("Only owners and admins change the legal profile."))
            return redirect("legal_profile")
        if form.is_valid():
            try:
                profiles.legal_profile_save(
                    actor=actor,
                    data=form.to_input(),
                    logo=form.cleaned_data.get("logo") or None,
                    remove_logo=form.cleaned_data.get("logo") is False,
                )
            except ApplicationError as exc:
                add_error(form, exc)
            else:
                messages.success(request, _("Legal profile saved. Invoices issued from now on use it."))
                return redirect("legal_profile")
    context = {"form": form, "profile": profile, "can_edit": actor.can_administer}
    return render(request, "billing/legal_profile.html", context)


@portal_page
@require_http_methods(["GET", "POST"])
def client_billing_profile(request, client_id: int):
    actor = request.actor
    client, profile = profiles.client_billing_profile_get(actor=actor, client_id=client_id)
    can_edit = actor.can_administer and not actor.is_client_scoped
    form = ClientBillingProfileForm(request.POST or None, initial=_initial(profile) or {"legal_name": client.name})
    if request.method == "POST":
        if not can_edit:
            messages.error(request, _("Billing profiles are kept by the reseller."))
            return redirect("client_billing_profile", client_id=client.pk)
        if form.is_valid():
            try:
                profiles.client_billing_profile_save(actor=actor, client_id=client.pk, data=form.to_input())
            except ApplicationError as exc:
                add_error(form, exc)
            else:
                messages.success(request, _("Billing profile saved. Invoices issued from now on use it."))
                _vies_says(request, vies.client_vat_id_check(actor=actor, client_id=client.pk))
                return redirect("client_billing_profile", client_id=client.pk)
    context = {
        "form": form,
        "client": client,
        "profile": profile,
        "can_edit": can_edit,
    }
    return render(request, "billing/client_billing_profile.html", context)


def _vies_says(request, profile) -> None:
    """After a save: what VIES said about the client's EU VAT id (nothing when it was not asked)."""
    if profile is None:
        return
    values = {"vat_id": profile.vat_id, "name": profile.vies_name or profile.legal_name}
    if profile.vies_result == ViesResult.VALID:
        messages.info(request, _("VIES confirms the VAT id %(vat_id)s (%(name)s).") % values)
    elif profile.vies_result == ViesResult.INVALID:
        messages.warning(
            request,
            _(
                "VIES does not know the VAT id %(vat_id)s. Reverse charge needs a registered VAT id: check it "
                "with the client before its next invoice."
            )
            % values,
        )
    else:
        messages.warning(
            request, _("VIES could not be asked about %(vat_id)s just now; it is asked again when you save.") % values
        )


def _act(request, invoice_id: int, action, success: str):
    try:
        result = action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("invoice_detail", invoice_id=invoice_id)
    messages.success(request, success % {"number": getattr(result, "number", "")})
    return redirect("invoice_detail", invoice_id=getattr(result, "pk", invoice_id))


@portal_page(open_while_suspended=True)
@require_POST
def invoice_mark_paid(request, invoice_id: int):
    paid = request.POST.get("paid", "1") == "1"
    return _act(
        request,
        invoice_id,
        lambda: invoices.invoice_mark_paid(actor=request.actor, invoice_id=invoice_id, paid=paid),
        _("Invoice %(number)s marked paid.") if paid else _("Invoice %(number)s marked unpaid."),
    )


@portal_page(open_while_suspended=True)
@require_POST
def invoice_resend(request, invoice_id: int):
    return _act(
        request,
        invoice_id,
        lambda: sending.invoice_resend(actor=request.actor, invoice_id=invoice_id),
        _("%(number)s sent to the client again."),
    )


@portal_page(open_while_suspended=True)
@require_POST
def invoice_credit(request, invoice_id: int):
    form = CreditNoteForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(
        request,
        invoice_id,
        lambda: invoices.invoice_credit(actor=request.actor, invoice_id=invoice_id, reason=reason),
        _("Credit note %(number)s issued and sent to the client."),
    )


@portal_page(open_while_suspended=True)
@require_POST
def invoice_reissue(request, invoice_id: int):
    """Credit and re-issue, its second step: a corrected draft for the credited invoice's client and month."""
    return _act(
        request,
        invoice_id,
        lambda: invoices.invoice_reissue(actor=request.actor, invoice_id=invoice_id),
        _("Corrected invoice prepared as a draft: check it, then issue it."),
    )
