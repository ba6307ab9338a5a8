"""/api/v3's regulatory vault, read and written through the official ``didww`` SDK against the live server:
proof types, supporting document templates and address requirements from our compliance rules."""

from __future__ import annotations

import json

import pytest

from numbers_app.models import Country
from numbers_app.regulatory.models import ComplianceProfile, DocumentRequirement
from portal.errors import ValidationFailed
from tests.numbers.regulatory_fixtures import make_profile

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


# --- Identities and addresses --------------------------------------------------------------------


def _identity(kind: str = "business", country: str = "DE", **attributes):
    from didww.resources.country import Country as SdkCountry
    from didww.resources.identity import Identity

    identity = Identity()
    identity.identity_type = kind
    for name, value in attributes.items():
        setattr(identity, name, value)
    identity.country = SdkCountry.build(country)
    return identity


def _address(identity_id: str, country: str = "DE", **attributes):
    from didww.resources.address import Address
    from didww.resources.country import Country as SdkCountry
    from didww.resources.identity import Identity

    address = Address()
    for name, value in attributes.items():
        setattr(address, name, value)
    address.country = SdkCountry.build(country)
    address.identity = Identity.build(identity_id)
    return address


BERLIN = {"address": "Friedrichstraße 1", "city_name": "Berlin", "postal_code": "10117"}


def test_an_identity_and_its_address_are_a_draft_compliance_profile(tenants, stock, sdk):
    from didww.enums import IdentityType
    from didww.query_params import QueryParams

    client = sdk(tenants.x_key)
    created = (
        client.identities()
        .create(_identity(company_name="Xylo Dental GmbH", company_reg_number="HRB 12345", phone_number="4930123456"))
        .data
    )
    profile = ComplianceProfile.objects.get(pk=int(created.id.removeprefix("cpr_")))
    assert (profile.client, profile.account, profile.status) == (tenants.x, tenants.a.account, "draft")
    assert (profile.end_user_type, profile.name, profile.registration_number) == (
        "business", "Xylo Dental GmbH", "HRB 12345",
    )  # fmt: skip
    assert profile.address_country == "DE" and profile.street == ""
    assert profile.covers(country="NL", number_type="mobile")  # every country and type sold
    assert created.identity_type == IdentityType.BUSINESS and created.verified is False
    assert created.phone_number is None  # accepted, not kept

    address = client.addresses().create(_address(created.id, **BERLIN)).data
    assert (address.id, address.address, address.city_name) == (created.id, "Friedrichstraße 1", "Berlin")
    profile.refresh_from_db()
    assert (profile.street, profile.postal_code, profile.city) == ("Friedrichstraße 1", "10117", "Berlin")

    found = client.identities().find(created.id, QueryParams().include("addresses", "country")).data
    assert [a.postal_code for a in found.addresses] == ["10117"] and found.country.iso == "DE"
    assert [a.id for a in client.addresses().list().data] == [created.id]

    # An address of one identity only: a second one is refused.
    assert _status(lambda: client.addresses().create(_address(created.id, **BERLIN))) == 409


def test_identities_and_addresses_change_and_go_while_the_profile_is_a_draft(tenants, stock, sdk):
    from didww.resources.address import Address
    from didww.resources.identity import Identity

    client = sdk(tenants.a.key)
    person = client.identities().create(_identity("personal", "NL", first_name="Anna", last_name="de Vries")).data
    assert (person.first_name, person.last_name) == ("Anna de", "Vries")  # the last word is the last name
    change = Identity.build(person.id)
    change.first_name = "Anna"
    change.last_name = "Vries"
    assert client.identities().update(change).data.first_name == "Anna"
    assert ComplianceProfile.objects.get(pk=int(person.id[4:])).name == "Anna Vries"

    client.addresses().create(_address(person.id, "NL", address="Damrak 1", city_name="Amsterdam", postal_code="1012"))
    move = Address.build(person.id)
    move.postal_code = "1012 LG"
    assert client.addresses().update(move).data.postal_code == "1012 LG"
    client.addresses().delete(person.id)
    assert _status(lambda: client.addresses().find(person.id)) == 404
    assert ComplianceProfile.objects.get(pk=int(person.id[4:])).street == ""

    client.identities().delete(person.id)
    assert not ComplianceProfile.objects.filter(pk=int(person.id[4:])).exists()


