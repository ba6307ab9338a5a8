"""Forms for the compliance and porting pages. Shape only: ``regulatory`` and ``porting`` hold the rules
(which countries exist, which documents are needed, which numbers can be ported, what a file must be)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.l10n import country_choices

from ..forms import client_choices
from ..models import DocumentType, EndUserType, NumberType
from .models import PROFILE_DOCUMENT_TYPES

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class ProfileForm(forms.Form):
    client = forms.ChoiceField(label=_("For client"), required=False)
    end_user_type = forms.ChoiceField(label=_("End user"), choices=EndUserType.choices, widget=forms.RadioSelect)
    name = forms.CharField(label=_("Name (person or company)"), max_length=200)
    registration_number = forms.CharField(
        label=_("Company registration number"), max_length=64, required=False, help_text=_("Businesses only.")
    )
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=100)
    address_country = forms.CharField(
        label=_("Country of the address"),
        max_length=2,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. DE"), "size": 4, "autocomplete": "country"}),
        help_text=_("Two-letter code."),
    )
    countries = forms.MultipleChoiceField(label=_("Countries covered"), widget=forms.SelectMultiple(attrs={"size": 6}))
    number_types = forms.MultipleChoiceField(
        label=_("Number types covered"), choices=NumberType.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, clients=(), countries=(), client_scoped=False, **kwargs):
        super().__init__(*args, **kwargs)
        if client_scoped:
            del self.fields["client"]  # a client's login manages its own client's profiles
        else:
            self.fields["client"].choices = client_choices(clients, _("My own account (no client)"))
        self.fields["countries"].choices = country_choices(countries, lambda c: f"{c.display_name} ({c.code})")

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        if "client" in data:
            data["client_id"] = data.pop("client") or None
        return data


class DocumentUploadForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG or PNG, at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, types=PROFILE_DOCUMENT_TYPES, needed=(), **kwargs):
        """``needed``: the document types still missing for the requirement, in the order to ask for them:
        offered first (as a group of their own) and named under the field; the first is preselected."""
        super().__init__(*args, **kwargs)
        field = self.fields["document_type"]
        needed = [str(t) for t in needed]
        others = [(str(t), _label(t)) for t in types if str(t) not in needed]
        if not needed:
            field.choices = others
            return
        field.choices = [
            (_("Needed for this profile"), [(t, _label(t)) for t in needed]),
            (_("Other documents"), others),
        ]
        field.initial = needed[0]
        field.help_text = _("Still needed: %(documents)s.") % {"documents": ", ".join(_label(t) for t in needed)}

    def preselect(self, document_type: str) -> None:
        """Offer ``document_type`` first (the one a link asked for), when it is one of the choices."""
        field = self.fields["document_type"]
        if field.valid_value(document_type):
            field.initial = document_type


def _label(document_type) -> str:
    try:
        return str(DocumentType(document_type).label)
    except ValueError:  # a type staff require that this version does not name
        return str(document_type)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the customer)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )


class SettleForm(forms.Form):
    note = forms.CharField(
        label=_("How it was settled (staff only)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Port date and time (UTC)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


class AttachProfileForm(forms.Form):
    compliance_profile = forms.ChoiceField(label=_("Compliance profile"))

    def __init__(self, *args, profiles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compliance_profile"].choices = [
            (str(p.pk), f"{p.name} · {p.public_id} · {p.get_status_display()}") for p in profiles
        ]
