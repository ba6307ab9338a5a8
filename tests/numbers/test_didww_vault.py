"""/api/v3's regulatory vault, read and written through the official ``didww`` SDK against the live server:
proof types, supporting document templates and address requirements from our compliance rules."""

from __future__ import annotations

import pytest

from numbers_app.models import Country
from numbers_app.regulatory.models import DocumentRequirement

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sdk(live_server):
    from didww.client import DidwwClient

    return lambda key: DidwwClient(api_key=key, base_url=live_server.url + "/api/v3")


def _status(call) -> int:
    with pytest.raises(Exception) as refused:
        call()
    return refused.value.status_code


def test_the_sdk_lists_proof_types_one_per_document_kind_of_a_profile(tenants, sdk):
    from didww.query_params import QueryParams

    client = sdk(tenants.a.key)
    kinds = {p.id: (p.name, p.entity_type) for p in client.proof_types().list().data}
    assert kinds == {
        "id_document": ("Identity document (passport or ID card)", "Personal"),
        "company_registration": ("Company registration extract", "Business"),
        "proof_of_address": ("Proof of address (less than 3 months old)", "Address"),
        "other": ("Other supporting document", "Personal"),
    }
    address = client.proof_types().list(QueryParams().filter("entity_type", "Address")).data
    assert [p.id for p in address] == ["proof_of_address"]
    assert client.proof_types().find("company_registration").data.entity_type == "Business"
    assert _status(lambda: client.proof_types().find("letter_of_authorization")) == 404


def test_there_are_no_supporting_document_templates(tenants, sdk):
    client = sdk(tenants.x_key)
    page = client.supporting_document_templates().list()
    assert page.data == [] and page.meta["total_records"] == 0
    assert _status(lambda: client.supporting_document_templates().find("1")) == 404


def test_address_requirements_follow_the_default_rules_for_groups_that_need_documents(tenants, stock, sdk):
    from didww.enums import AreaLevel, IdentityType
    from didww.query_params import QueryParams

    client = sdk(tenants.a.key)
    requirements = client.address_requirements().list(QueryParams().include("country", "business_proof_types")).data
    assert [r.id for r in requirements] == ["DE-local"]  # only Berlin's group needs documents
    berlin = requirements[0]
    assert berlin.country.iso == "DE" and berlin.identity_type == IdentityType.ANY
    assert berlin.address_area_level == AreaLevel.WORLDWIDE
    assert (berlin.personal_proof_qty, berlin.business_proof_qty, berlin.address_proof_qty) == (1, 1, 1)
    assert [p.id for p in berlin.business_proof_types] == ["company_registration"]
    found = client.address_requirements().find("DE-local", QueryParams().include("address_proof_types")).data
    assert [p.id for p in found.address_proof_types] == ["proof_of_address"]
    assert _status(lambda: client.address_requirements().find("GB-local")) == 404


def test_address_requirements_follow_staffs_rules_for_a_country(tenants, stock, sdk):
    from didww.query_params import QueryParams

    de = Country.objects.get(code="DE")
    DocumentRequirement.objects.create(country=de, document_type="id_document")
    DocumentRequirement.objects.create(country=de, end_user_type="business", document_type="company_registration")
    client = sdk(tenants.x_key)  # a client key reads the same rules
    params = QueryParams().filter("country.id", "DE").include("personal_proof_types", "business_proof_types")
    (berlin,) = client.address_requirements().list(params).data
    assert [p.id for p in berlin.personal_proof_types] == ["id_document"]
    assert sorted(p.id for p in berlin.business_proof_types) == ["company_registration", "id_document"]
    assert berlin.address_proof_qty == 0  # staff's rules for Germany ask for no proof of address
    assert client.address_requirements().list(QueryParams().filter("country.id", "NL")).data == []