def test_an_identity_under_review_cannot_change(tenants, stock, sdk):
    from didww.resources.identity import Identity

    profile, _doc = make_profile(tenants.a.owner_actor, submit=True)
    client = sdk(tenants.a.key)
    change = Identity.build(profile.public_id)
    change.company_name = "Other GmbH"
    assert _status(lambda: client.identities().update(change)) == 422
    assert _status(lambda: client.identities().delete(profile.public_id)) == 422
    assert _status(lambda: client.addresses().delete(profile.public_id)) == 422
    profile.refresh_from_db()
    assert profile.name == "Xylo Dental GmbH" and profile.street


def test_a_profile_without_an_address_cannot_be_submitted(tenants, stock, sdk):
    from numbers_app.regulatory import services as regulatory

    client = sdk(tenants.a.key)
    created = client.identities().create(_identity(company_name="Xylo Dental GmbH")).data
    profile = ComplianceProfile.objects.get(pk=int(created.id[4:]))
    with pytest.raises(ValidationFailed) as refused:
        regulatory.profile_submit(actor=tenants.a.owner_actor, profile=profile)
    assert set(refused.value.fields) == {"street", "postal_code", "city"}
    profile.refresh_from_db()
    assert profile.status == "draft"


def test_bad_identity_and_address_documents_point_at_the_field(tenants, stock, api_as):
    api = api_as(tenants.a.key, header="Api-Key")
    headers = {"Content-Type": "application/vnd.api+json", "Accept": "application/vnd.api+json"}

    def post(path, data):
        response = api.http.post(
            path, data=json.dumps({"data": data}), content_type="application/vnd.api+json",
            headers={"Api-Key": tenants.a.key, "Accept": headers["Accept"]},
        )  # fmt: skip
        return response.status_code, sorted(e["source"]["pointer"] for e in response.json()["errors"])

    country = {"country": {"data": {"type": "countries", "id": "DE"}}}
    assert post("/api/v3/identities", {"type": "identities", "attributes": {"identity_type": "personal"}}) == (
        422, ["/data/attributes/first_name", "/data/attributes/last_name"],
    )  # fmt: skip
    assert post(
        "/api/v3/identities", {"type": "identities", "attributes": {"identity_type": "robot"}, "relationships": country}
    ) == (422, ["/data/attributes/identity_type"])
    assert post(
        "/api/v3/identities", {"type": "identities", "attributes": {"identity_type": "business", "company_name": "X"}}
    ) == (422, ["/data/relationships/country"])
    assert ComplianceProfile.objects.count() == 0

    profile = ComplianceProfile.objects.create(
        account=tenants.a.account, end_user_type="business", name="X", address_country="DE",
        countries=["DE"], number_types=["local"],
    )  # fmt: skip
    identity = {"identity": {"data": {"type": "identities", "id": profile.public_id}}}
    assert post(
        "/api/v3/addresses",
        {"type": "addresses", "attributes": {"address": "Damrak 1"}, "relationships": {**identity, **country}},
    ) == (422, ["/data/attributes/city_name", "/data/attributes/postal_code"])
    profile.refresh_from_db()
    assert profile.street == ""


def test_identities_and_addresses_stay_with_their_owner(tenants, stock, sdk):
    mine, _doc = make_profile(tenants.a.owner_actor, client=tenants.x)
    own, _doc = make_profile(tenants.a.owner_actor)  # the reseller's own profile
    others, _doc = make_profile(tenants.b.owner_actor)
    client_sdk, reseller_sdk, other_sdk = sdk(tenants.x_key), sdk(tenants.a.key), sdk(tenants.b.key)
    assert [i.id for i in client_sdk.identities().list().data] == [mine.public_id]
    assert {a.id for a in reseller_sdk.addresses().list().data} == {mine.public_id, own.public_id}
    assert [i.id for i in other_sdk.identities().list().data] == [others.public_id]
    assert _status(lambda: client_sdk.identities().find(own.public_id)) == 404
    assert _status(lambda: other_sdk.addresses().delete(mine.public_id)) == 404
    assert _status(lambda: other_sdk.addresses().create(_address(mine.public_id, **BERLIN))) == 404
    assert _status(lambda: client_sdk.identities().delete(own.public_id)) == 404
    assert ComplianceProfile.objects.filter(pk__in=[mine.pk, own.pk]).count() == 2
