"""Top-ups: Stripe Checkout through the real ``stripe`` library against a local fake, signed webhooks,
bank transfers, refunds and disputes, auto-recharge, low-balance alerts, receipts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import Account, User
from billing.models import LedgerEntry, PaymentEvent, PaymentProfile, TopUp
from billing.payments import receipts, services, thresholds, webhooks
from portal.errors import PaymentConflict, PaymentsUnavailable, ValidationFailed
from portal.models import Event
from tests.billing.conftest import assert_balanced, charge
from tests.billing.stripe_fake import sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks_in_place(monkeypatch):
    """Tasks enqueued after commit run at once, in this thread (the emails they send are in the outbox)."""
    from portal.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)


def start(tenants, amount="50.00", save_card=False) -> TopUp:
    return services.top_up_checkout_start(
        actor=tenants.a.owner_actor,
        amount=amount,
        save_card=save_card,
        success_url="http://testserver/billing/wallet/top-up/return/?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://testserver/billing/wallet/",
    )


def post_event(http, body: str, signature: str | None = None):
    return http.post(
        reverse("stripe_webhook"),
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signature if signature is not None else sign(body)},
    )


def deliver(http, body: str):
    """Stripe delivers an event; the task that the answer enqueued processes it."""
    response = post_event(http, body)
    assert response.status_code == 200
    event_id = __import__("json").loads(body)["id"]
    stored = PaymentEvent.objects.get(event_id=event_id)
    webhooks.payment_event_process(event_pk=stored.pk)
    return response


def top_up_credits(account) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.TOP_UP, reference_type="topup"))


def test_checkout_start_creates_a_stripe_session_for_the_amount_in_cents(tenants, stripe_fake):
    top_up = start(tenants, "42.50", save_card=True)

    assert top_up.status == TopUp.Status.PENDING
    assert top_up.checkout_url.startswith(stripe_fake.url + "/pay/cs_test_")
    session = stripe_fake.sessions[top_up.session_id]
    assert session["amount_total"] == 4250
    assert session["metadata"]["top_up"] == top_up.public_id
    assert session["setup_future_usage"] == "off_session"
    assert top_up_credits(tenants.a.account) == []  # nothing is credited before the payment


@pytest.mark.parametrize("amount", ["4.99", "5000.01", "12.345", "abc", "-10", "NaN"])
def test_top_up_amount_outside_the_limits_or_not_in_cents_is_refused_and_nothing_is_written(
    tenants, stripe_fake, amount
):
    with pytest.raises(ValidationFailed) as exc:
        start(tenants, amount)
    assert "amount" in exc.value.fields
    assert not TopUp.objects.exists()
    assert stripe_fake.requests == []


def test_without_stripe_keys_card_top_up_is_unavailable_and_writes_nothing(tenants, settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(PaymentsUnavailable):
        start(tenants)
    assert not TopUp.objects.exists()


def test_stripe_unreachable_marks_the_top_up_failed_and_says_so(tenants, stripe_fake):
    stripe_fake.fail_all = True
    with pytest.raises(PaymentsUnavailable):
        start(tenants)
    assert TopUp.objects.get().status == TopUp.Status.FAILED
    assert top_up_credits(tenants.a.account) == []


def test_webhook_with_a_bad_signature_is_refused_in_the_error_format_and_stores_nothing(tenants, stripe_fake):
    top_up = start(tenants)
    body = stripe_fake.event("checkout.session.completed", stripe_fake.pay(top_up.session_id))
    forged = sign(body, secret="whsec_someone_else")

    response = post_event(HttpClient(), body, forged)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert response.json()["error"]["status"] == 400
    assert not PaymentEvent.objects.exists()
    assert post_event(HttpClient(), body, "").status_code == 400
    assert post_event(HttpClient(), "not json", sign("not json")).status_code == 400


def test_a_paid_checkout_is_credited_once_through_webhook_retries_and_the_redirect(tenants, stripe_fake):
    top_up = start(tenants, "50.00")
    session = stripe_fake.pay(top_up.session_id)
    http = HttpClient()
    body = stripe_fake.event("checkout.session.completed", session, event_id="evt_once")

    deliver(http, body)
    assert post_event(http, body).status_code == 200  # Stripe's retry: acknowledged, not stored again
    assert PaymentEvent.objects.count() == 1
    deliver(http, stripe_fake.event("checkout.session.completed", session))  # a second, distinct event
    http.force_login(User.objects.get(email="owner@alpha.test"))
    response = http.get(reverse("top_up_return"), {"session_id": top_up.session_id})
    assert response.status_code == 302

    credits = top_up_credits(tenants.a.account)
    assert len(credits) == 1 and credits[0].amount == Decimal("50.0000")
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.SUCCEEDED and top_up.entry == credits[0]
    assert top_up.external_id == session["payment_intent"]
    assert_balanced(tenants.a.account)
    tenants.a.account.wallet.refresh_from_db()
    assert tenants.a.account.wallet.balance == Decimal("150.0000")
    events = Event.objects.filter(account=tenants.a.account, type="payment.succeeded")
    assert events.count() == 1 and events.get().data["top_up_id"] == top_up.public_id


def test_the_success_redirect_alone_credits_the_payment(tenants, stripe_fake):
    top_up = start(tenants, "20.00")
    stripe_fake.pay(top_up.session_id)
    http = HttpClient()
    http.force_login(User.objects.get(email="owner@alpha.test"))

    response = http.get(reverse("top_up_return"), {"session_id": top_up.session_id}, follow=True)

    assert "Payment received: 20.00 EUR added to your wallet." in response.content.decode()
    assert len(top_up_credits(tenants.a.account)) == 1


def test_someone_elses_session_on_the_return_page_credits_nothing(tenants, stripe_fake):
    top_up = start(tenants, "20.00")
    stripe_fake.pay(top_up.session_id)
    http = HttpClient()
    http.force_login(User.objects.get(email="owner@bravo.test"))

    http.get(reverse("top_up_return"), {"session_id": top_up.session_id})

    assert TopUp.objects.get().status == TopUp.Status.PENDING
    assert top_up_credits(tenants.a.account) == []


def test_sepa_is_credited_when_the_debit_clears_not_when_checkout_completes(tenants, stripe_fake):
    top_up = start(tenants, "80.00")
    http = HttpClient()
    deliver(
        http, stripe_fake.event("checkout.session.completed", stripe_fake.pay(top_up.session_id, sepa_pending=True))
    )
    assert top_up_credits(tenants.a.account) == []

    deliver(http, stripe_fake.event("checkout.session.async_payment_succeeded", stripe_fake.clear(top_up.session_id)))

    assert [e.amount for e in top_up_credits(tenants.a.account)] == [Decimal("80.0000")]


def test_saving_the_card_keeps_the_customer_and_payment_method_for_auto_recharge(tenants, stripe_fake):
    top_up = start(tenants, "30.00", save_card=True)
    session = stripe_fake.pay(top_up.session_id)
    deliver(HttpClient(), stripe_fake.event("checkout.session.completed", session))

    profile = PaymentProfile.objects.get(account=tenants.a.account)
    assert profile.stripe_customer_id == session["customer"]
    assert profile.stripe_payment_method_id == stripe_fake.intents[session["payment_intent"]]["payment_method"]
    assert profile.card_label == "Visa ending 4242, expires 08/2031"  # what the payer sees on the wallet page


def test_a_saved_sepa_mandate_is_named_by_its_account_s_last_digits(tenants, stripe_fake):
    top_up = start(tenants, "30.00", save_card=True)
    http = HttpClient()
    deliver(
        http, stripe_fake.event("checkout.session.completed", stripe_fake.pay(top_up.session_id, sepa_pending=True))
    )
    assert not PaymentProfile.objects.filter(account=tenants.a.account).exclude(card_label="").exists()  # not yet
    deliver(http, stripe_fake.event("checkout.session.async_payment_succeeded", stripe_fake.clear(top_up.session_id)))

    assert PaymentProfile.objects.get(account=tenants.a.account).card_label == "SEPA Direct Debit ending 3000"


def test_refunds_become_debits_once_per_step_even_below_zero(tenants, stripe_fake):
    top_up = start(tenants, "100.00")
    http = HttpClient()
    deliver(http, stripe_fake.event("checkout.session.completed", stripe_fake.pay(top_up.session_id)))
    charge(tenants.a.account, "180.00")  # the money is spent: 200 - 180 = 20 left
    partial = stripe_fake.event("charge.refunded", stripe_fake.charge(top_up.session_id, amount_refunded=4000))

    deliver(http, partial)
    deliver(http, stripe_fake.event("charge.refunded", stripe_fake.charge(top_up.session_id, amount_refunded=4000)))
    deliver(http, stripe_fake.event("charge.refunded", stripe_fake.charge(top_up.session_id, amount_refunded=10000)))

    refunds = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.TOP_UP_REFUND).order_by("id")
    assert [r.amount for r in refunds] == [Decimal("-40.0000"), Decimal("-60.0000")]
    tenants.a.account.wallet.refresh_from_db()
    assert tenants.a.account.wallet.balance == Decimal("-80.0000")
    assert_balanced(tenants.a.account)


def test_a_dispute_debits_the_amount_with_its_reason_and_a_won_dispute_gives_it_back(tenants, stripe_fake):
    top_up = start(tenants, "60.00")
    http = HttpClient()
    deliver(http, stripe_fake.event("checkout.session.completed", stripe_fake.pay(top_up.session_id)))

    opened = stripe_fake.dispute(top_up.session_id, amount=6000, reason="fraudulent")
    deliver(http, stripe_fake.event("charge.dispute.created", opened))
    deliver(http, stripe_fake.event("charge.dispute.created", opened))
    chargeback = LedgerEntry.objects.get(kind=LedgerEntry.Kind.CHARGEBACK)
    assert chargeback.amount == Decimal("-60.0000") and "fraudulent" in chargeback.description

    won = stripe_fake.dispute(top_up.session_id, amount=6000, status="won")
    deliver(http, stripe_fake.event("charge.dispute.closed", won))
    deliver(http, stripe_fake.event("charge.dispute.closed", won))
    assert LedgerEntry.objects.get(kind=LedgerEntry.Kind.CHARGEBACK_REVERSAL).amount == Decimal("60.0000")
    assert_balanced(tenants.a.account)


def test_payment_reference_is_stable_and_its_check_digits_catch_a_typo(tenants):
    reference = services.payment_reference(tenants.a.account.pk)
    assert reference == services.payment_reference(tenants.a.account.pk)
    assert services.account_id_from_reference(reference) == tenants.a.account.pk
    assert services.account_id_from_reference(reference.lower().replace("-", " ")) == tenants.a.account.pk
    digits = reference.replace("-", "")[2:]
    typo = "DF" + digits[:-3] + str((int(digits[-3]) + 1) % 10) + digits[-2:]
    assert services.account_id_from_reference(typo) is None
    assert services.account_id_from_reference("hello") is None


def test_a_bank_transfer_is_credited_once_per_bank_transaction_with_an_email_and_an_event(
    tenants, admin_user, django_capture_on_commit_callbacks, tasks_in_place
):
    transfer = services.BankTransfer(
        reference=services.payment_reference(tenants.a.account.pk),
        amount=Decimal("250.00"),
        bank_transaction_id="BNK-1",
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = services.bank_transfer_record(staff_user=admin_user, transfer=transfer)
    again = services.bank_transfer_record(staff_user=admin_user, transfer=transfer)

    assert again.pk == first.pk
    assert [e.amount for e in top_up_credits(tenants.a.account)] == [Decimal("250.0000")]
    assert Event.objects.filter(account=tenants.a.account, type="payment.succeeded").count() == 1
    assert any("Payment received: 250.00 EUR" in m.subject for m in mail.outbox)
    assert_balanced(tenants.a.account)


def test_a_bank_transaction_recorded_for_another_reference_is_refused(tenants, admin_user):
    services.bank_transfer_record(
        staff_user=admin_user,
        transfer=services.BankTransfer(services.payment_reference(tenants.a.account.pk), Decimal("10.00"), "BNK-2"),
    )
    with pytest.raises(PaymentConflict):
        services.bank_transfer_record(
            staff_user=admin_user,
            transfer=services.BankTransfer(services.payment_reference(tenants.b.account.pk), Decimal("10.00"), "BNK-2"),
        )
    with pytest.raises(ValidationFailed):
        services.bank_transfer_record(
            staff_user=admin_user, transfer=services.BankTransfer("DF-000000-00", Decimal("10.00"), "BNK-3")
        )
    assert top_up_credits(tenants.b.account) == []


def test_staff_record_a_bank_transfer_in_the_staff_console(tenants, admin_client):
    url = reverse("admin:billing_topup_bank_transfer")
    data = {
        "reference": services.payment_reference(tenants.a.account.pk),
        "amount": "75.00",
        "bank_transaction_id": "BNK-9",
    }
    assert admin_client.post(url, data).status_code == 302
    assert admin_client.post(url, data).status_code == 302
    assert [e.amount for e in top_up_credits(tenants.a.account)] == [Decimal("75.0000")]
    bad = admin_client.post(url, data | {"reference": "DF-000001-00"})
    assert bad.status_code == 200 and "No reseller has this payment reference." in bad.content.decode()


def saved_card(account, **settings) -> PaymentProfile:
    profile = services.profile_for(account)
    profile.stripe_customer_id, profile.stripe_payment_method_id, profile.card_label = "cus_1", "pm_1", "Saved card"
    for field, value in settings.items():
        setattr(profile, field, value)
    profile.save()
    return profile


def test_auto_recharge_charges_once_per_crossing_and_again_after_the_balance_recovers(tenants, stripe_fake):
    account = tenants.a.account
    saved_card(
        account, auto_recharge_enabled=True, auto_recharge_threshold=Decimal("20"), auto_recharge_amount=Decimal("50")
    )
    charge(account, "90.00")  # 10 left: under 20

    assert thresholds.wallet_thresholds_check().recharged == 1
    assert thresholds.wallet_thresholds_check().recharged == 0  # balance 60: above; the claim is released
    charge(account, "45.00")  # 15: a new crossing
    assert thresholds.wallet_thresholds_check().recharged == 1
    charge(account, "50.00")  # 65 → 15 with no check in between: the recharge itself re-armed the threshold
    assert thresholds.wallet_thresholds_check().recharged == 1

    intents = [r for r in stripe_fake.requests if r[1] == "/v1/payment_intents"]
    assert len(intents) == 3
    assert intents[0][2]["off_session"] == "true" and intents[0][2]["amount"] == "5000"
    assert TopUp.objects.filter(method=TopUp.Method.AUTO_RECHARGE, status=TopUp.Status.SUCCEEDED).count() == 3
    assert_balanced(account)


def test_auto_recharge_does_not_charge_twice_for_one_crossing(tenants, stripe_fake):
    account = tenants.a.account
    profile = saved_card(
        account, auto_recharge_enabled=True, auto_recharge_threshold=Decimal("20"), auto_recharge_amount=Decimal("10")
    )
    charge(account, "95.00")  # 5 left; a 10 recharge leaves it at 15, still under 20

    thresholds.wallet_thresholds_check()
    thresholds.wallet_thresholds_check()
    thresholds.wallet_thresholds_check()

    assert len([r for r in stripe_fake.requests if r[1] == "/v1/payment_intents"]) == 1
    profile.refresh_from_db()
    assert profile.auto_recharge_claimed_at is not None


def test_a_declined_auto_recharge_notifies_and_backs_off(
    tenants, stripe_fake, django_capture_on_commit_callbacks, tasks_in_place
):
    account = tenants.a.account
    profile = saved_card(
        account, auto_recharge_enabled=True, auto_recharge_threshold=Decimal("20"), auto_recharge_amount=Decimal("50")
    )
    charge(account, "90.00")
    stripe_fake.decline = True

    with django_capture_on_commit_callbacks(execute=True):
        report = thresholds.wallet_thresholds_check()
    thresholds.wallet_thresholds_check()  # the retry is not due yet

    assert report.failed == 1
    assert len([r for r in stripe_fake.requests if r[1] == "/v1/payment_intents"]) == 1
    profile.refresh_from_db()
    assert profile.auto_recharge_failures == 1 and profile.auto_recharge_retry_at is not None
    assert TopUp.objects.get().status == TopUp.Status.FAILED
    assert any("Auto-recharge failed" in m.subject for m in mail.outbox)
    assert Event.objects.filter(type="payment.failed", account=account).count() == 1
    assert top_up_credits(account) == []


def test_low_balance_alert_is_sent_once_per_crossing(tenants, django_capture_on_commit_callbacks, tasks_in_place):
    account = tenants.a.account
    services.payment_settings_update(
        actor=tenants.a.owner_actor,
        data=services.PaymentSettings(False, None, None, Decimal("25.00")),
    )
    charge(account, "80.00")  # 20 left
    with django_capture_on_commit_callbacks(execute=True):
        assert thresholds.wallet_thresholds_check().alerted == 1
    assert thresholds.wallet_thresholds_check().alerted == 0
    assert Event.objects.filter(type="wallet.low_balance", account=account).count() == 1
    assert any("Wallet balance low" in m.subject for m in mail.outbox)


def test_auto_recharge_needs_a_saved_card_and_a_sensible_amount(tenants):
    with pytest.raises(ValidationFailed) as exc:
        services.payment_settings_update(
            actor=tenants.a.owner_actor,
            data=services.PaymentSettings(True, Decimal("10"), Decimal("50"), None),
        )
    assert "auto_recharge_enabled" in exc.value.fields
    saved_card(tenants.a.account)
    with pytest.raises(ValidationFailed) as exc:
        services.payment_settings_update(
            actor=tenants.a.owner_actor, data=services.PaymentSettings(True, Decimal("10"), Decimal("1"), None)
        )
    assert "auto_recharge_amount" in exc.value.fields


def test_a_receipt_is_a_pdf_in_the_readers_language(tenants, admin_user):
    top_up = services.bank_transfer_record(
        staff_user=admin_user,
        transfer=services.BankTransfer(services.payment_reference(tenants.a.account.pk), Decimal("12.00"), "BNK-R"),
    )
    from django.utils import translation

    with translation.override("de"):
        german = receipts.receipt_pdf(top_up)
    assert german.startswith(b"%PDF")
    http = HttpClient()
    http.force_login(User.objects.get(email="owner@alpha.test"))
    response = http.get(reverse("top_up_receipt", args=[top_up.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    other = HttpClient()
    other.force_login(User.objects.get(email="owner@bravo.test"))
    assert other.get(reverse("top_up_receipt", args=[top_up.pk])).status_code == 404


def test_a_suspension_for_non_payment_lifts_when_a_top_up_covers_what_is_due(tenants, admin_user):
    account = tenants.a.account
    charge(account, "100.00")
    Account.objects.filter(pk=account.pk).update(
        status=Account.Status.SUSPENDED, suspension_reason=Account.SuspensionReason.NON_PAYMENT
    )
    services.bank_transfer_record(
        staff_user=admin_user,
        transfer=services.BankTransfer(services.payment_reference(account.pk), Decimal("10.00"), "BNK-S"),
    )
    account.refresh_from_db()
    assert account.status == Account.Status.ACTIVE and account.suspension_reason == ""


def test_a_suspension_for_another_reason_is_not_lifted_by_a_payment(tenants, admin_user):
    account = tenants.a.account
    Account.objects.filter(pk=account.pk).update(
        status=Account.Status.SUSPENDED, suspension_reason=Account.SuspensionReason.OTHER
    )
    services.bank_transfer_record(
        staff_user=admin_user,
        transfer=services.BankTransfer(services.payment_reference(account.pk), Decimal("10.00"), "BNK-T"),
    )
    account.refresh_from_db()
    assert account.status == Account.Status.SUSPENDED


def test_a_suspended_resellers_people_see_why_and_can_still_reach_wallet_and_invoices(tenants):
    Account.objects.filter(pk=tenants.a.account.pk).update(
        status=Account.Status.SUSPENDED,
        suspension_reason=Account.SuspensionReason.NON_PAYMENT,
        suspension_note="Invoice 2026-11 is 30 days overdue.",
    )
    owner = HttpClient()
    owner.force_login(User.objects.get(email="owner@alpha.test"))

    blocked = owner.get(reverse("number_list"))
    assert blocked.status_code == 403
    page = blocked.content.decode()
    assert "Your account is suspended" in page and "Invoice 2026-11 is 30 days overdue." in page
    assert reverse("wallet") in page and reverse("invoice_list") in page
    assert owner.get(reverse("wallet")).status_code == 200
    assert owner.get(reverse("invoice_list")).status_code == 200

    client_admin = HttpClient()
    client_admin.force_login(User.objects.get(email=tenants.x_admin_email))
    shut = client_admin.get(reverse("wallet"))
    assert shut.status_code == 403 and "Invoice 2026-11" not in shut.content.decode()


def test_checkouts_top_up_first_link_and_the_banner_prefill_the_missing_amount_in_cents(tenants):
    http = HttpClient()
    http.force_login(User.objects.get(email="owner@alpha.test"))

    page = http.get(reverse("wallet"), {"top_up": "12.3401"}).content.decode()

    assert "Transfer at least 12.35 EUR to complete your order." in page  # no card payments: bank transfer
    assert "Transfer at least" not in http.get(reverse("wallet"), {"top_up": "abc"}).content.decode()
