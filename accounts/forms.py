from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.mail import recipient_language, send_one

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

    site_account_id: int | None = None

    def save(self, *args, request=None, **kwargs):
        # On a reseller's domain only that reseller's people and clients get a reset (others get the same
        # "on its way" page and nothing is sent), under that reseller's brand.
        self.site_account_id = getattr(request, "site_account_id", None)
        return super().save(*args, request=request, **kwargs)

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email=login_key(email), is_active=True)
        if self.site_account_id is not None:
            users = users.filter(memberships__account_id=self.site_account_id)
        return users

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, *args, **kwargs):
        """In the language the person chose in the portal, otherwise the one the reset was asked in; under
        the brand of the reseller whose client the person is (or whose domain this is), with its links."""
        from .branding.selectors import look_for_user, portal_url, sender_for

        user = context.get("user")
        look = look_for_user(user, site_account_id=self.site_account_id)
        context = {**context, "brand_name": look.name if look else "DIDfarm", "public_url": portal_url(look)}
        language = recipient_language(getattr(user, "language", ""), translation.get_language())
        with translation.override(language):
            subject = loader.render_to_string(subject_template_name, context)
            body = loader.render_to_string(email_template_name, context)
        send_one(subject=subject, body=body, to=[to_email], sender=sender_for(look))


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
