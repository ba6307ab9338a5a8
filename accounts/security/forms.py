"""Shapes only: the rules are the services'."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership


class LoginForm(AuthenticationForm):
    """On a reseller's own domain only that reseller's people and its clients' logins may log in; anyone
    else gets the answer a wrong password gets (the domain says nothing about who exists elsewhere)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        site_account_id = getattr(self.request, "site_account_id", None)
        if site_account_id is None:
            return
        if not Membership.objects.filter(user=user, account_id=site_account_id).exists():
            raise self.get_invalid_login_error()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Authentication code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
    )


class TotpConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label=_("New email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Current password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class TwoFactorPolicyForm(forms.Form):
    require_two_factor_team = forms.BooleanField(label=_("Require it for my team"), required=False)
    require_two_factor_clients = forms.BooleanField(label=_("Require it for client logins"), required=False)
