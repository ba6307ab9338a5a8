from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from billing import selectors as billing_selectors
from portal.api import json_error
from portal.pages import portal_page


@portal_page
def dashboard(request):
    actor = request.actor
    spend = billing_selectors.daily_spend(actor=actor, days=30)
    total = sum((d.amount for d in spend), Decimal("0"))
    peak = max((d.amount for d in spend), default=Decimal("0"))
    bars = [{"day": d.day, "amount": d.amount, "height": float(d.amount / peak * 100) if peak else 0.0} for d in spend]
    context = {
        "wallet": billing_selectors.wallet_get(actor=actor) if actor.can_see_wallet else None,
        "spend_total": total,
        "spend_peak": peak,
        "bars": bars,
        "recent": billing_selectors.transaction_list(actor=actor)[:5],
    }
    return render(request, "portal/dashboard.html", context)


def api_not_found(request, *args):
    return json_error(
        request,
        code="not_found",
        message=_("No API endpoint at %(path)s. See /api/docs for the list.") % {"path": request.path},
        status=404,
    )


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
