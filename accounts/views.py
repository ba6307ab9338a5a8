from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from portal.errors import ApplicationError, NotFound
from portal.ip import client_ip
from portal.pages import add_error, page_of, portal_page, query_without_page

from . import selectors, services
from .forms import ApiKeyForm, ClientForm, InviteForm, MemberRoleForm, PortalPasswordResetForm
from .models import Role
from .security.login import password_reset_allowed


@portal_page
def api_keys(request):
    actor = request.actor
    clients = selectors.client_list(actor=actor)
    form = ApiKeyForm(request.POST or None, clients=clients, client_scoped=actor.is_client_scoped)
    created = None
    if request.method == "POST":
        if form.is_valid():
            client_id = form.cleaned_data.get("client")  # (a client login has no choice: the service binds it)
            try:
                client = selectors.client_get(actor=actor, client_id=client_id) if client_id else None
                key, plaintext = services.api_key_create(
                    actor=actor,
                    name=form.cleaned_data["name"],
                    read_only=form.cleaned_data["access"] == "read_only",
                    client=client,
                    expires_at=form.cleaned_data.get("expires_at"),
                    allowed_ips=re.split(r"[\s,]+", form.cleaned_data.get("allowed_ips") or ""),
                )
                # The key goes into this response only: never into the session, messages or a redirect.
                created = {"key": key, "plaintext": plaintext}
                form = ApiKeyForm(clients=clients, client_scoped=actor.is_client_scoped)
            except ApplicationError as exc:
                add_error(form, exc)
    context = {
        "form": form,
        "created": created,
        "keys": selectors.api_key_list(actor=actor),
        "can_create": actor.can_write and (actor.can_administer or actor.is_client_scoped),
    }
    template = "accounts/_key_panel.html" if request.htmx else "accounts/api_keys.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


