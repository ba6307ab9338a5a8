"""A compliance profile created from a number waiting for documents ("Create a profile for it") is attached
to that number, as attaching an existing profile would: the number then waits on that profile."""

from __future__ import annotations

import html

import pytest

from accounts.models import AuditLog
from numbers_app import services
from numbers_app.models import ComplianceProfile, Number
from numbers_app.regulatory import services as regulatory
from tests.numbers.conftest import DE_BERLIN, login
from tests.numbers.regulatory_fixtures import PROFILE_FIELDS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.REGULATORY_DOCUMENTS_DIR = tmp_path / "documents"


def waiting_number(tenants, e164: str = DE_BERLIN[0], client=None) -> Number:
    number = services.number_purchase(actor=tenants.a.owner_actor, numbers=[e164], client=client).numbers.get()
    services.number_provision(number_id=number.pk)
    number.refresh_from_db()
    assert number.status == Number.Status.PENDING_REGULATORY
    return number


def create_link(http, number: Number) -> str:
    page = http.get(f"/numbers/mine/{number.pk}/").content.decode()
    start = page.index('href="/numbers/compliance/?new=1')
    return html.unescape(page[start + 6 : page.index('"', start + 6)]).split("#")[0]


def fields_from(form, **extra) -> dict:
    """What a person posts after the prefilled form: the prefilled values, their own details, and the hidden
    field naming the number."""
    data = {key: value for key, value in form.initial.items()} | PROFILE_FIELDS | extra
    return data


def test_a_profile_created_from_a_waiting_numbers_page_is_attached_to_it(tenants, stock, owner, staff_actor):
    number = waiting_number(tenants, client=tenants.x)
    link = create_link(owner, number)
    assert f"number={number.pk}" in link

    page = owner.get(link)
    assert 'data-testid="profile-for-number"' in page.content.decode()
    assert f'name="number" value="{number.pk}"' in page.content.decode()
    response = owner.post("/numbers/compliance/", fields_from(page.context["form"], number=str(number.pk)))

    profile = ComplianceProfile.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/numbers/compliance/{profile.pk}/"
    number.refresh_from_db()
    assert number.compliance_profile == profile and profile.client == tenants.x
    assert number.status == Number.Status.PENDING_REGULATORY  # until the profile is approved
    audit = AuditLog.objects.get(action="number.updated", subject_id=number.public_id)
    assert audit.after == {"compliance_profile": profile.public_id}
    profile_page = owner.get(response["Location"]).content.decode()
    assert "attached to" in profile_page and number.e164[3:] in profile_page.replace(" ", "")
    banner = owner.get(f"/numbers/mine/{number.pk}/").content.decode()
    assert "is not submitted yet" in banner and "Create a profile for it" not in banner

    regulatory.profile_documents_add(actor=tenants.a.owner_actor, profile=profile, uploads=_documents())
    regulatory.profile_submit(actor=tenants.a.owner_actor, profile=profile)
    regulatory.profile_approve(actor=staff_actor, profile=ComplianceProfile.objects.get())
    number.refresh_from_db()
    assert number.status == Number.Status.PROVISIONING  # on its way live, as with any attached profile


def test_a_new_profile_that_does_not_cover_the_number_is_refused_and_nothing_is_created(tenants, stock, owner):
    number = waiting_number(tenants)
    page = owner.get(create_link(owner, number))

    response = owner.post(
        "/numbers/compliance/",
        fields_from(page.context["form"], number=str(number.pk), number_types=["mobile"]),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "does not cover" in response.content.decode()
    assert not ComplianceProfile.objects.exists()
    number.refresh_from_db()
    assert number.compliance_profile is None


def test_a_client_admin_creates_and_attaches_a_profile_for_its_own_number_only(tenants, stock):
    number = waiting_number(tenants, client=tenants.x)
    other = waiting_number(tenants, e164=DE_BERLIN[1], client=tenants.y)
    x_admin = login(tenants.x_admin_email)
    page = x_admin.get(create_link(x_admin, number))

    assert x_admin.get(f"/numbers/compliance/?new=1&number={other.pk}").status_code == 404
    refused = x_admin.post("/numbers/compliance/", fields_from(page.context["form"], number=str(other.pk)))
    assert refused.status_code == 404 and not ComplianceProfile.objects.exists()

    x_admin.post("/numbers/compliance/", fields_from(page.context["form"], number=str(number.pk)))
    number.refresh_from_db()
    other.refresh_from_db()
    assert number.compliance_profile == ComplianceProfile.objects.get() and other.compliance_profile is None


def test_a_number_no_longer_waiting_is_left_as_it_is(tenants, stock, owner):
    number = waiting_number(tenants)
    page = owner.get(create_link(owner, number))
    Number.objects.filter(pk=number.pk).update(status=Number.Status.ACTIVE)

    owner.post("/numbers/compliance/", fields_from(page.context["form"], number=str(number.pk)))

    number.refresh_from_db()
    assert ComplianceProfile.objects.count() == 1 and number.compliance_profile is None


def _documents():
    from tests.numbers.regulatory_fixtures import uploads

    return uploads("company_registration", "proof_of_address")
