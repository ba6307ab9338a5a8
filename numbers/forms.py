"""Forms for the numbers pages. They check shape only; every business rule is in ``services``."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.l10n import country_choices

from .models import CAPABILITIES, BillingCycle, Number, NumberType, SipTrunk
from .selectors import StockFilters
from .templatetags.numbers_format import CAPABILITY_LABELS
from .validation import normalize_inventory_number

DIGITS = r"^\+?\d{1,15}$"
MAX_BULK = 100
MAX_IP_TEXT = 2000


def client_choices(clients, empty_label) -> list[tuple[str, str]]:
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
        # Countries by their name in the reader's language, as that language sorts them.
        named = country_choices(countries, lambda c: f"{c.display_name} ({c.dial_code})")
        self.fields["country"].choices = [("", _("Choose a country…")), *named]

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
        self.fields["client"].choices = client_choices(clients, _("No client"))

    sms = forms.BooleanField(label=_("Switch SMS on where offered"), required=False)

    def options(self) -> tuple[str, str]:
        """(billing cycle, client id) chosen, or the defaults when the input is not usable."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["billing_cycle"], self.cleaned_data["client"]
        return BillingCycle.MONTHLY, ""

    def sms_wanted(self) -> bool:
        """Whether the SMS add-on is wanted on the numbers that offer it."""
        return bool(self.is_bound and self.is_valid() and self.cleaned_data["sms"])


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
    # For the numbers that need documents: a compliance profile (approved: they go live at once).
    compliance_profile = forms.CharField(max_length=30, required=False)


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
        self.fields["country"].choices = [("", _("All countries")), *country_choices(countries)]
        self.fields["status"].choices = [("", _("Any status"))] + [
            (value, label) for value, label in Number.Status.choices if value != Number.Status.RELEASED
        ]
        if client_scoped:
            del self.fields["client"]  # they see one client's numbers only
        else:
            self.fields["client"].choices = client_choices(clients, _("All clients"))


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
        self.fields["client"].choices = client_choices(clients, _("No client"))

    def clean(self):
        data = super().clean()
        if data.get("action") == "tag" and not data.get("tag", "").strip():
            self.add_error("tag", _("Type the tag to add."))
        return data


def _url_input() -> forms.TextInput:
    # A text box (not type=url, whose browser check would differ from ours), with a URL keyboard on phones.
    return forms.TextInput(
        attrs={
            "inputmode": "url",
            "placeholder": "https://",
            "dir": "ltr",
            "spellcheck": "false",
            "autocomplete": "off",
        },
    )


