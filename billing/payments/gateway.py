"""The few Stripe calls the portal makes, through the official ``stripe`` library.

Every call here is network I/O: never inside ``transaction.atomic()``. ``STRIPE_API_BASE`` points the
library at another host (the tests' local fake); without ``STRIPE_SECRET_KEY`` Stripe is off and only
bank transfers are offered."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

from billing.money import CENTS

# Stripe's answer to a bad signature or an unreadable body.
SignatureError = stripe.SignatureVerificationError
CardError = stripe.CardError
StripeError = stripe.StripeError


def enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def _options() -> dict:
    stripe.api_base = settings.STRIPE_API_BASE or "https://api.stripe.com"
    stripe.max_network_retries = 2  # safe: every create below carries an idempotency key
    return {"api_key": settings.STRIPE_SECRET_KEY}


def to_minor(amount: Decimal) -> int:
    """EUR to Stripe's integer cents (amounts are whole cents by then)."""
    return int((amount / CENTS).to_integral_value())


def from_minor(value: int) -> Decimal:
    return (Decimal(value) * CENTS).quantize(CENTS)


def checkout_session_create(
    *,
    top_up_id: str,
    account_id: int,
    amount: Decimal,
    currency: str,
    customer_id: str,
    email: str,
    save_card: bool,
    success_url: str,
    cancel_url: str,
    language: str,
):
    """A hosted Checkout page for one payment of ``amount``; saving the card for later off-session charges
    when ``save_card``."""
    metadata = {"top_up": top_up_id, "account": str(account_id)}
    intent = {"metadata": metadata, "description": f"DIDfarm wallet top-up {top_up_id}"}
    if save_card:
        intent["setup_future_usage"] = "off_session"
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": to_minor(amount),
                    "product_data": {"name": "DIDfarm wallet top-up"},
                },
            }
        ],
        "payment_method_types": list(settings.STRIPE_PAYMENT_METHODS),
        "client_reference_id": top_up_id,
        "metadata": metadata,
        "payment_intent_data": intent,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": language if language in {"de", "es", "fr", "it", "nl", "pl", "pt", "sv", "ja"} else "auto",
    }
    if customer_id:
        params["customer"] = customer_id
    else:
        params["customer_creation"] = "always"
        if email:
            params["customer_email"] = email
    return stripe.checkout.Session.create(**params, idempotency_key=f"checkout-{top_up_id}", **_options())


def checkout_session_retrieve(session_id: str):
    """The session as Stripe has it now, with its PaymentIntent and that intent's payment method expanded
    (status; the card's brand, last four digits and expiry, or the SEPA account's last four)."""
    return stripe.checkout.Session.retrieve(session_id, expand=["payment_intent.payment_method"], **_options())


def off_session_charge(
    *, top_up_id: str, account_id: int, amount: Decimal, currency: str, customer_id: str, payment_method_id: str
):
    """Charge a saved card without the customer present. Raises ``CardError`` when the bank declines (or
    asks for authentication, which nobody is there to give)."""
    return stripe.PaymentIntent.create(
        amount=to_minor(amount),
        currency=currency.lower(),
        customer=customer_id,
        payment_method=payment_method_id,
        off_session=True,
        confirm=True,
        metadata={"top_up": top_up_id, "account": str(account_id)},
        description=f"DIDfarm wallet auto-recharge {top_up_id}",
        idempotency_key=f"auto-recharge-{top_up_id}",
        **_options(),
    )


def event_verified(payload: bytes, signature: str):
    """The webhook event, if ``signature`` is Stripe's for ``payload`` (within five minutes); raises
    ``SignatureError`` otherwise, and ``ValueError`` for a body that is not JSON."""
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
