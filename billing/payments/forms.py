from django import forms
from django.utils.translation import gettext_lazy as _


class TopUpForm(forms.Form):
    """Shape only: the amount's limits are the service's to check."""

    amount = forms.CharField(
        label=_("Amount (EUR)"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    save_card = forms.BooleanField(label=_("Save the card for auto-recharge"), required=False)


class PaymentSettingsForm(forms.Form):
    low_balance_threshold = forms.CharField(label=_("Alert me below (EUR)"), max_length=20, required=False)
    auto_recharge_enabled = forms.BooleanField(label=_("Recharge automatically"), required=False)
    auto_recharge_threshold = forms.CharField(
        label=_("When the balance falls below (EUR)"), max_length=20, required=False
    )
    auto_recharge_amount = forms.CharField(label=_("Charge the saved card (EUR)"), max_length=20, required=False)


class BankTransferForm(forms.Form):
    """Staff form: a transfer seen on the bank statement."""

    reference = forms.CharField(label=_("Payment reference"), max_length=40)
    amount = forms.DecimalField(label=_("Amount (EUR)"), max_digits=14, decimal_places=2, min_value=0)
    bank_transaction_id = forms.CharField(label=_("Bank transaction id"), max_length=200)