class NumberConfigureForm(forms.Form):
    label = forms.CharField(label=_("Label"), required=False, max_length=100)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=700,
        help_text=_("Comma-separated, e.g. support, eu-west"),
    )
    client_id = forms.ChoiceField(label=_("Client"), required=False)
    cancel_at_period_end = forms.BooleanField(
        label=_("Cancel at period end"),
        required=False,
        help_text=_("Stop renewing: the number stays until its paid-through date, then leaves your account."),
    )
    capacity_limit = forms.IntegerField(
        label=_("Calls at once"),
        required=False,
        min_value=1,
        max_value=10000,
        help_text=_(
            "How many calls this number takes at the same time; the next one is answered busy. "
            "Empty: no limit of its own."
        ),
    )
    # The number's own webhook URLs; ``number_configure`` checks them with the webhook endpoints' rules.
    webhook_url = forms.CharField(
        label=_("Webhook URL"),
        required=False,
        max_length=500,
        widget=_url_input(),
        help_text=_("Receives every event of this number that has no URL of its own below."),
    )
    sms_webhook_url = forms.CharField(
        label=_("SMS webhook URL"),
        required=False,
        max_length=500,
        widget=_url_input(),
        help_text=_("Inbound SMS and delivery statuses. Empty: the webhook URL."),
    )
    voice_webhook_url = forms.CharField(
        label=_("Voice webhook URL"),
        required=False,
        max_length=500,
        widget=_url_input(),
        help_text=_("The number's other events: provisioned, live, suspended, released. Empty: the webhook URL."),
    )

    WEBHOOK_FIELDS = ("webhook_url", "sms_webhook_url", "voice_webhook_url")

    def __init__(self, *args, clients=(), client_scoped=False, **kwargs):
        super().__init__(*args, **kwargs)
        if client_scoped:
            # Only the reseller, who pays for the number, assigns it to a client or stops its renewal.
            del self.fields["client_id"]
            del self.fields["cancel_at_period_end"]
        else:
            self.fields["client_id"].choices = client_choices(clients, _("No client"))

    def settings_fields(self) -> list:
        return [self[name] for name in self.fields if name not in self.WEBHOOK_FIELDS]

    def webhook_fields(self) -> list:
        return [self[name] for name in self.WEBHOOK_FIELDS]

    def clean_tags(self) -> list[str]:
        # Tags are lowercase slugs; "Support" typed in the page means the tag "support".
        return [tag.strip().lower() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


# --- SIP trunks and routing ----------------------------------------------------------------------


class AllowedIpsField(forms.CharField):
    """Addresses or CIDR ranges typed one per line or comma-separated, as a list of strings; whether
    each is a valid address, and how many are allowed, is for the service to say."""

    widget = forms.Textarea(attrs={"rows": 3, "dir": "ltr"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        if len(text) > MAX_IP_TEXT:
            raise forms.ValidationError(_("Too long: at most %(n)d characters.") % {"n": MAX_IP_TEXT})
        return [item for item in re.split(r"[\s,;]+", text) if item]


IP_HELP = _(
    "One per line or comma-separated, e.g. 203.0.113.10 or 198.51.100.0/24. Required for IP authentication; "
    "optional with a password."
)


class TrunkCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Acme office PBX"), "autocomplete": "off"}),
    )
    client = forms.ChoiceField(label=_("Client"), required=False)
    channels = forms.IntegerField(
        label=_("Channels"), initial=10, help_text=_("Simultaneous calls the trunk may carry.")
    )
    auth_type = forms.ChoiceField(
        label=_("Authentication"),
        choices=SipTrunk.AuthType.choices,
        initial=SipTrunk.AuthType.DIGEST,
        widget=forms.RadioSelect,
    )
    allowed_ips = AllowedIpsField(label=_("Allowed IPs"), help_text=IP_HELP)

    def __init__(self, *args, clients=(), client_scoped=False, **kwargs):
        super().__init__(*args, **kwargs)
        if client_scoped:
            del self.fields["client"]  # a client's login creates trunks for its own client only
        else:
            self.fields["client"].choices = client_choices(clients, _("All clients"))


class TrunkUpdateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    channels = forms.IntegerField(label=_("Channels"), help_text=_("Simultaneous calls the trunk may carry."))
    allowed_ips = AllowedIpsField(label=_("Allowed IPs"), help_text=IP_HELP)


class NumberRouteForm(forms.Form):
    """Where a number's calls go. The trunk is any id typed or chosen: whether this number may use it is
    the service's rule, so a trunk not offered in the list is refused there, with its reason."""

    ROUTES = [("trunk", _("A SIP trunk")), ("forward", _("Forward calls")), ("none", _("No route"))]

    route = forms.ChoiceField(label=_("Send calls to"), choices=ROUTES, widget=forms.RadioSelect)
    trunk = forms.CharField(label=_("Trunk"), required=False, max_length=32)
    forwarding = forms.CharField(
        label=_("Forward to"),
        required=False,
        max_length=255,
        help_text=_("A SIP URI (sip:100@pbx.example.com) or a number in international format (+31…)"),
        widget=forms.TextInput(
            attrs={
                "placeholder": "sip:100@pbx.example.com",
                "autocomplete": "off",
                "dir": "ltr",
                "aria-label": _("Forwarding target"),
                "data-ticks": "input[name=route][value=forward]",
            }
        ),
    )

    def __init__(self, *args, trunks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trunk"].widget = forms.Select(
            choices=[("", _("Choose a trunk…"))] + [(str(t.pk), f"{t.name} ({t.username})") for t in trunks],
            attrs={"aria-label": _("Trunk"), "data-ticks": "input[name=route][value=trunk]"},
        )

    def clean(self):
        data = super().clean()
        if data.get("route") == "trunk" and not data.get("trunk"):
            self.add_error("trunk", _("Choose a trunk."))
        if data.get("route") == "forward" and not data.get("forwarding", "").strip():
            self.add_error("forwarding", _("Type a number or SIP URI to forward to."))
        return data
