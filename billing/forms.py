from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LedgerEntry


class TransactionFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    client = forms.ChoiceField(label=_("Client"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *LedgerEntry.Kind.choices]
        self.fields["client"].choices = [("", _("All clients"))] + [(str(c.pk), c.name) for c in clients]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class WalletCreditForm(forms.Form):
    """Staff form in Django admin for a top-up, refund or adjustment."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (LedgerEntry.Kind.TOP_UP, _("Top-up (credit)")),
            (LedgerEntry.Kind.REFUND, _("Refund (credit)")),
            (LedgerEntry.Kind.ADJUSTMENT, _("Adjustment (either sign)")),
        ],
    )
    amount = forms.DecimalField(label=_("Amount (EUR)"), max_digits=14, decimal_places=4)
    description = forms.CharField(label=_("Reason (shown on the reseller's statement)"), max_length=255)
