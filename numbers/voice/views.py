"""Call pages: the calls of the actor's numbers, filtered by number, trunk, client, days and status, with
totals, the answer rate and a chart of calls and minutes per day. One URL: the whole page, or the results
when htmx asks (filters applied without a reload)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from portal.pages import page_of, portal_page, query_without_page, render_page, wants_fragment

from .. import selectors as number_selectors
from . import selectors as sweep_selectors
from . import sweeps, testcalls
from .models import Call
from .selectors import CallFilters, call_list, call_stats

CHART_DAYS = 30


class CallFilterForm(forms.Form):
    number = forms.IntegerField(required=False, widget=forms.HiddenInput)
    trunk = forms.TypedChoiceField(label=_("Trunk"), required=False, coerce=int, empty_value=None)
    client = forms.TypedChoiceField(label=_("Client"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any"))] + Call.Status.choices)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        trunks = number_selectors.trunk_list(actor=actor)
        self.fields["trunk"].choices = [("", _("Any"))] + [(t.pk, t.name) for t in trunks]
        if actor.client is not None:
            del self.fields["client"]
        else:
            clients = account_selectors.client_list(actor=actor)
            self.fields["client"].choices = [("", _("Any"))] + [(c.pk, c.name) for c in clients]


def _chart(stats, *, since, until) -> dict:
    """Bars per day for the chart: calls and talk minutes stacked, each scaled to its own busiest day and
    taking at most half the height, so a stack never outgrows the chart."""
    by_day = {row["day"]: row for row in stats.days}
    days = [since + timedelta(days=i) for i in range((until - since).days + 1)]
    peak_calls = max((row["calls"] for row in stats.days), default=0)
    peak_minutes = max((row["minutes"] for row in stats.days), default=0)
    bars = []
    for day in days:
        row = by_day.get(day, {"calls": 0, "minutes": 0})
        bars.append(
            {
                "day": day,
                "calls": row["calls"],
                "minutes": row["minutes"],
                "calls_height": 50 * row["calls"] / peak_calls if peak_calls else 0,
                "minutes_height": float(50 * row["minutes"] / peak_minutes) if peak_minutes else 0,
            }
        )
    return {"bars": bars, "peak": peak_calls, "peak_minutes": peak_minutes}


@portal_page
@require_GET
def call_list_page(request):
    actor = request.actor
    form = CallFilterForm(request.GET or None, actor=actor)
    data = form.cleaned_data if form.is_valid() else {}
    number = None
    if data.get("number"):
        number = number_selectors.number_list(actor=actor).filter(pk=data["number"]).first()
    trunk = number_selectors.trunk_list(actor=actor).filter(pk=data["trunk"]).first() if data.get("trunk") else None
    today = timezone.now().astimezone(timezone.get_fixed_timezone(0)).date()
    until = data.get("date_to") or today
    since = data.get("date_from") or until - timedelta(days=CHART_DAYS - 1)
    filters = CallFilters(
        number=number,
        trunk=trunk,
        client_id=data.get("client"),
        since=since,
        until=until,
        status=data.get("status") or "",
    )
    calls = call_list(actor=actor, filters=filters)
    stats = call_stats(calls)
    context = {
        "calls_tab": True,
        "form": form,
        "number": number,
        "trunk": trunk,
        "since": since,
        "until": until,
        "stats": stats,
        "chart": _chart(stats, since=since, until=until) if (until - since).days < 92 else None,
        "page": page_of(request, calls, per_page=50),
        "query": query_without_page(request),
        "target": "#call-results",
        # The latest sweep of all the viewer's numbers: on the unfiltered page only (one number's or trunk's
        # calls have their own story; the number's page lists its test calls).
        "sweep_summary": None
        if wants_fragment(request) or number or trunk
        else sweep_selectors.sweep_summary(actor=actor),
    }
    return render_page(request, "numbers/call_list.html", "numbers/_call_results.html", context, target="call-results")


@portal_page
@require_http_methods(["GET", "POST"])
def number_test_call(request, number_id: int):
    """A number's test call panel: POST places one (a button on the number's page), GET gives the panel,
    which polls itself every two seconds while the call runs."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from portal.errors import ApplicationError

    from ..views import number_or_404

    actor = request.actor
    number = number_or_404(actor, number_id)
    if request.method == "POST":
        if not actor.can_write:
            raise PermissionDenied
        try:
            testcalls.test_call_start(actor=actor, number=number)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        if not wants_fragment(request):
            return redirect("number_detail", number_id=number.pk)
    # The panel on its own carries the messages of its action; inside the number page the page's do.
    context = {"number": number, "own_messages": True, **test_call_context(actor, number)}
    return render(request, "numbers/_test_call.html", context)


