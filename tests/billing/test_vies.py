"""The VIES check of a client's EU VAT id: asked after the reseller saves the billing profile, its answer (and
when) kept on the profile and shown to the reseller; never a reason not to save. No network: a local fake of
VIES's REST service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts.actor import actor_from_membership
from accounts.models import Membership
from billing.invoicing.profiles import ClientBillingInput, client_billing_profile_save
from billing.invoicing.vies import client_vat_id_check
from billing.models import ClientBillingProfile, ViesResult
from portal.errors import PermissionDenied
from tests.billing.test_invoices import at
from tests.billing.vies_fake import ViesFake
from tests.numbers.conftest import login

pytestmark = pytest.mark.django_db

BELGIAN = {
    "legal_name": "Xylo Dental SRL",
    "country": "BE",
    "address_line1": "Rue Neuve 2",
    "city": "Bruxelles",
    "vat_id": "BE0403019261",
    "billing_email": "accounts@xylo.test",
    "language": "en",
}


@pytest.fixture
def vies(settings):
    fake = ViesFake().start()
    settings.VIES_URL = fake.url
    settings.VIES_TIMEOUT_SECONDS = 0.5
    yield fake
    fake.stop()


def save_on_page(tenants, **changes):
    owner = login("owner@alpha.test")
    response = owner.post(f"/billing/clients/{tenants.x.pk}/billing-profile/", BELGIAN | changes, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_a_registered_vat_id_is_confirmed_with_the_date_and_the_name_vies_holds(tenants, vies):
    vies.registered["BE0403019261"] = "SA XYLO DENTAL"
    with at(2026, 4, 20, 9, 30):
        html = save_on_page(tenants)
    assert vies.requests == [{"countryCode": "BE", "vatNumber": "0403019261"}]
    profile = ClientBillingProfile.objects.get(client=tenants.x)
    assert (profile.vies_result, profile.vies_vat_id, profile.vies_name) == (
        ViesResult.VALID,
        "BE0403019261",
        "SA XYLO DENTAL",
    )
    assert profile.vies_checked_at == datetime(2026, 4, 20, 9, 30, tzinfo=UTC)
    assert "Billing profile saved." in html and "VIES confirms the VAT id BE0403019261 (SA XYLO DENTAL)." in html
    assert 'data-testid="vies-result"' in html and "VIES confirmed the VAT id BE0403019261 on 20 Apr 2026" in html


def test_an_unregistered_vat_id_is_saved_with_a_warning(tenants, vies):
    html = save_on_page(tenants)
    profile = ClientBillingProfile.objects.get(client=tenants.x)
    assert profile.vat_id == "BE0403019261" and profile.legal_name == "Xylo Dental SRL"  # saved all the same
    assert profile.vies_result == ViesResult.INVALID
    assert "VIES does not know the VAT id BE0403019261." in html


@pytest.mark.parametrize("failure", ["member state down", "server error", "too slow", "nobody listening"])
def test_when_vies_cannot_answer_the_profile_is_saved_and_the_page_says_it_was_not_checked(
    tenants, vies, settings, failure
):
    vies.registered["BE0403019261"] = "SA XYLO DENTAL"
    if failure == "member state down":
        vies.member_state_down = True
    elif failure == "server error":
        vies.status = 500
    elif failure == "too slow":
        vies.delay = 1.0
    else:
        settings.VIES_URL = "http://127.0.0.1:9/check-vat-number"  # the discard port: connection refused
    html = save_on_page(tenants)
    profile = ClientBillingProfile.objects.get(client=tenants.x)
    assert profile.vat_id == "BE0403019261" and profile.vies_result == ViesResult.UNAVAILABLE
    assert "Billing profile saved." in html
    assert "VIES could not be asked about BE0403019261 just now" in html


def test_nothing_is_asked_without_vies_configured_or_for_an_id_outside_the_eu(tenants, vies, settings):
    save_on_page(tenants, country="CH", vat_id="CHE-116.281.710 MWST")
    assert vies.requests == []
    assert ClientBillingProfile.objects.get(client=tenants.x).vies_result == ""
    settings.VIES_URL = ""
    save_on_page(tenants)
    assert vies.requests == []


def test_a_new_vat_id_drops_the_answer_about_the_old_one_and_clients_never_ask(tenants, vies):
    vies.registered["BE0403019261"] = "SA XYLO DENTAL"
    owner = tenants.a.owner_actor
    client_billing_profile_save(actor=owner, client_id=tenants.x.pk, data=ClientBillingInput(**BELGIAN))
    assert client_vat_id_check(actor=owner, client_id=tenants.x.pk).vies_result == ViesResult.VALID
    client_billing_profile_save(
        actor=owner, client_id=tenants.x.pk, data=ClientBillingInput(**(BELGIAN | {"vat_id": "BE0202239951"}))
    )
    profile = ClientBillingProfile.objects.get(client=tenants.x)
    assert (profile.vies_result, profile.vies_vat_id, profile.vies_checked_at) == ("", "", None)

    membership = Membership.objects.get(user__email=tenants.x_admin_email, client=tenants.x)
    with pytest.raises(PermissionDenied):
        client_vat_id_check(actor=actor_from_membership(membership), client_id=tenants.x.pk)
    assert len(vies.requests) == 1
    page = login(tenants.x_admin_email).get(f"/billing/clients/{tenants.x.pk}/billing-profile/").content.decode()
    assert "VIES" not in page  # the reseller's working note, not the client's
