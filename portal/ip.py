"""The address a request comes from, one answer for the whole portal (login lockouts, password-reset
limits, API key allow-lists, the audit log, the sessions list).

``REMOTE_ADDR`` unless ``TRUST_PROXY_HEADERS`` is on. Behind a reverse proxy every request's REMOTE_ADDR is
the proxy's, so the proxy's ``X-Forwarded-For`` is read instead: its right-most entry, the one the proxy
itself appended (entries to its left were sent by the client and can say anything). Without the setting
the header is ignored, so a client talking to the portal directly cannot pick the address it is judged by.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    if settings.TRUST_PROXY_HEADERS:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = _valid(forwarded.split(",")[-1])
            if address:
                return address
    remote = request.META.get("REMOTE_ADDR")
    return _valid(remote) if remote else None
