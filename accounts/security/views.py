"""Logging in (password, then the code when the person has a second factor), the lockout page, logging
out, and the account page: password, email, two-factor authentication and sessions."""

from __future__ import annotations

import time

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts.actor import actor_from_membership, membership_for
from accounts.models import LoginSession, User
from portal.errors import ApplicationError
from portal.ip import client_ip
from portal.pages import add_error, portal_page

from . import credentials, sessions, two_factor
from .forms import CodeForm, EmailChangeForm, LoginForm, PasswordChangeForm, TotpConfirmForm, TwoFactorPolicyForm
from .login import lockout_minutes
from .middleware import CHECKED

PENDING = "_didfarm_2fa_pending"  # password checked, code not yet: {"user", "backend", "at", "next"}
PENDING_SECONDS = 300
SETUP_DEVICE = "_didfarm_2fa_setup"


# --- Logging in ----------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """The password step. Someone with a second factor is not logged in yet: the session remembers who
    passed the password for five minutes, and the code step finishes the login."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_two_factor(user):
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "at": int(time.time()),
                "next": self.get_success_url(),
            }
            return redirect("login_verify")
        auth_login(self.request, user)
        sessions.login_session_record(self.request)
        if not two_factor.two_factor_required(user):
            self.request.session[CHECKED] = int(time.time())  # nothing more to ask of this session for now
        return redirect(self.get_success_url())


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, {}
    return User.objects.filter(pk=pending["user"], is_active=True).first(), pending


def login_verify(request):
    """The code step: the app's current code, or a recovery code. A wrong code counts as a failed login
    for the lockout (per email and per address), as a wrong password does."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.info(request, _("Log in again: the time to type the code ran out."))
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials_ = {"username": user.email}
        if not AxesProxyHandler.is_allowed(request, credentials_):
            request.axes_locked_out = True  # the lockout page (axes' middleware)
            request.axes_credentials = credentials_
            request.session.pop(PENDING, None)
            return render(request, "registration/login_verify.html", {"form": form})
        device = two_factor.two_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is None:
            user_login_failed.send(sender=__name__, credentials=credentials_, request=request)
            form.add_error("code", _("That code is not right. Codes change every 30 seconds: use the current one."))
        else:
            request.session.pop(PENDING, None)
            user.backend = pending["backend"]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            sessions.login_session_record(request)
            if device.__class__.__name__ == "RecoveryCodeDevice":
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    _("You used a recovery code; %(n)d left. Make new ones on your account page if you need them.")
                    % {"n": left},
                )
            target = pending.get("next") or settings.LOGIN_REDIRECT_URL
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = settings.LOGIN_REDIRECT_URL
            return redirect(target)
    response = render(request, "registration/login_verify.html", {"form": form, "email": user.email})
    response["Cache-Control"] = "no-store"
    return response


def locked_out(request, response=None, credentials=None):
    """django-axes' lockout answer: the portal's own page, in the person's language, saying how long."""
    return render(request, "registration/locked_out.html", {"minutes": lockout_minutes()}, status=429)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        sessions.login_session_forget(key)
        return response


# --- The account page ----------------------------------------------------------------------------


def account_login_required(view):
    """Logged in; the portal's layout around it when the person works in an account (staff without one
    get a plain layout). The two-factor rules are the middleware's."""

    @login_required
    def wrapper(request, *args, **kwargs):
        membership = membership_for(request.user, request.session.get("account_id"))
        if membership is not None:
            request.actor = actor_from_membership(membership, ip_address=client_ip(request))
            request.membership = membership
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _layout(request) -> str:
    return "base.html" if getattr(request, "actor", None) else "accounts/account_plain.html"


