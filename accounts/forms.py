from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.mail import recipient_language

from .models import Role, login_key


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"placeholder": _("e.g. Billing system")})
    )
    access = forms.ChoiceField(
        label=_("Access"),
        choices=[("full", _("Full access")), ("read_only", _("Read-only"))],
        initial="full",
    )
    client = forms.ChoiceField(label=_("Limit to client"), required=False)
    expires_at = forms.DateTimeField(
        label=_("Expires (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Optional. The key stops working at this moment."),
    )
    allowed_ips = forms.CharField(
        label=_("Allowed addresses"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "203.0.113.7, 198.51.100.0/24, 2001:db8::/32"}),
        help_text=_("Optional. IP addresses or ranges (IPv4, IPv6), one per line or separated by commas."),
    )

    def __init__(self, *args, clients=(), client_scoped: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if client_scoped:  # a client login's keys are always bound to its own client: nothing to choose
            del self.fields["client"]
        else:
            self.fields["client"].choices = [("", _("All clients"))] + [(str(c.pk), c.name) for c in clients]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    client = forms.ChoiceField(label=_("Client (for client roles)"), required=False)

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", "—")] + [(str(c.pk), c.name) for c in clients]


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Client name"), max_length=200)
    email = forms.EmailField(label=_("Contact email"), required=False)
    reference = forms.CharField(label=_("Your reference"), max_length=100, required=False)
    admin_email = forms.EmailField(
        label=_("Client admin's email"), required=False, help_text=_("They get an email to set their password.")
    )
    admin_name = forms.CharField(label=_("Client admin's name"), max_length=150, required=False)


class PortalPasswordResetForm(PasswordResetForm):
    """Also reaches people who were invited and have not chosen a password yet (Django's form skips
    users without a usable password, which would leave a lost invitation email with no way back in)."""

    def get_users(self, email):
        return get_user_model()._default_manager.filter(email=login_key(email), is_active=True)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        """In the language the person chose in the portal; otherwise the one the reset was asked in."""
        language = recipient_language(getattr(context.get("user"), "language", ""), translation.get_language())
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class ClientEditForm(forms.Form):
    name = forms.CharField(label=_("Client name"), max_length=200)
    email = forms.EmailField(label=_("Contact email"), required=False)
    reference = forms.CharField(
        label=_("Your reference"), max_length=100, required=False, help_text=_("Your own id for this client.")
    )


class MemberRoleForm(forms.Form):
    """Shape only: which roles the actor may give, and to whom, is the service's business."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    client = forms.ChoiceField(label=_("Client (for client roles)"), required=False)

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", "—")] + [(str(c.pk), c.name) for c in clients]
