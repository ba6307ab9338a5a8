"""The brand every page's layout shows (``templates/base.html``): ``brand`` is a ``Look`` for a reseller's
clients and on its own domain, None (the platform) otherwise."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .selectors import look_for_request


def brand(request) -> dict:
    # Lazy: read only by templates that show it, once per request (a fragment never asks).
    if not _may_have_brand(request):
        return {"brand": None}
    return {"brand": SimpleLazyObject(lambda: look_for_request(request))}


def _may_have_brand(request) -> bool:
    actor = getattr(request, "actor", None)
    membership = getattr(request, "membership", None)
    return (
        (actor is not None and actor.client is not None)
        or (membership is not None and membership.client_id is not None)
        or getattr(request, "site_account_id", None) is not None
    )
