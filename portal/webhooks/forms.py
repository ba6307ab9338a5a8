"""Forms for the webhook pages: shape only; the rules (URL safety, event names) are in ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import catalogue


def event_choices() -> list[tuple[str, str]]:
    return [(catalogue.ALL, _("All events"))] + [(e.name, e.name) for e in catalogue.CATALOGUE]


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        widget=forms.URLInput(
            attrs={"placeholder": "https://example.com/webhooks", "autocomplete": "off", "dir": "ltr"}
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=event_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("“All events” includes events added to the catalogue later."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    client = forms.ChoiceField(label=_("Client"), required=False, help_text=_("Only this client's events."))

    def __init__(self, *args, clients=(), client_scoped=False, **kwargs):
        super().__init__(*args, **kwargs)
        if client_scoped:
            del self.fields["client"]
        else:
            self.fields["client"].choices = [("", _("All clients"))] + [(str(c.pk), c.name) for c in clients]


class WebhookEditForm(WebhookForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("client", None)  # the scope is chosen when the endpoint is added


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))],
    )

    def __init__(self, *args, **kwargs):
        from .models import WebhookDelivery

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All"))] + list(WebhookDelivery.Status.choices)
