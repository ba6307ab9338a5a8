"""Holds logged-in people to the two-factor rules, and keeps the sessions list's "last seen" current.

Runs after django-otp's middleware (which tells whether this session passed a second factor). For a
logged-in person whose session did not:
- who has a second factor (the session began before it was added, so it never asked for a code): the
  session ends and the login page asks again, with the code;
- who must have one (staff; an account's requirement) and has none: every page but the set-up page (and
  logging out, the language switch) leads to the set-up page, with a message saying why.
A session found in order is not checked again for a minute (``_didfarm_2fa_ok`` in the session). API
requests are left to the API's own authentication (keys are unaffected; a portal session is checked there).
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .sessions import login_session_touch
from .two_factor import has_two_factor, two_factor_required

CHECKED = "_didfarm_2fa_ok"
CHECK_EVERY_S = 60
EXEMPT_PREFIXES = ("/static/", "/api/", "/v1/", "/healthz", "/login/", "/logout/", "/language/", "/password-reset/")


class LoginSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path_info.startswith(("/api/", "/v1/")):
            refused = self._check(request)
            if refused is not None:
                return refused
            login_session_touch(request)
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        if request.user.is_verified() or time.time() - session.get(CHECKED, 0) < CHECK_EVERY_S:
            return None
        path = request.path_info
        setup = reverse("two_factor_setup")
        if has_two_factor(request.user):
            logout(request)
            messages.info(request, _("Log in again with your authentication code."))
            return redirect_to_login(path)
        if two_factor_required(request.user):
            if path.startswith(EXEMPT_PREFIXES) or path == setup:
                return None
            if request.user.is_staff:
                note = _("DIDfarm staff must use two-factor authentication: set it up to continue.")
            else:
                note = _("Your account requires two-factor authentication: set it up to continue.")
            messages.warning(request, note)
            return redirect(f"{setup}?{urlencode({'next': request.get_full_path()})}")
        session[CHECKED] = int(time.time())
        return None
