"""The compliance upload asks for what the requirement needs: the first missing document is preselected
and named, each missing one has a link that preselects it, and a waiting number's banner says which are
still needed."""

from __future__ import annotations

import re

import pytest

from numbers_app import services
from numbers_app.models import Country
from numbers_app.regulatory.models import DocumentRequirement
from tests.numbers.conftest import DE_BERLIN
from tests.numbers.regulatory_fixtures import make_profile, pdf

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.REGULATORY_DOCUMENTS_DIR = tmp_path / "documents"


def selected(content: str) -> str:
    select = re.search(r'<select name="document_type".*?</select>', content, re.S).group(0)
    return re.search(r'<option value="([^"]+)"[^>]* selected>', select).group(1)


def test_the_upload_form_preselects_and_names_the_first_document_still_needed(tenants, stock, owner):
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)  # a business in DE: two documents
    page = owner.get(f"/numbers/compliance/{profile.pk}/").content.decode()
    assert selected(page) == "company_registration"
    assert '<optgroup label="Needed for this profile">' in page
    assert "Still needed: Company registration extract, Proof of address (less than 3 months old)." in page

    upload = f"/numbers/compliance/{profile.pk}/upload/"
    after = owner.post(upload, {"document_type": "company_registration", "file": pdf("hr.pdf")}, headers=HTMX)
    content = after.content.decode()
    assert selected(content) == "proof_of_address"
    assert "Still needed: Proof of address (less than 3 months old)." in content

    owner.post(upload, {"document_type": "proof_of_address", "file": pdf("bill.pdf")}, headers=HTMX)
    done = owner.get(f"/numbers/compliance/{profile.pk}/").content.decode()
    assert "Still needed" not in done and "<optgroup" not in done


def test_a_person_is_asked_for_an_identity_document_first(tenants, stock, owner):
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    profile.end_user_type = "person"
    profile.save(update_fields=["end_user_type"])
    assert selected(owner.get(f"/numbers/compliance/{profile.pk}/").content.decode()) == "id_document"


def test_each_missing_document_links_to_the_form_with_it_preselected(tenants, stock, owner):
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    page = owner.get(f"/numbers/compliance/{profile.pk}/").content.decode()
    link = re.search(r'<li class="todo" data-document-type="proof_of_address">.*?</li>', page, re.S).group(0)
    assert f'href="/numbers/compliance/{profile.pk}/?document_type=proof_of_address#upload-form"' in link
    assert f'hx-get="/numbers/compliance/{profile.pk}/?document_type=proof_of_address"' in link
    chosen = owner.get(f"/numbers/compliance/{profile.pk}/", {"document_type": "proof_of_address"}, headers=HTMX)
    assert selected(chosen.content.decode()) == "proof_of_address"
    unknown = owner.get(f"/numbers/compliance/{profile.pk}/", {"document_type": "passport<script>"})
    assert selected(unknown.content.decode()) == "company_registration"


def test_staff_rules_decide_what_is_asked_for_and_their_notes_are_shown(tenants, stock, owner):
    Country.objects.get_or_create(code="DE", defaults={"name": "Germany", "dial_code": "+49"})
    DocumentRequirement.objects.create(country_id="DE", document_type="id_document", note="Of the managing director.")
    DocumentRequirement.objects.create(
        country_id="DE", document_type="proof_of_address", note="An address in the area of the number."
    )
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    page = owner.get(f"/numbers/compliance/{profile.pk}/").content.decode()
    assert selected(page) == "id_document"
    assert "Of the managing director." in page and "An address in the area of the number." in page
    assert 'data-document-type="company_registration"' not in page


def test_a_waiting_numbers_banner_names_what_its_profile_still_needs(tenants, stock, owner):
    profile, _ = make_profile(tenants.a.owner_actor, documents=False)
    number = services.number_purchase(
        actor=tenants.a.owner_actor, numbers=[DE_BERLIN[2]], compliance_profile_id=profile.pk
    ).numbers.get()
    services.number_provision(number_id=number.pk)
    page = owner.get(f"/numbers/mine/{number.pk}/").content.decode()
    assert "Still needed: Company registration extract, Proof of address (less than 3 months old)." in page
    assert f'href="/numbers/compliance/{profile.pk}/?document_type=company_registration#upload-form"' in page
