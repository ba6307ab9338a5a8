"""Forms for the numbers pages. They check shape only; every business rule is in ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CAPABILITIES, BillingCycle, Number, NumberType
from .selectors import StockFilters
from .templatetags.numbers_format import CAPABILITY_LABELS
from .validation import normalize_inventory_number

DIGITS = r"^\+?\d{1,15}$"
MAX_BULK = 100


def _client_choices(clients, empty_label) -> list[tuple[str, str]]:
    return [("", empty_label)] + [(str(c.pk), c.name) for c in clients]


class SearchForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Any type")), *NumberType.choices])
    city = forms.CharField(
        label=_("City"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Amsterdam"), "autocomplete": "off"}),
    )
    area_code = forms.RegexField(
        label=_("Area code"),
        required=False,
        regex=r"^\d{1,8}$",
        error_messages={"invalid": _("Digits only, up to 8.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6}),
    )
    contains = forms.RegexField(
        label=_("Contains digits"),
        required=False,
        regex=DIGITS,
        error_messages={"invalid": _("Digits only, up to 15.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": _("e.g. 777")}),
    )
    capabilities = forms.MultipleChoiceField(
        label=_("Capabilities"),
        required=False,
        choices=[(c, CAPABILITY_LABELS[c]) for c in CAPABILITIES],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Choose a country…"))] + [
            (c.code, f"{c.name} ({c.dial_code})") for c in countries
        ]

    def filters(self) -> StockFilters | None:
        """The search to run, or None while no country is chosen (search needs one)."""
        data = self.cleaned_data
        if not data.get("country"):
            return None
        return StockFilters(
            country=data["country"],
            type=data["type"],
            city=data["city"].strip(),
            area_code=data["area_code"],
            capabilities=tuple(data["capabilities"]),
            contains=data["contains"].lstrip("+"),
        )


class CartOptionsForm(forms.Form):
    billing_cycle = forms.ChoiceField(label=_("Billing cycle"), choices=BillingCycle.choices, initial="monthly")
    client = forms.ChoiceField(label=_("For client"), required=False)

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = _client_choices(clients, _("No client"))

    def options(self) -> tuple[str, str]:
        """(billing cycle, client id) chosen, or the defaults when the input is not usable."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["billing_cycle"], self.cleaned_data["client"]
        return BillingCycle.MONTHLY, ""


class CartItemForm(forms.Form):
    number = forms.CharField(max_length=32)

    def clean_number(self) -> str:
        try:
            return normalize_inventory_number(self.cleaned_data["number"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class CheckoutForm(CartOptionsForm):
    # Issued with the confirmation; a second POST with the same token buys nothing more.
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    # The total the buyer saw: if prices changed since, nothing is bought and the new total is shown.
    expected_total = forms.DecimalField(max_digits=14, decimal_places=4, required=False, widget=forms.HiddenInput)


class NumberFilterForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    client = forms.ChoiceField(label=_("Client"), required=False)
    tag = forms.CharField(
        label=_("Tag"), required=False, max_length=64, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    digits = forms.RegexField(
        label=_("Digits"),
        required=False,
        regex=DIGITS,
        error_messages={"invalid": _("Digits only, up to 15.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": _("e.g. 7000")}),
    )

    def __init__(self, *args, countries=(), clients=(), client_scoped=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("All countries"))] + [(c.code, c.name) for c in countries]
        self.fields["status"].choices = [("", _("Any status"))] + [
            (value, label) for value, label in Number.Status.choices if value != Number.Status.RELEASED
        ]
        if client_scoped:
            del self.fields["client"]  # they see one client's numbers only
        else:
            self.fields["client"].choices = _client_choices(clients, _("All clients"))


class IdListField(forms.Field):
    """Checked row ids (``<input type=checkbox name=ids>``), as integers."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        values = value or []
        if not all(str(v).isdigit() and len(str(v)) < 19 for v in values):
            raise forms.ValidationError(_("Choose numbers from the list."))
        if len(values) > MAX_BULK:
            raise forms.ValidationError(_("Choose at most %(n)d numbers at a time.") % {"n": MAX_BULK})
        return list(dict.fromkeys(int(v) for v in values))


class BulkForm(forms.Form):
    ACTIONS = [("assign", _("Assign to client")), ("tag", _("Add a tag")), ("release", _("Release"))]

    ids = IdListField(error_messages={"required": _("Tick at least one number first.")})
    action = forms.ChoiceField(choices=ACTIONS)
    client = forms.ChoiceField(label=_("Client"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=64)

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = _client_choices(clients, _("No client"))

    def clean(self):
        data = super().clean()
        if data.get("action") == "tag" and not data.get("tag", "").strip():
            self.add_error("tag", _("Type the tag to add."))
        return data


class NumberConfigureForm(forms.Form):
    label = forms.CharField(label=_("Label"), required=False, max_length=100)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=700,
        help_text=_("Comma-separated, e.g. support, eu-west"),
    )
    forwarding = forms.CharField(
        label=_("Forward calls to"),
        required=False,
        max_length=255,
        help_text=_("A SIP URI (sip:100@pbx.example.com) or a number in international format (+31…)"),
    )
    client_id = forms.ChoiceField(label=_("Client"), required=False)
    cancel_at_period_end = forms.BooleanField(
        label=_("Cancel at period end"),
        required=False,
        help_text=_("Stop renewing: the number stays until its paid-through date, then leaves your account."),
    )

    def __init__(self, *args, clients=(), client_scoped=False, **kwargs):
        super().__init__(*args, **kwargs)
        if client_scoped:
            del self.fields["client_id"]  # only the reseller assigns numbers to clients
        else:
            self.fields["client_id"].choices = _client_choices(clients, _("No client"))

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]
