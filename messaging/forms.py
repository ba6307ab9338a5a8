"""Forms for the SMS pages: shape only. The rules (destination, sender state, length, price, limits) are
the service's, and its errors are put back on these forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.l10n import ltr

from .models import Message
from .segments import MAX_BODY_CHARS


def _body_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=MAX_BODY_CHARS * 2,  # the service names the real limit in its own words
        widget=forms.Textarea(attrs={"rows": 5, "data-sms-body": "", "maxlength": MAX_BODY_CHARS * 2}),
    )


class ComposeForm(forms.Form):
    from_number = forms.ChoiceField(label=pgettext_lazy("message sender", "From"))
    to = forms.CharField(
        label=pgettext_lazy("message recipient", "To"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"placeholder": "+31612345678", "inputmode": "tel", "autocomplete": "off", "dir": "ltr"}
        ),
        help_text=_("In international format, starting with + and the country code."),
    )
    body = _body_field(_("Message"))
    client = forms.ChoiceField(label=_("Bill to client"), required=False)

    def __init__(self, *args, numbers=(), clients=(), client_scoped=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_number"].choices = [
            (str(n.pk), f"{ltr(n.number_formatted)}{' · ' + n.label if n.label else ''}") for n in numbers
        ]
        if client_scoped:
            del self.fields["client"]
        else:
            self.fields["client"].choices = [("", _("The number's client, if any"))] + [
                (str(c.pk), c.name) for c in clients
            ]
            self.fields["client"].help_text = _("Numbers assigned to a client always bill that client.")


class ReplyForm(forms.Form):
    body = _body_field(_("Reply"))


class SimulateForm(forms.Form):
    body = forms.CharField(
        label=_("Their message"),
        max_length=MAX_BODY_CHARS * 2,
        strip=False,
        widget=forms.TextInput(attrs={"placeholder": _("Thanks, see you then!")}),
    )


class InboxFilterForm(forms.Form):
    number = forms.ChoiceField(label=_("Number"), required=False)
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", _("Both"))] + list(Message.Direction.choices)
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status"))] + list(Message.Status.choices)
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Words or a number"), "type": "search"}),
    )

    def __init__(self, *args, numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = [("", _("All numbers"))] + [
            (str(n.pk), ltr(n.number_formatted)) for n in numbers
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class SmsForwardingForm(forms.Form):
    sms_forwarding = forms.CharField(
        label=_("Forward incoming SMS to"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "+31612345678", "inputmode": "tel", "dir": "ltr"}),
        help_text=_("Each forwarded message is sent as an SMS from this number and charged per segment."),
    )
