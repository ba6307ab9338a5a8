"""What every portal page view shares: resolving the actor from the session, and rendering full pages
or HTMX partials."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from accounts.actor import access_blocked_reason, actor_from_membership, membership_for
from portal.errors import NotFound
from portal.ip import client_ip


def portal_page(view=None, *, open_while_suspended: bool = False):
    """Log-in required; sets ``request.actor`` from the user's membership. DIDfarm staff without a
    reseller membership are sent to the staff console. ``open_while_suspended``: the reseller's own people
    may still use the page while their account is suspended (the wallet, top-up and invoices: how a
    suspended reseller pays its way back)."""
    if view is None:
        return functools.partial(portal_page, open_while_suspended=open_while_suspended)

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        site_account_id = getattr(request, "site_account_id", None)
        membership = membership_for(request.user, site_account_id or request.session.get("account_id"))
        if site_account_id is not None and membership is not None and membership.account_id != site_account_id:
            # On a reseller's own domain, only that reseller's account is served (the login form lets no one
            # else in; this holds for a session that came another way too).
            membership = None
        if membership is None:
            if request.user.is_staff:
                return redirect("admin:index")
            return _blocked(
                request, _("Your login is not attached to any account. Ask your administrator to invite you again.")
            )
        request.membership = membership  # also for the "no access" page, which shows a client its reseller's brand
        blocked = access_blocked_reason(account=membership.account, client=membership.client)
        suspended_reseller = membership.client is None and membership.account.status != "active"
        if blocked and not (open_while_suspended and suspended_reseller):
            return _blocked(request, blocked, membership=membership if suspended_reseller else None)
        request.actor = actor_from_membership(membership, ip_address=client_ip(request))
        request.membership = membership
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:  # someone else's or no such object: a plain 404, never a hint it exists
            raise Http404(str(exc.message)) from None

    return wrapper


def updates_wallet_badge(view):
    """For a page whose actions (or live updates) can change the wallet's balance: its HTMX answers also
    carry the header's wallet badge, swapped out of band (``portal/_wallet_badge.html``), so the header
    shows the balance after the action. Goes inside ``portal_page`` (it needs ``request.actor``). A full
    page has the badge in its layout already; a redirect or an error gets nothing; a viewer who does not
    see the wallet (a client login) gets nothing either."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        htmx = getattr(request, "htmx", None)
        if (
            htmx
            and not htmx.history_restore_request
            and response.status_code == 200
            and not response.streaming
            and "HX-Redirect" not in response
            and response.get("Content-Type", "").startswith("text/html")
        ):
            badge = render_to_string("portal/_wallet_badge.html", {"oob": True}, request=request)
            if badge.strip():
                response.content += badge.encode(response.charset)
        return response

    return wrapper


def _blocked(request, reason: str, *, membership=None):
    """A page (not a dead end) for people who are logged in but may not use the portal now. The people of
    a suspended reseller see why, their balance, and the way to the wallet, top-up and invoices."""
    context = {"reason": reason}
    if membership is not None:
        # The shell knows no app: billing names the function that summarises a suspension (settings).
        context["suspension"] = import_string(settings.SUSPENSION_SUMMARY)(account=membership.account)
    return render(request, "portal/blocked.html", context, status=403)


def page_of(request, queryset, *, per_page: int = 25):
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def add_error(form, exc) -> None:
    """Put a service's ``ApplicationError`` on the form: field errors on their fields, the rest on top."""
    if getattr(exc, "fields", None):
        for field, messages in exc.fields.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        form.add_error(None, exc.message)


def wants_fragment(request, *, target: str | None = None) -> bool:
    """The one "page or fragment" rule: an HTMX swap (aimed at ``target``, when given) asks for the
    fragment; a history restore (htmx re-fetching a page it no longer has cached) needs the whole page
    even though it carries HX-Request."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and (target is None or htmx.target == target)


def render_page(request, full: str, fragment: str, context: dict, *, target: str | None = None):
    """The full page or its fragment (``wants_fragment``), from one URL; ``Vary: HX-Request`` so a cache
    never answers one with the other."""
    response = render(request, fragment if wants_fragment(request, target=target) else full, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def form_errors_to_messages(request, form) -> None:
    """A form refused on a POST that leaves its page (a plain form, redirected back): its errors, which
    the page will not show on the form, become messages."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def no_store(response):
    """A page that shows what only its reader may see, or a form holding what they typed: never kept by a
    browser's or a proxy's cache."""
    response["Cache-Control"] = "no-store"
    return response


def go(request, url: str):
    """After a write: HTMX follows an HX-Redirect, a plain form a 302."""
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", None) else redirect(url)
