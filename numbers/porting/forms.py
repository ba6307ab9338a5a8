"""Forms of the port request wizard (three steps; earlier steps travel along as hidden fields). Shape
only: ``porting`` decides which numbers can be ported and what a file must be."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import client_choices
from ..models import BillingCycle
from ..regulatory.forms import ACCEPT


class PortNumbersForm(forms.Form):
    numbers = forms.CharField(
        label=_("Numbers to port"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "+44 20 7946 0500\n+44 20 7946 0501", "dir": "ltr"}),
        help_text=_("One per line, in international format. Up to 50."),
        strip=False,  # (leading blank lines count: errors name the line)
    )
    client = forms.ChoiceField(label=_("For client"), required=False)
    billing_cycle = forms.ChoiceField(label=_("Billing cycle"), choices=BillingCycle.choices, initial="monthly")

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = client_choices(clients, _("No client (your own use)"))

    def clean_numbers(self) -> list[str]:
        """The numbers given, one per line (commas also separate); ``lines`` holds the line of each."""
        entries = [
            (line_number, part.strip())
            for line_number, line in enumerate(self.cleaned_data["numbers"].splitlines(), start=1)
            for part in line.split(",")
            if part.strip()
        ]
        if not entries:
            raise forms.ValidationError(self.fields["numbers"].error_messages["required"], code="required")
        self.lines = [line_number for line_number, _text in entries]
        return [text for _line_number, text in entries]

    def line_error(self, index: int, message: str) -> str:
        """An error about the ``index``-th number, naming its line and the number as written there."""
        numbers = self.cleaned_data.get("numbers") or []
        if not 0 <= index < len(numbers):
            return message
        return _("Line %(line)d (%(number)s): %(reason)s") % {
            "line": self.lines[index],
            "number": numbers[index],
            "reason": message,
        }


class PortDetailsForm(forms.Form):
    current_carrier = forms.CharField(label=_("Current carrier"), max_length=200)
    authorization_name = forms.CharField(
        label=_("Authorized person"), max_length=200, help_text=_("As named on the account with that carrier.")
    )
    account_number = forms.CharField(label=_("Account number at that carrier"), max_length=100, required=False)
    pin = forms.CharField(
        label=_("Account PIN"),
        max_length=32,
        required=False,
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "off"}),
        help_text=_("If the carrier uses one."),
    )
    compliance_profile = forms.ChoiceField(label=_("Compliance profile"), required=False)

    def __init__(self, *args, profiles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compliance_profile"].choices = [("", _("None"))] + [
            (str(p.pk), f"{p.name} · {p.public_id} · {p.get_status_display()}") for p in profiles
        ]


class PortDocumentsForm(forms.Form):
    letter_of_authorization = forms.FileField(
        label=_("Letter of authorization"),
        required=False,
        help_text=_("Signed by the authorized person. PDF, JPEG or PNG, at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    bill = forms.FileField(
        label=_("Recent bill from the current carrier"),
        required=False,
        help_text=_("Showing the numbers. PDF, JPEG or PNG, at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