def test_call_context(actor, number) -> dict:
    """What the test call panel shows: the latest test call, and whether one can be placed here."""
    latest = (
        testcalls.TestCall.objects.filter(account=actor.account, number=number)
        .exclude(sweep__isnull=False, dispatched_at__isnull=True)  # a sweep's call not yet on its way
        .first()
    )
    return {
        "test_call": latest,
        "test_calls_ready": testcalls.ready(),
        "sweep_history": sweep_selectors.sweep_history(actor=actor, number=number),
        "sweep_settings": sweep_selectors.sweep_settings_get(account=actor.account),
        "sweep_skipped": sweep_selectors.number_skipped(number),
    }


class SweepSettingsForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Test-call my numbers every day"),
        required=False,
        help_text=_(
            "Each active, routed number gets one test call a day. When a number that rang the day before does "
            "not ring, your owners and admins get an email and a number.test_call_failed webhook."
        ),
    )
    hour = forms.TypedChoiceField(
        label=_("From (UTC)"), coerce=int, choices=[(h, f"{h:02d}:00") for h in range(24)], initial=6
    )


@portal_page
@require_http_methods(["GET", "POST"])
def test_call_sweep_settings(request):
    """The daily test calls' settings (owners and admins), with the latest sweep's figures."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from portal.errors import ApplicationError
    from portal.pages import add_error

    actor = request.actor
    if actor.is_client_scoped or not actor.can_administer:
        raise PermissionDenied
    saved = sweep_selectors.sweep_settings_get(account=actor.account)
    form = SweepSettingsForm(request.POST or None, initial={"enabled": saved.enabled, "hour": saved.hour})
    if request.method == "POST" and form.is_valid():
        try:
            sweeps.test_call_sweep_settings_save(
                actor=actor, enabled=form.cleaned_data["enabled"], hour=form.cleaned_data["hour"]
            )
        except ApplicationError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("Daily test call settings saved."))
            return redirect("test_call_sweep_settings")
    skipped = saved.skipped_numbers.order_by("e164") if saved.pk else []
    context = {
        "form": form,
        "saved": saved,
        "skipped": skipped,
        "summary": sweep_selectors.sweep_summary(actor=actor),
        "test_calls_ready": testcalls.ready(),
        "per_minute": settings.TEST_CALL_SWEEP_PER_MINUTE,
    }
    return render(request, "numbers/test_call_settings.html", context)


@portal_page
@require_POST
def number_sweep_skip(request, number_id: int):
    """Leave a number out of the daily test calls, or take it back in (a form on the number's page)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from ..views import number_or_404

    actor = request.actor
    if actor.is_client_scoped or not actor.can_administer:
        raise PermissionDenied
    number = number_or_404(actor, number_id)
    skipped = request.POST.get("skipped") == "1"
    sweeps.test_call_sweep_number_skip(actor=actor, number=number, skipped=skipped)
    if skipped:
        messages.success(request, _("This number is left out of the daily test calls."))
    else:
        messages.success(request, _("This number is in the daily test calls again."))
    return redirect(reverse("number_detail", args=[number.pk]) + "#test-call")
