from django import forms
from django.utils.translation import gettext_lazy as _

from portal.l10n import country_choices

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


class CostPeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class PriceRuleForm(forms.Form):
    """One price-list line (shape only: the service checks the rest)."""

    client = forms.ChoiceField(label=_("Client"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    number_type = forms.ChoiceField(label=_("Number type"), required=False)
    markup_percent = forms.DecimalField(
        label=_("Markup %"),
        min_value=0,
        max_value=1000,
        decimal_places=2,
        initial=0,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    fixed_monthly = forms.DecimalField(label=_("+ EUR per month"), min_value=0, decimal_places=4, initial=0)
    fixed_setup = forms.DecimalField(label=_("+ EUR per setup"), min_value=0, decimal_places=4, initial=0)
    fixed_sms_addon = forms.DecimalField(
        label=_("+ EUR per SMS add-on month"), min_value=0, decimal_places=4, initial=0
    )
    fixed_sms_segment = forms.DecimalField(label=_("+ EUR per SMS segment"), min_value=0, decimal_places=4, initial=0)

    def __init__(self, *args, clients=(), countries=(), **kwargs):
        from numbers_app.models import NumberType

        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("All clients (default)"))] + [(str(c.pk), c.name) for c in clients]
        self.fields["country"].choices = [("", _("All countries")), *country_choices(countries)]
        self.fields["number_type"].choices = [("", _("All types")), *NumberType.choices]
        for name in ("fixed_monthly", "fixed_setup", "fixed_sms_addon", "fixed_sms_segment"):
            self.fields[name].widget.attrs["step"] = "0.0001"
