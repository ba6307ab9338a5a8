"""Callbacks from upstream carriers (DIDWW's order callbacks): verified, answered at once, acted on by tasks."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services import carrier_callback_accept


@csrf_exempt  # signed by the carrier (X-DIDWW-Signature), not a browser form
@require_POST
def carrier_callback(request: HttpRequest, name: str) -> JsonResponse:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        data = body.get("data", body) if isinstance(body, dict) else None
        if isinstance(data, dict) and isinstance(data.get("attributes"), dict):
            data = {"id": data.get("id", ""), "type": data.get("type", ""), **data["attributes"]}
    else:
        data = request.POST.dict()
    if not isinstance(data, dict):
        return _error("invalid_body", _("The callback's body is not a JSON object."), 400)
    payload = {str(k): "" if v is None else str(v) for k, v in data.items() if not isinstance(v, dict | list)}
    signature = request.headers.get("X-DIDWW-Signature", "")
    if not carrier_callback_accept(name=name, url=request.build_absolute_uri(), payload=payload, signature=signature):
        return _error("invalid_signature", _("The callback's signature does not match."), 403)
    return JsonResponse({"ok": True})


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "status": status}}, status=status)
