"""The brand's settings page (owners and admins) and the logo every branded page shows."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.errors import ApplicationError
from portal.pages import add_error, portal_page

from ..models import Brand
from . import services
from .forms import BrandForm
from .selectors import DEFAULT_ACCENT, DEFAULT_PRIMARY, look_of


@portal_page
def brand_settings(request):
    actor = request.actor
    if actor.is_client_scoped or not actor.can_administer:
        raise PermissionDenied
    brand = Brand.objects.filter(account=actor.account).first()
    initial = {"display_name": actor.account.name, "primary_color": DEFAULT_PRIMARY, "accent_color": DEFAULT_ACCENT}
    if brand is not None:
        initial = {
            "display_name": brand.display_name,
            "primary_color": brand.primary_color,
            "accent_color": brand.accent_color,
            "support_email": brand.support_email,
            "support_phone": brand.support_phone,
            "domain": brand.domain or "",
        }
    form = BrandForm(request.POST or None, request.FILES or None, initial=initial)
    if brand is None or not brand.logo_digest:
        del form.fields["remove_logo"]  # nothing to remove
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the look and the logo together, or neither
                brand = services.brand_save(
                    actor=actor,
                    data=services.BrandInput(
                        display_name=data["display_name"],
                        primary_color=data["primary_color"],
                        accent_color=data["accent_color"],
                        support_email=data["support_email"] or "",
                        support_phone=data["support_phone"] or "",
                        domain=data["domain"] or "",
                    ),
                )
                if data.get("logo") is not None:
                    services.brand_logo_set(actor=actor, upload=data["logo"].read(services.LOGO_MAX_BYTES + 1))
                elif data.get("remove_logo") and brand.logo_digest:
                    services.brand_logo_set(actor=actor, upload=None)
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Your brand is saved. Your clients see it on their next page."))
            return redirect("brand_settings")
    context = {
        "form": form,
        "preview": look_of(actor.account, brand) if brand is not None else None,
        "saved": brand,
        "public_host": urlsplit(settings.PUBLIC_URL).hostname,
        "txt_record": services.txt_record_name(brand) if brand is not None and brand.domain else "",
    }
    return render(request, "accounts/brand_settings.html", context)


@require_GET
def brand_logo(request, account_id: int):
    """A brand's logo, to anyone (the login page on the reseller's domain shows it before anyone logs in).
    The stored bytes are a PNG the portal drew itself; the headers keep a browser from reading it as
    anything else."""
    brand = Brand.objects.filter(account_id=account_id).exclude(logo_digest="").only("logo", "logo_digest").first()
    if brand is None:
        raise Http404(_("Not found."))
    response = HttpResponse(bytes(brand.logo), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = 'inline; filename="logo.png"'
    # Links carry the logo's digest (?v=…), so a new logo is a new URL.
    response["Cache-Control"] = "public, max-age=86400" if request.GET.get("v") == brand.logo_digest else "no-cache"
    return response
