"""Exactly-once crediting with real threads on PostgreSQL: Stripe's webhook delivered many times at once
(retries of one event, and distinct events for the same payment), racing the payer's success redirect;
staff recording one bank transaction twice at the same moment."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import User
from billing.models import LedgerEntry, PaymentEvent, TopUp
from billing.payments import services, webhooks
from portal.models import Event
from tests.billing.conftest import assert_balanced
from tests.billing.stripe_fake import sign
from tests.billing.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_webhooks_and_the_redirect_credit_one_payment_once(tenants, stripe_fake):
    account = tenants.a.account
    top_up = services.top_up_checkout_start(
        actor=tenants.a.owner_actor,
        amount="75.00",
        save_card=False,
        success_url="http://testserver/r?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://testserver/c",
    )
    session = stripe_fake.pay(top_up.session_id)
    retried = stripe_fake.event("checkout.session.completed", session, event_id="evt_retried")
    bodies = [retried] * 4 + [stripe_fake.event("checkout.session.completed", session) for _ in range(4)]
    jobs = [("webhook", body) for body in bodies] + [("redirect", None)] * 2

    def work_for(index: int):
        kind, body = jobs[index]
        http = HttpClient()
        if kind == "redirect":
            http.force_login(User.objects.get(email="owner@alpha.test"))
            return http.get(reverse("top_up_return"), {"session_id": top_up.session_id}).status_code
        response = http.post(
            reverse("stripe_webhook"),
            data=body,
            content_type="application/json",
            headers={"Stripe-Signature": sign(body)},
        )
        stored = PaymentEvent.objects.get(event_id=json.loads(body)["id"])
        webhooks.payment_event_process(event_pk=stored.pk)  # what the enqueued task does
        return response.status_code

    counter = iter(range(len(jobs)))
    results = run_together(len(jobs), lambda: work_for(next(counter)))

    assert all(r in (200, 302) for r in results), results
    credits = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.TOP_UP, reference_type="topup")
    assert [c.amount for c in credits] == [Decimal("75.0000")]
    assert PaymentEvent.objects.count() == 5  # the retried event stored once, the four others once each
    assert TopUp.objects.get().status == TopUp.Status.SUCCEEDED
    assert Event.objects.filter(account=account, type="payment.succeeded").count() == 1
    assert_balanced(account)
    account.wallet.refresh_from_db()
    assert account.wallet.balance == Decimal("175.0000")


def test_one_bank_transaction_recorded_by_two_staff_at_once_is_credited_once(tenants, admin_user):
    account = tenants.a.account
    transfer = services.BankTransfer(services.payment_reference(account.pk), Decimal("40.00"), "BNK-RACE")

    results = run_together(6, lambda: services.bank_transfer_record(staff_user=admin_user, transfer=transfer).pk)

    assert len(set(results)) == 1, results
    credits = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.TOP_UP, reference_type="topup")
    assert [c.amount for c in credits] == [Decimal("40.0000")]
    assert_balanced(account)
