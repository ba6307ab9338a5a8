"""Emails about money coming in (or not), to the account's owners and admins and its billing address, each
in their own language. Sent from tasks, after the change has committed."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Account
from accounts.selectors import notification_recipients
from portal.mail import send_in_languages

from ..money import to_cents_str


def _people(account: Account) -> set[tuple[str, str | None]]:
    return notification_recipients(account=account, billing_email=True)


def _wallet_link() -> str:
    return settings.PUBLIC_URL + reverse("wallet")


def payment_received_notify(*, top_up_id: int) -> int:
    """A top-up was credited: how much, how, the balance now, and where the receipt is."""
    from ..models import TopUp

    top_up = TopUp.objects.select_related("account__wallet").filter(pk=top_up_id, status=TopUp.Status.SUCCEEDED).first()
    if top_up is None:
        return 0

    def compose() -> tuple[str, str]:
        values = {
            "amount": to_cents_str(top_up.amount),
            "currency": top_up.currency,
            "method": top_up.get_method_display(),
            "balance": to_cents_str(top_up.account.wallet.balance),
            "link": _wallet_link(),
        }
        subject = _("Payment received: %(amount)s %(currency)s") % values
        body = (
            _(
                "Hello,\n\nWe received %(amount)s %(currency)s (%(method)s) and added it to your wallet. The balance "
                "is now %(balance)s %(currency)s.\n\nThe receipt is on your wallet page:\n\n%(link)s\n"
            )
            % values
        )
        return subject, body

    return send_in_languages(people=_people(top_up.account), compose=compose)


def low_balance_notify(*, account_id: int) -> int:
    account = Account.objects.select_related("wallet", "payment_profile").get(pk=account_id)
    profile = account.payment_profile

    def compose() -> tuple[str, str]:
        values = {
            "balance": to_cents_str(account.wallet.balance),
            "threshold": to_cents_str(profile.low_balance_threshold or Decimal(0)),
            "currency": account.wallet.currency,
            "link": _wallet_link(),
        }
        subject = _("Wallet balance low: %(balance)s %(currency)s") % values
        body = (
            _(
                "Hello,\n\nYour wallet balance is %(balance)s %(currency)s, under the %(threshold)s %(currency)s you "
                "asked to be told about. Renewals and messages stop when it runs out. Top up at:\n\n%(link)s\n"
            )
            % values
        )
        return subject, body

    return send_in_languages(people=_people(account), compose=compose)


def auto_recharge_failed_notify(*, top_up_id: int) -> int:
    from ..models import TopUp

    top_up = TopUp.objects.select_related("account").get(pk=top_up_id)

    def compose() -> tuple[str, str]:
        values = {
            "amount": to_cents_str(top_up.amount),
            "currency": top_up.currency,
            "reason": top_up.failure_message,
            "link": _wallet_link(),
        }
        subject = _("Auto-recharge failed: %(amount)s %(currency)s") % values
        body = (
            _(
                "Hello,\n\nWe could not charge your saved card %(amount)s %(currency)s: %(reason)s\n\nWe will try "
                "again later. Check the card or top up at:\n\n%(link)s\n"
            )
            % values
        )
        return subject, body

    return send_in_languages(people=_people(top_up.account), compose=compose)