@portal_page
@require_POST
def api_key_revoke(request, key_id: int):
    actor = request.actor
    try:
        key = selectors.api_key_get(actor=actor, key_id=key_id)
    except NotFound as exc:  # someone else's key: a 404, not a message that hints it exists
        raise Http404(exc.message) from exc
    try:
        services.api_key_revoke(actor=actor, key=key)
        messages.success(
            request, _("Key %(masked)s revoked. Requests using it are now refused.") % {"masked": key.masked}
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    if request.htmx:
        context = {"keys": selectors.api_key_list(actor=actor)}
        return render(request, "accounts/_api_key_table.html", context)
    return redirect("api_keys")


@portal_page
def team(request):
    actor = request.actor
    if not actor.can_view_audit:
        raise PermissionDenied
    clients = selectors.client_list(actor=actor)
    form = InviteForm(request.POST or None, clients=clients)
    if request.method == "POST" and form.is_valid():
        try:
            client_id = form.cleaned_data["client"]
            client = selectors.client_get(actor=actor, client_id=client_id) if client_id else None
            membership = services.member_invite(
                actor=actor,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                client=client,
            )
            if membership.user.has_usable_password():
                note = _("%(email)s added. They already have a login and have been told by email.")
            else:
                note = _("%(email)s added. An email with a link to set a password is on its way.")
            messages.success(request, note % {"email": membership.user.email})
            return redirect("team")
        except ApplicationError as exc:
            add_error(form, exc)
    context = {
        "form": form,
        "members": selectors.member_list(actor=actor, pending=False),
        "invitations": selectors.member_list(actor=actor, pending=True),
        "clients": clients,
        "roles": Role.choices,
    }
    return render(request, "accounts/team_list.html", context)


@portal_page
@require_POST
def member_remove(request, membership_id: int):
    actor = request.actor
    try:
        membership = selectors.member_get(actor=actor, membership_id=membership_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        services.member_remove(actor=actor, membership=membership)
        messages.success(request, _("%(email)s no longer has access.") % {"email": membership.user.email})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("team")


def _member_or_404(actor, membership_id: int):
    try:
        return selectors.member_get(actor=actor, membership_id=membership_id)
    except NotFound as exc:  # someone else's: a 404, never a hint it exists
        raise Http404(exc.message) from exc


@portal_page
@require_POST
def member_role(request, membership_id: int):
    """Change a member's role (and, for a client role, the client). The rules are the service's."""
    actor = request.actor
    membership = _member_or_404(actor, membership_id)
    form = MemberRoleForm(request.POST, clients=selectors.client_list(actor=actor))
    if not form.is_valid():
        messages.error(request, _("Choose a role, and a client for a client role."))
        return redirect("team")
    try:
        client_id = form.cleaned_data["client"]
        client = selectors.client_get(actor=actor, client_id=client_id) if client_id else None
        changed = services.member_role_change(
            actor=actor, membership=membership, role=form.cleaned_data["role"], client=client
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("team")
    messages.success(
        request,
        _("%(email)s is now %(role)s.")
        % {"email": changed.user.email, "role": changed.get_role_display() + (f" · {client.name}" if client else "")},
    )
    if changed.user_id == request.user.pk and changed.role not in {Role.OWNER, Role.ADMIN}:
        return redirect("dashboard")  # their own role no longer reaches the team page
    return redirect("team")


@portal_page
@require_POST
def invitation_resend(request, membership_id: int):
    actor = request.actor
    membership = _member_or_404(actor, membership_id)
    try:
        services.member_invitation_resend(actor=actor, membership=membership)
        messages.success(request, _("Invitation sent to %(email)s again.") % {"email": membership.user.email})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("team")


@portal_page
@require_POST
def invitation_revoke(request, membership_id: int):
    actor = request.actor
    membership = _member_or_404(actor, membership_id)
    try:
        services.member_invitation_revoke(actor=actor, membership=membership)
        messages.success(
            request,
            _("Invitation for %(email)s withdrawn; its link no longer gives access.")
            % {"email": membership.user.email},
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("team")


@portal_page
def clients(request):
    actor = request.actor
    form = ClientForm(request.POST or None)
    if request.method == "POST":
        if not actor.can_administer or actor.is_client_scoped:
            raise PermissionDenied
        if form.is_valid():
            try:
                client = services.client_create(actor=actor, **form.cleaned_data)
                messages.success(request, _("Client %(name)s created.") % {"name": client.name})
                return redirect("clients")
            except ApplicationError as exc:
                add_error(form, exc)
    context = {
        "form": form,
        "clients": page_of(request, selectors.client_list(actor=actor, search=request.GET.get("q", ""))),
        "can_create": actor.can_administer and not actor.is_client_scoped,
        "q": request.GET.get("q", ""),
        "query": query_without_page(request),
    }
    return render(request, "accounts/client_list.html", context)


@portal_page
def audit(request):
    actor = request.actor
    if not actor.can_view_audit:
        raise PermissionDenied
    entries = page_of(request, selectors.audit_list(actor=actor, action=request.GET.get("action", "")), per_page=50)
    context = {"entries": entries, "action": request.GET.get("action", ""), "query": query_without_page(request)}
    return render(request, "accounts/audit_list.html", context)


@portal_page
@require_POST
def switch_account(request):
    account_id = request.POST.get("account_id", "")
    if account_id.isdigit() and request.user.memberships.filter(account_id=int(account_id)).exists():
        request.session["account_id"] = int(account_id)
    return redirect("dashboard")


@require_POST
def language_set(request):
    """The language switcher (header, account menu, login page): a plain form POST with ``language`` and
    ``next``. Saves the choice on a logged-in user, sets (or, for "follow my browser", clears) the language
    cookie and goes back to ``next`` when it is a page of this site, else to the dashboard."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        try:
            services.user_language_set(user=request.user, language=language)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(_safe_next(request))
    if language:
        return set_language(request)  # Django's: checks the language and the next URL, sets the cookie
    response = redirect(_safe_next(request))
    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
    return response


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.headers.get("Referer") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("dashboard")


class PasswordResetView(auth_views.PasswordResetView):
    """Links in reset emails point at the portal's public address, not at whatever Host header reached
    this process (behind a proxy that would be an internal name)."""

    form_class = PortalPasswordResetForm

    def form_valid(self, form):
        """At most a few emails an hour per address asked for and per client address; past that the answer
        is the same page, and nothing is sent (accounts/security/login.py)."""
        if not password_reset_allowed(email=form.cleaned_data["email"], ip_address=client_ip(self.request)):
            return redirect(self.get_success_url())
        self.extra_email_context = {"public_url": settings.PUBLIC_URL}
        return super().form_valid(form)
