"""The legal-profile and billing-profile forms (shape only: the services check identifiers and rules)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .profiles import ClientBillingInput, LegalProfileInput, country_select


class LegalProfileForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    address_line1 = forms.CharField(label=_("Address"), max_length=200)
    address_line2 = forms.CharField(label=_("Address (second line)"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    country = forms.ChoiceField(label=_("Country"))
    vat_id = forms.CharField(
        label=_("VAT or tax id"), max_length=40, required=False, help_text=_("Checked for the country chosen.")
    )
    company_registration = forms.CharField(label=_("Company registration"), max_length=100, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False)
    bic = forms.CharField(label=_("BIC"), max_length=11, required=False)
    payment_instructions = forms.CharField(
        label=_("Payment instructions"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"), min_value=0, max_value=365, initial=14)
    number_prefix = forms.CharField(
        label=_("Invoice number prefix"),
        max_length=12,
        initial="INV",
        help_text=_("Invoices are numbered PREFIX-YEAR-0001; credit notes PREFIX-CN-YEAR-0001."),
    )
    vat_rate = forms.DecimalField(
        label=_("Domestic VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=99.99,
        initial=0,
        help_text=_(
            "Charged to clients in your country, and to EU clients without a VAT id. EU businesses in another "
            "member state get reverse charge; clients outside the EU are outside the scope of EU VAT."
        ),
    )
    invoice_footer = forms.CharField(
        label=_("Invoice footer"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG or JPEG, at most 512 KB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *country_select()]

    def to_input(self) -> LegalProfileInput:
        data = dict(self.cleaned_data)
        data.pop("logo", None)
        return LegalProfileInput(**data)


class ClientBillingProfileForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    address_line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address (second line)"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"))
    vat_id = forms.CharField(
        label=_("VAT id"),
        max_length=40,
        required=False,
        help_text=_("A business in another EU member state with a valid VAT id is invoiced under reverse charge."),
    )
    billing_email = forms.EmailField(label=_("Billing email"), required=False, help_text=_("Invoices are sent here."))
    language = forms.ChoiceField(label=_("Invoice language"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *country_select()]

    def to_input(self) -> ClientBillingInput:
        return ClientBillingInput(**self.cleaned_data)


class CreditNoteForm(forms.Form):
    reason = forms.CharField(label=_("Reason (printed on the credit note)"), max_length=200)