def _account_page(request, *, status: int = 200, **forms):
    user = request.user
    current = request.session.session_key
    rows = sessions.login_session_list(user=user)
    context = {
        "layout": _layout(request),
        "password_form": forms.get("password_form") or PasswordChangeForm(),
        "email_form": forms.get("email_form") or EmailChangeForm(),
        "disable_form": forms.get("disable_form") or CodeForm(),
        "has_two_factor": two_factor.has_two_factor(user),
        "two_factor_required": two_factor.two_factor_required(user),
        "recovery_codes_left": two_factor.recovery_codes_left(user),
        "sessions": [{"row": row, "current": row.session_key == current} for row in rows],
        "others": sum(1 for row in rows if row.session_key != current),
    }
    response = render(request, "accounts/account.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@account_login_required
def account(request):
    return _account_page(request)


@account_login_required
@require_POST
def password_change(request):
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            user = credentials.user_password_change(
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
                ip_address=client_ip(request),
            )
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            old_key = request.session.session_key
            update_session_auth_hash(request, user)  # this browser stays in, under a new session key
            LoginSession.objects.filter(session_key=old_key).delete()
            sessions.login_session_record(request)
            ended = sessions.login_sessions_end_others(
                user=user, current_key=request.session.session_key, ip_address=client_ip(request), reason="password"
            )
            messages.success(
                request,
                _("Password changed. Your other sessions (%(n)d) have been logged out.") % {"n": ended},
            )
            return redirect("account")
    return _account_page(request, password_form=form, status=422)


@account_login_required
@require_POST
def email_change(request):
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            user = credentials.user_email_change(
                user=request.user,
                password=form.cleaned_data["password"],
                email=form.cleaned_data["email"],
                ip_address=client_ip(request),
            )
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("You now log in as %(email)s.") % {"email": user.email})
            return redirect("account")
    return _account_page(request, email_form=form, status=422)


@account_login_required
@require_POST
def session_end(request, session_id: int):
    try:
        sessions.login_session_end(
            user=request.user,
            session_id=session_id,
            current_key=request.session.session_key,
            ip_address=client_ip(request),
        )
        messages.success(request, _("That browser has been logged out."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("account")


@account_login_required
@require_POST
def sessions_end_others(request):
    ended = sessions.login_sessions_end_others(
        user=request.user, current_key=request.session.session_key, ip_address=client_ip(request), reason="asked"
    )
    messages.success(request, _("Logged out everywhere else (%(n)d sessions).") % {"n": ended})
    return redirect("account")


# --- Two-factor authentication -------------------------------------------------------------------


def _codes_page(request, codes: list[str]):
    response = render(request, "accounts/recovery_codes.html", {"layout": _layout(request), "codes": codes})
    response["Cache-Control"] = "no-store"
    return response


@account_login_required
def two_factor_setup(request):
    """Scan (or type) the secret, then confirm with a code: only then is two-factor on. The recovery codes
    are shown once, on the answer to that confirmation."""
    user = request.user
    device = two_factor.totp_setup_pending(user=user, device_id=request.session.get(SETUP_DEVICE))
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            codes = two_factor.totp_setup_confirm(
                user=user, device=device, code=form.cleaned_data["code"], ip_address=client_ip(request)
            )
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            request.session.pop(SETUP_DEVICE, None)
            otp_login(request, device)
            sessions.login_session_record(request)
            sessions.login_sessions_end_others(
                user=user, current_key=request.session.session_key, ip_address=client_ip(request), reason="two_factor"
            )
            messages.success(request, _("Two-factor authentication is on."))
            return _codes_page(request, codes)
    if device is None:
        device = two_factor.totp_setup_begin(user=user)
        request.session[SETUP_DEVICE] = device.pk
        form = TotpConfirmForm()
    context = {
        "layout": _layout(request),
        "form": form,
        "qr": two_factor.totp_qr_svg(device),
        "secret": two_factor.totp_secret(device),
        "replacing": two_factor.has_two_factor(user),
        "next": request.GET.get("next", ""),
    }
    response = render(request, "accounts/two_factor_setup.html", context, status=422 if form.errors else 200)
    response["Cache-Control"] = "no-store"
    return response


@account_login_required
@require_POST
def two_factor_disable(request):
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            two_factor.two_factor_disable(
                user=request.user, code=form.cleaned_data["code"], ip_address=client_ip(request)
            )
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("account")
    return _account_page(request, disable_form=form, status=422)


@account_login_required
@require_POST
def recovery_codes_regenerate(request):
    try:
        codes = two_factor.recovery_codes_regenerate(user=request.user, ip_address=client_ip(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("account")
    return _codes_page(request, codes)


@portal_page
@require_POST
def two_factor_policy(request):
    """The team page's setting: require two-factor authentication of the team and/or client logins."""
    form = TwoFactorPolicyForm(request.POST)
    form.is_valid()  # two check boxes: always valid
    try:
        two_factor.two_factor_policy_set(
            actor=request.actor,
            team=form.cleaned_data.get("require_two_factor_team", False),
            clients=form.cleaned_data.get("require_two_factor_clients", False),
        )
        messages.success(request, _("Saved."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("team")
