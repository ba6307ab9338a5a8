"""Which reseller's domain a request came in on."""

from __future__ import annotations

from django.http.request import split_domain_port, validate_host

from .hosts import account_for_host, static_hosts


class SiteBrandMiddleware:
    """Sets ``request.site_account_id``: the reseller account whose verified client portal domain the
    request's host is, or None on the platform's own host names. (Unknown hosts never get here: Django's
    host check refuses them first, see ``hosts.py``.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        domain, _port = split_domain_port(request.get_host())
        # The platform's own names are never a reseller's: no lookup for them.
        request.site_account_id = None if validate_host(domain, static_hosts()) else account_for_host(domain)
        return self.get_response(request)
