"""What happens when a wallet's balance falls under a threshold its reseller chose: a low-balance alert
(email and ``wallet.low_balance``) and an auto-recharge (an off-session charge of the saved card).

Each acts once per crossing. A profile row is claimed by a conditional ``UPDATE`` (``…_at IS NULL`` and
the balance under the threshold → set; rows changed == 1 means this process acts), and released when the
balance is back at or above the threshold. The check runs from a task after commit (and every minute from
beat), never inside another transaction; running it twice, or concurrently, acts once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import events

from ..models import PaymentProfile, TopUp
from ..money import to_exact_str
from . import gateway

logger = logging.getLogger("didfarm.payments")


@dataclass
class ThresholdReport:
    alerted: int = 0
    recharged: int = 0
    failed: int = 0


def wallet_thresholds_check(*, account_id: int | None = None) -> ThresholdReport:
    """Release the claims of wallets back above their thresholds, then alert and recharge those under."""
    report = ThresholdReport()
    profiles = PaymentProfile.objects.all()
    if account_id is not None:
        profiles = profiles.filter(account_id=account_id)
    above_alert = Q(account__wallet__balance__gte=F("low_balance_threshold")) | Q(low_balance_threshold__isnull=True)
    profiles.filter(above_alert, low_balance_alerted_at__isnull=False).update(low_balance_alerted_at=None)
    above_recharge = Q(account__wallet__balance__gte=F("auto_recharge_threshold")) | Q(auto_recharge_enabled=False)
    profiles.filter(above_recharge, auto_recharge_claimed_at__isnull=False).update(
        auto_recharge_claimed_at=None, auto_recharge_failures=0, auto_recharge_retry_at=None
    )

    under_alert = profiles.filter(
        low_balance_threshold__isnull=False,
        low_balance_alerted_at__isnull=True,
        account__wallet__balance__lt=F("low_balance_threshold"),
    )
    for pk, owner in under_alert.values_list("pk", "account_id"):
        if _low_balance_alert(profile_pk=pk, account_id=owner):
            report.alerted += 1

    now = timezone.now()
    under_recharge = profiles.filter(
        auto_recharge_enabled=True,
        account__wallet__balance__lt=F("auto_recharge_threshold"),
        auto_recharge_failures__lt=settings.AUTO_RECHARGE_MAX_FAILURES,
    ).exclude(stripe_payment_method_id="")
    due = under_recharge.filter(
        Q(auto_recharge_claimed_at__isnull=True) | Q(auto_recharge_retry_at__lte=now)
    ).values_list("pk", flat=True)
    for pk in due:
        outcome = _auto_recharge(profile_pk=pk, now=now)
        if outcome is not None:
            report.recharged += outcome
            report.failed += 1 - outcome
    return report


def release_recovered(*, account_id: int, balance) -> None:
    """Inside the transaction of a credit: the thresholds the new balance is back at or above are armed
    again at once, so the next fall under them is a new crossing even if no check ran in between."""
    profiles = PaymentProfile.objects.filter(account_id=account_id)
    profiles.filter(low_balance_threshold__lte=balance, low_balance_alerted_at__isnull=False).update(
        low_balance_alerted_at=None
    )
    profiles.filter(auto_recharge_threshold__lte=balance, auto_recharge_claimed_at__isnull=False).update(
        auto_recharge_claimed_at=None, auto_recharge_failures=0, auto_recharge_retry_at=None
    )


def _low_balance_alert(*, profile_pk: int, account_id: int) -> bool:
    from . import tasks

    with transaction.atomic():
        claimed = PaymentProfile.objects.filter(
            pk=profile_pk,
            low_balance_alerted_at__isnull=True,
            low_balance_threshold__isnull=False,
            account__wallet__balance__lt=F("low_balance_threshold"),
        ).update(low_balance_alerted_at=timezone.now())
        if claimed != 1:
            return False
        profile = PaymentProfile.objects.select_related("account__wallet").get(pk=profile_pk)
        wallet = profile.account.wallet
        events.record(
            "wallet.low_balance",
            account=profile.account,
            subject_type="account",
            subject_id=profile.account.public_id,
            data={
                "balance": to_exact_str(wallet.balance),
                "threshold": to_exact_str(profile.low_balance_threshold or Decimal(0)),
                "currency": wallet.currency,
            },
        )
        transaction.on_commit(lambda: tasks.low_balance_notify_task.delay(account_id))
    return True


def _auto_recharge(*, profile_pk: int, now) -> int | None:
    """Claim the crossing (or a due retry), charge the saved card outside any transaction, and credit it
    or record the failure with its back-off. Returns 1 (charged), 0 (failed) or None (not claimed)."""
    from . import services, tasks

    with transaction.atomic():
        claimed = (
            PaymentProfile.objects.filter(pk=profile_pk, auto_recharge_enabled=True)
            .filter(account__wallet__balance__lt=F("auto_recharge_threshold"))
            .filter(Q(auto_recharge_claimed_at__isnull=True) | Q(auto_recharge_retry_at__lte=now))
            .update(auto_recharge_claimed_at=now, auto_recharge_retry_at=None)
        )
        if claimed != 1:
            return None
        profile = PaymentProfile.objects.select_related("account").get(pk=profile_pk)
        assert profile.auto_recharge_amount is not None  # the claim matched only profiles with auto-recharge on
        top_up = TopUp.objects.create(
            account=profile.account,
            method=TopUp.Method.AUTO_RECHARGE,
            provider=TopUp.Provider.STRIPE,
            amount=profile.auto_recharge_amount,
            created_by="auto-recharge",
        )
    try:
        intent = gateway.off_session_charge(
            top_up_id=top_up.public_id,
            account_id=profile.account_id,
            amount=top_up.amount,
            currency=top_up.currency,
            customer_id=profile.stripe_customer_id,
            payment_method_id=profile.stripe_payment_method_id,
        )
    except gateway.StripeError as exc:
        message = getattr(exc, "user_message", None) or _("The card was declined.")
        return _recharge_failed(top_up, profile_pk=profile_pk, message=str(message), tasks=tasks)
    if intent["status"] == "succeeded":
        services.top_up_settle(top_up_pk=top_up.pk, external_id=intent["id"], amount=top_up.amount)
        return 1
    if intent["status"] == "processing":  # the webhook's payment_intent.succeeded credits it
        TopUp.objects.filter(pk=top_up.pk).update(external_id=intent["id"])
        return 1
    return _recharge_failed(
        top_up, profile_pk=profile_pk, message=str(_("The card needs the holder to confirm the payment.")), tasks=tasks
    )


def _recharge_failed(top_up: TopUp, *, profile_pk: int, message: str, tasks) -> int:
    """The top-up fails; the next attempt waits 1, 4, 16 hours; after the last the crossing is spent."""
    with transaction.atomic():
        profile = PaymentProfile.objects.select_for_update().get(pk=profile_pk)
        profile.auto_recharge_failures += 1
        if profile.auto_recharge_failures < settings.AUTO_RECHARGE_MAX_FAILURES:
            profile.auto_recharge_retry_at = timezone.now() + timedelta(hours=4 ** (profile.auto_recharge_failures - 1))
        profile.save(update_fields=["auto_recharge_failures", "auto_recharge_retry_at", "updated_at"])
        TopUp.objects.filter(pk=top_up.pk).update(status=TopUp.Status.FAILED, failure_message=message[:255])
        events.record(
            "payment.failed",
            account=top_up.account,
            subject_type="top_up",
            subject_id=top_up.public_id,
            data={
                "top_up_id": top_up.public_id,
                "method": top_up.method,
                "amount": to_exact_str(top_up.amount),
                "currency": top_up.currency,
                "reason": "card_declined",
            },
        )
        transaction.on_commit(lambda: tasks.auto_recharge_failed_notify_task.delay(top_up.pk))
    return 0


def auto_recharge_settle(*, intent: dict) -> None:
    """``payment_intent.succeeded`` for an auto-recharge that was still processing when charged."""
    from . import services

    top_up = TopUp.objects.filter(provider=TopUp.Provider.STRIPE, external_id=intent.get("id")).first()
    if top_up is None or top_up.method != TopUp.Method.AUTO_RECHARGE:
        return
    services.top_up_settle(top_up_pk=top_up.pk, external_id=intent["id"], amount=gateway.from_minor(intent["amount"]))
