"""Whether a client's EU VAT id is registered, asked of VIES (the EU's VAT Information Exchange System).

Reverse charge is right only for a business whose VAT id its member state has registered; the offline
check of ``vat.clean_vat_id`` sees the format alone. ``client_vat_id_check`` asks VIES's REST service
(``settings.VIES_URL``; off when empty) and keeps the answer on the billing profile: the id it was for,
valid / not registered / could not be checked, when, and the name VIES holds. The call is made outside any
transaction, and its answer is stored only if the profile still has that id. It never refuses anything: the
page shows the answer and warns; what VAT an invoice carries is still decided by ``vat.treatment``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from portal.errors import PermissionDenied

from ..models import ClientBillingProfile, ViesResult
from . import vat
from .profiles import client_billing_profile_get

logger = logging.getLogger("didfarm.vies")


@dataclass(frozen=True)
class ViesAnswer:
    result: str  # a ViesResult
    name: str = ""


def vies_applies(profile: ClientBillingProfile | None) -> bool:
    """Whether VIES is configured and the profile holds an EU VAT id it can be asked about."""
    return bool(settings.VIES_URL and profile and profile.vat_id and profile.country in vat.EU_MEMBER_STATES)


def vies_lookup(vat_id: str, country: str) -> ViesAnswer:
    """VIES's answer for ``vat_id`` (compact, with its EU prefix). Network errors, timeouts, a member state
    that does not answer and anything unreadable are ``UNAVAILABLE``: not an answer about the id."""
    prefix = vat.vat_prefix(country)
    body = {"countryCode": prefix, "vatNumber": vat_id.removeprefix(prefix)}
    try:
        response = requests.post(settings.VIES_URL, json=body, timeout=settings.VIES_TIMEOUT_SECONDS)
        data = response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError):
        logger.warning("VIES did not answer for %s", vat_id, exc_info=True)
        return ViesAnswer(ViesResult.UNAVAILABLE)
    if not isinstance(data, dict) or not isinstance(data.get("valid"), bool):
        return ViesAnswer(ViesResult.UNAVAILABLE)
    # A member state that is down answers valid=false with a userError other than INVALID (MS_UNAVAILABLE,
    # TIMEOUT, …): that says nothing about the id.
    error = str(data.get("userError") or "")
    if not data["valid"] and error not in ("", "VALID", "INVALID"):
        logger.info("VIES could not check %s: %s", vat_id, error)
        return ViesAnswer(ViesResult.UNAVAILABLE)
    if not data["valid"]:
        return ViesAnswer(ViesResult.INVALID)
    name = str(data.get("name") or "").strip()
    return ViesAnswer(ViesResult.VALID, "" if name == "---" else name[:200])


def client_vat_id_check(*, actor: Actor, client_id) -> ClientBillingProfile | None:
    """Ask VIES about the client's EU VAT id and keep the answer on its billing profile (the reseller's
    owners and admins; after the profile was saved, outside its transaction). Returns the profile as
    stored, or None when there is nothing to ask (no VIES configured, no profile, no EU VAT id)."""
    if actor.is_client_scoped:
        raise PermissionDenied(_("Billing profiles are kept by the reseller."))
    actor.require_admin()
    _client, profile = client_billing_profile_get(actor=actor, client_id=client_id)
    if profile is None or not vies_applies(profile):
        return None
    answer = vies_lookup(profile.vat_id, profile.country)
    # Stored only if the id is still the one asked about (a save in the meantime clears the answer).
    ClientBillingProfile.objects.filter(pk=profile.pk, vat_id=profile.vat_id).update(
        vies_vat_id=profile.vat_id, vies_result=answer.result, vies_checked_at=timezone.now(), vies_name=answer.name
    )
    profile.refresh_from_db()
    return profile
