"""Wallet pages for money in: top-up by Stripe Checkout, the return from it, receipts, the alert and
auto-recharge settings, and Stripe's webhook."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from portal.errors import ApplicationError
from portal.pages import add_error, portal_page

from ..models import TopUp
from ..money import to_cents_str
from . import gateway, receipts, selectors, services, webhooks
from .forms import PaymentSettingsForm, TopUpForm

logger = logging.getLogger("didfarm.payments")


def wallet_context(request, *, top_up_form=None, settings_form=None) -> dict:
    """What the wallet page shows about paying in (for the reseller; nothing for a client login)."""
    actor = request.actor
    if actor.is_client_scoped or not actor.can_see_wallet:
        return {}
    profile = selectors.payment_profile_get(actor=actor)
    prefill = _prefill(request.GET.get("top_up", ""))
    if top_up_form is None:
        top_up_form = TopUpForm(initial={"amount": prefill} if prefill else None)
    if settings_form is None:
        settings_form = PaymentSettingsForm(
            initial={
                "low_balance_threshold": _plain(profile.low_balance_threshold),
                "auto_recharge_enabled": profile.auto_recharge_enabled,
                "auto_recharge_threshold": _plain(profile.auto_recharge_threshold),
                "auto_recharge_amount": _plain(profile.auto_recharge_amount),
            }
        )
    return {
        "top_up_form": top_up_form,
        "settings_form": settings_form,
        "top_up_options": selectors.top_up_options(),
        "bank": selectors.bank_details(actor=actor),
        "payment_profile": profile,
        "top_ups": list(selectors.top_up_list(actor=actor)[:10]),
        "top_up_prefilled": bool(prefill),
    }


def _prefill(text: str) -> str:
    """``?top_up=12.3456`` (what checkout is short by): the amount to offer, in whole cents rounded up."""
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        return ""
    if not amount.is_finite() or amount <= 0 or amount >= 10**8:
        return ""
    return str(selectors.top_up_rounded(amount))


def _plain(value) -> str:
    return to_cents_str(value) if value is not None else ""


def _wallet_page(request, **forms):
    from ..views import wallet_page_context

    return render(
        request, "billing/wallet_detail.html", wallet_page_context(request) | wallet_context(request, **forms)
    )


@require_POST
@portal_page(open_while_suspended=True)
def top_up_start(request):
    form = TopUpForm(request.POST)
    if form.is_valid():
        return_url = request.build_absolute_uri(reverse("top_up_return"))
        try:
            top_up = services.top_up_checkout_start(
                actor=request.actor,
                amount=form.cleaned_data["amount"],
                save_card=form.cleaned_data["save_card"],
                success_url=return_url + "?session_id={CHECKOUT_SESSION_ID}",
                cancel_url=request.build_absolute_uri(reverse("wallet")) + "?top_up_canceled=1",
                language=get_language() or "en",
            )
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = top_up.checkout_url
                return response
            return redirect(top_up.checkout_url)
    return _wallet_page(request, top_up_form=form)


@require_GET
@portal_page(open_while_suspended=True)
def top_up_return(request):
    """Stripe sends the payer back here: ask Stripe how the session stands (the webhook may not have come
    yet) and credit it if paid — once, whichever of the two arrives first."""
    session_id = request.GET.get("session_id", "")
    top_up = selectors.top_up_list(actor=request.actor).filter(session_id=session_id).first() if session_id else None
    if top_up is None:
        messages.error(request, _("This payment is not one of yours."))
        return redirect("wallet")
    try:
        top_up = services.top_up_checkout_settle(session_id=session_id) or top_up
    except gateway.StripeError:
        logger.warning("Stripe unreachable on the return of %s", top_up.public_id)
    if top_up.status == TopUp.Status.SUCCEEDED:
        messages.success(
            request,
            _("Payment received: %(amount)s EUR added to your wallet.") % {"amount": to_cents_str(top_up.amount)},
        )
    else:
        messages.info(request, _("Your payment is being processed; the wallet is credited as soon as it clears."))
    return redirect("wallet")


@require_GET
@portal_page(open_while_suspended=True)
def top_up_receipt(request, top_up_id: int):
    top_up = selectors.top_up_get(actor=request.actor, top_up_id=top_up_id)
    if top_up.status != TopUp.Status.SUCCEEDED:
        messages.error(request, _("A receipt is made once the payment has cleared."))
        return redirect("wallet")
    response = HttpResponse(receipts.receipt_pdf(top_up), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="didfarm-receipt-{receipts.receipt_number(top_up)}.pdf"'
    return response


@require_POST
@portal_page(open_while_suspended=True)
def payment_settings(request):
    form = PaymentSettingsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.payment_settings_update(
                actor=request.actor,
                data=services.PaymentSettings(
                    auto_recharge_enabled=data["auto_recharge_enabled"],
                    auto_recharge_threshold=data["auto_recharge_threshold"] or None,
                    auto_recharge_amount=data["auto_recharge_amount"] or None,
                    low_balance_threshold=data["low_balance_threshold"] or None,
                ),
            )
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Alert and auto-recharge settings saved."))
            return redirect(reverse("wallet") + "#payment-settings")
    return _wallet_page(request, settings_form=form)


@require_POST
@portal_page(open_while_suspended=True)
def saved_card_forget(request):
    try:
        services.saved_card_forget(actor=request.actor)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The saved card was removed; auto-recharge is off."))
    return redirect(reverse("wallet") + "#payment-settings")


@csrf_exempt  # Stripe signs its requests (verified below); it has no session or CSRF token
@require_POST
def stripe_webhook(request):
    """Verify, store, answer 200 at once; a task does the work."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        return _error("not_found", _("Not found."), 404)
    try:
        webhooks.payment_event_receive(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except gateway.SignatureError:
        return _error("invalid_signature", "The Stripe-Signature header does not match this body.", 400)
    except ValueError:
        return _error("malformed_json", "The body is not a Stripe event.", 400)
    return JsonResponse({"received": True})


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": str(message), "status": status}}, status=status)
