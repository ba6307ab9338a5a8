from django import forms
from django.utils.translation import gettext_lazy as _


class BrandForm(forms.Form):
    """Shape only: colours, contrast, phone and domain are checked by ``services.brand_save``."""

    display_name = forms.CharField(
        label=_("Name your clients see"), max_length=80, widget=forms.TextInput(attrs={"data-preview": "name"})
    )
    primary_color = forms.CharField(
        label=_("Primary colour"),
        max_length=7,
        help_text=_("Buttons, links and the selected menu entry."),
        widget=forms.TextInput(attrs={"type": "color", "data-preview": "--preview-primary"}),
    )
    accent_color = forms.CharField(
        label=_("Accent colour"),
        max_length=7,
        help_text=_("The menu's background."),
        widget=forms.TextInput(attrs={"type": "color", "data-preview": "--preview-accent"}),
    )
    support_email = forms.EmailField(label=_("Support email"), required=False)
    support_phone = forms.CharField(label=_("Support phone"), max_length=32, required=False)
    domain = forms.CharField(
        label=_("Client portal domain"),
        max_length=253,
        required=False,
        help_text=_("Optional, e.g. portal.example.com. Served once verified (see below)."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most 512 KB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp", "data-preview": "logo"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
